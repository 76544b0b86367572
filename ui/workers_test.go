package ui

import (
	"math"
	"slices"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"farmhand/farm/model"
)

var admin = &model.Member{ID: "m-admin", Name: "studio-manager", Role: model.RoleAdmin, Status: model.MemberApproved}

// worker makes a worker in status s, heard from seconds before testNow.
func worker(id, name string, s model.WorkerStatus, task string) *model.Worker {
	return &model.Worker{ID: id, Name: name, Platform: "linux", Status: s, TaskID: task, Tags: []string{"gpu"},
		LastSeen: testNow.Add(-3 * time.Second), AllowedActions: model.AllowedWorkerActions(s)}
}

// withLoad gives w the CPU and memory sample number i of a made-up day.
func withLoad(w *model.Worker, i int, base float64) *model.Worker {
	c := *w
	c.Stats = &model.HostStats{CPUPercent: base + 30*math.Sin(float64(i)/4), MemUsedMB: uint64(6000 + 80*i),
		MemTotalMB: 16384, CPUs: 16, Sampled: testNow.Add(time.Duration(i-60) * 5 * time.Second)}
	return &c
}

func farmWorkers(i int) []*model.Worker {
	busy := worker("w1", "render-01", model.WorkerAwake, "job-02.3")
	busy.StatusRequested, busy.Lazy = model.WorkerAsleep, true
	return []*model.Worker{
		withLoad(busy, i, 60),
		withLoad(worker("w2", "render-02", model.WorkerAwake, ""), i, 35),
		worker("w3", "old-mac", model.WorkerOffline, ""),
	}
}

func TestWorkersView(t *testing.T) {
	u := newTestUI(t, nil)
	u.jobs.setAll(farmJobs())
	u.setMe(admin)
	w := test.NewTempWindow(t, u.workers.object())
	w.Resize(fyne.NewSize(1260, 520))
	// Forty polls: the graphs fill from the right.
	for i := range 40 {
		u.workers.setAll(farmWorkers(i))
	}
	u.workers.setAll(farmWorkers(39)) // a re-fetch of the same sample adds nothing
	if n := len(u.workers.load["w1"].cpu); n != 40 {
		t.Errorf("%d CPU samples kept, want 40", n)
	}
	u.workers.join.showCode("KX7-P2Q")
	u.workers.join.showPending([]*model.Member{
		{ID: "m9", Name: "lighting-ws-3", Platform: "windows", Address: "192.168.1.43", Wants: model.RoleArtist,
			Status: model.MemberPending, Requested: testNow.Add(-2 * time.Minute)},
	}, nil)
	u.workers.table.apply(u.workers.list.selectIDs("w1"))
	u.workers.selectionMayHaveChanged()

	if got := workerStatusText(u.workers.list.all["w1"]); got != "rendering → asleep after task" {
		t.Errorf("status text %q", got)
	}
	if got, want := u.workers.actions.visibleActions(), []model.WorkerAction{model.WorkerSleep, model.WorkerPause,
		model.WorkerRestart, model.WorkerShutdown, model.WorkerDelete}; !slices.Equal(got, want) {
		t.Errorf("buttons %v, want %v", got, want)
	}
	test.AssertRendersToMarkup(t, "workers_view.xml", w.Canvas())
	test.AssertRendersToImage(t, "workers_view.png", w.Canvas())

	// Past graphSamples the oldest samples go.
	for i := 40; i < 100; i++ {
		u.workers.setAll(farmWorkers(i))
	}
	if n := len(u.workers.load["w1"].cpu); n != graphSamples {
		t.Errorf("%d CPU samples kept, want %d", n, graphSamples)
	}
}

// TestWorkerActionButtons checks that exactly the actions the manager allows
// show, for each worker status, and none for artists.
func TestWorkerActionButtons(t *testing.T) {
	u := newTestUI(t, nil)
	u.setMe(admin)
	for _, s := range []model.WorkerStatus{model.WorkerAwake, model.WorkerAsleep, model.WorkerPaused, model.WorkerOffline, model.WorkerLost} {
		t.Run(string(s), func(t *testing.T) {
			u.workers.setAll([]*model.Worker{worker("w1", "render-01", s, "")})
			u.workers.table.apply(u.workers.list.selectIDs("w1"))
			u.workers.selectionMayHaveChanged()
			var want []model.WorkerAction
			for _, spec := range workerActionSpecs {
				if slices.Contains(model.AllowedWorkerActions(s), spec.action) {
					want = append(want, spec.action)
				}
			}
			want = append(want, model.WorkerDelete)
			if got := u.workers.actions.visibleActions(); !slices.Equal(got, want) {
				t.Errorf("buttons %v, want %v", got, want)
			}
			if !u.workers.actions.tags.Visible() || !u.workers.actions.rename.Visible() {
				t.Error("tags and rename must show for one selected worker")
			}
		})
	}

	artist := newTestUI(t, nil)
	artist.setMe(&model.Member{ID: "m2", Name: "mira", Role: model.RoleArtist})
	artist.workers.setAll([]*model.Worker{worker("w1", "render-01", model.WorkerAwake, "")})
	artist.workers.list.selectIDs("w1")
	artist.workers.selectionMayHaveChanged()
	if got := artist.workers.actions.visibleActions(); len(got) != 0 || artist.workers.actions.tags.Visible() {
		t.Errorf("an artist may not steer workers, yet sees %v", got)
	}
	if artist.workers.join.box.Visible() {
		t.Error("join requests are for admins")
	}
}

func TestWorkerEvents(t *testing.T) {
	u := newTestUI(t, nil)
	u.workers.setAll(farmWorkers(0))
	asleep := *u.workers.list.all["w2"]
	asleep.Status, asleep.AllowedActions = model.WorkerAsleep, model.AllowedWorkerActions(model.WorkerAsleep)
	u.applyEvents([]model.Event{
		{Type: model.EventWorker, Worker: &asleep},
		{Type: model.EventWorker, Worker: &model.Worker{ID: "w3"}, Deleted: true},
	})
	if got := u.workers.list.all["w2"].Status; got != model.WorkerAsleep {
		t.Errorf("status after event %s", got)
	}
	if _, ok := u.workers.list.Get("w3"); ok {
		t.Error("a deleted worker is still listed")
	}
	if got := u.workers.info.Text; got != "2 workers: 1 awake, 1 rendering" {
		t.Errorf("head count %q", got)
	}
}

// TestWorkerLoadIsSeen checks that a worker-load event, which the manager
// sends as it hears a worker's heartbeat, brings the worker's Last seen up
// to now: the manager sends the worker's record only when it changes, so a
// healthy idle worker read "5 min ago" under a 1 min worker timeout.
func TestWorkerLoadIsSeen(t *testing.T) {
	u := newTestUI(t, nil)
	w := worker("w2", "render-02", model.WorkerAwake, "")
	w.LastSeen = testNow.Add(-5 * time.Minute)
	u.workers.setAll([]*model.Worker{w})
	lastSeen := func() string {
		for _, c := range u.workers.table.cols {
			if c.title == "Last seen" {
				return c.text(u.workers.list.all["w2"])
			}
		}
		t.Fatal("no Last seen column")
		return ""
	}
	if got := lastSeen(); got != "5 min ago" {
		t.Fatalf("before the event: %q", got)
	}
	load := withLoad(w, 1, 20).Stats
	u.applyEvents([]model.Event{{Type: model.EventWorkerLoad, Load: &model.WorkerLoad{WorkerID: "w2", Stats: load}}})
	if got := lastSeen(); got != "just now" {
		t.Errorf("after a worker-load event: %q, want just now", got)
	}
	if got := u.workers.list.all["w2"].Stats; got != load {
		t.Errorf("the event's load was not kept: %+v", got)
	}
}

func TestJoinRequests(t *testing.T) {
	u := newTestUI(t, nil)
	u.setMe(admin)
	p := u.workers.join
	w := test.NewTempWindow(t, p.object())
	w.Resize(fyne.NewSize(1000, 320))
	p.showCode("KX7-P2Q")
	reqs := []*model.Member{
		{ID: "m9", Name: "lighting-ws-3", Platform: "windows", Address: "192.168.1.43", Wants: model.RoleArtist, Requested: testNow.Add(-2 * time.Minute)},
		{ID: "m8", Name: "render-07", Platform: "linux", Address: "192.168.1.50", Requested: testNow.Add(-5 * time.Minute)},
		{ID: "m7", Name: "render-08", Platform: "linux", Address: "192.168.1.50", Requested: testNow.Add(-1 * time.Minute)},
	}
	p.showPending(reqs, nil)
	if p.title.Text != "Join requests (3)" || p.note.Visible() {
		t.Errorf("title %q, note shown %v", p.title.Text, p.note.Visible())
	}
	test.AssertRendersToMarkup(t, "join_requests.xml", w.Canvas())

	p.showPending(nil, nil)
	if !p.note.Visible() || len(p.rows.Objects) != 0 {
		t.Error("no requests: the panel must say so")
	}
	test.Tap(p.copy)
	if got := u.app.Clipboard().Content(); got != "KX7-P2Q" {
		t.Errorf("copied %q", got)
	}
}
