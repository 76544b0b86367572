package worker

import (
	"errors"
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

// parentDeath does nothing: macOS has no parent-death signal (Linux's
// PR_SET_PDEATHSIG) and no job object (Windows), so a render outlives a worker
// killed with kill -9 until the worker starts again and KillLeftovers kills it.
// A graceful stop (SIGTERM, SIGINT) still stops it through the task's context.
func parentDeath(attr *syscall.SysProcAttr) {}

// errGone: no such process, or only its zombie is left.
var errGone = errors.New("process is gone")

func kinfo(pid int) (*unix.KinfoProc, error) {
	k, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	// For a PID that is not in use the kernel answers with no data (EIO here).
	if err != nil || k.Proc.P_pid != int32(pid) || k.Proc.P_stat == 5 { // SZOMB
		return nil, errGone
	}
	return k, nil
}

// processStart identifies a running process across PID reuse: its start
// time, to the microsecond.
func processStart(pid int) (string, error) {
	k, err := kinfo(pid)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d.%06d", k.Proc.P_starttime.Sec, k.Proc.P_starttime.Usec), nil
}

// groupMembers lists the live processes in process group pgid.
func groupMembers(pgid int) ([]int, error) {
	procs, err := unix.SysctlKinfoProcSlice("kern.proc.pgrp", pgid)
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, k := range procs {
		if k.Proc.P_stat != 5 {
			pids = append(pids, int(k.Proc.P_pid))
		}
	}
	return pids, nil
}

// ownedMember reports whether pid started no earlier than the recorded
// leader. Weaker than Linux's token check (macOS gives another process's
// environment only through KERN_PROCARGS2 parsing): a group id is reused only
// after the whole group ended, which makes a mix-up unlikely but possible.
func ownedMember(pid int, r procRecord) bool {
	k, err := kinfo(pid)
	if err != nil {
		return false
	}
	var sec, usec int64
	if _, err := fmt.Sscanf(r.Start, "%d.%d", &sec, &usec); err != nil {
		return false
	}
	t := k.Proc.P_starttime
	return int64(t.Sec) > sec || (int64(t.Sec) == sec && int64(t.Usec) >= usec)
}
