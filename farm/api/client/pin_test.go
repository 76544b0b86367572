package client

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"

	"farmhand/farm/trust"
)

// serveTLS serves a stand-in version route behind the manager's listener.
func serveTLS(t *testing.T) (url string, id *trust.Identity) {
	t.Helper()
	id, err := trust.LoadOrCreate(t.TempDir(), "test")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"name":"farmhand","version":"test","api_version":1,"manager_id":"m1"}`) // the client judges what arrived
	})}
	go func() { _ = srv.Serve(trust.NewListener(ln, id, false)) }() // ErrServerClosed at cleanup

	t.Cleanup(func() { srv.Close() })
	return "https://" + ln.Addr().String(), id
}

// A client with a join code's prefix of the fingerprint gets through, and
// learns the whole fingerprint; its copies share the pin.
func TestPinnedClient(t *testing.T) {
	url, id := serveTLS(t)
	ctx := context.Background()
	c := New(url).WithPin(trust.Fingerprint(id.Fingerprint[:trust.PrefixLen]))
	if _, err := c.WithToken("t").Version(ctx); err != nil {
		t.Fatal(err)
	}
	if c.Fingerprint() != id.Fingerprint {
		t.Errorf("learned %q, want %q", c.Fingerprint(), id.Fingerprint)
	}
	var unknown *trust.UnknownError
	if _, err := New(url).Version(ctx); !errors.As(err, &unknown) || unknown.Got != id.Fingerprint {
		t.Errorf("without a pin: %v", err)
	}
	var mismatch *trust.MismatchError
	if _, err := New(url).WithPin("AAAAAAAAAAAAAAAA").Version(ctx); !errors.As(err, &mismatch) {
		t.Errorf("wrong pin: %v", err)
	}
}
