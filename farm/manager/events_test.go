package manager

import (
	"testing"
	"time"

	"farmhand/farm/model"
	"farmhand/internal/farmtest"
)

// nextOfType returns the next event of type typ, failing after 10 s.
func nextOfType(t *testing.T, c <-chan model.Event, typ model.EventType) model.Event {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev := <-c:
			if ev.Type == typ {
				return ev
			}
		case <-deadline:
			t.Fatalf("no %s event", typ)
		}
	}
}

// Worker load travels as events, at most one per worker every loadEvery, so
// windows need not poll the workers.
func TestWorkerLoadIsPublishedAndThrottled(t *testing.T) {
	m, c := openWithClock(t, time.Minute)
	w := register(t, m, "w1")
	sub := m.Events().Subscribe(64)
	defer sub.Close()
	stats := func(cpu float64) *model.HostStats {
		return &model.HostStats{CPUPercent: cpu, CPUs: 2, Sampled: c.Now()}
	}

	farmtest.Must(m.Heartbeat(w.ID, "", stats(10)))(t)
	ev := nextOfType(t, sub.C, model.EventWorkerLoad)
	if ev.Load == nil || ev.Load.WorkerID != w.ID || ev.Load.Stats.CPUPercent != 10 {
		t.Fatalf("first load event %+v", ev.Load)
	}
	c.advance(loadEvery / 2)
	farmtest.Must(m.Heartbeat(w.ID, "", stats(20)))(t) // too soon: kept, not published
	c.advance(loadEvery / 2)
	farmtest.Must(m.Heartbeat(w.ID, "", stats(30)))(t)
	if ev := nextOfType(t, sub.C, model.EventWorkerLoad); ev.Load.Stats.CPUPercent != 30 {
		t.Fatalf("second load event has %v%% CPU, want the 30%% one (20%% came too soon)", ev.Load.Stats.CPUPercent)
	}
	if got, _ := m.Worker(w.ID); got.Stats == nil || got.Stats.CPUPercent != 30 {
		t.Errorf("the worker record shows stats %+v", got.Stats)
	}
}

// A join request and a decision each say "members changed", without member
// data: admins refetch the members, nobody else learns who asked.
func TestMemberChangesArePublished(t *testing.T) {
	m := openManager(t)
	sub := m.Events().Subscribe(64)
	defer sub.Close()
	mb, _, err := m.Join(JoinRequest{Name: "new-box", Platform: "linux"})
	if err != nil {
		t.Fatal(err)
	}
	if ev := nextOfType(t, sub.C, model.EventMembers); ev.Worker != nil || ev.Job != nil {
		t.Fatalf("members event carries data: %+v", ev)
	}
	if _, err := m.Approve(mb.ID, model.RoleWorker); err != nil {
		t.Fatal(err)
	}
	nextOfType(t, sub.C, model.EventMembers)
}
