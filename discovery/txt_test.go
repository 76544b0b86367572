package discovery

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestAnnouncementTXT(t *testing.T) {
	a, err := Announcement{FarmName: "Studio Ünder=2", ManagerID: "m1", APIVersion: 3, AppVersion: "0.4.1", Port: 7780,
		Fingerprint: "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567ABCDEFGHIJKLMNOPQRST"}.prepare()
	if err != nil {
		t.Fatal(err)
	}
	if len(a.InstanceID) != 16 || a.StartedAt.IsZero() {
		t.Errorf("prepare did not fill instance id and start time: %+v", a)
	}
	back, err := parseTXT(a.txt(), 7780)
	if err != nil {
		t.Fatal(err)
	}
	a.StartedAt = a.StartedAt.Truncate(time.Millisecond)
	if back != a {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, a)
	}
}

func TestAnnouncementInvalid(t *testing.T) {
	for _, a := range []Announcement{
		{Port: 7780},      // no manager id
		{ManagerID: "m1"}, // no port
		{ManagerID: "m1", Port: 7780, InstanceID: "a.b"}, // not a DNS label
	} {
		if _, err := a.prepare(); err == nil {
			t.Errorf("%+v accepted", a)
		}
	}
}

func TestParseTXTIgnoresOthers(t *testing.T) {
	for _, txt := range [][]string{
		{"txtvers=2", "manager=m1", "instance=i1", "started=1", "api=1"}, // a future format
		{"path=/"}, // someone else's service
		{"txtvers=1", "manager=m1", "instance=i1", "started=x", "api=1"},
	} {
		if _, err := parseTXT(txt, 1); err == nil {
			t.Errorf("%q accepted", txt)
		}
	}
}

// Switched off, nothing is sent: Advertise and Run return at once.
func TestDisabled(t *testing.T) {
	cfg := Config{Disabled: true}
	if err := Advertise(context.Background(), cfg, Announcement{}); err != nil {
		t.Errorf("Advertise: %v", err)
	}
	b := NewBrowser(cfg)
	if err := b.Run(context.Background()); err != nil {
		t.Errorf("Run: %v", err)
	}
	if _, err := b.Wait(context.Background(), nil); !errors.Is(err, ErrDisabled) {
		t.Errorf("Wait: %v, want ErrDisabled", err)
	}
}

// A bad interface is refused before any socket is opened.
func TestUnknownInterface(t *testing.T) {
	cfg := Config{Interface: "fh-no-such0"}
	err := Advertise(context.Background(), cfg, Announcement{ManagerID: "m1", Port: 7780})
	if err == nil || !strings.Contains(err.Error(), "fh-no-such0") {
		t.Errorf("Advertise: %v", err)
	}
	if err := NewBrowser(cfg).Run(context.Background()); err == nil || !strings.Contains(err.Error(), "fh-no-such0") {
		t.Errorf("Run: %v", err)
	}
}
