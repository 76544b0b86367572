//go:build e2e

package app_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"farmhand/farm/model"
)

// Issue 15: 'farmhand backup' of a running farm asks its manager for the copy
// (GET /api/v1/backup), with --manager, and without it once the data
// directory's database turns out to be in use; the copy restores.
// The build tag backuproute goes once farm/api serves the route.
func TestE2EBackupFromRunningManager(t *testing.T) {
	data, addr := t.TempDir(), freePort(t)
	mgr := startManager(t, data, addr)
	startWorker(t, addr, "render-01")
	id := submitCLI(t, addr, "backed up hot", "frames=1-2", "sleep_seconds=0")
	waitJob(t, addr, id, model.JobCompleted)

	hot := filepath.Join(t.TempDir(), "hot.db")
	if out := cli(t, addr, "backup", hot); !strings.Contains(out, "from the manager at http://"+addr) {
		t.Errorf("backup with --manager printed:\n%s", out)
	}
	fallback := filepath.Join(t.TempDir(), "fallback.db")
	cmd := exec.Command(farmhandBinary(t), "backup", fallback, "--data", data)
	cmd.Env = append(os.Environ(), "FARMHAND_MANAGER=http://"+addr)
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "from the manager at") {
		t.Errorf("backup of a farm in use without --manager: %v\n%s", err, out)
	}
	mgr.stop(syscall.SIGTERM)

	fresh := t.TempDir()
	if out, code := farmhandCmd(t, "restore", hot, "--data", fresh); code != 0 {
		t.Fatalf("restore of the hot backup: exit %d\n%s", code, out)
	}
	addr2 := freePort(t)
	startManager(t, fresh, addr2)
	waitJob(t, addr2, id, model.JobCompleted)
}
