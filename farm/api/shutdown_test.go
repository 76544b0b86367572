package api_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"go.uber.org/goleak"

	"farmhand/farm/api"
	"farmhand/farm/api/client"
	"farmhand/farm/manager"
)

// An open event stream ends as soon as the manager's hub closes, not at the
// next ping 30 s later: after Shutdown and the hub's Close, WaitStreams
// returns and no goroutine of the server or the client is left (issue 10).
func TestStreamsEndWhenTheHubCloses(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	m, err := manager.Open(manager.Config{DataDir: t.TempDir(), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	_, admin, err := m.CreateAdmin("test admin")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	handler := api.New(m, "test", quiet)
	// The manager's own followers (the host history) hold subscriptions of
	// their own: count the streams on top of them.
	base := m.Events().Subscribers()
	srv := &http.Server{Handler: handler}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Two streams, as a window and a worker hold.
	for range 2 {
		client.New("http://" + ln.Addr().String()).WithToken(admin).Events(ctx)
	}
	deadline := time.Now().Add(10 * time.Second)
	for m.Events().Subscribers() != base+2 {
		if time.Now().After(deadline) {
			t.Fatalf("%d streams subscribed, want 2", m.Events().Subscribers()-base)
		}
		time.Sleep(10 * time.Millisecond)
	}

	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		t.Fatalf("Serve: %v", err)
	}
	m.Events().Close()
	// Well under the 30 s ping: the streams ended because the hub closed.
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := handler.WaitStreams(wctx); err != nil {
		t.Fatal(err)
	}
	if n := m.Events().Subscribers(); n != 0 { // a closed hub ends every subscription
		t.Errorf("%d subscribers left", n)
	}
	cancel() // the clients stop reconnecting
}
