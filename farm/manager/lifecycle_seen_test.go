package manager

import (
	"testing"
	"time"

	"farmhand/farm/model"
)

// What a worker change answers says when the worker was last heard of,
// heartbeats included, as reading the worker does: not the time its record
// was last written.
func TestWorkerChangesAnswerWithTheLastHeartbeat(t *testing.T) {
	m, c := openWithClock(t, 10*time.Minute)
	w := register(t, m, "w1")
	c.advance(30 * time.Second)
	if _, err := m.Heartbeat(w.ID, ""); err != nil {
		t.Fatal(err)
	}
	heard := c.Now()
	c.advance(time.Second)
	tags := []string{"gpu"}
	changed, err := m.UpdateWorker(w.ID, WorkerChange{Tags: &tags})
	if err != nil {
		t.Fatal(err)
	}
	if !changed.LastSeen.Equal(heard) {
		t.Errorf("tags answer: last seen %s, want the heartbeat's %s", changed.LastSeen, heard)
	}
	slept, err := m.WorkerAction(w.ID, model.WorkerSleep, false)
	if err != nil {
		t.Fatal(err)
	}
	if !slept.LastSeen.Equal(heard) {
		t.Errorf("sleep answer: last seen %s, want the heartbeat's %s", slept.LastSeen, heard)
	}
}
