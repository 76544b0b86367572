//go:build !windows

package wol

import (
	"context"
	"net"
	"syscall"
)

// dialBroadcast opens a UDP socket to raddr with SO_BROADCAST set, without
// which the kernel refuses to send to a broadcast address.
func dialBroadcast(ctx context.Context, raddr *net.UDPAddr) (net.Conn, error) {
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_BROADCAST, 1)
		}); err != nil {
			return err
		}
		return serr
	}}
	return d.DialContext(ctx, "udp4", raddr.String())
}
