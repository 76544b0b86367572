package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// helperEnv makes this test binary act as a worker running one command.
const helperEnv = "FARMHAND_TEST_RUN_SLEEP_IN"

// TestHelperRunSleep is not a test: run by TestKilledWorkerTakesItsProcessWith
// in a child test binary, it runs `sleep 1731` through runProcess and waits.
func TestHelperRunSleep(t *testing.T) {
	dir := os.Getenv(helperEnv)
	if dir == "" {
		t.Skip("helper process of TestKilledWorkerTakesItsProcessWith")
	}
	// The parent test kills this process; sleep ending by itself is a failure
	// it sees as a record gone too early.
	if err := runProcess(context.Background(), Env{Log: func(string) {}, ProcDir: dir}, "sleep", []string{"1731"}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// waitGone polls until pid is no longer a live process.
func waitGone(t *testing.T, pid int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if _, err := processStart(pid); errors.Is(err, errGone) {
			return
		}
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL) // best effort, not to leave it behind
			t.Fatalf("process %d still runs %s later", pid, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitRecord waits for one process record in dir and returns it.
func waitRecord(t *testing.T, dir string) procRecord {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		if len(files) == 1 {
			var r procRecord
			data, err := os.ReadFile(files[0])
			if err == nil && json.Unmarshal(data, &r) == nil {
				return r
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no process record in %s: %v", dir, files)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A worker killed with SIGKILL takes the process it started with it: the
// parent-death signal ends `sleep` although nothing of the worker runs.
func TestKilledWorkerTakesItsProcessWith(t *testing.T) {
	dir := t.TempDir()
	helper := exec.Command(os.Args[0], "-test.run=^TestHelperRunSleep$")
	helper.Env = append(os.Environ(), helperEnv+"="+dir)
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = helper.Wait() }() // killed below: its status says only that
	r := waitRecord(t, dir)
	if out, _ := os.ReadFile("/proc/" + strconv.Itoa(r.PID) + "/cmdline"); !bytes.Equal(out, []byte("sleep\x001731\x00")) {
		t.Fatalf("recorded process %d is %q, not sleep 1731", r.PID, out)
	}
	if r.Exe != "sleep" || r.Start == "" || !ownedMember(r.PID, r) {
		t.Errorf("record %+v: want exe sleep, a start time and the token in its environment", r)
	}
	if err := helper.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	waitGone(t, r.PID, 5*time.Second)
}

// runProcess records the process while it runs and removes the record after.
func TestRunProcessRecordsWhileRunning(t *testing.T) {
	dir := t.TempDir()
	done := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { done <- runProcess(ctx, Env{Log: func(string) {}, ProcDir: dir}, "sleep", []string{"1735"}) }()
	r := waitRecord(t, dir)
	if start, err := processStart(r.PID); err != nil || start != r.Start {
		t.Errorf("recorded start %q, the process's is %q (%v)", r.Start, start, err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("runProcess ended with %v, want the context's error", err)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*")); len(files) != 0 {
		t.Errorf("records left after the process ended: %v", files)
	}
}

// startGroup starts sh -c script in its own group, as runProcess would but
// without the parent-death signal (as if the worker had died already), and
// records it in dir.
func startGroup(t *testing.T, dir, script string) (*exec.Cmd, io.WriteCloser) {
	t.Helper()
	token := newToken()
	cmd := exec.Command("sh", "-c", script)
	cmd.Env = append(os.Environ(), tokenVar+"="+token)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, _ := cmd.StdinPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Best effort: KillLeftovers may have ended the group already.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	})
	recordProcess(dir, cmd.Process.Pid, token, "sh", func(s string) { t.Error(s) })
	return cmd, stdin
}

// waitMembers waits until process group pgid has n live members.
func waitMembers(t *testing.T, pgid, n int) []int {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		pids, err := groupMembers(pgid)
		if err == nil && len(pids) == n {
			return pids
		}
		if time.Now().After(deadline) {
			t.Fatalf("group %d has members %v (%v), want %d", pgid, pids, err, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestKillLeftovers(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := t.TempDir()

	// A group whose leader still runs: all of it is killed.
	whole, _ := startGroup(t, dir, "sleep 1732 & read x")
	members := waitMembers(t, whole.Process.Pid, 2)
	// A group whose leader ended (as the parent-death signal ends it): the
	// child carrying the record's token is killed.
	orphaned, stdin := startGroup(t, dir, "sleep 1733 & read x")
	orphan := waitMembers(t, orphaned.Process.Pid, 2)
	stdin.Close()
	_ = orphaned.Wait() // read at EOF ends sh with status 1: only its end matters
	waitMembers(t, orphaned.Process.Pid, 1)
	// A record whose PID now belongs to another process: spared.
	stranger := exec.Command("sleep", "1734")
	if err := stranger.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = stranger.Process.Kill(); _ = stranger.Wait() }() // killed: its status says only that
	data, _ := json.Marshal(procRecord{PID: stranger.Process.Pid, Start: "another-boot/1", Exe: "blender"})
	if err := os.WriteFile(filepath.Join(dir, strconv.Itoa(stranger.Process.Pid)+".json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	// A half-written record of a worker killed mid-write.
	if err := os.WriteFile(filepath.Join(dir, "123.json.tmp"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}

	if err := KillLeftovers(dir, log); err != nil {
		t.Fatal(err)
	}
	for _, pid := range append(members, orphan...) {
		waitGone(t, pid, 5*time.Second)
	}
	if _, err := processStart(stranger.Process.Pid); err != nil {
		t.Errorf("the stranger with a reused PID was killed: %v", err)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*")); len(files) != 0 {
		t.Errorf("records left after KillLeftovers: %v", files)
	}
	if err := KillLeftovers(filepath.Join(dir, "missing"), log); err != nil {
		t.Errorf("a missing folder: %v", err)
	}
}
