//go:build e2e

package app_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"farmhand/farm/model"
)

const longExecJS = `
const JOB_TYPE = {
    label: "Long external process (test)",
    settings: [ { key: "seconds", type: "int32", default: 173 } ],
};
function compileJob(job) {
    const t = author.Task("long-process", "misc");
    t.addCommand(author.Command("exec", { exe: "sleep", args: [String(job.settings.seconds)] }));
    job.addTask(t);
}
`

// sleepers lists the live processes running `sleep <seconds>`, with their
// parents. A zombie does not count: it no longer runs.
func sleepers(seconds string) map[int]int {
	found := map[int]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !bytes.Equal(cmdline, []byte("sleep\x00"+seconds+"\x00")) {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(fields) > 1 && fields[0] != "Z" {
			found[pid], _ = strconv.Atoi(fields[1])
		}
	}
	return found
}

// TestE2ECase12ProcessesDieWithTheWorker: kill -9 on a worker running
// `sleep N` ends the sleep within seconds; the worker restarted on the same
// data folder leaves at most one such process running.
func TestE2ECase12ProcessesDieWithTheWorker(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	seconds := strconv.Itoa(17300 + rand.IntN(700)) // unique: other tests may run sleeps too
	t.Cleanup(func() {
		for pid := range sleepers(seconds) {
			_ = syscall.Kill(pid, syscall.SIGKILL) // best effort: it may have ended already
		}
	})
	addr, _ := managerWithScripts(t, map[string]string{"long_exec.js": longExecJS})
	cl := adminClient(t, addr)
	ctx := context.Background()
	data := t.TempDir()
	code := joinCode(t, addr)
	worker := func(name string) *proc {
		return start(t, name, "worker", "--headless", "--manager", "http://"+addr, "--data", data, "--name", "w1", "--join", code)
	}
	w1 := worker("w1")
	id := submitType(t, addr, "long-exec", "orphan", "seconds="+seconds)
	var running map[int]int
	waitFor(t, "sleep "+seconds+" to run", 30*time.Second, func() bool {
		running = sleepers(seconds)
		return len(running) == 1
	})
	for pid, parent := range running {
		if parent != w1.cmd.Process.Pid {
			t.Errorf("sleep %d has parent %d, not the worker %d", pid, parent, w1.cmd.Process.Pid)
		}
	}

	w1.stop(syscall.SIGKILL)
	waitFor(t, "sleep "+seconds+" to end with its worker", 5*time.Second, func() bool {
		return len(sleepers(seconds)) == 0
	})

	w1b := worker("w1 restarted")
	// Whatever the farm does with the lost task (run it again here, or not),
	// once the restarted worker is back and the task is settled there is
	// never a second sleep.
	waitFor(t, "the restarted worker and its task", time.Minute, func() bool {
		ws, _ := cl.Workers(ctx)
		tasks, _ := cl.Tasks(ctx, id)
		back := len(ws) == 1 && ws[0].Status == model.WorkerAwake
		return back && len(tasks) == 1 && (tasks[0].Status == model.TaskActive && len(sleepers(seconds)) == 1 ||
			tasks[0].Status != model.TaskActive && tasks[0].Status != model.TaskQueued)
	})
	if n := len(sleepers(seconds)); n > 1 {
		t.Errorf("%d sleep %s processes after the restart, want at most 1", n, seconds)
	}
	for pid, parent := range sleepers(seconds) {
		if parent != w1b.cmd.Process.Pid {
			t.Errorf("sleep %d has parent %d, not the restarted worker %d", pid, parent, w1b.cmd.Process.Pid)
		}
	}
	cli(t, addr, "job", id, "cancel")
	waitFor(t, "the canceled task's sleep to end", 10*time.Second, func() bool { return len(sleepers(seconds)) == 0 })
}
