//go:build !windows

package worker

import (
	"os/exec"
	"syscall"
	"time"
)

// setProcessGroup puts the command in its own process group, so that stopping
// it also stops whatever it started (a renderer's helpers, a script's
// children), and, on Linux, has it killed when the worker dies.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	parentDeath(cmd.SysProcAttr)
}

// contain needs nothing more on Unix: the group exists from the start.
func contain(cmd *exec.Cmd) (release func(), err error) { return func() {}, nil }

// stopProcess asks the whole group to terminate, and kills it stopGrace later
// if anything in it ignored the request.
func stopProcess(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	pgid := cmd.Process.Pid
	time.AfterFunc(stopGrace, func() {
		// ESRCH: the group ended within the grace, nothing left to kill.
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	})
	return syscall.Kill(-pgid, syscall.SIGTERM)
}
