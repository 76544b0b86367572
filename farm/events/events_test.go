package events

import (
	"testing"

	"farmhand/farm/model"
)

func TestSlowSubscriberGetsResync(t *testing.T) {
	h := NewHub()
	fast := h.Subscribe(10)
	slow := h.Subscribe(1)
	defer fast.Close()
	h.Publish(model.Event{Type: model.EventJob})
	h.Publish(model.Event{Type: model.EventTask}) // slow is full: missed
	if got := (<-slow.C).Type; got != model.EventJob {
		t.Fatalf("slow got %s first", got)
	}
	h.Publish(model.Event{Type: model.EventWorker}) // resync takes the free slot
	if got := (<-slow.C).Type; got != model.EventResync {
		t.Fatalf("slow got %s, want resync", got)
	}
	for _, want := range []model.EventType{model.EventJob, model.EventTask, model.EventWorker} {
		if got := (<-fast.C).Type; got != want {
			t.Fatalf("fast got %s, want %s", got, want)
		}
	}
	slow.Close()
	slow.Close() // twice is harmless
	if h.Subscribers() != 1 {
		t.Fatalf("%d subscribers", h.Subscribers())
	}
	if _, ok := <-slow.C; ok {
		t.Fatal("closed subscription still delivers")
	}
}
