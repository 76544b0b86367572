package ui

import (
	"testing"
	"time"

	"farmhand/farm/model"
)

// TestCoalesce checks what coalesce promises, none of which depends on how
// fast the scheduler runs: events arrive in order, none is lost (the last
// batch is flushed when the stream ends), no batch is empty, and a batch is
// flushed at most once per flushEvery: counted against the periods that
// passed, a slow machine only makes fewer batches.
func TestCoalesce(t *testing.T) {
	in := make(chan model.Event)
	var batches [][]model.Event
	flushed := make(chan struct{}, 1)
	done := make(chan struct{})
	started := time.Now()
	go func() {
		coalesce(in, func(b []model.Event) {
			batches = append(batches, b)
			select {
			case flushed <- struct{}{}:
			default:
			}
		})
		close(done)
	}()
	for i := range 500 {
		in <- model.Event{Type: model.EventTask, Task: &model.Task{Index: i}}
	}
	// An event after a timed flush starts a new batch, and the stream's end
	// flushes it.
	select {
	case <-flushed:
	case <-time.After(10 * time.Second):
		t.Fatal("a burst was not flushed within 10 s")
	}
	in <- model.Event{Type: model.EventResync}
	close(in)
	<-done
	elapsed := time.Since(started)

	var n int
	for i, b := range batches {
		if len(b) == 0 {
			t.Errorf("batch %d is empty", i)
		}
		for _, ev := range b {
			if ev.Type == model.EventTask && ev.Task.Index != n {
				t.Fatalf("event %d arrived as %d", ev.Task.Index, n)
			}
			n++
		}
	}
	if n != 501 {
		t.Errorf("%d events delivered, want 501", n)
	}
	if last := batches[len(batches)-1]; last[len(last)-1].Type != model.EventResync {
		t.Errorf("the last event is %s, want the resync sent last", last[len(last)-1].Type)
	}
	// Timed flushes come at least flushEvery apart, so at most
	// elapsed/flushEvery of them fit, plus the one when the stream ends.
	if most := int(elapsed/flushEvery) + 1; len(batches) > most {
		t.Errorf("%d batches in %v, more than one per %v (at most %d)", len(batches), elapsed, flushEvery, most)
	}
}
