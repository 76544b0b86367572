package farmtest

import (
	"bytes"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// SyncBuffer is a bytes.Buffer that a process's output goroutines may write
// to while the test reads it.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p; it never fails.
func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// stopGrace is how long Stop waits after its signal before it kills.
const stopGrace = 10 * time.Second

// Proc is a process started by a test, with its output (stdout and stderr
// together) kept in Out, and stopped when the test ends.
type Proc struct {
	Name string
	Cmd  *exec.Cmd
	Out  *SyncBuffer
	done chan struct{}
}

// Start starts cmd with its output going to the returned Proc's Out, failing
// the test when it cannot start. When the test ends the process gets SIGTERM
// (then SIGKILL after 10 s), and if the test failed its output is logged under
// name.
func Start(t testing.TB, name string, cmd *exec.Cmd) *Proc {
	t.Helper()
	p := &Proc{Name: name, Cmd: cmd, Out: &SyncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.Out, p.Out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	go func() {
		// The exit status stays in cmd.ProcessState, where ExitCode reads it.
		_ = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.Stop(syscall.SIGTERM)
		if t.Failed() {
			t.Logf("--- output of %s ---\n%s", name, p.Out.String())
		}
	})
	return p
}

// Done is closed once the process has exited and its output is all in Out.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Stop sends sig unless the process has exited, and waits for it to exit,
// killing it after 10 s. It may be called more than once.
func (p *Proc) Stop(sig os.Signal) {
	select {
	case <-p.done:
		return
	default:
	}
	// Signal and Kill fail only on a process that has exited, and then done
	// closes by itself.
	_ = p.Cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(stopGrace):
		_ = p.Cmd.Process.Kill()
		<-p.done
	}
}

// ExitCode waits up to within for the process to exit and returns its exit
// code (-1 when a signal ended it), failing the test when it does not exit.
func (p *Proc) ExitCode(t testing.TB, within time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
		return p.Cmd.ProcessState.ExitCode()
	case <-time.After(within):
		t.Fatalf("%s did not exit within %s", p.Name, within)
		return -1
	}
}
