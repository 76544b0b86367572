package app

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
)

// A farm the welcome window found is joined over TLS with the certificate
// its manager announces pinned. Before, the client pinned nothing, and every
// join from the welcome window failed with "this computer does not know the
// manager's certificate yet" (found by a fresh-eyes try).
func TestWelcomeJoinPinsTheAnnouncedCertificate(t *testing.T) {
	var out bytes.Buffer
	e := &env{stdout: &out, stderr: &out, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	mf, fs := addManagerFlags(e, "manager", "manager")
	if err := fs.Parse([]string{"--data", t.TempDir(), "--listen", "127.0.0.1:0", "--no-discovery"}); err != nil {
		t.Fatal(err)
	}
	rm, err := startManager(context.Background(), e, mf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rm.stop() })
	https := "https://" + strings.TrimPrefix(rm.url, "http://")

	var logged bytes.Buffer
	e.log = slog.New(slog.NewTextHandler(&logged, nil))
	found := farmChoice{name: "studio", url: https, managerID: rm.m.ID(), fingerprint: rm.fingerprint}
	if _, err := found.client(e).Version(context.Background()); err != nil {
		t.Fatalf("the found farm's manager, pinned to what it announced: %v", err)
	}
	if !strings.Contains(logged.String(), "as the network announces it") {
		t.Errorf("trusting the network's word is not logged:\n%s", logged.String())
	}
	unpinned := farmChoice{name: "studio", url: https}
	if _, err := unpinned.client(e).Version(context.Background()); err == nil {
		t.Error("a client with no pin reached the manager over TLS")
	}
}
