//go:build !windows

package worker

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// tokenVar marks every process a command starts (children inherit it), so a
// leftover whose group leader is gone can still be told apart from a stranger
// that happens to reuse its process group id.
const tokenVar = "FARMHAND_PROCESS_TOKEN"

// procRecord is one started process group, kept as <ProcDir>/<pid>.json while
// it runs. Start is the leader's start time as the system reports it (see
// processStart), which tells the leader apart from a later process that got
// the same PID.
type procRecord struct {
	PID   int    `json:"pid"`
	Start string `json:"start"`
	Token string `json:"token"`
	Exe   string `json:"exe"`
}

// newToken is a random marker for one process group.
func newToken() string {
	b := make([]byte, 16)
	rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// recordProcess writes the record of a just-started group leader into dir and
// returns the function that removes it once the process has ended. An empty
// dir records nothing. A record that cannot be written is reported through
// logf and the process runs on: on Linux the parent-death signal still stops
// the leader if the worker dies.
func recordProcess(dir string, pid int, token, exe string, logf func(string)) (forget func()) {
	if dir == "" {
		return func() {}
	}
	start, err := processStart(pid)
	if err == nil {
		err = os.MkdirAll(dir, 0o700)
	}
	var data []byte
	if err == nil {
		data, err = json.Marshal(procRecord{PID: pid, Start: start, Token: token, Exe: exe})
	}
	path := filepath.Join(dir, strconv.Itoa(pid)+".json")
	if err == nil {
		// Written whole, then renamed: a worker killed mid-write leaves no
		// half record that the next start would have to guess about.
		tmp := path + ".tmp"
		if err = os.WriteFile(tmp, data, 0o600); err == nil {
			err = os.Rename(tmp, path)
		}
	}
	if err != nil {
		logf(fmt.Sprintf("(could not record process %d for cleanup after a worker crash: %v)", pid, err))
		return func() {}
	}
	return func() { os.Remove(path) }
}

// KillLeftovers kills the processes that commands of an earlier run of this
// worker started and that are still running: the worker was killed (kill -9,
// out of memory, power button on a service) before it could stop them. dir is
// the folder given to commands as Env.ProcDir; call this once at worker start,
// before taking a task.
//
// A record names a process group and its leader's start time. The group is
// killed (SIGKILL) only if its leader still runs with that start time; if the
// leader is gone, only the group's members that carry the record's token in
// their environment are killed (Linux), or, on macOS, which cannot read
// another process's environment cheaply, the members started after the
// leader. A PID reused by an unrelated process is never killed. Each record is
// removed once handled. The error is about reading dir or killing a verified
// process (EPERM); a missing dir is no error.
func KillLeftovers(dir string, log *slog.Logger) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the process records in %s: %w", dir, err)
	}
	var errs []error
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		if !strings.HasSuffix(e.Name(), ".json") {
			os.Remove(path) // a .tmp of a record never completed
			continue
		}
		if err := killRecorded(path, log); err != nil {
			errs = append(errs, err)
			continue
		}
		os.Remove(path)
	}
	return errors.Join(errs...)
}

// killRecorded handles one record file; see KillLeftovers.
func killRecorded(path string, log *slog.Logger) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading process record %s: %w", path, err)
	}
	var r procRecord
	if err := json.Unmarshal(data, &r); err != nil || r.PID <= 0 {
		log.Warn("ignoring an unreadable process record", "file", path, "err", err)
		return nil
	}
	start, err := processStart(r.PID)
	if err != nil && !errors.Is(err, errGone) {
		return fmt.Errorf("checking leftover process %d: %w", r.PID, err)
	}
	if err == nil {
		if start != r.Start {
			log.Info("process of an earlier run is gone; its PID now belongs to another process", "pid", r.PID, "exe", r.Exe)
			return nil
		}
		log.Warn("killing the process group an earlier run of this worker left running", "pgid", r.PID, "exe", r.Exe)
		if err := syscall.Kill(-r.PID, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("killing leftover process group %d (%s): %w", r.PID, r.Exe, err)
		}
		return nil
	}
	// The leader is gone (on Linux its parent-death signal killed it); what it
	// started may live on in its group.
	members, err := groupMembers(r.PID)
	if err != nil {
		return fmt.Errorf("listing leftover process group %d: %w", r.PID, err)
	}
	for _, pid := range members {
		if !ownedMember(pid, r) {
			continue
		}
		log.Warn("killing a process an earlier run of this worker left running", "pid", pid, "pgid", r.PID, "exe", r.Exe)
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("killing leftover process %d of group %d: %w", pid, r.PID, err)
		}
	}
	return nil
}
