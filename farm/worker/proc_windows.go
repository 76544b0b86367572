//go:build windows

package worker

import (
	"fmt"
	"log/slog"
	"os/exec"
	"sync"
	"unsafe"

	"golang.org/x/sys/windows"
)

// jobs holds the job object of each running command, for stopProcess.
var jobs sync.Map // *exec.Cmd → windows.Handle

func setProcessGroup(cmd *exec.Cmd) {}

// contain puts the started process into a job object of its own that kills
// everything in it when its last handle closes. The worker holds the only
// handle (it is not inherited), so when the worker dies, however it dies,
// Windows closes it and the process and everything it started since end too.
// A child started in the moment between Start and the assignment escapes.
// release closes the handle after the process ended, ending what it left
// running, as stopping a Unix process group does.
func contain(cmd *exec.Cmd) (release func(), err error) {
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return nil, fmt.Errorf("creating a job object: %w", err)
	}
	info := windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION{
		BasicLimitInformation: windows.JOBOBJECT_BASIC_LIMIT_INFORMATION{
			LimitFlags: windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
		},
	}
	if _, err := windows.SetInformationJobObject(job, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		windows.CloseHandle(job)
		return nil, fmt.Errorf("setting up a job object: %w", err)
	}
	h, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, uint32(cmd.Process.Pid))
	if err != nil {
		windows.CloseHandle(job)
		return nil, fmt.Errorf("opening process %d: %w", cmd.Process.Pid, err)
	}
	defer windows.CloseHandle(h)
	if err := windows.AssignProcessToJobObject(job, h); err != nil {
		windows.CloseHandle(job)
		return nil, fmt.Errorf("assigning process %d to a job object: %w", cmd.Process.Pid, err)
	}
	jobs.Store(cmd, job)
	return func() {
		jobs.Delete(cmd)
		windows.CloseHandle(job)
	}, nil
}

// stopProcess ends the process and everything in its job object; Windows has
// no SIGTERM to ask politely with.
func stopProcess(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	if job, ok := jobs.Load(cmd); ok {
		if err := windows.TerminateJobObject(job.(windows.Handle), 1); err == nil {
			return nil
		}
	}
	return cmd.Process.Kill()
}

// recordProcess records nothing on Windows: the job object of contain already
// ends a command's processes when the worker dies.
func recordProcess(dir string, pid int, token, exe string, logf func(string)) (forget func()) {
	return func() {}
}

// tokenVar is never set on Windows: newToken gives none.
const tokenVar = "FARMHAND_PROCESS_TOKEN"

func newToken() string { return "" }

// KillLeftovers has nothing to kill on Windows: each command's processes are
// in a job object that Windows ends when the worker dies (see contain). It
// does nothing and returns nil.
func KillLeftovers(dir string, log *slog.Logger) error {
	return nil
}
