package manager

import (
	"bytes"
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"farmhand/farm/availability"
	"farmhand/farm/model"
	"farmhand/farm/wol"
)

// udpListener listens on 127.0.0.1 and returns its address and the packets
// it receives; tests never broadcast on the host's network.
func udpListener(t *testing.T) (string, <-chan []byte) {
	t.Helper()
	l, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	out := make(chan []byte, 16)
	go func() {
		buf := make([]byte, 1500)
		for {
			n, _, err := l.ReadFromUDP(buf)
			if err != nil {
				return
			}
			out <- bytes.Clone(buf[:n])
		}
	}()
	return l.LocalAddr().String(), out
}

func receive(t *testing.T, c <-chan []byte) []byte {
	t.Helper()
	select {
	case p := <-c:
		return p
	case <-time.After(10 * time.Second):
		t.Fatal("no magic packet arrived")
		return nil
	}
}

// offlineWithMAC registers a worker that may be woken for work, has it
// report a MAC, and signs it off.
func offlineWithMAC(t *testing.T, m *Manager, name, mac string) *model.Worker {
	t.Helper()
	w := register(t, m, name)
	if _, err := m.SetWorkerAvailabilityBy(AsAdmin, w.ID, availability.Rules{WakeForWork: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.ReportAvailability(w.ID, availability.Decision{Available: true, Rule: availability.RuleAlways}, []string{mac}, ""); err != nil {
		t.Fatal(err)
	}
	if err := m.SignOff(w.ID); err != nil {
		t.Fatal(err)
	}
	return w
}

func TestWakeByHandSendsMagicPacket(t *testing.T) {
	m := openManager(t)
	addr, packets := udpListener(t)
	wk := NewWaker(m, WakeConfig{Targets: func() ([]string, error) { return []string{addr}, nil }})
	w := offlineWithMAC(t, m, "sleeper", "01:23:45:67:89:ab")

	res, err := wk.WakeBy(context.Background(), AsAdmin, w.ID)
	if err != nil || len(res.Packets) != 1 {
		t.Fatalf("waking: %+v, %v", res, err)
	}
	want, _ := wol.MagicPacket("01:23:45:67:89:ab")
	if got := receive(t, packets); !bytes.Equal(got, want) {
		t.Errorf("the listener got % x", got)
	}

	// Without a MAC there is nothing to send, and saying so is a 400.
	bare := register(t, m, "bare")
	if err := m.SignOff(bare.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := wk.WakeBy(context.Background(), AsAdmin, bare.ID); !errors.Is(err, ErrInvalid) {
		t.Errorf("a worker without MAC: %v", err)
	}
	// An asleep worker that is online is asked to wake instead.
	awake := register(t, m, "napper")
	if _, err := m.WorkerAction(awake.ID, model.WorkerSleep, false); err != nil {
		t.Fatal(err)
	}
	if _, err := m.AckStatus(awake.ID, model.WorkerAsleep); err != nil {
		t.Fatal(err)
	}
	res, err = wk.WakeBy(context.Background(), AsAdmin, awake.ID)
	if err != nil || !res.StatusChanged || res.Worker.StatusRequested != model.WorkerAwake {
		t.Errorf("waking an asleep worker: %+v, %v", res, err)
	}
}

func TestWakeForQueue(t *testing.T) {
	m := openManager(t)
	addr, packets := udpListener(t)
	var sent []string
	wk := NewWaker(m, WakeConfig{Targets: func() ([]string, error) { return []string{addr}, nil },
		Send: func(ctx context.Context, mac, target string) error {
			sent = append(sent, mac)
			return wol.Send(ctx, mac, target)
		}})
	offlineWithMAC(t, m, "a", "02:00:00:00:00:0a")
	offlineWithMAC(t, m, "b", "02:00:00:00:00:0b")
	// c cannot run the queued tasks: another task type.
	c := register(t, m, "c", "blender")
	if _, err := m.ReportAvailability(c.ID, availability.Decision{Available: true}, []string{"02:00:00:00:00:0c"}, ""); err != nil {
		t.Fatal(err)
	}
	if err := m.SignOff(c.ID); err != nil {
		t.Fatal(err)
	}

	if woken := wk.WakeForQueue(context.Background()); len(woken) != 0 {
		t.Fatalf("woken with nothing queued: %v", woken)
	}
	submit(t, m, "1") // one task: one worker is missing
	woken := wk.WakeForQueue(context.Background())
	if len(woken) != 1 {
		t.Fatalf("woken %v for one queued task, want one worker", woken)
	}
	if got := receive(t, packets); len(got) != wol.PacketLen {
		t.Errorf("packet of %d bytes", len(got))
	}
	// Within the gap, the same worker is not woken again; the other may be
	// once more work waits.
	submit(t, m, "2-3")
	again := wk.WakeForQueue(context.Background())
	if len(again) != 1 || again[0] == woken[0] {
		t.Errorf("second round woke %v after %v", again, woken)
	}
	if third := wk.WakeForQueue(context.Background()); len(third) != 0 {
		t.Errorf("third round woke %v: the gap must hold", third)
	}
	for _, mac := range sent {
		if mac == "02:00:00:00:00:0c" {
			t.Error("woke a worker that cannot run the queued tasks")
		}
	}
	// An awake free worker covers the queue: nobody is woken.
	m2 := openManager(t)
	wk2 := NewWaker(m2, WakeConfig{Targets: func() ([]string, error) { return []string{addr}, nil }})
	offlineWithMAC(t, m2, "sleeper", "02:00:00:00:00:0d")
	register(t, m2, "up")
	submit(t, m2, "1")
	if woken := wk2.WakeForQueue(context.Background()); len(woken) != 0 {
		t.Errorf("woke %v though an awake worker is free", woken)
	}
	// A worker not opted in is never woken automatically.
	m3 := openManager(t)
	wk3 := NewWaker(m3, WakeConfig{Targets: func() ([]string, error) { return []string{addr}, nil }})
	w := offlineWithMAC(t, m3, "not-opted-in", "02:00:00:00:00:0e")
	if _, err := m3.SetWorkerAvailabilityBy(AsAdmin, w.ID, availability.Rules{}); err != nil {
		t.Fatal(err)
	}
	submit(t, m3, "1")
	if woken := wk3.WakeForQueue(context.Background()); len(woken) != 0 {
		t.Errorf("woke %v, which did not opt in", woken)
	}
}
