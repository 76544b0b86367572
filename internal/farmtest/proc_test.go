//go:build unix

package farmtest

import (
	"os/exec"
	"syscall"
	"testing"
	"time"
)

func TestProcKeepsOutputAndExitCode(t *testing.T) {
	p := Start(t, "sh", exec.Command("sh", "-c", "echo out; echo err >&2; exit 3"))
	if code := p.ExitCode(t, 10*time.Second); code != 3 {
		t.Errorf("exit code %d, want 3", code)
	}
	if got := p.Out.String(); got != "out\nerr\n" && got != "err\nout\n" {
		t.Errorf("output %q", got)
	}
}

func TestProcStops(t *testing.T) {
	p := Start(t, "sleep", exec.Command("sleep", "60"))
	p.Stop(syscall.SIGTERM)
	select {
	case <-p.Done():
	default:
		t.Fatal("Stop returned before the process ended")
	}
	p.Stop(syscall.SIGTERM) // again: nothing to do
}
