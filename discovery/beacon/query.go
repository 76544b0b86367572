package beacon

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/mdns"
)

// Entry is one answer to a query.
type Entry struct {
	Instance string // full instance name, e.g. "farmhand-3f9c0a17._farmhand._tcp.local."
	Host     string // target host name
	Port     int
	Addrs    []netip.Addr // every address the responder advertised, in its order
	TXT      []string     // raw "key=value" strings, without addrsKey
}

// Query asks once for instances of serviceType and returns the answers that
// arrived within timeout. It always takes the whole timeout, even when ctx
// ends (hashicorp/mdns then closes its sockets but still waits), so keep it
// short.
//
// The answers are read only after the library is done with them: it keeps
// writing to an entry it has already handed over when a duplicate answer
// arrives, which would race with a reader.
func Query(ctx context.Context, opts Options, serviceType string, timeout time.Duration) ([]Entry, error) {
	ch := make(chan *mdns.ServiceEntry, 256) // the library drops answers when this is full
	err := mdns.QueryContext(ctx, &mdns.QueryParam{
		Service:     serviceType,
		Domain:      "local",
		Timeout:     timeout,
		Interface:   opts.Interface,
		Entries:     ch,
		DisableIPv6: true, // IPv4 reaches every studio network; v6 sockets only add noise
		Logger:      opts.stdLogger(),
	})
	close(ch)
	if err != nil {
		return nil, fmt.Errorf("mDNS query for %s: %w", serviceType, classify(err))
	}
	var out []Entry
	for se := range ch {
		out = append(out, entryFrom(se))
	}
	return out, nil
}

func entryFrom(se *mdns.ServiceEntry) Entry {
	e := Entry{Instance: se.Name, Host: se.Host, Port: se.Port}
	for _, raw := range se.InfoFields {
		t := unescapeTXT(raw)
		if list, ok := strings.CutPrefix(t, addrsKey+"="); ok {
			e.Addrs = appendAddrs(e.Addrs, strings.Split(list, ",")...)
			continue
		}
		e.TXT = append(e.TXT, t)
	}
	// The records themselves, in case the responder is not ours.
	if se.AddrV4 != nil {
		e.Addrs = appendAddrs(e.Addrs, se.AddrV4.String())
	}
	if se.AddrV6IPAddr != nil && se.AddrV6IPAddr.Zone == "" {
		e.Addrs = appendAddrs(e.Addrs, se.AddrV6IPAddr.IP.String())
	}
	return e
}

// appendAddrs adds the parseable, not yet listed addresses.
func appendAddrs(addrs []netip.Addr, strs ...string) []netip.Addr {
	for _, s := range strs {
		a, err := netip.ParseAddr(s)
		if err != nil {
			continue
		}
		a = a.Unmap()
		if !slices.Contains(addrs, a) {
			addrs = append(addrs, a)
		}
	}
	return addrs
}
