package worker

import (
	"context"
	"reflect"
	"testing"
	"time"

	"farmhand/farm/api/client"
	"farmhand/farm/model"
)

// TestWorkerReportsItsRenderSetup checks that a worker tells the manager, at
// sign-on, its Blenders and its Cycles device, which then show in its record
// (the workers view, farmhand workers) and drive the scheduler.
func TestWorkerReportsItsRenderSetup(t *testing.T) {
	installs := []model.BlenderInstall{{Path: "/usr/bin/blender", Version: "4.1.1"}, {Path: "/opt/b36/blender", Version: "3.6.5"}}
	withBlenders(t, installs)
	withCyclesDevice(t, "cpu")
	f := startFarm(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := New(Config{Client: client.New(f.cl.BaseURL()), DataDir: t.TempDir(), Name: "box", Logger: quiet,
		IdlePoll: 20 * time.Millisecond, JoinCode: f.code, Tools: Tools{Blender: "/usr/bin/blender"}})
	wait := runWorker(ctx, w)
	defer func() { cancel(); _ = wait() }()
	var got *model.Worker
	waitFor(t, "the worker's record with its render setup", func() bool {
		ws, err := f.m.Workers()
		if err == nil && len(ws) == 1 {
			got = ws[0]
		}
		return got != nil && len(got.Blenders) > 0
	})
	if !reflect.DeepEqual(got.Blenders, installs) || got.CyclesDevice != "CPU" {
		t.Fatalf("the manager has Blenders %+v and device %q; the worker has %+v and CPU", got.Blenders, got.CyclesDevice, installs)
	}
}
