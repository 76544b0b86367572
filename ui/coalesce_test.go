package ui

import (
	"testing"
	"time"

	"farmhand/farm/model"
)

// TestCoalesce: a burst arrives as a few batches, in order, and nothing is
// lost when the stream ends.
func TestCoalesce(t *testing.T) {
	in := make(chan model.Event)
	var batches [][]model.Event
	done := make(chan struct{})
	go func() {
		coalesce(in, func(b []model.Event) { batches = append(batches, b) })
		close(done)
	}()
	for i := range 500 {
		in <- model.Event{Type: model.EventTask, Task: &model.Task{Index: i}}
	}
	time.Sleep(2 * flushEvery)
	in <- model.Event{Type: model.EventResync}
	close(in)
	<-done

	var n int
	for _, b := range batches {
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
	if len(batches) > 10 {
		t.Errorf("500 events in a burst came as %d batches; they should be coalesced", len(batches))
	}
}
