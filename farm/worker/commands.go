package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"time"
)

// Env is what a running command may use: the task log and progress reports.
type Env struct {
	// Log appends one line to the task's log.
	Log func(line string)
	// Step reports that the command finished one more of its steps.
	Step func()
	// Vars are added to the environment of the processes a command starts
	// (FARMHAND_WORKER_NAME, FARMHAND_TASK_ID, …), so scripts know where they run.
	Vars []string
	// Produced, when set, is told about each image a command writes; the
	// worker sends the newest to the manager as the job's last-rendered image.
	Produced func(path string)
	// Tools are the programs this worker found (Blender, FFmpeg).
	Tools Tools
	// ProcDir, when set, is the folder where each started process group is
	// recorded while it runs (one <pid>.json each), so that KillLeftovers can
	// kill what a killed worker left running. The worker's data folder/procs.
	ProcDir string
	// JobFiles, when set, is the folder of the job's uploaded files: they stay
	// the same for the whole job (the worker lays them out from its cache and
	// checks them against their hashes before each task), although the cache
	// sets their modification time whenever it uses them. "" for a job whose
	// files are on shared storage.
	JobFiles string
}

// Command runs one command of a task. It must return soon after ctx ends.
type Command func(ctx context.Context, env Env, params map[string]any) error

// commands are the commands this worker knows, by name.
var commands = map[string]Command{
	"echo":  echoCommand,
	"sleep": sleepCommand,
	"exec":  execCommand,
}

func echoCommand(ctx context.Context, env Env, params map[string]any) error {
	// An empty message is a line like any other; so is a missing one.
	msg, err := optionalString(params, "message")
	if err != nil {
		return err
	}
	env.Log(msg)
	return nil
}

func sleepCommand(ctx context.Context, env Env, params map[string]any) error {
	secs, ok := params["duration_in_seconds"].(float64)
	if !ok || secs < 0 {
		return fmt.Errorf("parameter duration_in_seconds must be a number of seconds ≥ 0, not %v", params["duration_in_seconds"])
	}
	d := time.Duration(secs * float64(time.Second))
	env.Log(fmt.Sprintf("sleeping %s", d))
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// execCommand runs a program with an argument list, never through a shell, and
// puts its output in the task log line by line.
func execCommand(ctx context.Context, env Env, params map[string]any) error {
	exe, err := requiredString(params, "exe")
	if err != nil {
		return err
	}
	args, err := optionalStrings(params, "args")
	if err != nil {
		return err
	}
	return runProcess(ctx, env, exe, args)
}

// stopGrace is how long a process gets to exit after it was asked to stop,
// before it is killed. Tasks must stop within 2 s of a cancel.
const stopGrace = time.Second

// runProcess runs exe with args in a process group of its own, the task's
// environment added, every output line (stdout and stderr) going to env.Log.
// While it runs the group is recorded in env.ProcDir. It returns ctx's error
// when ctx ended, an error naming the exit code when exe exited non-zero, and
// an error for a program that could not be started.
func runProcess(ctx context.Context, env Env, exe string, args []string) error {
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = append(os.Environ(), env.Vars...)
	token := ""
	if env.ProcDir != "" {
		token = newToken()
	}
	if token != "" {
		cmd.Env = append(cmd.Env, tokenVar+"="+token)
	}
	setProcessGroup(cmd)
	cmd.Cancel = func() error { return stopProcess(cmd) }
	// A backstop: if the process's output stays open after the stop (a child
	// holding it), Wait gives up on it this long after the stop.
	cmd.WaitDelay = stopGrace + 500*time.Millisecond
	// Through an io.Pipe rather than StdoutPipe, so that Wait owns closing the
	// output and a lingering child cannot keep Wait from returning.
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	env.Log("running " + quoteArgs(append([]string{exe}, args...)))
	waited, err := launch(cmd)
	if err != nil {
		return fmt.Errorf("starting %s: %w", exe, err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		logLines(pr, env.Log)
	}()
	release, cerr := contain(cmd)
	if cerr != nil {
		env.Log(fmt.Sprintf("(%v: its processes may outlive a crashed worker)", cerr))
		release = func() {}
	}
	forget := recordProcess(env.ProcDir, cmd.Process.Pid, token, exe, env.Log)
	err = <-waited
	forget()
	release()
	pw.Close()
	wg.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return fmt.Errorf("%s exited with code %d", exe, exit.ExitCode())
	}
	if err != nil {
		return fmt.Errorf("running %s: %w", exe, err)
	}
	return nil
}

// launch starts cmd and waits for it on a goroutine locked to its OS thread
// until the process ends, and returns Start's error or a channel with Wait's.
// Linux sends the parent-death signal when the thread that started the
// process exits (golang/go#27505), and Go ends threads now and then; a locked
// thread lives at least as long as the process, so the signal means "the
// worker died", never "a thread was recycled".
func launch(cmd *exec.Cmd) (<-chan error, error) {
	started := make(chan error, 1)
	waited := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		waited <- cmd.Wait()
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return waited, nil
}

func quoteArgs(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		if a == "" || strings.ContainsAny(a, " \t\"'") {
			a = fmt.Sprintf("%q", a)
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}
