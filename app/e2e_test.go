//go:build e2e

// End-to-end tests: the real farmhand binary as a manager and workers on
// 127.0.0.1, killed and restarted like a studio's machines are. Run with
// `make e2e` (go test -tags e2e ./app/).
package app_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"farmhand/discovery/netnstest"
	"farmhand/farm/api/wire"
	"farmhand/farm/model"
)

func TestE2ETwoWorkersComplete200Tasks(t *testing.T) {
	addr := freePort(t)
	startManager(t, t.TempDir(), addr)
	startWorker(t, addr, "alpha")
	startWorker(t, addr, "beta")
	id := submitCLI(t, addr, "two hundred", "frames=1-200", "sleep_seconds=0")
	cl := adminClient(t, addr)
	waitFor(t, "the job to complete", 2*time.Minute, func() bool {
		j, err := jobJSON(t, addr, id)
		return err == nil && j.Status == model.JobCompleted
	})
	j, _ := jobJSON(t, addr, id)
	if j.TaskCounts[model.TaskCompleted] != 200 {
		t.Fatalf("task_counts %v", j.TaskCounts)
	}
	checkExactlyOnce(t, cl, id, 200)
	// Both workers took part.
	byWorker := map[string]int{}
	tasks, _ := cl.Tasks(context.Background(), id)
	for _, task := range tasks {
		byWorker[task.WorkerID]++
	}
	if len(byWorker) != 2 {
		t.Errorf("tasks per worker: %v", byWorker)
	}
}

func TestE2EManagerKilledMidJob(t *testing.T) {
	addr := freePort(t)
	data := t.TempDir()
	mgr := startManager(t, data, addr)
	workers := []*proc{startWorker(t, addr, "alpha"), startWorker(t, addr, "beta")}
	cl := adminClient(t, addr)
	id := submitCLI(t, addr, "survives a crash", "frames=1-200", "sleep_seconds=0.03")
	waitFor(t, "a third of the job", time.Minute, func() bool {
		j, err := cl.Job(context.Background(), id)
		return err == nil && j.TaskCounts[model.TaskCompleted] >= 60
	})
	second := submitCLI(t, addr, "submitted just before the crash", "frames=1-5", "sleep_seconds=0")
	seen := make([]int, len(workers))
	for i, w := range workers {
		seen[i] = len(w.out.String())
	}
	mgr.stop(syscall.SIGKILL)
	// Each worker meets the dead manager (keeping its task reports, or
	// retrying its ask for work) before it comes back.
	for i, w := range workers {
		waitFor(t, w.name+" to notice the manager is gone", 20*time.Second, func() bool {
			since := w.out.String()[seen[i]:]
			return strings.Contains(since, "manager unreachable") || strings.Contains(since, "asking for work failed")
		})
	}
	startManager(t, data, addr)
	for _, job := range []struct {
		id    string
		tasks int
	}{{id, 200}, {second, 5}} {
		waitFor(t, "the job to complete after the restart", 2*time.Minute, func() bool {
			j, err := cl.Job(context.Background(), job.id)
			return err == nil && j.Status == model.JobCompleted
		})
		checkExactlyOnce(t, cl, job.id, job.tasks)
	}
}

func TestE2EWorkerKilledMidTask(t *testing.T) {
	addr := freePort(t)
	startManager(t, t.TempDir(), addr)
	workers := map[string]*proc{"alpha": startWorker(t, addr, "alpha"), "beta": startWorker(t, addr, "beta")}
	cl := adminClient(t, addr)
	ctx := context.Background()
	waitFor(t, "both workers", 20*time.Second, func() bool {
		ws, _ := cl.Workers(ctx)
		return len(ws) == 2
	})
	id := submitCLI(t, addr, "outlives a worker", "frames=1", "sleep_seconds=4")
	var task *model.Task
	waitFor(t, "the task to start", 20*time.Second, func() bool {
		tasks, err := cl.Tasks(ctx, id)
		if err == nil && tasks[0].Status == model.TaskActive {
			task = tasks[0]
		}
		return task != nil
	})
	victim, _ := cl.Worker(ctx, task.WorkerID)
	workers[victim.Name].stop(syscall.SIGKILL)
	// The manager's worker timeout is 2 s here: the task goes back to the queue
	// and the other worker finishes it.
	waitFor(t, "the job to complete on the other worker", time.Minute, func() bool {
		j, err := cl.Job(ctx, id)
		return err == nil && j.Status == model.JobCompleted
	})
	done, _ := cl.Task(ctx, task.ID)
	if done.WorkerID == victim.ID {
		t.Fatalf("task completed by the killed worker %s", victim.Name)
	}
	log, _ := cl.TaskLog(ctx, task.ID)
	if !strings.Contains(log, "worker not heard from") || strings.Count(log, ": task completed") != 1 {
		t.Errorf("task log:\n%s", log)
	}
	lost, _ := cl.Worker(ctx, victim.ID)
	if lost.Status != model.WorkerLost {
		t.Errorf("killed worker is %s, want lost", lost.Status)
	}
}

// TestE2EWorkerLifecycle drives one worker process through sleep (after its
// task, then at once), wake, a restart of the process (it comes back asleep),
// shutdown (exit 0) and restart (exit 47), all through the command line.
func TestE2EWorkerLifecycle(t *testing.T) {
	addr := freePort(t)
	startManager(t, t.TempDir(), addr)
	cl := adminClient(t, addr)
	ctx := context.Background()
	data := t.TempDir()
	code := joinCode(t, addr)
	startW := func() *proc {
		return start(t, "worker", "worker", "--headless", "--manager", "http://"+addr, "--data", data, "--name", "cycler", "--join", code)
	}
	wp := startW()
	var id string
	waitFor(t, "the worker", 20*time.Second, func() bool {
		ws, _ := cl.Workers(ctx)
		if len(ws) == 1 && ws[0].Status == model.WorkerAwake {
			id = ws[0].ID
		}
		return id != ""
	})

	// Lazy sleep: the running task finishes first.
	job := submitCLI(t, addr, "lifecycle", "frames=1-4", "sleep_seconds=2")
	waitFor(t, "a task to run", 20*time.Second, func() bool {
		w, _ := cl.Worker(ctx, id)
		return w.TaskID != ""
	})
	first, _ := cl.Worker(ctx, id)
	cli(t, addr, "worker", id, "sleep")
	waitWorkerStatus(t, cl, id, model.WorkerAsleep)
	if task, _ := cl.Task(ctx, first.TaskID); task.Status != model.TaskCompleted {
		t.Fatalf("lazy sleep did not let the task finish: %s", task.Status)
	}
	j, _ := cl.Job(ctx, job)
	if j.TaskCounts[model.TaskActive] != 0 {
		t.Fatalf("an asleep worker runs a task: %v", j.TaskCounts)
	}

	// Wake: work goes on within seconds; then sleep --now stops the task.
	cli(t, addr, "worker", id, "wake")
	var running string
	waitFor(t, "the woken worker to take a task", 20*time.Second, func() bool {
		w, _ := cl.Worker(ctx, id)
		running = w.TaskID
		return w.Status == model.WorkerAwake && running != ""
	})
	cli(t, addr, "worker", id, "sleep", "--now")
	waitWorkerStatus(t, cl, id, model.WorkerAsleep)
	if task, _ := cl.Task(ctx, running); task.Status != model.TaskQueued {
		t.Fatalf("sleep --now left the task %s, want it requeued", task.Status)
	}

	// The worker process restarts: it comes back asleep.
	wp.stop(syscall.SIGTERM)
	waitWorkerStatus(t, cl, id, model.WorkerOffline)
	wp = startW()
	waitWorkerStatus(t, cl, id, model.WorkerAsleep)

	// Shutdown exits 0; a restart request exits with the restart code.
	cli(t, addr, "worker", id, "shutdown")
	if code := exitCodeOf(t, wp, 20*time.Second); code != 0 {
		t.Fatalf("shutdown exited %d\n%s", code, wp.out.String())
	}
	wp = startW()
	waitWorkerStatus(t, cl, id, model.WorkerAsleep)
	cli(t, addr, "worker", id, "restart", "--now")
	if code := exitCodeOf(t, wp, 20*time.Second); code != 47 {
		t.Fatalf("restart exited %d, want 47\n%s", code, wp.out.String())
	}
}

// TestE2EDiscovery runs in a network namespace of its own (never on the host's
// network): a worker started without a manager URL finds the manager with
// mDNS, completes a job, and finds the manager again after it restarted on
// another port.
func TestE2EDiscovery(t *testing.T) {
	if !netnstest.Isolated(t) {
		return // the test ran in its namespace; this was the parent
	}
	first := freePort(t)
	data := t.TempDir()
	mgr := startManager(t, data, first)
	code := joinCode(t, first)
	worker := start(t, "worker", "worker", "--headless", "--data", t.TempDir(), "--name", "finder", "--join", code)
	cl := adminClient(t, first)
	ctx := context.Background()
	waitFor(t, "the worker to find the manager", 20*time.Second, func() bool {
		ws, _ := cl.Workers(ctx)
		return len(ws) == 1 && ws[0].Status == model.WorkerAwake
	})
	if d := logGap(t, worker.out.String(), "looking for the manager", "manager found"); d > 3*time.Second {
		t.Errorf("finding the manager took %s, more than 3 s", d)
	} else {
		t.Logf("the worker found the manager %s after it started looking", d)
	}
	job := submitCLI(t, first, "found by mDNS", "frames=1-3", "sleep_seconds=0")
	waitFor(t, "the job", 30*time.Second, func() bool {
		j, err := cl.Job(ctx, job)
		return err == nil && j.Status == model.JobCompleted
	})

	// The manager comes back on another port; nobody tells the worker.
	mgr.stop(syscall.SIGTERM)
	second := freePort(t)
	startManager(t, data, second)
	cl = adminClient(t, second)
	job = submitCLI(t, second, "after the move", "frames=1-3", "sleep_seconds=0")
	waitFor(t, "the worker to follow the manager", 60*time.Second, func() bool {
		j, err := cl.Job(ctx, job)
		return err == nil && j.Status == model.JobCompleted
	})
	if !strings.Contains(worker.out.String(), "manager found at a new address") {
		t.Errorf("the worker did not say it moved:\n%s", worker.out.String())
	}
}

// TestE2EBlenderRender renders for real: a scene built with Blender's Python
// (Cycles, 64×64, 6 frames) submitted as simple-blender-render, frames 1–6 in
// chunks of 2, to a manager with two workers. Six PNGs of the right size, a
// preview video of six frames, a last-rendered thumbnail and full progress.
func TestE2EBlenderRender(t *testing.T) {
	for _, tool := range []string{"blender", "ffmpeg", "ffprobe"} {
		needTool(t, tool, "apt-get install blender ffmpeg")
	}
	work := t.TempDir()
	blend := filepath.Join(work, "scene.blend")
	makeScene(t, blend)
	addr := freePort(t)
	startManager(t, t.TempDir(), addr)
	startWorker(t, addr, "render-a")
	startWorker(t, addr, "render-b")
	cl := adminClient(t, addr)
	ctx := context.Background()
	waitFor(t, "two workers that render", 30*time.Second, func() bool {
		ws, _ := cl.Workers(ctx)
		n := 0
		for _, w := range ws {
			if slices.Contains(w.TaskTypes, "blender") && slices.Contains(w.TaskTypes, "ffmpeg") {
				n++
			}
		}
		return n == 2
	})
	renders := filepath.Join(work, "renders")
	id := submitType(t, addr, "simple-blender-render", "cube turntable", "frames=1-6", "chunk_size=2", "blendfile="+blend, "render_output_root="+renders,
		"render_output_path="+filepath.Join(renders, "shot", "######"), "format=PNG", "fps=24")
	var job *model.Job
	var err error
	waitFor(t, "the render job", 3*time.Minute, func() bool {
		job, err = cl.Job(ctx, id)
		if err == nil && job.Status.Final() && job.Status != model.JobCompleted {
			t.Fatalf("job ended %s: %s", job.Status, job.StatusReason)
		}
		return err == nil && job.Status == model.JobCompleted
	})
	if job.StepsCompleted != job.StepsTotal {
		t.Errorf("progress %d of %d steps", job.StepsCompleted, job.StepsTotal)
	}
	tasks, _ := cl.Tasks(ctx, id)
	renderSteps := 0
	for _, task := range tasks {
		if task.Type == "blender" {
			renderSteps += task.StepsCompleted
		}
	}
	if renderSteps != 6 {
		t.Errorf("render steps %d, want 6 of 6", renderSteps)
	}

	frames, _ := filepath.Glob(filepath.Join(renders, "shot", "*.png"))
	if len(frames) != 6 {
		t.Fatalf("%d frames rendered: %v", len(frames), frames)
	}
	for _, f := range frames {
		cfg := decodePNGConfig(t, f)
		if cfg.Width != 64 || cfg.Height != 64 {
			t.Errorf("%s is %dx%d", f, cfg.Width, cfg.Height)
		}
	}
	videos, _ := filepath.Glob(filepath.Join(renders, "shot", "*.mp4"))
	if len(videos) != 1 {
		t.Fatalf("preview videos: %v", videos)
	}
	probe, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", videos[0]).Output()
	if err != nil || strings.TrimSpace(string(probe)) != "6" {
		t.Errorf("ffprobe counts %q frames (%v)", probe, err)
	}
	thumb, err := cl.LastRenderedImage(ctx, id, "thumb")
	if err != nil || len(thumb) < 100 || string(thumb[:2]) != "\xff\xd8" {
		t.Errorf("last-rendered thumbnail: %d bytes, %v", len(thumb), err)
	}
	t.Logf("rendered 6 frames and a preview in %s", job.Updated.Sub(job.Created).Round(time.Millisecond))
}

// shellCheck is a custom job type, as a studio would drop into the manager's
// scripts folder: each task runs a shell test that fails on the workers and
// frames it names.
const shellCheck = `
const JOB_TYPE = {
    label: "Shell Check",
    settings: [
        { key: "frames", type: "string", required: true },
        { key: "bad_worker", type: "string", default: "" },
        { key: "bad_frame", type: "string", default: "" },
    ],
};
function compileJob(job) {
    for (const chunk of frameChunker(job.settings.frames, 1)) {
        const task = author.Task("check-" + chunk, "misc");
        const script = 'test "$FARMHAND_WORKER_NAME" != "' + job.settings.bad_worker + '" && test "' + chunk + '" != "' + job.settings.bad_frame + '"';
        task.addCommand(author.Command("exec", { exe: "sh", args: ["-c", script] }));
        job.addTask(task);
    }
}
`

// TestE2EFailures runs real failing commands on real workers: a worker that
// fails every task ends on the job's blocklist while the others complete it,
// and a frame every worker fails ends failed after three workers, with the
// reasons shown by the command line.
func TestE2EFailures(t *testing.T) {
	addr := freePort(t)
	data := t.TempDir()
	if err := os.MkdirAll(filepath.Join(data, "scripts"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "scripts", "shell_check.js"), []byte(shellCheck), 0o644); err != nil {
		t.Fatal(err)
	}
	startManager(t, data, addr)
	for _, name := range []string{"bad", "good-1", "good-2"} {
		startWorker(t, addr, name)
	}
	cl := adminClient(t, addr)
	ctx := context.Background()
	waitFor(t, "three workers", 30*time.Second, func() bool {
		ws, _ := cl.Workers(ctx)
		return len(ws) == 3
	})
	run := func(name string, sets ...string) *model.Job {
		args := []string{"submit", "--type", "shell-check", "--name", name, "--json"}
		for _, s := range sets {
			args = append(args, "--set", s)
		}
		var job model.Job
		if err := json.Unmarshal([]byte(cli(t, addr, args...)), &job); err != nil {
			t.Fatal(err)
		}
		var done *model.Job
		waitFor(t, name+" to finish", 2*time.Minute, func() bool {
			j, err := cl.Job(ctx, job.ID)
			done = j
			return err == nil && j.Status.Final()
		})
		return done
	}

	job := run("one bad worker", "frames=1-12", "bad_worker=bad")
	if job.Status != model.JobCompleted || job.TaskCounts[model.TaskFailed] != 0 {
		t.Fatalf("job %s %v (%s)", job.Status, job.TaskCounts, job.StatusReason)
	}
	blocklist := cli(t, addr, "job", job.ID, "blocklist")
	if !strings.Contains(blocklist, "bad") || !strings.Contains(blocklist, "misc") {
		t.Errorf("the bad worker is not on the blocklist:\n%s", blocklist)
	}

	// One frame of twenty failed for good: the others complete, and the job
	// ends failed, never "completed" with a frame missing (issue 9).
	job = run("one bad frame", "frames=1-20", "bad_frame=7")
	if job.Status != model.JobFailed || job.TaskCounts[model.TaskFailed] != 1 || job.TaskCounts[model.TaskCompleted] != 19 {
		t.Fatalf("job %s %v (%s)", job.Status, job.TaskCounts, job.StatusReason)
	}
	tasks, _ := cl.Tasks(ctx, job.ID)
	bad := tasks[6]
	if bad.Status != model.TaskFailed || len(bad.FailedBy) != 3 {
		t.Fatalf("task %s %s failed by %v", bad.Name, bad.Status, bad.FailedBy)
	}
	shown := cli(t, addr, "task", bad.ID)
	if !strings.Contains(shown, "failed by 3 workers") || !strings.Contains(shown, "Failed by") {
		t.Errorf("farmhand task does not show why it failed:\n%s", shown)
	}
	log := cli(t, addr, "task", bad.ID, "log")
	if strings.Count(log, ": failed: command 1 (exec): sh exited with code 1") != 3 {
		t.Errorf("the log does not show the three failures:\n%s", log)
	}
	why := cli(t, addr, "task", bad.ID, "why")
	if !strings.Contains(why, "failed-before") || !strings.Contains(why, "not-queued") {
		t.Errorf("why does not name the reasons:\n%s", why)
	}
}

// TestE2EDiscoveryAcrossMachines puts the manager and a worker in two network
// namespaces joined by a veth pair, as two computers on a studio's network:
// the worker, given no URL, finds the manager with mDNS and renders its job.
func TestE2EDiscoveryAcrossMachines(t *testing.T) {
	a, b := netnstest.Pair(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bin := farmhandBinary(t)
	data := t.TempDir()
	// From another computer the manager speaks only TLS; commands on its own
	// computer pin its certificate from its data folder.
	url := "https://" + a.Addr.String() + ":7780"
	background := func(h netnstest.Host, name string, args ...string) *syncBuffer {
		out := &syncBuffer{}
		cmd := h.Exec(ctx, bin, args...)
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			// Best effort: a process that ended already is fine, and its
			// exit status was judged by the test, if it mattered.
			_ = cmd.Process.Signal(syscall.SIGTERM)
			_ = cmd.Wait()
			if t.Failed() {
				t.Logf("--- output of %s ---\n%s", name, out.String())
			}
		})
		return out
	}
	// run is a command on the manager's computer, with its admin token.
	run := func(args ...string) (string, error) {
		out, err := a.Exec(ctx, bin, append(args, "--manager", url, "--data", data)...).Output()
		return string(out), err
	}
	background(a, "manager", "manager", "--headless", "--data", data, "--listen", a.Addr.String()+":7780", "--farm-name", "studio")
	var code string
	waitFor(t, "the manager", 20*time.Second, func() bool {
		out, err := run("joincode", "--json")
		var jc wire.JoinCode
		if err == nil && json.Unmarshal([]byte(out), &jc) == nil {
			code = jc.Code
		}
		return code != ""
	})
	started := time.Now()
	worker := background(b, "worker", "worker", "--headless", "--data", t.TempDir(), "--name", "node-b", "--join", code)
	waitFor(t, "the worker on the other computer", 30*time.Second, func() bool {
		out, _ := run("workers", "--json")
		return strings.Contains(out, `"node-b"`) && strings.Contains(out, `"awake"`)
	})
	t.Logf("the worker on the other computer signed on %s after it started", time.Since(started).Round(time.Millisecond))
	if d := logGap(t, worker.String(), "looking for the manager", "manager found"); d > 3*time.Second {
		t.Errorf("finding the manager took %s, more than 3 s", d)
	}
	// Plain HTTP from the other computer is refused with a clear message, and
	// the token it carried never reached a handler (farm/trust's tests show
	// that; here the real binary's answer).
	plain, err := b.Exec(ctx, bin, "jobs", "--manager", "http://"+a.Addr.String()+":7780", "--token", "not-a-real-token",
		"--data", t.TempDir()).CombinedOutput()
	if err == nil || !strings.Contains(string(plain), "speaks HTTPS only") {
		t.Errorf("plain HTTP from another computer: %v\n%s", err, plain)
	}
	// A client pinned to another fingerprint refuses this manager.
	wrong, err := b.Exec(ctx, bin, "jobs", "--manager", url, "--fingerprint", "AAAA-AAAA-AAAA-AAAA", "--data", t.TempDir()).CombinedOutput()
	if err == nil || !strings.Contains(string(wrong), "another computer may be posing as the manager") {
		t.Errorf("a wrong pin: %v\n%s", err, wrong)
	}
	out, err := run("submit", "--type", "echo-sleep-test", "--name", "across", "--set", "frames=1-4", "--set", "sleep_seconds=0", "--wait", "--json")
	if err != nil {
		t.Fatalf("the job did not complete: %v\n%s", err, out)
	}
	if !strings.Contains(worker.String(), "manager found") || !strings.Contains(worker.String(), a.Addr.String()) {
		t.Errorf("the worker did not find the manager at %s:\n%s", a.Addr, worker.String())
	}
}

// TestE2EDefaultCommand runs farmhand with no command, as a double-click does:
// a manager and its own worker, which needs nobody's approval.
func TestE2EDefaultCommand(t *testing.T) {
	addr := freePort(t)
	data := t.TempDir()
	farms.Store(addr, data)
	p := start(t, "farmhand", "--headless", "--no-discovery", "--data", data, "--listen", addr)
	waitFor(t, "the farm to open", 20*time.Second, func() bool {
		_, err := os.Stat(filepath.Join(data, "admin.token"))
		return err == nil
	})
	cl := adminClient(t, addr)
	waitFor(t, "its own worker", 30*time.Second, func() bool {
		ws, err := cl.Workers(context.Background())
		return err == nil && len(ws) == 1 && ws[0].Status == model.WorkerAwake
	})
	out := cli(t, addr, "submit", "--type", "echo-sleep-test", "--name", "first job", "--set", "frames=1-3", "--set", "sleep_seconds=0", "--wait")
	if !strings.Contains(out, "completed") {
		t.Errorf("submit --wait said:\n%s", out)
	}
	if !strings.Contains(p.out.String(), "admin token created for this computer") {
		t.Errorf("the first start did not say where the admin token is:\n%s", p.out.String())
	}
}
