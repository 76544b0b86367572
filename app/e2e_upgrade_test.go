//go:build e2e

package app_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"farmhand/farm/api"
	"farmhand/farm/files"
	"farmhand/farm/model"
	"farmhand/farm/upgrade"
	"farmhand/internal/farmtest"
)

// newVersion is the version string of the second build the worker upgrades to.
const newVersion = "0.1.0-e2e-upgraded"

// Issue 15, item 4: a worker upgrades itself from the manager. The manager
// hands out a second build (another version string, set with -ldflags -X as
// the Makefile sets it) from its data folder's binaries/; the worker, run from
// a copy of the first build, finishes its running task, downloads and checks
// the new binary, replaces its own executable, restarts (the same process:
// exec) and signs on again with the new version; then it works on beside the
// manager of the earlier version.
func TestE2EWorkerUpgradesItselfFromTheManager(t *testing.T) {
	old := farmhandBinary(t)
	data := t.TempDir()
	newBin := filepath.Join(data, api.BinariesDir, upgrade.FileName(runtime.GOOS, runtime.GOARCH))
	if err := os.MkdirAll(filepath.Dir(newBin), 0o755); err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-tags", "headless", "-ldflags", "-X "+upgrade.VersionSymbol+"="+newVersion, "-o", newBin, "..")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the second binary: %v\n%s", err, out)
	}
	newSum, _, err := files.HashFile(newBin)
	if err != nil {
		t.Fatal(err)
	}

	addr := freePort(t)
	startManager(t, data, addr)
	cl := adminClient(t, addr)
	ctx := context.Background()
	exe := filepath.Join(t.TempDir(), "farmhand")
	copyFile(t, old, exe)
	oldSum, _, _ := files.HashFile(exe)
	wp := farmtest.Start(t, "worker", exec.Command(exe, "worker", "--headless", "--manager", "http://"+addr,
		"--data", t.TempDir(), "--name", "upgrader", "--join", joinCode(t, addr)))
	var w *model.Worker
	waitFor(t, "the worker to sign on", 20*time.Second, func() bool {
		ws, _ := cl.Workers(ctx)
		if len(ws) == 1 && ws[0].Status == model.WorkerAwake {
			w = ws[0]
		}
		return w != nil
	})
	if w.Version == newVersion || oldSum == newSum {
		t.Fatalf("the worker already runs the new build: version %s", w.Version)
	}

	// Asked while it renders, the worker finishes the task first.
	job := submitCLI(t, addr, "upgrade", "frames=1-3", "sleep_seconds=2")
	var running string
	waitFor(t, "a task to run", 20*time.Second, func() bool {
		got, _ := cl.Worker(ctx, w.ID)
		running = got.TaskID
		return running != ""
	})
	if out := cli(t, addr, "worker", w.ID, "upgrade"); !strings.Contains(out, "upgrade after the current task") {
		t.Errorf("farmhand worker ID upgrade printed:\n%s", out)
	}
	waitFor(t, "the worker to sign on again as "+newVersion, 60*time.Second, func() bool {
		got, err := cl.Worker(ctx, w.ID)
		return err == nil && got.Version == newVersion && got.Status == model.WorkerAwake && got.StatusRequested == ""
	})
	if task, _ := cl.Task(ctx, running); task.Status != model.TaskCompleted || task.WorkerID != w.ID {
		t.Errorf("the task running when the upgrade was asked for is %s on %q, want completed by the worker", task.Status, task.WorkerID)
	}
	if sum, _, err := files.HashFile(exe); err != nil || sum != newSum {
		t.Errorf("the worker's executable has SHA-256 %s (%v), want the new build's %s", sum, err, newSum)
	}
	select {
	case <-wp.Done():
		t.Fatalf("the worker process exited instead of starting the new binary in its place:\n%s", wp.Out.String())
	default:
	}
	if entries, _ := os.ReadDir(filepath.Dir(exe)); len(entries) != 1 {
		t.Errorf("the executable's folder holds %d files, want only the executable (no staged leftovers)", len(entries))
	}
	// Adjacent versions work together: the new worker renders the rest of
	// the job for the manager of the earlier version.
	waitFor(t, "the job to complete", 60*time.Second, func() bool {
		j, err := jobJSON(t, addr, job)
		return err == nil && j.Status == model.JobCompleted
	})
	for _, want := range []string{"upgraded; restarting into the new binary", "to=" + newVersion} {
		if !strings.Contains(wp.Out.String(), want) {
			t.Errorf("the worker's log lacks %q:\n%s", want, wp.Out.String())
		}
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o755); err != nil {
		t.Fatal(err)
	}
}
