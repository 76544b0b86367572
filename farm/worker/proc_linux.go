package worker

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// parentDeath makes the kernel SIGKILL the started process when the worker
// dies, however it dies. The signal fires when the OS thread that started the
// process exits, not the whole worker, which is why launch starts and waits
// for each process on a goroutine locked to its thread. It reaches the
// process itself only, not what that process started: the records of
// KillLeftovers cover those.
func parentDeath(attr *syscall.SysProcAttr) {
	attr.Pdeathsig = syscall.SIGKILL
}

// errGone: no such process, or only its zombie is left.
var errGone = errors.New("process is gone")

// procStat returns the fields of /proc/<pid>/stat after the command name:
// [0] is the state, [2] the process group, [19] the start time in clock ticks
// after boot (proc(5) fields 3, 5 and 22).
func procStat(pid int) ([]string, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil, errGone
	}
	// The command name is in parentheses and may itself hold ") ".
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return nil, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	fields := strings.Fields(string(data[i+1:]))
	if len(fields) < 20 {
		return nil, fmt.Errorf("/proc/%d/stat: only %d fields", pid, len(fields))
	}
	if fields[0] == "Z" || fields[0] == "X" {
		return nil, errGone
	}
	return fields, nil
}

// processStart identifies a running process across PID reuse: the boot's id
// and the process's start time in clock ticks since that boot.
func processStart(pid int) (string, error) {
	fields, err := procStat(pid)
	if err != nil {
		return "", err
	}
	boot, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return "", fmt.Errorf("reading the boot id: %w", err)
	}
	return strings.TrimSpace(string(boot)) + "/" + fields[19], nil
}

// groupMembers lists the live processes in process group pgid.
func groupMembers(pgid int) ([]int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if fields, err := procStat(pid); err == nil && fields[2] == strconv.Itoa(pgid) {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// ownedMember reports whether pid carries the record's token in the
// environment it started with, so it was started by the recorded command.
func ownedMember(pid int, r procRecord) bool {
	env, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil || r.Token == "" {
		return false
	}
	want := []byte(tokenVar + "=" + r.Token)
	for _, kv := range bytes.Split(env, []byte{0}) {
		if bytes.Equal(kv, want) {
			return true
		}
	}
	return false
}
