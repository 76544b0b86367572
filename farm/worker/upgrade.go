package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"farmhand/farm/api/wire"
	"farmhand/farm/upgrade"
)

// ErrUpgraded is returned by Run (wrapping ErrRestartRequested, so that a
// program that exits with its restart code on a restart does so here too)
// when the worker put the manager's newer binary in place of its own and
// could not start it itself: a service manager that restarts it on that
// code starts the new binary.
var ErrUpgraded = fmt.Errorf("%w: upgraded, the new binary starts at the restart", ErrRestartRequested)

// managerDatabase is a manager's database file in its data directory
// (store.FileName; not imported, so that workers do without the database
// library): a worker whose data directory holds one shares its process with
// that manager ('farmhand both'), and must not replace that process.
const managerDatabase = "farmhand.db"

// upgrade does what the manager's "upgrade" request asks, once the worker's
// task is done (the request waits for it unless given "now", as any status
// request does): fetch the manager's binary for this platform beside this
// program's executable, check its SHA-256, put it in place, tell the manager,
// sign off and start the new binary in this process (Unix). It returns
// ErrUpgraded when the new binary is in place but this process cannot start
// it (Windows, or a process shared with the manager), and nil when the worker
// did not upgrade: it said why to the manager and goes on as it was.
func (w *Worker) upgrade(ctx context.Context) error {
	platform := runtime.GOOS + "-" + runtime.GOARCH
	exe, to, err := w.installUpgrade(ctx, platform)
	if err != nil {
		w.log.Warn("not upgrading", "platform", platform, "err", err)
		w.endUpgrade(ctx, to, err.Error())
		return nil
	}
	w.log.Info("upgraded; restarting into the new binary", "from", w.cfg.Version, "to", to, "binary", exe)
	w.endUpgrade(ctx, to, "")
	if !upgrade.CanExec() || w.sharesProcessWithManager() {
		return ErrUpgraded
	}
	done, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if !w.up.flush(done) {
		w.log.Warn("manager unreachable before the restart; dropping undelivered task updates", "pending", w.up.pending())
	}
	if err := w.cl.SignOff(done); err != nil {
		w.log.Warn("signing off before the restart", "err", err)
	}
	err = upgrade.Exec(exe) // returns only when it failed
	w.log.Error("could not start the upgraded binary; exiting for the service manager to start it", "err", err)
	return ErrUpgraded
}

// installUpgrade puts the manager's binary for platform in place of this
// program's executable and returns that file and the version installed.
// Errors: the manager has none (or none newer: the same version as this
// worker's), the download or its check failed, the folder is not writable.
func (w *Worker) installUpgrade(ctx context.Context, platform string) (exe, version string, err error) {
	list, err := w.cl.Binaries(ctx)
	if err != nil {
		return "", "", fmt.Errorf("asking the manager for its binaries: %w", err)
	}
	var bin *wire.Binary
	for i, b := range list.Binaries {
		if b.Platform == platform {
			bin = &list.Binaries[i]
		}
	}
	if bin == nil {
		return "", "", fmt.Errorf("%w: the manager has none for %s (it hands out its own and those in its data folder's binaries/ as %s)",
			upgrade.ErrNoBinary, platform, upgrade.FileName(runtime.GOOS, runtime.GOARCH))
	}
	if bin.Version == w.cfg.Version {
		return "", bin.Version, fmt.Errorf("this worker already runs %s, the version the manager hands out", bin.Version)
	}
	if exe, err = upgrade.Executable(); err != nil {
		return "", bin.Version, err
	}
	want := upgrade.Binary{OS: runtime.GOOS, Arch: runtime.GOARCH, Version: bin.Version, SHA256: bin.SHA256, Size: bin.Size}
	staged, err := upgrade.Stage(ctx, exe, want, func(ctx context.Context, offset int64) (io.ReadCloser, error) {
		return w.cl.OpenBinary(ctx, platform, offset)
	})
	if err != nil {
		return "", bin.Version, err
	}
	if err := upgrade.Commit(staged, exe); err != nil {
		return "", bin.Version, err
	}
	return exe, bin.Version, nil
}

// endUpgrade tells the manager how the upgrade ended, so that it drops the
// request; a manager that does not hear it asks again, and the worker, then
// on the version asked for, says it already runs it.
func (w *Worker) endUpgrade(ctx context.Context, to, problem string) {
	_, err := w.cl.ReportUpgrade(ctx, wire.UpgradeReport{From: w.cfg.Version, To: to, Problem: problem})
	if err != nil {
		w.log.Warn("telling the manager how the upgrade ended", "err", err)
	}
}

func (w *Worker) sharesProcessWithManager() bool {
	_, err := os.Stat(filepath.Join(w.cfg.DataDir, managerDatabase))
	return !errors.Is(err, os.ErrNotExist)
}
