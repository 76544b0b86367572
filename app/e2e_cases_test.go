//go:build e2e

package app_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"farmhand/farm/api/client"
	"farmhand/farm/model"
)

// End-to-end tests of issue 9's cases 03, 05 and 07 (../shared/cases): the
// real binary, a manager and workers on 127.0.0.1.

// startManagerWith starts a manager without discovery, with extra flags, and
// with the given job-type scripts (file name → source) in its scripts folder.
func startManagerWith(t *testing.T, addr string, scripts map[string]string, extra ...string) *proc {
	t.Helper()
	data := t.TempDir()
	if err := os.MkdirAll(filepath.Join(data, "scripts"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, src := range scripts {
		if err := os.WriteFile(filepath.Join(data, "scripts", name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	farms.Store(addr, data)
	args := append([]string{"manager", "--headless", "--no-discovery", "--data", data, "--listen", addr}, extra...)
	p := start(t, "manager", args...)
	cl := client.New("http://" + addr)
	waitFor(t, "the manager to come up", 20*time.Second, func() bool {
		_, err := cl.Version(context.Background())
		return err == nil
	})
	return p
}

func readCase(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// submitFollow starts `farmhand submit --wait --json` and returns the process,
// the job id it says on stderr at once, and a function giving its exit code
// and stdout once it ended.
func submitFollow(t *testing.T, addr, typ, name string, sets ...string) (id string, wait func(time.Duration) (int, string)) {
	t.Helper()
	args := []string{"submit", "--manager", "http://" + addr, "--data", managerData(addr), "--type", typ, "--name", name, "--wait", "--json"}
	for _, s := range sets {
		args = append(args, "--set", s)
	}
	cmd := exec.Command(farmhandBinary(t), args...)
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	// The exit status does not matter here: the test reads the output, and
	// at cleanup the process may have ended by itself.
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-done })
	// Issue 9, item 8: the id comes at once, before the job ends.
	waitFor(t, "submit --wait --json to say the job id", 20*time.Second, func() bool {
		for _, l := range strings.Split(stderr.String(), "\n") {
			if rest, ok := strings.CutPrefix(l, "job "); ok && rest != "" {
				id = strings.TrimSpace(rest)
				return true
			}
		}
		return false
	})
	return id, func(within time.Duration) (int, string) {
		select {
		case <-done:
			return cmd.ProcessState.ExitCode(), stdout.String()
		case <-time.After(within):
			t.Fatalf("submit --wait did not return within %s; stderr:\n%s", within, stderr.String())
			return -1, ""
		}
	}
}

// Case 03: canceling one part cancels collect, which depends on it, the job
// ends canceled, and `submit --wait` returns (exit 1: not completed).
func TestE2ECase03CanceledDependencyEndsJob(t *testing.T) {
	addr := freePort(t)
	startManagerWith(t, addr, map[string]string{"dep_chain.js": readCase(t, "../farm/manager/testdata/dep_chain.js")})
	startWorker(t, addr, "w1")
	out := t.TempDir()
	id, wait := submitFollow(t, addr, "dep-chain", "cancel one part", "parts=3", "sleep_seconds=3", "out_dir="+out)
	cl := adminClient(t, addr)
	waitFor(t, "part-1 to run", 30*time.Second, func() bool {
		task, err := cl.Task(context.Background(), id+".0")
		return err == nil && task.Status == model.TaskActive
	})
	cli(t, addr, "task", id+".2", "cancel")
	code, stdout := wait(60 * time.Second)
	var job model.Job
	if err := json.Unmarshal([]byte(stdout), &job); err != nil {
		t.Fatalf("submit --wait --json printed %q: %v", stdout, err)
	}
	if code != 1 || job.Status != model.JobCanceled {
		t.Fatalf("submit --wait exit %d, job %s (%q); want 1 and canceled", code, job.Status, job.StatusReason)
	}
	tasks := cli(t, addr, "tasks", id)
	if !strings.Contains(tasks, "collect") || strings.Count(tasks, "canceled") < 2 {
		t.Errorf("tasks:\n%s", tasks)
	}
	collect := cli(t, addr, "task", id+".3")
	if !strings.Contains(collect, "dependency part-3 was canceled") {
		t.Errorf("farmhand task does not say why collect was canceled:\n%s", collect)
	}
	for _, f := range []string{"part-1.txt", "part-2.txt"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "collect.txt")); err == nil {
		t.Error("collect ran although part-3 was canceled")
	}
}

// Case 05: a task that prints nothing for longer than the task timeout lives
// while its worker heartbeats, and completes.
func TestE2ECase05QuietTaskCompletes(t *testing.T) {
	addr := freePort(t)
	startManagerWith(t, addr, nil, "--task-timeout", "2s")
	startWorker(t, addr, "w1")
	id, wait := submitFollow(t, addr, "echo-sleep-test", "quiet 6s", "frames=1", "sleep_seconds=6")
	if code, out := wait(60 * time.Second); code != 0 {
		t.Fatalf("submit --wait exit %d: %s", code, out)
	}
	log := cli(t, addr, "task", id+".0", "log")
	if strings.Contains(log, "task timeout") || strings.Count(log, "starting task") != 1 {
		t.Errorf("the quiet task was timed out or run twice:\n%s", log)
	}
}

const gpuRender = `// gpu_render.js: test job type using a studio-defined task type (case 07).
const JOB_TYPE = {
    label: "GPU Render (test)",
    settings: [ { key: "frames", type: "string", required: true, default: "1-4" } ],
};
function compileJob(job) {
    for (const chunk of frameChunker(job.settings.frames, 2)) {
        const t = author.Task("gpu-" + chunk, "blender-gpu");
        t.addCommand(author.Command("echo", { message: "would render " + chunk + " on a GPU" }));
        job.addTask(t);
    }
}
`

// Case 07: a job whose task type no worker offers is accepted and waits,
// `task why` says so, and a worker offering the type runs it.
func TestE2ECase07CustomTaskType(t *testing.T) {
	addr := freePort(t)
	startManagerWith(t, addr, map[string]string{"gpu_render.js": gpuRender})
	startWorker(t, addr, "plain")
	if !strings.Contains(cli(t, addr, "jobtypes"), "gpu-render") {
		t.Fatal("gpu-render is not listed")
	}
	id := submitType(t, addr, "gpu-render", "gpu", "frames=1-4")
	cl := adminClient(t, addr)
	tasks, err := cl.Tasks(context.Background(), id)
	if err != nil || len(tasks) != 2 {
		t.Fatalf("tasks %v %v, want 2", tasks, err)
	}
	waitFor(t, "the plain worker to sign on", 20*time.Second, func() bool {
		ws, _ := cl.Workers(context.Background())
		return len(ws) == 1
	})
	if why := cli(t, addr, "task", id+".0", "why"); !strings.Contains(why, "no worker offers task type blender-gpu") {
		t.Errorf("why:\n%s", why)
	}
	help, _ := exec.Command(farmhandBinary(t), "worker", "--help").CombinedOutput()
	if !strings.Contains(string(help), "-task-type") {
		t.Errorf("worker --help does not offer --task-type:\n%s", help)
	}
	start(t, "gpu", "worker", "--headless", "--manager", "http://"+addr, "--data", t.TempDir(), "--name", "gpu",
		"--join", joinCode(t, addr), "--task-type", "blender-gpu")
	waitFor(t, "the gpu job to complete", 60*time.Second, func() bool {
		j, err := cl.Job(context.Background(), id)
		return err == nil && j.Status == model.JobCompleted
	})
}
