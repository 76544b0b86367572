package beacon

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
)

// LocalAddrs lists the addresses worth advertising: those of ifi, or of every
// interface that is up when ifi is nil. IPv6 link-local addresses are left
// out (they are useless without a zone), and so are loopback addresses unless
// there is nothing else, which happens in a namespace with only lo.
func LocalAddrs(ifi *net.Interface) ([]netip.Addr, error) {
	prefixes, err := interfacePrefixes(ifi)
	if err != nil {
		return nil, err
	}
	var addrs, loopback []netip.Addr
	for _, p := range prefixes {
		a := p.Addr()
		switch {
		case a.Is6() && a.IsLinkLocalUnicast(), a.IsMulticast(), a.IsUnspecified():
		case a.IsLoopback():
			loopback = append(loopback, a)
		default:
			addrs = append(addrs, a)
		}
	}
	if len(addrs) == 0 {
		addrs = loopback
	}
	// IPv4 first: it is what a studio network is most likely to route.
	slices.SortStableFunc(addrs, func(a, b netip.Addr) int { return TrueFirst(a.Is4(), b.Is4()) })
	return addrs, nil
}

// LocalPrefixes lists the networks this host is directly attached to, so a
// browser can prefer a peer's address on one of them.
func LocalPrefixes() ([]netip.Prefix, error) { return interfacePrefixes(nil) }

// interfacePrefixes returns the addresses of ifi, or of all up interfaces.
func interfacePrefixes(ifi *net.Interface) ([]netip.Prefix, error) {
	ifaces := []net.Interface{}
	if ifi != nil {
		ifaces = append(ifaces, *ifi)
	} else {
		all, err := net.Interfaces()
		if err != nil {
			return nil, fmt.Errorf("list network interfaces: %w", err)
		}
		ifaces = all
	}
	var out []netip.Prefix
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			return nil, fmt.Errorf("addresses of %s: %w", ifc.Name, err)
		}
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok {
				if p, err := netip.ParsePrefix(n.String()); err == nil {
					out = append(out, netip.PrefixFrom(p.Addr().Unmap(), p.Bits()))
				}
			}
		}
	}
	return out, nil
}

// TrueFirst orders true before false, for slices.SortFunc.
func TrueFirst(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	default:
		return 1
	}
}
