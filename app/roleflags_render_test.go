package app

import (
	"flag"
	"io"
	"testing"

	"farmhand/farm/worker"
)

// TestWorkerRenderFlags checks --blender (repeatable: the first is the
// default Blender) and --cycles-device, which the worker keeps in its
// settings for later runs, and which 'none' clears.
func TestWorkerRenderFlags(t *testing.T) {
	data := t.TempDir()
	t.Cleanup(func() { _ = worker.UseCyclesDevice("") })
	run := func(args ...string) *workerFlags {
		t.Helper()
		fs := flag.NewFlagSet("worker", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		wf := addWorkerFlags(&flagSet{fs}, nil)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		if _, err := wf.taskTypes.extraTaskTypes(data); err != nil {
			t.Fatal(err)
		}
		return wf
	}
	wf := run("--blender", "/opt/b41/blender", "--cycles-device", "optix", "--task-type", "blender-gpu")
	if *wf.blender != "/opt/b41/blender" || worker.CyclesDevice() != "OPTIX" {
		t.Fatalf("blender %q, device %q", *wf.blender, worker.CyclesDevice())
	}
	if s, err := worker.LoadSettings(data); err != nil || s.CyclesDevice != "OPTIX" || len(s.TaskTypes) != 1 {
		t.Fatalf("kept %+v %v", s, err)
	}
	// A later run without the flags keeps both; --task-type alone keeps the device.
	_ = worker.UseCyclesDevice("")
	run("--task-type", "misc2")
	if s, _ := worker.LoadSettings(data); worker.CyclesDevice() != "OPTIX" || s.CyclesDevice != "OPTIX" || s.TaskTypes[0] != "misc2" {
		t.Fatalf("after a run with --task-type only: device %q, kept %+v", worker.CyclesDevice(), s)
	}
	run("--cycles-device", "none")
	if s, _ := worker.LoadSettings(data); worker.CyclesDevice() != "" || s.CyclesDevice != "" || s.TaskTypes[0] != "misc2" {
		t.Fatalf("after --cycles-device none: device %q, kept %+v", worker.CyclesDevice(), s)
	}
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addWorkerFlags(&flagSet{fs}, nil)
	if err := fs.Parse([]string{"--cycles-device", "gpu"}); err == nil {
		t.Error("--cycles-device gpu was taken")
	}
}
