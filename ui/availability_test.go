package ui

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"farmhand/farm/api/client"
	"farmhand/farm/availability"
	"farmhand/farm/model"
)

// availabilityWorkers are three workers whose rules say different things,
// one of them this computer's ("artist-desk", id m-desk).
func availabilityWorkers(i int) []*model.Worker {
	ws := farmWorkers(i)
	ws[0].Availability = &availability.Decision{Available: true, Rule: availability.RuleSchedule, Until: time.Now().Add(5 * time.Hour),
		Detail: "within the schedule"}
	ws[1].Availability = &availability.Decision{Available: true, Rule: availability.RuleAlways, Detail: "always available"}
	ws[2].MACs = []string{"0a:0b:0c:0d:0e:0f"}
	ws[2].Availability = &availability.Decision{Available: true, Rule: availability.RuleAlways, Detail: "always available"}
	desk := withLoad(worker("m-desk", "artist-desk", model.WorkerAwake, ""), i, 20)
	desk.Availability = &availability.Decision{Available: false, Rule: availability.RulePresent,
		Until: time.Now().Add(10 * time.Minute), Detail: "in use: renders after 10m0s without input"}
	return append(ws, desk)
}

var desk = &model.Member{ID: "m-desk", Name: "artist-desk", Role: model.RoleAdmin, Status: model.MemberApproved}

// The workers view says, per worker, whether it may render, by which rule
// and until when; the tray says it for this computer and offers the
// overrides. With FARMHAND_UPDATE_SCREENSHOTS=1 both go to docs/screenshots.
func TestAvailabilityInWorkersViewAndTray(t *testing.T) {
	fw := &fakeWorker{on: true, state: "unavailable"}
	u := newTestUI(t, fw)
	host := &fakeTray{}
	u.tray = newTray(host, fw, func() {}, func() {}, func() {})
	u.setMe(desk)
	w := test.NewTempWindow(t, u.workers.object())
	w.Resize(fyne.NewSize(1260, 560))
	for i := range 40 {
		u.workers.setAll(availabilityWorkers(i))
	}
	if tip := availabilityTip(u.workers.list.all["w3"]); tip != "The worker is offline; it last said: always available" {
		t.Errorf("an offline worker's tip: %q", tip)
	}
	for id, want := range map[string]string{"w1": "yes · schedule until ", "w2": "yes · always", "w3": "—", "m-desk": "no · in use until "} {
		w, _ := u.workers.list.Get(id)
		if got := availabilityText(w); !strings.HasPrefix(got, want) {
			t.Errorf("%s: %q, want %q", id, got, want)
		}
	}
	// The tray: this computer's rule, and the overrides, which reach the farm.
	items := host.menu.Items
	var availLine *fyne.MenuItem
	for i, it := range items {
		if it == u.tray.avail {
			availLine = items[i]
		}
	}
	if availLine == nil || !strings.HasPrefix(availLine.Label, "Not rendering: in use until ") || !availLine.Disabled {
		t.Fatalf("the tray's availability line: %+v", availLine)
	}
	if items[2].Label != "Worker: not rendering now (see below)" {
		t.Errorf("status line %q", items[2].Label)
	}
	if u.tray.renderNow.Disabled || u.tray.dontRender.Disabled {
		t.Fatal("the override items are disabled though the farm knows this computer")
	}
	var gotRender *bool
	var gotUntil time.Time
	u.tray.setOverride = func(render bool, until time.Time) { gotRender, gotUntil = &render, until }
	before := time.Now()
	u.tray.renderNow.ChildMenu.Items[0].Action() // 1 hour from now
	if gotRender == nil || !*gotRender || gotUntil.Before(before.Add(59*time.Minute)) || gotUntil.After(before.Add(61*time.Minute)) {
		t.Errorf("render now for an hour set %v until %s", gotRender, gotUntil)
	}
	u.tray.dontRender.ChildMenu.Items[4].Action() // follow the rules again
	if gotRender == nil || *gotRender || !gotUntil.IsZero() {
		t.Errorf("ending the override set %v until %s", gotRender, gotUntil)
	}

	// The Availability… button shows for this computer's own worker; the
	// Wake-on-LAN one for an offline worker with a MAC.
	u.workers.table.apply(u.workers.list.selectIDs("w3"))
	u.workers.selectionMayHaveChanged()
	if u.workers.avail.wake.Hidden || u.workers.avail.wake.Disabled() {
		t.Error("no Wake-on-LAN for an offline worker with a MAC")
	}
	u.workers.table.apply(u.workers.list.selectIDs("m-desk"))
	u.workers.selectionMayHaveChanged()
	if u.workers.avail.edit.Hidden || !u.workers.avail.wake.Hidden {
		t.Error("the desk's own worker: Availability… hidden or Wake-on-LAN shown")
	}
	if os.Getenv("FARMHAND_UPDATE_SCREENSHOTS") == "1" {
		dir := filepath.Join("..", "docs", "screenshots")
		writePNG(t, filepath.Join(dir, "workers-availability.png"), w.Canvas().Capture())
		menus := container.NewHBox(widget.NewMenu(host.menu), container.NewVBox(widget.NewMenu(u.tray.renderNow.ChildMenu)))
		tw := test.NewTempWindow(t, menus)
		tw.Resize(menus.MinSize())
		writePNG(t, filepath.Join(dir, "tray-availability.png"), tw.Canvas().Capture())
	}
}

// The editor reads the rules into its fields and back, and names a wrong
// field.
func TestAvailabilityForm(t *testing.T) {
	test.NewTempApp(t)
	sched, _ := availability.ParseSchedule("mon-fri 19:00-08:00, sat-sun 00:00-24:00")
	override := &availability.Override{Render: true, Until: time.Date(2026, 12, 2, 18, 0, 0, 0, time.UTC)}
	r := availability.Rules{IdleAfter: availability.Duration(10 * time.Minute), Schedule: sched, OnReturn: availability.ReturnStop,
		Grace: availability.Duration(90 * time.Second), MaxOtherCPU: 0.25, MinFreeMemory: 4096 << 20,
		SuspendAfter: availability.Duration(30 * time.Minute), WakeForWork: true, Override: override}
	f := newRuleForm(r)
	if f.idle.Text != "10" || f.schedule.Text != sched.String() || f.grace.Text != "1m30s" || f.cpu.Text != "25" ||
		f.memory.Text != "4096" || f.suspend.Text != "30" || f.onReturn.Selected != "Stop the task" || !f.wake.Checked {
		t.Fatalf("fields %q %q %q %q %q %q %q %v", f.idle.Text, f.schedule.Text, f.grace.Text, f.cpu.Text, f.memory.Text,
			f.suspend.Text, f.onReturn.Selected, f.wake.Checked)
	}
	back, err := f.rules(r)
	if err != nil || back.IdleAfter != r.IdleAfter || back.Schedule.String() != sched.String() || back.Grace != r.Grace ||
		back.MaxOtherCPU != 0.25 || back.MinFreeMemory != r.MinFreeMemory || back.SuspendAfter != r.SuspendAfter ||
		back.OnReturn != availability.ReturnStop || !back.WakeForWork || back.Override != override {
		t.Fatalf("read back %+v, %v", back, err)
	}
	f.idle.SetText("")
	f.onReturn.SetSelected("Finish the task")
	if back, err := f.rules(r); err != nil || back.IdleAfter != 0 || back.OnReturn != availability.ReturnFinish {
		t.Errorf("idle off, finish: %+v, %v", back, err)
	}
	for field, set := range map[string]func(){
		"Idle after":   func() { f.idle.SetText("soon") },
		"mon-fri 9-5":  func() { f.schedule.SetText("mon-fri 9-5") },
		"grace period": func() { f.grace.SetText("a while") },
	} {
		g := newRuleForm(r)
		f = g
		set()
		if _, err := g.rules(r); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: error %v", field, err)
		}
	}
}

// TestAvailabilityFormComesBack checks that a value the form cannot read
// brings the form back, as typed, once the error is read: it used to close
// the form and drop every field typed.
func TestAvailabilityFormComesBack(t *testing.T) {
	u := newTestUI(t, nil)
	u.win.Resize(fyne.NewSize(1000, 800))
	w := worker("w2", "render-02", model.WorkerAwake, "")
	f := showAvailabilityForm(u, w, availability.Rules{})
	f.schedule.SetText("mon-fri 19:00-08:00")
	f.idle.SetText("-5")
	overlays := u.win.Canvas().Overlays()
	test.Tap(findButton(overlays.Top(), "Save"))
	msg := strings.Join(labelTexts(overlays.Top()), " ")
	if !strings.Contains(msg, `Idle after: "-5" is not a number of 0 or more`) {
		t.Fatalf("error shown: %q", msg)
	}
	test.Tap(findButton(overlays.Top(), "OK"))
	save := findButton(overlays.Top(), "Save")
	if save == nil {
		t.Fatal("the form did not come back after the error")
	}
	if f.schedule.Text != "mon-fri 19:00-08:00" || f.idle.Text != "-5" {
		t.Errorf("fields after the error: schedule %q, idle %q", f.schedule.Text, f.idle.Text)
	}
}

// labelTexts returns the texts of the labels under o.
func labelTexts(o fyne.CanvasObject) []string {
	var out []string
	for _, c := range test.LaidOutObjects(o) {
		if l, ok := c.(*widget.Label); ok {
			out = append(out, l.Text)
		}
	}
	return out
}

// On the manager's own computer the window is the admin's and the worker a
// member of its own: the tray shows and overrides the worker's availability,
// not the admin's, which has none (found by a fresh-eyes try: "not reported
// yet" for ever, and the overrides failed with 404).
func TestTrayFollowsTheLocalWorkerNotTheWindowsMember(t *testing.T) {
	asked := make(chan string, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked <- r.URL.Path
		http.NotFound(w, r)
	}))
	defer srv.Close()
	fw := &fakeWorker{on: true, state: "unavailable", id: "m-desk"}
	u := newTestUI(t, fw)
	u.client = client.New(srv.URL)
	host := &fakeTray{}
	u.tray = newTray(host, fw, func() {}, func() {}, func() {})
	u.setMe(&model.Member{ID: "m-admin", Name: "studio-server", Role: model.RoleAdmin, Status: model.MemberApproved})
	u.workers.setAll(availabilityWorkers(0))
	u.trayAvailability()
	if line := u.tray.avail.Label; !strings.HasPrefix(line, "Not rendering: in use until ") {
		t.Errorf("the tray's availability line %q, want the local worker's", line)
	}
	u.setMyOverride(true, time.Now().Add(time.Hour))
	for {
		select {
		case path := <-asked:
			if !strings.HasSuffix(path, "/availability") {
				continue // the client's version check comes first
			}
			if path != "/api/v1/workers/m-desk/availability" {
				t.Errorf("the override asked %s, want the local worker's availability", path)
			}
			return
		case <-time.After(10 * time.Second):
			t.Fatal("the override asked the manager for no availability")
		}
	}
}
