package app

import (
	"os"
	"path/filepath"
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
