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

// Closing the hub ends every subscription after the events already buffered,
// so readers return at once; later subscriptions start closed, and Publish
// after Close is harmless (issue 10).
func TestCloseEndsSubscriptions(t *testing.T) {
	h := NewHub()
	a := h.Subscribe(4)
	b := h.Subscribe(4)
	h.Publish(model.Event{Type: model.EventJob})
	h.Close()
	h.Close() // twice is harmless
	h.Publish(model.Event{Type: model.EventTask})
	for name, s := range map[string]*Subscription{"a": a, "b": b} {
		var got []model.EventType
		for ev := range s.C { // ends only because Close closed C
			got = append(got, ev.Type)
		}
		if len(got) != 1 || got[0] != model.EventJob {
			t.Errorf("%s read %v, want the one event published before Close", name, got)
		}
		s.Close() // after the hub's Close: harmless
	}
	late := h.Subscribe(4)
	if _, ok := <-late.C; ok {
		t.Error("a subscription made after Close delivers")
	}
	late.Close()
	if n := h.Subscribers(); n != 0 {
		t.Errorf("%d subscribers after Close", n)
	}
}
