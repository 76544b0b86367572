//go:build e2e

package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"farmhand/discovery/netnstest"
	"farmhand/farm/api/client"
	"farmhand/farm/model"
	"farmhand/internal/farmtest"
)

// The helpers of the end-to-end tests: the real farmhand binary, built once,
// run as managers, workers and commands on 127.0.0.1.

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// farmhandBinary builds the headless binary once per test run.
func farmhandBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "farmhand-e2e-bin")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "farmhand")
		cmd := exec.Command("go", "build", "-tags", "headless", "-o", binary, "..")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("building farmhand: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

// proc is one farmhand process (a farmtest.Proc: output kept, stopped at the
// test's end), under the short names the e2e tests use.
type proc struct {
	*farmtest.Proc
	name string
	cmd  *exec.Cmd
	out  *syncBuffer
	done <-chan struct{}
}

type syncBuffer = farmtest.SyncBuffer

// start runs the farmhand binary with args, with no manager URL from the
// environment.
func start(t *testing.T, name string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(farmhandBinary(t), args...)
	cmd.Env = append(os.Environ(), "FARMHAND_MANAGER=")
	p := farmtest.Start(t, name, cmd)
	return &proc{Proc: p, name: name, cmd: cmd, out: p.Out, done: p.Done()}
}

// stop sends sig and waits for the process to exit (killing it after 10 s).
func (p *proc) stop(sig syscall.Signal) { p.Stop(sig) }

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// farms remembers each test manager's data directory, where its admin token
// and join code come from.
var farms sync.Map // addr → data dir

// adminClient talks to the manager at addr with its computer's admin token.
func adminClient(t *testing.T, addr string) *client.Client {
	t.Helper()
	data, _ := farms.Load(addr)
	token, err := os.ReadFile(filepath.Join(data.(string), "admin.token"))
	if err != nil {
		t.Fatal(err)
	}
	return client.New("http://" + addr).WithToken(strings.TrimSpace(string(token)))
}

func joinCode(t *testing.T, addr string) string {
	t.Helper()
	code, err := adminClient(t, addr).JoinCode(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func startManager(t *testing.T, data, addr string) *proc {
	t.Helper()
	farms.Store(addr, data)
	args := []string{"manager", "--headless", "--data", data, "--listen", addr, "--worker-timeout", "2s"}
	if netnstest.Child(t) == "" {
		// Never multicast on the host's network: only the discovery tests,
		// inside namespaces of their own, advertise.
		args = append(args, "--no-discovery")
	}
	p := start(t, "manager", args...)
	cl := client.New("http://" + addr)
	waitFor(t, "the manager to answer on "+addr, 20*time.Second, func() bool {
		_, err := cl.Version(context.Background())
		return err == nil
	})
	return p
}

func startWorker(t *testing.T, addr, name string) *proc {
	t.Helper()
	return start(t, name, "worker", "--headless", "--manager", "http://"+addr, "--data", t.TempDir(), "--name", name,
		"--join", joinCode(t, addr))
}

// managerData is the --data flag that gives a command the manager's admin token.
func managerData(addr string) string {
	data, _ := farms.Load(addr)
	return data.(string)
}

// submitCLI submits an echo-sleep-test job through the command line, as a TD's
// script would.
func submitCLI(t *testing.T, addr, name string, sets ...string) string {
	t.Helper()
	return submitType(t, addr, "echo-sleep-test", name, sets...)
}

// submitType submits a job of any type through the command line and returns its id.
func submitType(t *testing.T, addr, typ, name string, sets ...string) string {
	t.Helper()
	args := []string{"submit", "--manager", "http://" + addr, "--data", managerData(addr), "--type", typ, "--name", name, "--json"}
	for _, s := range sets {
		args = append(args, "--set", s)
	}
	cmd := exec.Command(farmhandBinary(t), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("submit: %v\n%s%s", err, out, stderr.String())
	}
	var job model.Job
	if err := json.Unmarshal(out, &job); err != nil {
		t.Fatalf("submit printed %q: %v", out, err)
	}
	return job.ID
}

func jobJSON(t *testing.T, addr, id string) (*model.Job, error) {
	out, err := exec.Command(farmhandBinary(t), "job", id, "--json", "--manager", "http://"+addr, "--data", managerData(addr)).Output()
	if err != nil {
		return nil, err
	}
	var j model.Job
	return &j, json.Unmarshal(out, &j)
}

// waitFor is farmtest.Eventually: it fails the test when ok is not true
// within the given time.
func waitFor(t *testing.T, what string, within time.Duration, ok func() bool) {
	t.Helper()
	farmtest.Eventually(t, what, within, ok)
}

// checkExactlyOnce reads every task's log through the API: each task is
// completed, its command ran to completion on one worker only, and the
// manager marked it completed at most once.
func checkExactlyOnce(t *testing.T, cl *client.Client, jobID string, want int) {
	t.Helper()
	ctx := context.Background()
	tasks, err := cl.Tasks(ctx, jobID)
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != want {
		t.Fatalf("job has %d tasks, want %d", len(tasks), want)
	}
	for _, task := range tasks {
		if task.Status != model.TaskCompleted {
			t.Errorf("task %s is %s", task.Name, task.Status)
			continue
		}
		log, err := cl.TaskLog(ctx, task.ID)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(log, ": task completed"); n != 1 {
			t.Errorf("task %s reported completed %d times:\n%s", task.Name, n, log)
		}
		// The manager's own log lines are written after the change commits;
		// a kill -9 can lose the last ones, never the change itself.
		if n := strings.Count(log, "→ completed"); n > 1 {
			t.Errorf("task %s marked completed %d times:\n%s", task.Name, n, log)
		}
	}
}

// cli runs a farmhand command against the manager and returns its output.
func cli(t *testing.T, addr string, args ...string) string {
	t.Helper()
	cmd := exec.Command(farmhandBinary(t), append(args, "--manager", "http://"+addr, "--data", managerData(addr))...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("farmhand %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func waitWorkerStatus(t *testing.T, cl *client.Client, id string, want model.WorkerStatus) {
	t.Helper()
	waitFor(t, "worker "+string(want), 20*time.Second, func() bool {
		w, err := cl.Worker(context.Background(), id)
		return err == nil && w.Status == want
	})
}

func exitCodeOf(t *testing.T, p *proc, within time.Duration) int {
	t.Helper()
	return p.ExitCode(t, within)
}

// logGap is the time between the first log lines (slog text) containing a and b.
func logGap(t *testing.T, log, a, b string) time.Duration {
	t.Helper()
	at := func(s string) time.Time {
		for _, line := range strings.Split(log, "\n") {
			if strings.Contains(line, s) {
				if f := strings.Fields(line); len(f) > 0 {
					if ts, err := time.Parse(time.RFC3339Nano, strings.TrimPrefix(f[0], "time=")); err == nil {
						return ts
					}
				}
			}
		}
		t.Fatalf("no log line with %q in:\n%s", s, log)
		return time.Time{}
	}
	return at(b).Sub(at(a))
}

func decodePNGConfig(t *testing.T, path string) image.Config {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return cfg
}

// makeScene saves the tiny Cycles scene of the worker tests at path.
func makeScene(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("blender", "-b", "--factory-startup", "--python",
		filepath.Join("..", "farm", "worker", "testdata", "make_scene.py"), "--", path).CombinedOutput()
	if err != nil {
		t.Fatalf("making the scene: %v\n%s", err, out)
	}
}
