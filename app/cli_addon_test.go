package app

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"farmhand/addon"
)

// farmhand addon --out FILE writes the embedded add-on byte for byte and says
// how to install it.
func TestAddonCommandSavesTheZip(t *testing.T) {
	out := filepath.Join(t.TempDir(), "addon.zip")
	var stdout, stderr bytes.Buffer
	e := &env{stdout: &stdout, stderr: &stderr}
	if err := runAddon(e, []string{"--out", out}); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := addon.Zip()
	if !bytes.Equal(got, want) {
		t.Errorf("saved %d bytes, not the embedded add-on's %d", len(got), len(want))
	}
	if !strings.Contains(stdout.String(), out) || !strings.Contains(stdout.String(), "Install from Disk") {
		t.Errorf("output: %s", stdout.String())
	}
	if err := runAddon(e, []string{"--out", filepath.Join(t.TempDir(), "no", "such", "dir", "a.zip")}); err == nil ||
		!strings.Contains(err.Error(), "saving the add-on") {
		t.Errorf("an unwritable place: %v", err)
	}
}
