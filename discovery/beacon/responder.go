package beacon

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"

	"github.com/hashicorp/mdns"
	"github.com/miekg/dns"
)

// addrsKey is the TXT key that carries every advertised address, because
// hashicorp/mdns's Query keeps only one A and one AAAA record per answer.
const addrsKey = "addrs"

// Service is one DNS-SD service instance to advertise.
type Service struct {
	Instance string       // instance label, unique on the network, e.g. "farmhand-3f9c0a17"
	Type     string       // service type, e.g. "_farmhand._tcp"
	Host     string       // host label for the A/AAAA records; ".local." is added
	Port     int          // TCP port
	Addrs    []netip.Addr // addresses to advertise; none means "answer nothing for now"
	TXT      []string     // raw "key=value" strings; addrsKey is reserved
}

// Responder answers mDNS queries for one service until Close.
type Responder struct {
	server *mdns.Server
	zone   zone
}

// zone lets Update swap the served records while the server keeps running.
type zone struct {
	svc atomic.Pointer[mdns.MDNSService]
}

func (z *zone) Records(q dns.Question) []dns.RR {
	if s := z.svc.Load(); s != nil {
		return s.Records(q)
	}
	return nil
}

// Listen starts answering queries for svc.
func Listen(opts Options, svc Service) (*Responder, error) {
	r := &Responder{}
	if err := r.Update(svc); err != nil {
		return nil, err
	}
	server, err := mdns.NewServer(&mdns.Config{Zone: &r.zone, Iface: opts.Interface, Logger: opts.stdLogger()})
	if err != nil {
		return nil, fmt.Errorf("mDNS responder: %w", classify(err))
	}
	r.server = server
	return r, nil
}

// Update replaces the advertised records, for example after an address change.
func (r *Responder) Update(svc Service) error {
	if len(svc.Addrs) == 0 {
		// hashicorp/mdns would look the host name up instead, which in a
		// namespace or container finds the wrong addresses.
		r.zone.svc.Store(nil)
		return nil
	}
	ips := make([]net.IP, len(svc.Addrs))
	strs := make([]string, len(svc.Addrs))
	for i, a := range svc.Addrs {
		ips[i] = a.AsSlice()
		strs[i] = a.String()
	}
	txt := make([]string, 0, len(svc.TXT)+1)
	for _, t := range svc.TXT {
		if strings.HasPrefix(t, addrsKey+"=") {
			return fmt.Errorf("mDNS TXT key %q is reserved", addrsKey)
		}
		if len(t) > 255 {
			return fmt.Errorf("mDNS TXT string longer than 255 bytes: %.40q…", t)
		}
		txt = append(txt, escapeTXT(t))
	}
	txt = append(txt, addrsKey+"="+strings.Join(strs, ","))
	ms, err := mdns.NewMDNSService(svc.Instance, svc.Type, "local.", svc.Host+".local.", svc.Port, ips, txt)
	if err != nil {
		return fmt.Errorf("mDNS service %q: %w", svc.Instance, err)
	}
	r.zone.svc.Store(ms)
	return nil
}

// Close stops answering.
func (r *Responder) Close() error { return r.server.Shutdown() }
