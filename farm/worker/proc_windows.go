//go:build windows

package worker

import "os/exec"

func setProcessGroup(cmd *exec.Cmd) {}

// stopProcess kills the process; Windows has no SIGTERM to ask politely with.
// Its children are not in a group we can reach, so they may outlive it.
func stopProcess(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	return cmd.Process.Kill()
}
