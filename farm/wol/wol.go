// Package wol wakes sleeping computers with Wake-on-LAN magic packets, and
// puts this computer to sleep. A magic packet is six 0xFF bytes then the
// target's MAC address sixteen times (AMD's Magic Packet format, which every
// network card with Wake-on-LAN understands), sent by UDP to a broadcast
// address so that the sleeping card sees it without an ARP entry.
package wol

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strconv"
)

// Port is the UDP port magic packets go to: 9 (discard), as most tools send.
const Port = 9

// PacketLen is the length of a magic packet in bytes: 6 + 16×6.
const PacketLen = 102

// MagicPacket returns the magic packet for mac, a 6-byte (EUI-48) address in
// any form net.ParseMAC reads ("aa:bb:cc:dd:ee:ff", "aa-bb-…"). The error
// says when mac is not such an address.
func MagicPacket(mac string) ([]byte, error) {
	hw, err := net.ParseMAC(mac)
	if err != nil {
		return nil, fmt.Errorf("MAC address %q: %w", mac, err)
	}
	if len(hw) != 6 {
		return nil, fmt.Errorf("MAC address %q: Wake-on-LAN needs a 6-byte address, not %d bytes", mac, len(hw))
	}
	p := bytes.Repeat([]byte{0xFF}, 6)
	return append(p, bytes.Repeat(hw, 16)...), nil
}

// Send sends mac's magic packet by UDP to target, an address with or
// without a port ("192.168.1.255", "192.168.1.255:9"; Port when none). The
// socket may broadcast, which a subnet's broadcast address needs.
func Send(ctx context.Context, mac, target string) error {
	p, err := MagicPacket(mac)
	if err != nil {
		return err
	}
	if _, _, err := net.SplitHostPort(target); err != nil {
		target = net.JoinHostPort(target, strconv.Itoa(Port))
	}
	raddr, err := net.ResolveUDPAddr("udp4", target)
	if err != nil {
		return fmt.Errorf("waking %s: resolving %s: %w", mac, target, err)
	}
	conn, err := dialBroadcast(ctx, raddr)
	if err != nil {
		return fmt.Errorf("waking %s: opening a UDP socket to %s: %w", mac, target, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetWriteDeadline(dl) // best effort: a UDP write rarely blocks
	}
	if _, err := conn.Write(p); err != nil {
		return fmt.Errorf("waking %s: sending to %s: %w", mac, target, err)
	}
	return nil
}

// Broadcasts returns the IPv4 broadcast addresses of this computer's
// interfaces that are up and can broadcast (loopback excluded), each with
// Port: where the manager sends magic packets, since a sleeping worker's
// card listens on its own subnet.
func Broadcasts() ([]string, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("listing network interfaces: %w", err)
	}
	var out []string
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagBroadcast == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if b := broadcastOf(a); b != nil {
				out = append(out, net.JoinHostPort(b.String(), strconv.Itoa(Port)))
			}
		}
	}
	return out, nil
}

func broadcastOf(a net.Addr) net.IP {
	n, ok := a.(*net.IPNet)
	if !ok {
		return nil
	}
	ip4 := n.IP.To4()
	if ip4 == nil || len(n.Mask) != net.IPv4len {
		return nil
	}
	b := make(net.IP, net.IPv4len)
	for i := range ip4 {
		b[i] = ip4[i] | ^n.Mask[i]
	}
	return b
}

// MACs returns the hardware addresses of this computer's interfaces that
// have an IPv4 address and can broadcast: those a magic packet can reach.
// Each appears once, in net.HardwareAddr's form ("aa:bb:cc:dd:ee:ff").
func MACs() ([]string, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("listing network interfaces: %w", err)
	}
	var out []string
	for _, ifc := range ifs {
		if len(ifc.HardwareAddr) != 6 || ifc.Flags&net.FlagBroadcast == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if broadcastOf(a) != nil {
				out = append(out, ifc.HardwareAddr.String())
				break
			}
		}
	}
	return out, nil
}
