package api_test

import (
	"context"
	"testing"
	"time"

	"farmhand/farm/api/wire"
	"farmhand/farm/model"
)

// The first message of every stream connection is live, and an event
// published after it is delivered: a subscriber that loads on live misses
// nothing.
func TestEventStreamStartsLive(t *testing.T) {
	cl, _, _ := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream := cl.Events(ctx)
	first := <-stream
	if first.Type != model.EventLive {
		t.Fatalf("first event %q, want live", first.Type)
	}
	job, err := cl.Submit(ctx, wire.SubmitJob{Name: "after live", Type: "echo-sleep-test", Settings: map[string]any{"frames": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	for ev := range stream {
		if ev.Type == model.EventJob && ev.Job != nil && ev.Job.ID == job.ID {
			return
		}
	}
	t.Fatal("the job's event never came")
}
