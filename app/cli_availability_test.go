package app

import (
	"bytes"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"farmhand/farm/api/wire"
	"farmhand/farm/availability"
	"farmhand/farm/manager"
	"farmhand/farm/model"
	"farmhand/farm/wol"
)

func TestWorkerVerb(t *testing.T) {
	for args, want := range map[string]string{
		"ID availability --idle-minutes 5":   "availability",
		"--manager http://x ID availability": "availability",
		"ID wake":                            "wake",
		"--json ID wake":                     "wake",
		"--name wake --manager http://x":     "",
		"ID sleep":                           "",
		"ID":                                 "",
		"--headless --name availability ID tags a": "",
	} {
		got, ok := workerVerb(strings.Fields(args))
		if got != want || ok != (want != "") {
			t.Errorf("%q: %q, %v; want %q", args, got, ok, want)
		}
	}
}

func TestParseUntil(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 2, 20, 15, 30, 0, berlin)
	for in, want := range map[string]time.Time{
		"+2h":                  now.Add(2 * time.Hour).Truncate(time.Second),
		"90m":                  now.Add(90 * time.Minute).Truncate(time.Second),
		"22:00":                time.Date(2026, 12, 2, 22, 0, 0, 0, berlin),
		"08:00":                time.Date(2026, 12, 3, 8, 0, 0, 0, berlin), // the next one
		"2026-12-24 09:00":     time.Date(2026, 12, 24, 9, 0, 0, 0, berlin),
		"2026-12-24T09:00:00Z": time.Date(2026, 12, 24, 9, 0, 0, 0, time.UTC),
	} {
		if got, err := parseUntil(in, now); err != nil || !got.Equal(want) {
			t.Errorf("%q: %s, %v; want %s", in, got, err, want)
		}
	}
	if _, err := parseUntil("tomorrowish", now); err == nil {
		t.Error("nonsense was read as a time")
	}
	if _, err := parseUntil("2020-01-01 09:00", now); err == nil || !strings.Contains(err.Error(), "is past") {
		t.Errorf("a past time: %v", err)
	}
}

// 'farmhand worker ID availability …' and 'farmhand worker ID wake' against
// a real manager on 127.0.0.1; the magic packet goes to a listener there.
func TestWorkerAvailabilityCommand(t *testing.T) {
	for _, k := range []string{"FARMHAND_MANAGER", "FARMHAND_TOKEN", "FARMHAND_FINGERPRINT"} {
		t.Setenv(k, "")
	}
	l, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	t.Setenv(manager.WakeTargetsEnv, l.LocalAddr().String())
	f := newAPIFarm(t)
	m := f.m
	mb, _, err := m.Join(manager.JoinRequest{Name: "desk", Platform: "linux"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Approve(mb.ID, model.RoleWorker); err != nil {
		t.Fatal(err)
	}
	if _, err := m.SignOn(mb.ID, manager.WorkerInfo{Name: "desk", Platform: "linux", Version: "test", TaskTypes: []string{"misc"}}); err != nil {
		t.Fatal(err)
	}
	farm := f.flags(t)
	run := func(args ...string) (string, error) {
		e, out := backupEnv()
		err := commands["worker"].run(e, append(append([]string{}, args...), farm...))
		return out.String(), err
	}

	out, err := run(mb.ID, "availability", "--idle-minutes", "10", "--schedule", "mon-fri 19:00-08:00, sat-sun 00:00-24:00",
		"--on-return", "stop", "--grace", "90s", "--render-now-until", "+2h")
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for _, want := range []string{"Idle after     10m0s", "mon-fri 19:00-08:00, sat-sun 00:00-24:00", "Override       render now until",
		"On return      stop after a grace of 1m30s"} {
		if !strings.Contains(out, want) {
			t.Errorf("printed no %q:\n%s", want, out)
		}
	}
	rules := m.Settings().Availability[mb.ID]
	if rules.IdleAfter.D() != 10*time.Minute || rules.Override == nil || !rules.Override.Render || rules.ReturnOrDefault() != availability.ReturnStop {
		t.Fatalf("kept %+v", rules)
	}
	// Only the flags given change; --pause-until replaces the override.
	if out, err = run(mb.ID, "availability", "--pause-until", "2030-01-01 08:00", "--json"); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	var got wire.WorkerAvailability
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got.Rules.IdleAfter.D() != 10*time.Minute || got.Rules.Override == nil || got.Rules.Override.Render || got.Rules.Override.Until.Year() != 2030 {
		t.Fatalf("after --pause-until: %+v", got.Rules)
	}
	if out, err = run(mb.ID, "availability", "--on-return", "later"); err == nil || !strings.Contains(err.Error(), `--on-return: must be "finish" or "stop", not "later"`) {
		t.Errorf("a bad --on-return: %v: %s", err, out)
	}
	if out, err = run(mb.ID, "availability", "--schedule", "weekdays 9-5"); err == nil || !strings.Contains(err.Error(), "--schedule") {
		t.Errorf("a bad --schedule: %v: %s", err, out)
	}
	if out, err = run(mb.ID, "availability", "--clear"); err != nil || !strings.Contains(out, "always available") {
		t.Errorf("--clear: %v: %s", err, out)
	}

	// Waking: awake already is refused; offline with a MAC gets its packet.
	if out, err = run(mb.ID, "wake"); err == nil {
		t.Errorf("woke an awake worker: %s", out)
	}
	if _, err := m.ReportAvailability(mb.ID, availability.Decision{Available: true, Rule: availability.RuleAlways}, []string{"0a:0b:0c:0d:0e:0f"}, ""); err != nil {
		t.Fatal(err)
	}
	if err := m.SignOff(mb.ID); err != nil {
		t.Fatal(err)
	}
	if out, err = run(mb.ID, "wake"); err != nil || !strings.Contains(out, "Wake-on-LAN sent (0a:0b:0c:0d:0e:0f → "+l.LocalAddr().String()+")") {
		t.Fatalf("wake: %v: %s", err, out)
	}
	if err := l.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 200)
	n, _, err := l.ReadFromUDP(buf)
	want, _ := wol.MagicPacket("0a:0b:0c:0d:0e:0f")
	if err != nil || !bytes.Equal(buf[:n], want) {
		t.Fatalf("the listener got % x, %v", buf[:n], err)
	}
}
