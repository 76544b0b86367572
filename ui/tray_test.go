package ui

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"os"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// fakeWorker is a WorkerControl with a state set by the test.
type fakeWorker struct {
	mu       sync.Mutex
	on       bool
	paused   bool
	state    string
	id       string // its id on the farm; "" when it is the window's member
	watchers []func()
}

func (w *fakeWorker) WorkerID() string { w.mu.Lock(); defer w.mu.Unlock(); return w.id }

func (w *fakeWorker) Paused() bool      { w.mu.Lock(); defer w.mu.Unlock(); return w.paused }
func (w *fakeWorker) SetPaused(on bool) { w.mu.Lock(); w.paused = on; w.mu.Unlock() }

func (w *fakeWorker) Enabled() bool { w.mu.Lock(); defer w.mu.Unlock(); return w.on }
func (w *fakeWorker) State() string { w.mu.Lock(); defer w.mu.Unlock(); return w.state }
func (w *fakeWorker) OnChange(fn func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.watchers = append(w.watchers, fn)
}
func (w *fakeWorker) SetEnabled(on bool) {
	w.mu.Lock()
	w.on = on
	w.state = map[bool]string{true: "starting", false: "stopped"}[on]
	w.mu.Unlock()
}

// fakeTray records what the tray shows.
type fakeTray struct {
	menu *fyne.Menu
	icon fyne.Resource
}

func (f *fakeTray) SetSystemTrayMenu(m *fyne.Menu)    { f.menu = m }
func (f *fakeTray) SetSystemTrayIcon(r fyne.Resource) { f.icon = r }

// TestTrayMenu checks the tray's icon and menu for each worker state, with
// the menu rendered as Fyne draws menus.
func TestTrayMenu(t *testing.T) {
	test.NewTempApp(t)
	for _, tc := range []struct {
		name     string
		on       bool
		state    string
		stopping bool
		icon     trayState
		status   string
	}{
		{"off", false, "stopped", false, trayOff, "Worker: off"},
		{"starting", true, "starting", false, trayOff, "Worker: starting…"},
		{"idle", true, "idle", false, trayIdle, "Worker: idle, waiting for work"},
		{"rendering", true, "rendering", false, trayRendering, "Worker: rendering"},
		{"unreachable", true, "unreachable", false, trayError, "Worker: cannot reach the manager"},
		{"stopping", true, "rendering", true, trayOff, "Worker: stopping…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			host, w := &fakeTray{}, &fakeWorker{on: tc.on, state: tc.state}
			tr := newTray(host, w, func() {}, func() {}, func() {})
			tr.show(w, tc.stopping)
			if host.icon != trayIcon(tc.icon) {
				t.Errorf("icon %s, want %s", host.icon.Name(), trayIcon(tc.icon).Name())
			}
			items := host.menu.Items
			if items[2].Label != tc.status || !items[2].Disabled {
				t.Errorf("status item %q (disabled %v), want %q", items[2].Label, items[2].Disabled, tc.status)
			}
			if toggle := items[3]; toggle.Checked != (tc.on && !tc.stopping) || toggle.Disabled != tc.stopping {
				t.Errorf("worker item checked %v disabled %v", toggle.Checked, toggle.Disabled)
			}
			if last := items[len(items)-1]; !last.IsQuit || last.Label != "Quit Farmhand" {
				t.Errorf("last item %q must be our own Quit", last.Label)
			}
			test.AssertObjectRendersToMarkup(t, "tray_"+tc.name+".xml", widget.NewMenu(host.menu))
		})
	}
}

func TestTrayWithoutWorker(t *testing.T) {
	test.NewTempApp(t)
	host := &fakeTray{}
	tr := newTray(host, nil, func() {}, func() {}, func() {})
	tr.show(nil, false)
	if host.icon != trayIcon(trayNoWorker) {
		t.Errorf("icon %s", host.icon.Name())
	}
	var labels []string
	for _, it := range host.menu.Items {
		labels = append(labels, it.Label)
	}
	if len(labels) != 3 || labels[0] != "Open Farmhand" || labels[2] != "Quit Farmhand" {
		t.Errorf("menu without a worker: %q", labels)
	}
}

// TestQuitAsksWhileRendering: quitting from the tray while this computer
// renders asks first, in the window.
func TestQuitAsksWhileRendering(t *testing.T) {
	w := &fakeWorker{on: true, state: "rendering"}
	u := newTestUI(t, w)
	test.NewTempWindow(t, nil) // keeps the app's driver busy with a window besides u.win
	u.requestQuit()
	if len(u.win.Canvas().Overlays().List()) == 0 {
		t.Error("no question asked before stopping a render")
	}
}

// TestStatusBarSwitchesWorker: the window's own worker switch, for desktops
// without a tray.
func TestStatusBarSwitchesWorker(t *testing.T) {
	w := &fakeWorker{on: true, state: "idle"}
	u := newTestUI(t, w)
	// Switching off runs off the UI goroutine, then reports back through
	// u.do; the report is run here, as the UI goroutine would.
	reports := make(chan func(), 1)
	u.do = func(f func()) { reports <- f }
	test.Tap(u.status.toggle)
	if u.status.worker.Text != "Worker: stopping…" || !u.status.toggle.Disabled() {
		t.Errorf("while stopping: %q, switch disabled %v", u.status.worker.Text, u.status.toggle.Disabled())
	}
	(<-reports)()
	if w.Enabled() || u.status.toggle.Checked || u.status.worker.Text != "Worker: off" {
		t.Errorf("after switching off: enabled %v, box %v, text %q", w.Enabled(), u.status.toggle.Checked, u.status.worker.Text)
	}
}

// TestAppIconFile keeps assets/icon.png, which packaging uses, drawn from the
// same code as the icons the app shows. FARMHAND_UPDATE_ICON=1 rewrites it.
func TestAppIconFile(t *testing.T) {
	want := pngBytes(drawMark(256, markBlue))
	const path = "../assets/icon.png"
	if os.Getenv("FARMHAND_UPDATE_ICON") == "1" {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("%s is missing or out of date (err %v); run with FARMHAND_UPDATE_ICON=1", path, err)
	}
	test.AssertImageMatches(t, "tray_icons.png", trayStrip())
}

// trayStrip draws the tray icons side by side, for a golden image.
func trayStrip() *image.NRGBA {
	states := []trayState{trayOff, trayIdle, trayRendering, trayError, trayNoWorker}
	strip := image.NewNRGBA(image.Rect(0, 0, 64*len(states), 64))
	for i, s := range states {
		c := map[trayState]color.NRGBA{trayOff: trayGrey, trayIdle: trayGreen, trayRendering: trayBlue, trayError: trayRed, trayNoWorker: markBlue}[s]
		draw.Draw(strip, image.Rect(64*i, 0, 64*i+64, 64), drawMark(64, c), image.Point{}, draw.Src)
	}
	return strip
}
