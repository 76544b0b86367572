package trust

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// Listener serves TLS and plain HTTP on one port: a connection whose first
// byte starts a TLS handshake gets TLS, others plain HTTP, but plain HTTP only
// from this computer (loopback), for scripts on the manager's own computer,
// unless plain HTTP is allowed from everywhere. A plain request from another
// computer is answered 426 with a message that says to use https: a client
// of an earlier version gets a clear error, not a hang, and a token sent in
// clear is never read.
type Listener struct {
	inner      net.Listener
	conf       *tls.Config
	allowPlain bool
	conns      chan net.Conn
	errs       chan error
	done       chan struct{}
	closeOnce  sync.Once
}

// sniffTimeout bounds how long a new connection may take to send its first
// byte before it is dropped.
const sniffTimeout = 10 * time.Second

// tlsHandshake is the first byte of every TLS connection (a handshake record).
const tlsHandshake = 0x16

// NewListener wraps inner; id is the manager's identity. allowPlain lets
// plain HTTP in from other computers too (an explicit setting for studios
// that accept the risk).
func NewListener(inner net.Listener, id *Identity, allowPlain bool) *Listener {
	l := &Listener{inner: inner, conf: ServerConfig(id), allowPlain: allowPlain,
		conns: make(chan net.Conn), errs: make(chan error, 1), done: make(chan struct{})}
	go l.acceptLoop()
	return l
}

func (l *Listener) acceptLoop() {
	for {
		c, err := l.inner.Accept()
		if err != nil {
			select {
			case l.errs <- err:
			case <-l.done:
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue // http.Server retries these; keep accepting
			}
			return
		}
		go l.sniff(c)
	}
}

// sniff reads a connection's first byte and hands it on as TLS or plain, or
// refuses it.
func (l *Listener) sniff(c net.Conn) {
	var first [1]byte
	// A deadline fails to set only on a closed connection: nothing to hand on.
	if err := c.SetReadDeadline(time.Now().Add(sniffTimeout)); err != nil {
		c.Close()
		return
	}
	if _, err := io.ReadFull(c, first[:]); err != nil {
		c.Close()
		return
	}
	if err := c.SetReadDeadline(time.Time{}); err != nil {
		c.Close()
		return
	}
	pc := &peekedConn{Conn: c, r: io.MultiReader(bytes.NewReader(first[:]), c)}
	var out net.Conn
	switch {
	case first[0] == tlsHandshake:
		out = tls.Server(pc, l.conf)
	case l.allowPlain || isLoopback(c.RemoteAddr()):
		out = pc
	default:
		refusePlain(pc)
		return
	}
	select {
	case l.conns <- out:
	case <-l.done:
		c.Close()
	}
}

// refusePlain answers a plain HTTP request from another computer and closes.
func refusePlain(c net.Conn) {
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(sniffTimeout)); err != nil {
		return // closed already: nobody to answer
	}
	body := fmt.Sprintf(`{"message":%q}`, "this Farmhand manager speaks HTTPS only to other computers: "+
		"use https://"+c.LocalAddr().String()+" with its fingerprint (a Farmhand older than this manager cannot connect: update it)")
	fmt.Fprintf(c, "HTTP/1.1 426 Upgrade Required\r\nUpgrade: TLS/1.2, HTTP/1.1\r\nContent-Type: application/json\r\n"+
		"Content-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
}

func isLoopback(a net.Addr) bool {
	if tcp, ok := a.(*net.TCPAddr); ok {
		return tcp.IP.IsLoopback()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Accept returns the next connection, TLS or (from loopback) plain.
func (l *Listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case err := <-l.errs:
		return nil, err
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close stops accepting; connections handed out stay open.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.inner.Close()
}

// Addr is the address listened on.
func (l *Listener) Addr() net.Addr { return l.inner.Addr() }

// peekedConn is a connection whose first bytes were read already and are
// read again through r.
type peekedConn struct {
	net.Conn
	r io.Reader
}

func (c *peekedConn) Read(p []byte) (int, error) { return c.r.Read(p) }
