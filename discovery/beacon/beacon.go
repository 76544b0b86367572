package beacon

import (
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net"
	"strings"
	"syscall"
)

// ErrNoMulticast is returned (wrapped) when mDNS cannot open or use its
// multicast sockets, which on Linux nearly always means a missing route.
var ErrNoMulticast = errors.New("mDNS needs a multicast route; add one " +
	"(ip route add 224.0.0.0/4 dev IFACE), bind discovery to an interface that has one, " +
	"or switch discovery off")

// Options are the transport settings shared by the responder and queries.
type Options struct {
	// Interface is the network interface to use; nil means the system's
	// default multicast interface (the one the 224.0.0.0/4 route uses).
	Interface *net.Interface
	// Logger receives the library's own messages at debug level; nil discards them.
	Logger *slog.Logger
}

// stdLogger adapts Options.Logger for hashicorp/mdns, which is chatty about
// harmless things (for example an IPv6 socket it could not open).
func (o Options) stdLogger() *log.Logger {
	l := o.Logger
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	return slog.NewLogLogger(l.With("lib", "hashicorp/mdns").Handler(), slog.LevelDebug)
}

// InterfaceByName resolves a configured interface name; "" means nil (the default).
func InterfaceByName(name string) (*net.Interface, error) {
	if name == "" {
		return nil, nil
	}
	ifi, err := net.InterfaceByName(name)
	if err != nil {
		return nil, fmt.Errorf("mDNS interface %q: %w", name, err)
	}
	if ifi.Flags&net.FlagUp == 0 {
		return nil, fmt.Errorf("mDNS interface %q is down", name)
	}
	return ifi, nil
}

// classify marks the errors that mean "no usable multicast" with
// ErrNoMulticast. hashicorp/mdns returns most of them as plain strings that
// mention multicast; the rest are errnos from setsockopt or sendto.
func classify(err error) error {
	if err == nil {
		return nil
	}
	if strings.Contains(err.Error(), "multicast") ||
		errors.Is(err, syscall.ENODEV) || errors.Is(err, syscall.ENETUNREACH) {
		return fmt.Errorf("%w: %w", ErrNoMulticast, err)
	}
	return err
}
