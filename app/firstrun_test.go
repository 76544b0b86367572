package app

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFirstRunIsAComputerOfNoFarm(t *testing.T) {
	for _, file := range []string{"", "farmhand.db", "worker.json", "member.json", "unrelated.txt"} {
		dir := t.TempDir()
		if file != "" {
			if err := os.WriteFile(filepath.Join(dir, file), []byte("{}"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		want := file == "" || file == "unrelated.txt"
		if got := isFirstRun(dir); got != want {
			t.Errorf("with %q: first run %v, want %v", file, got, want)
		}
	}
}

// The welcome window's search says why it could not look, rather than that
// no farm answered (found by a fresh-eyes try).
func TestLookForFarmsSaysWhyItCouldNotLook(t *testing.T) {
	e := &env{stdout: io.Discard, stderr: io.Discard, log: slog.New(slog.DiscardHandler)}
	off := true
	iface := ""
	farms, err := lookForFarms(t.Context(), e, &discoveryFlags{off: &off, iface: &iface})
	if err == nil || !strings.Contains(err.Error(), "--no-discovery") || len(farms) != 0 {
		t.Errorf("with discovery off: %v, %v", farms, err)
	}
	off, iface = false, "no-such-interface-0"
	if _, err := lookForFarms(t.Context(), e, &discoveryFlags{off: &off, iface: &iface}); err == nil ||
		!strings.Contains(err.Error(), "no-such-interface-0") {
		t.Errorf("with an interface that is not there: %v", err)
	}
}
