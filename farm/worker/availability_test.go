package worker

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"farmhand/farm/api/client"
	"farmhand/farm/availability"
	"farmhand/farm/model"
	"farmhand/internal/farmtest"
)

// fakeIdle is an idle source whose person a test moves by hand.
type fakeIdle struct {
	mu        sync.Mutex
	lastInput time.Time
}

func (f *fakeIdle) Idle() availability.Idle {
	f.mu.Lock()
	defer f.mu.Unlock()
	return availability.Idle{Known: true, Idle: time.Since(f.lastInput), Source: "fake"}
}

func (f *fakeIdle) touch() {
	f.mu.Lock()
	f.lastInput = time.Now()
	f.mu.Unlock()
}

// fastAvailability applies the rules every 50 ms with src as the idle
// source, until the test ends (after its workers stopped).
func fastAvailability(t *testing.T, src availability.Source) {
	t.Helper()
	oldSrc, oldEvery, oldReport, oldMACs := idleSource, availableEvery, reportEvery, macAddresses
	idleSource = func() availability.Source { return src }
	availableEvery, reportEvery = 50*time.Millisecond, 200*time.Millisecond
	macAddresses = func() ([]string, error) { return []string{"02:00:00:00:00:01"}, nil }
	t.Cleanup(func() { idleSource, availableEvery, reportEvery, macAddresses = oldSrc, oldEvery, oldReport, oldMACs })
}

// onlyWorker returns the farm's one worker, once it signed on.
func onlyWorker(t *testing.T, f *farm) *model.Worker {
	t.Helper()
	var w *model.Worker
	farmtest.Eventually(t, "the worker to sign on", 10*time.Second, func() bool {
		ws, err := f.m.Workers()
		if err == nil && len(ws) == 1 {
			w = ws[0]
		}
		return w != nil
	})
	return w
}

func setRules(t *testing.T, f *farm, id string, r availability.Rules) {
	t.Helper()
	if _, err := f.cl.SetWorkerAvailability(context.Background(), id, r); err != nil {
		t.Fatal(err)
	}
}

// waitRule waits until the manager shows the worker's availability as rule.
func waitRule(t *testing.T, f *farm, id, rule string) *availability.Decision {
	t.Helper()
	var d *availability.Decision
	farmtest.Eventually(t, "the worker to report "+rule, 20*time.Second, func() bool {
		w, err := f.m.Worker(id)
		if err == nil && w.Availability != nil && w.Availability.Rule == rule {
			d = w.Availability
		}
		return d != nil
	})
	return d
}

func TestUnavailableWorkerTakesNoWork(t *testing.T) {
	fastAvailability(t, availability.Unknown{Why: "test"})
	f := startFarm(t)
	startWorker(t, f, "desk")
	w := onlyWorker(t, f)
	if d := waitRule(t, f, w.ID, availability.RuleAlways); !d.Available {
		t.Fatalf("no rules, yet %+v", d)
	}
	if got, _ := f.m.Worker(w.ID); len(got.MACs) != 1 {
		t.Errorf("MACs reported: %v", got.MACs)
	}
	until := time.Now().Add(time.Hour).Truncate(time.Second)
	setRules(t, f, w.ID, availability.Rules{Override: &availability.Override{Render: false, Until: until}})
	d := waitRule(t, f, w.ID, availability.RulePaused)
	if d.Available || !d.Until.Equal(until) {
		t.Fatalf("after don't-render-until: %+v", d)
	}
	j := submit(t, f, map[string]any{"frames": "1-2", "sleep_seconds": 0})
	// The worker keeps reporting (its rule is seen fresh) but asks for no
	// work: the job stays queued through several reports.
	for range 3 {
		before := farmtest.Must(f.m.Worker(w.ID))(t).LastSeen
		farmtest.Eventually(t, "another report", 10*time.Second, func() bool {
			return farmtest.Must(f.m.Worker(w.ID))(t).LastSeen.After(before)
		})
	}
	if job := farmtest.Must(f.m.Job(j.ID))(t); job.Status != model.JobQueued {
		t.Fatalf("an unavailable worker took work: job %s", job.Status)
	}
	// "Render now until…" lets it render.
	setRules(t, f, w.ID, availability.Rules{Override: &availability.Override{Render: true, Until: until}})
	waitRule(t, f, w.ID, availability.RuleRenderNow)
	waitJob(t, f, j.ID, model.JobCompleted, 20*time.Second)
}

// A long task: 60 one-second frames, so that it runs while the test acts.
func longJob(t *testing.T, f *farm) (*model.Job, string) {
	t.Helper()
	j := submit(t, f, map[string]any{"frames": "1", "sleep_seconds": 60.0})
	var taskID string
	farmtest.Eventually(t, "the task to run", 20*time.Second, func() bool {
		tasks, err := f.m.Tasks(j.ID)
		if err == nil && len(tasks) == 1 && tasks[0].Status == model.TaskActive {
			taskID = tasks[0].ID
		}
		return taskID != ""
	})
	return j, taskID
}

// The person comes back: the worker is unavailable at once, the task runs
// on through the grace period, then stops and goes back to the queue.
func TestReturningPersonStopsTaskAfterGrace(t *testing.T) {
	idle := &fakeIdle{lastInput: time.Now().Add(-time.Hour)}
	fastAvailability(t, idle)
	f := startFarm(t)
	startWorker(t, f, "desk")
	w := onlyWorker(t, f)
	setRules(t, f, w.ID, availability.Rules{IdleAfter: availability.Duration(time.Minute),
		OnReturn: availability.ReturnStop, Grace: availability.Duration(2 * time.Second)})
	waitRule(t, f, w.ID, availability.RuleIdle)
	_, taskID := longJob(t, f)

	stopTouching := keepTouching(idle)
	defer stopTouching()
	waitRule(t, f, w.ID, availability.RulePresent)
	if task := farmtest.Must(f.m.Task(taskID))(t); task.Status != model.TaskActive {
		t.Fatalf("the task did not run on through the grace period: %s", task.Status)
	}
	waitLog(t, f, taskID, "not available to the farm now")
	farmtest.Eventually(t, "the task to go back to the queue", 20*time.Second, func() bool {
		task := farmtest.Must(f.m.Task(taskID))(t)
		return task.Status == model.TaskQueued && task.WorkerID == ""
	})
}

// keepTouching moves the fake person's mouse every 100 ms until stopped.
func keepTouching(idle interface{ touch() }) (stop func()) {
	done := make(chan struct{})
	go func() {
		for {
			idle.touch()
			select {
			case <-done:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done) }) }
}

// With "finish", the returning person lets the task end; no new one starts.
func TestReturningPersonLetsTaskFinish(t *testing.T) {
	idle := &fakeIdle{lastInput: time.Now().Add(-time.Hour)}
	fastAvailability(t, idle)
	f := startFarm(t)
	startWorker(t, f, "desk")
	w := onlyWorker(t, f)
	setRules(t, f, w.ID, availability.Rules{IdleAfter: availability.Duration(time.Minute), Grace: availability.Duration(time.Second)})
	waitRule(t, f, w.ID, availability.RuleIdle)
	j := submit(t, f, map[string]any{"frames": "1-2", "chunk_size": 1, "sleep_seconds": 3.0})
	waitJob(t, f, j.ID, model.JobActive, 20*time.Second)
	stop := keepTouching(idle)
	defer stop()
	waitRule(t, f, w.ID, availability.RulePresent)
	farmtest.Eventually(t, "the running task to complete", 30*time.Second, func() bool {
		job := farmtest.Must(f.m.Job(j.ID))(t)
		return job.TaskCounts[model.TaskCompleted] == 1 && job.TaskCounts[model.TaskActive] == 0
	})
	// A few reports later the second task is still waiting.
	for range 3 {
		before := farmtest.Must(f.m.Worker(w.ID))(t).LastSeen
		farmtest.Eventually(t, "another report", 10*time.Second, func() bool {
			return farmtest.Must(f.m.Worker(w.ID))(t).LastSeen.After(before)
		})
	}
	if job := farmtest.Must(f.m.Job(j.ID))(t); job.TaskCounts[model.TaskQueued] != 1 {
		t.Fatalf("the worker took another task while its person was back: %v", job.TaskCounts)
	}
}

type fakeSuspender struct {
	mu    sync.Mutex
	calls int
}

func (s *fakeSuspender) Suspend(context.Context) error {
	s.mu.Lock()
	s.calls++
	s.mu.Unlock()
	return nil
}

// Suspending is opt-in, and waits for both no work and nobody at the
// computer; the clock is the test's.
func TestSuspendAfterIdleWithoutWork(t *testing.T) {
	fake := &fakeSuspender{}
	old := suspender
	suspender = fake
	t.Cleanup(func() { suspender = old })
	start := time.Date(2026, 12, 2, 22, 0, 0, 0, time.UTC)
	idle := &clockIdle{}
	w := New(Config{Logger: quiet, Client: client.New("http://127.0.0.1:1")})
	a := &avail{w: w, src: idle, lastWork: start}
	calls := func() int { fake.mu.Lock(); defer fake.mu.Unlock(); return fake.calls }
	at := func(d time.Duration, idleFor time.Duration) int {
		idle.idle = idleFor
		a.maybeSuspend(context.Background(), a.rules, idle.Idle(), start.Add(d), w.runningTask())
		return calls()
	}
	if n := at(time.Hour, time.Hour); n != 0 {
		t.Fatalf("suspended without opting in: %d", n)
	}
	a.rules = availability.Rules{SuspendAfter: availability.Duration(10 * time.Minute)}
	if n := at(5*time.Minute, time.Hour); n != 0 {
		t.Fatalf("suspended after 5 minutes without work: %d", n)
	}
	if n := at(11*time.Minute, 2*time.Minute); n != 0 {
		t.Fatalf("suspended while someone used the computer: %d", n)
	}
	if n := at(11*time.Minute, time.Hour); n != 1 {
		t.Fatalf("not suspended after 11 minutes without work or person: %d", n)
	}
	if n := at(12*time.Minute, time.Hour); n != 1 {
		t.Fatalf("suspended again at once: %d", n)
	}
	if n := at(22*time.Minute, time.Hour); n != 2 {
		t.Fatalf("not suspended once more after another 10 minutes: %d", n)
	}
	w.mu.Lock()
	w.current = "a task"
	w.mu.Unlock()
	if n := at(time.Hour, time.Hour); n != 2 {
		t.Fatalf("suspended while a task ran: %d", n)
	}
}

type clockIdle struct{ idle time.Duration }

func (c *clockIdle) Idle() availability.Idle {
	return availability.Idle{Known: true, Idle: c.idle, Source: "fake"}
}

// A worker that cannot read its computer's idle time (a render node with no
// display) says so in its reports, and the manager then refuses an idle rule,
// which would keep it from ever rendering, naming why; a schedule is taken.
// Once it can read it again, idle rules are taken.
func TestWorkerThatCannotReadIdleTimeRefusesIdleRules(t *testing.T) {
	src := &switchIdle{unknown: "no X display (DISPLAY is not set)"}
	fastAvailability(t, src)
	f := startFarm(t)
	startWorker(t, f, "render-07")
	w := onlyWorker(t, f)
	farmtest.Eventually(t, "the worker to report it cannot read idle time", 20*time.Second, func() bool {
		got, err := f.m.Worker(w.ID)
		return err == nil && got.IdleUnreadable == src.unknown
	})
	_, err := f.cl.SetWorkerAvailability(context.Background(), w.ID, availability.Rules{IdleAfter: availability.Duration(5 * time.Minute)})
	if err == nil || !strings.Contains(err.Error(), "render-07 cannot tell whether anybody uses it (no X display (DISPLAY is not set))") ||
		!strings.Contains(err.Error(), "give it a schedule instead") {
		t.Fatalf("an idle rule for a worker that cannot read idle time: %v", err)
	}
	schedule := farmtest.Must(availability.ParseSchedule("mon-fri 19:00-08:00"))(t)
	setRules(t, f, w.ID, availability.Rules{Schedule: schedule})

	src.set("")
	farmtest.Eventually(t, "the worker to report it reads idle time again", 20*time.Second, func() bool {
		got, err := f.m.Worker(w.ID)
		return err == nil && got.IdleUnreadable == ""
	})
	setRules(t, f, w.ID, availability.Rules{IdleAfter: availability.Duration(5 * time.Minute)})
}

// switchIdle is an idle source a test turns unreadable (unknown says why)
// and readable again.
type switchIdle struct {
	mu      sync.Mutex
	unknown string
}

func (s *switchIdle) Idle() availability.Idle {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.unknown != "" {
		return availability.Idle{Source: s.unknown}
	}
	return availability.Idle{Known: true, Idle: time.Hour, Source: "test"}
}

func (s *switchIdle) set(unknown string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unknown = unknown
}
