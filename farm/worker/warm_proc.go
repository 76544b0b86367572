package worker

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// warmServerPy is the script a warm Blender runs last: it renders the chunks
// the worker sends on its stdin (protocol in the script's header).
//
//go:embed warm_server.py
var warmServerPy []byte

// warmMark starts each answer of warm_server.py on Blender's stdout; the
// process's random token follows, so that no log line passes for an answer.
const warmMark = "@@farmhand-warm "

// warmReply is one answer of warm_server.py.
type warmReply struct {
	Ready bool   `json:"ready"`
	Cold  string `json:"cold"`
	Done  []int  `json:"done"`
	Error string `json:"error"`
}

// warmRequest asks warm_server.py to render frames, in order, with env set
// in its os.environ (the task's FARMHAND_TASK_ID and the like).
type warmRequest struct {
	Frames []int             `json:"frames"`
	Env    map[string]string `json:"env"`
}

// warmProc is one running warm Blender.
type warmProc struct {
	plan    warmPlan
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	token   string
	replies chan warmReply
	exited  chan struct{} // closed once the process ended and its output was read
	waitErr error         // Wait's, set before exited is closed
	sink    atomic.Pointer[func(string)]
	chunks  int // chunks sent, including a failed one
}

// startWarm starts Blender for plan, logging to env.Log the command line
// first and note after it, and waits until the scene is loaded. It returns
// the process, or the reason the server gave why this render cannot be done
// warm (the process is then gone), or an error: ctx's when ctx ended (the
// process is stopped), the exit of a Blender that quit while loading (a
// broken blend file or override), or one about starting it.
func startWarm(ctx context.Context, env Env, plan warmPlan, note string) (*warmProc, string, error) {
	script, err := warmServerPath()
	if err != nil {
		return nil, "", err
	}
	args := slices.Clone(plan.args)
	args[len(args)-1] = script
	wp := &warmProc{plan: plan, token: rand.Text(), replies: make(chan warmReply, 4), exited: make(chan struct{})}
	cmd := exec.Command(plan.exe, args...)
	cmd.Env = append(os.Environ(), env.Vars...)
	procToken := ""
	if env.ProcDir != "" {
		procToken = newToken()
	}
	if procToken != "" {
		cmd.Env = append(cmd.Env, tokenVar+"="+procToken)
	}
	setProcessGroup(cmd)
	cmd.WaitDelay = stopGrace + 500*time.Millisecond
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if wp.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, "", fmt.Errorf("starting %s: %w", plan.exe, err)
	}
	wp.cmd = cmd
	logf := env.Log
	wp.sink.Store(&logf)
	env.Log("running " + quoteArgs(append([]string{plan.exe}, args...)))
	if note != "" {
		env.Log(note)
	}
	waited, err := launch(cmd)
	if err != nil {
		return nil, "", fmt.Errorf("starting %s: %w", plan.exe, err)
	}
	read := make(chan struct{})
	go func() {
		defer close(read)
		wp.read(pr)
	}()
	release, cerr := contain(cmd)
	if cerr != nil {
		env.Log(fmt.Sprintf("(%v: its processes may outlive a crashed worker)", cerr))
		release = func() {}
	}
	forget := recordProcess(env.ProcDir, cmd.Process.Pid, procToken, plan.exe, env.Log)
	go func() {
		err := <-waited
		forget()
		release()
		pw.Close()
		<-read
		wp.waitErr = err
		close(wp.exited)
	}()
	return wp.handshake(ctx)
}

// handshake sends the token and waits for the server's first answer.
func (wp *warmProc) handshake(ctx context.Context) (*warmProc, string, error) {
	defer wp.sink.Store(nil)
	if _, err := io.WriteString(wp.stdin, wp.token+"\n"); err != nil {
		wp.kill()
		return nil, "", wp.exitError("while loading the scene")
	}
	select {
	case r := <-wp.replies:
		switch {
		case r.Ready:
			return wp, "", nil
		case r.Cold != "":
			wp.kill()
			return nil, r.Cold, nil
		}
		wp.kill()
		return nil, "", fmt.Errorf("the warm Blender answered %+v instead of saying it is ready", r)
	case <-wp.exited:
		return nil, "", wp.exitError("while loading the scene")
	case <-ctx.Done():
		wp.kill()
		return nil, "", ctx.Err()
	}
}

// read passes Blender's output lines to the current sink and the server's
// answers to replies, until the output ends. An answer may follow a half
// line Blender printed without its end: that part is a log line of its own.
func (wp *warmProc) read(r io.Reader) {
	mark := warmMark + wp.token + " "
	logLines(r, func(line string) {
		i := strings.Index(line, mark)
		if i < 0 {
			wp.log(line)
			return
		}
		if i > 0 {
			wp.log(line[:i])
		}
		var reply warmReply
		if err := json.Unmarshal([]byte(line[i+len(mark):]), &reply); err != nil {
			reply = warmReply{Error: fmt.Sprintf("unreadable answer %q: %v", line[i+len(mark):], err)}
		}
		select {
		case wp.replies <- reply:
		default: // more answers than questions: nobody waits for this one
		}
	})
}

func (wp *warmProc) log(line string) {
	if f := wp.sink.Load(); f != nil {
		(*f)(line)
	}
}

// render has the warm Blender render frames, its output going to env.Log,
// and returns once they are written and every line Blender printed about
// them is logged. The error is ctx's when ctx ended (the process is then
// stopped, within stopGrace), the server's when a frame failed, or the
// process's exit when it ended meanwhile (a crash).
func (wp *warmProc) render(ctx context.Context, env Env, frames []int) error {
	logf := env.Log
	wp.sink.Store(&logf)
	defer wp.sink.Store(nil)
	wp.chunks++
	req := warmRequest{Frames: frames, Env: map[string]string{}}
	for _, kv := range env.Vars {
		if k, v, ok := strings.Cut(kv, "="); ok {
			req.Env[k] = v
		}
	}
	data, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("encoding the warm Blender's request: %w", err)
	}
	if _, err := wp.stdin.Write(append(data, '\n')); err != nil {
		wp.kill()
		return wp.exitError("before it took the frames")
	}
	select {
	case r := <-wp.replies:
		return r.chunkErr()
	case <-wp.exited:
		select {
		case r := <-wp.replies: // its last words came before its end
			return r.chunkErr()
		default:
		}
		return wp.exitError("while rendering")
	case <-ctx.Done():
		wp.kill()
		return ctx.Err()
	}
}

func (r warmReply) chunkErr() error {
	switch {
	case r.Error != "":
		return fmt.Errorf("the warm Blender failed: %s", r.Error)
	case r.Done == nil:
		return fmt.Errorf("the warm Blender answered %+v instead of the frames it rendered", r)
	}
	return nil
}

// exitError says how the process ended, once it has; when says when.
func (wp *warmProc) exitError(when string) error {
	<-wp.exited
	var exit *exec.ExitError
	switch {
	case errors.As(wp.waitErr, &exit) && exit.ExitCode() >= 0:
		return fmt.Errorf("%s exited with code %d %s", wp.plan.exe, exit.ExitCode(), when)
	case errors.As(wp.waitErr, &exit):
		return fmt.Errorf("%s ended (%s) %s", wp.plan.exe, exit.ProcessState, when)
	case wp.waitErr != nil:
		return fmt.Errorf("running %s: %w", wp.plan.exe, wp.waitErr)
	}
	return fmt.Errorf("%s quit %s", wp.plan.exe, when)
}

// gone reports whether the process has ended.
func (wp *warmProc) gone() bool {
	select {
	case <-wp.exited:
		return true
	default:
		return false
	}
}

// kill stops the process group as a canceled command's (stopProcess: asked,
// then killed stopGrace later) and returns once it ended and its output was
// read. It may be called more than once.
func (wp *warmProc) kill() {
	wp.stdin.Close()
	if !wp.gone() {
		_ = stopProcess(wp.cmd)
	}
	<-wp.exited
}

// warmServerMu keeps two warm Blenders of this program from writing the
// script at once.
var warmServerMu sync.Mutex

// warmServerPath writes warm_server.py (again, when something removed or
// changed it) and returns its path: in this user's cache folder, which
// others cannot write to, under a name of its contents' hash, so that
// workers of different versions on one computer each run their own. Without
// a cache folder it goes into a new temporary folder.
func warmServerPath() (string, error) {
	warmServerMu.Lock()
	defer warmServerMu.Unlock()
	dir, err := os.UserCacheDir()
	if err == nil {
		dir = filepath.Join(dir, "farmhand")
		err = os.MkdirAll(dir, 0o700)
	}
	if err != nil {
		if dir, err = os.MkdirTemp("", "farmhand-warm-"); err != nil {
			return "", fmt.Errorf("making a folder for the warm Blender's script: %w", err)
		}
	}
	sum := sha256.Sum256(warmServerPy)
	path := filepath.Join(dir, "warm_server-"+hex.EncodeToString(sum[:6])+".py")
	if data, err := os.ReadFile(path); err == nil && bytes.Equal(data, warmServerPy) {
		return path, nil
	}
	// Whole or not at all: another worker may be starting Blender with it.
	tmp, err := os.CreateTemp(dir, "warm_server-*.tmp")
	if err == nil {
		_, err = tmp.Write(warmServerPy)
		err = errors.Join(err, tmp.Close())
		if err == nil {
			err = os.Rename(tmp.Name(), path)
		}
		if err != nil {
			os.Remove(tmp.Name())
		}
	}
	if err != nil {
		return "", fmt.Errorf("writing the warm Blender's script into %s: %w", dir, err)
	}
	return path, nil
}
