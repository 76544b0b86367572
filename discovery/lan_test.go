package discovery

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"farmhand/discovery/netnstest"
	"farmhand/internal/farmtest"
)

// The tests in this file run in a namespace with only lo and a multicast
// route on it: advertisers and browsers share one process.

func TestLAN(t *testing.T) {
	if !netnstest.Isolated(t) {
		return
	}
	t.Run("FindsAnnouncement", testFindsAnnouncement)
	t.Run("RestartReplaces", testRestartReplaces)
	t.Run("Expires", testExpires)
	t.Run("TwoFarms", testTwoFarms)
}

func testFindsAnnouncement(t *testing.T) {
	b := browse(t, Config{}) // the real default interval
	ann := Announcement{FarmName: "Blue Farm", ManagerID: "m-blue", APIVersion: 2, AppVersion: "1.2.3", Port: 7780}

	// A worker already waiting when the manager comes up.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	found := make(chan Peer, 1)
	go func() {
		p, err := b.Wait(ctx, ByManager("m-blue"))
		if err != nil {
			t.Error(err)
		}
		found <- p
	}()
	// The worker is in Wait, and asks in vain, before the manager comes up.
	farmtest.Eventually(t, "the browser to be waiting", 5*time.Second, func() bool { return b.waiting.Load() == 1 })
	start := time.Now()
	advertise(t, Config{}, ann)
	p := <-found
	t.Logf("advertiser start → waiting browser sees it: %v", time.Since(start).Round(time.Millisecond))

	if p.FarmName != ann.FarmName || p.APIVersion != 2 || p.AppVersion != "1.2.3" || p.Port != 7780 ||
		len(p.InstanceID) != 16 || p.StartedAt.IsZero() {
		t.Errorf("peer = %+v", p)
	}
	if p.URL != "http://127.0.0.1:7780" {
		t.Errorf("URL = %s, want http://127.0.0.1:7780", p.URL)
	}

	// A browser that starts after the manager.
	start = time.Now()
	late := browse(t, Config{})
	if _, err := late.Wait(ctx, ByManager("m-blue")); err != nil {
		t.Fatal(err)
	}
	t.Logf("browser start → it sees a running advertiser: %v", time.Since(start).Round(time.Millisecond))
}

func testRestartReplaces(t *testing.T) {
	cfg := Config{Interval: 300 * time.Millisecond}
	b := browse(t, cfg)
	stop1 := advertise(t, cfg, Announcement{ManagerID: "m1", Port: 7001})
	first := waitFor(t, b, func(p Peer) bool { return p.ManagerID == "m1" })

	// The manager restarts on another port: the new instance replaces the
	// entry long before the old one would expire.
	stop1()
	restart := time.Now()
	stop2 := advertise(t, cfg, Announcement{ManagerID: "m1", Port: 7002})
	second := waitFor(t, b, func(p Peer) bool { return p.ManagerID == "m1" && p.Port == 7002 })
	t.Logf("restart on a new port picked up after %v", time.Since(restart).Round(time.Millisecond))
	if second.InstanceID == first.InstanceID {
		t.Errorf("same instance id %s after a restart", first.InstanceID)
	}

	// Two instances answering at once (one starting while the other stops):
	// the later one wins and the entry does not flap back.
	// StartedAt has millisecond resolution: the third instance must start a
	// millisecond later to be the later one.
	farmtest.Eventually(t, "the clock to pass the second instance's start", time.Second, func() bool {
		return time.Now().Truncate(time.Millisecond).After(second.StartedAt)
	})
	advertise(t, cfg, Announcement{ManagerID: "m1", Port: 7003})
	waitFor(t, b, func(p Peer) bool { return p.ManagerID == "m1" && p.Port == 7003 })
	deadline := time.Now().Add(4 * cfg.Interval)
	for time.Now().Before(deadline) {
		for _, p := range b.Peers() { // none at all is possible on a slow machine
			if p.Port != 7003 {
				t.Fatalf("peers = %+v, want only m1 on 7003", b.Peers())
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop2()
}

func testExpires(t *testing.T) {
	cfg := Config{Interval: 300 * time.Millisecond}
	b := browse(t, cfg)
	stop := advertise(t, cfg, Announcement{ManagerID: "m-exp", Port: 7010})
	waitFor(t, b, nil)

	changed := b.Changed()
	stop()
	stopped := time.Now()
	select {
	case <-changed:
	case <-time.After(10 * cfg.Interval):
		t.Fatal("no change after the advertiser stopped")
	}
	took := time.Since(stopped)
	t.Logf("entry gone %v after the advertiser stopped (ttl %v)", took.Round(time.Millisecond), cfg.ttl())
	if len(b.Peers()) != 0 {
		t.Errorf("peers = %+v, want none", b.Peers())
	}
	if took < cfg.ttl()-cfg.Interval {
		t.Errorf("expired after %v, before the ttl %v", took, cfg.ttl())
	}
}

func testTwoFarms(t *testing.T) {
	cfg := Config{Interval: 300 * time.Millisecond}
	b := browse(t, cfg)
	advertise(t, cfg, Announcement{FarmName: "Beta", ManagerID: "m-b", Port: 7021})
	advertise(t, cfg, Announcement{FarmName: "Alpha", ManagerID: "m-a", Port: 7020})
	waitFor(t, b, ByManager("m-a"))
	waitFor(t, b, ByManager("m-b"))
	ps := b.Peers()
	if len(ps) != 2 || ps[0].FarmName != "Alpha" || ps[0].Port != 7020 || ps[1].FarmName != "Beta" || ps[1].Port != 7021 {
		t.Errorf("peers = %+v, want Alpha on 7020 and Beta on 7021", ps)
	}
}

// Without a multicast route, Advertise fails at once and a waiting browser
// says why it found nothing.
func TestNoMulticastRoute(t *testing.T) {
	if !netnstest.IsolatedNoMulticast(t) {
		return
	}
	err := Advertise(t.Context(), Config{Logger: testLogger(t)}, Announcement{ManagerID: "m1", Port: 7780})
	if !errors.Is(err, ErrNoMulticast) {
		t.Errorf("Advertise: %v, want ErrNoMulticast", err)
	}
	b := browse(t, Config{})
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	_, err = b.Wait(ctx, nil)
	if !errors.Is(err, ErrNoMulticast) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait: %v, want ErrNoMulticast and DeadlineExceeded", err)
	}
	t.Logf("Wait says: %v", err)
}

// browse runs a browser until the test ends.
func browse(t *testing.T, cfg Config) *Browser {
	t.Helper()
	cfg.Logger = testLogger(t)
	b := NewBrowser(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := b.Run(ctx); err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	t.Cleanup(func() { cancel(); wg.Wait() })
	return b
}

// advertise runs an advertiser until the returned stop or the end of the test.
func advertise(t *testing.T, cfg Config, a Announcement) (stop func()) {
	t.Helper()
	cfg.Logger = testLogger(t)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := Advertise(ctx, cfg, a); err != nil {
			t.Errorf("Advertise: %v", err)
		}
	})
	stop = func() { cancel(); wg.Wait() }
	t.Cleanup(stop)
	return stop
}

func waitFor(t *testing.T, b *Browser, match func(Peer) bool) Peer {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	p, err := b.Wait(ctx, match)
	if err != nil {
		t.Fatalf("%v; peers: %+v", err, b.Peers())
	}
	return p
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelInfo}))
}
