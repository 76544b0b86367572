package worker

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestSettingsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if s, err := LoadSettings(dir); err != nil || s.TaskTypes != nil {
		t.Fatalf("nothing kept: %+v %v", s, err)
	}
	want := Settings{TaskTypes: []string{"blender-gpu", "usd-export"}}
	if err := SaveSettings(dir, want); err != nil {
		t.Fatal(err)
	}
	got, err := LoadSettings(dir)
	if err != nil || !slices.Equal(got.TaskTypes, want.TaskTypes) {
		t.Fatalf("got %+v %v", got, err)
	}
	if err := os.WriteFile(filepath.Join(dir, settingsFile), []byte("{task_types"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSettings(dir); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("damaged file: %v", err)
	}
}

func TestExtraTaskTypesAreOffered(t *testing.T) {
	w := New(Config{Tools: Tools{}, ExtraTaskTypes: []string{"blender-gpu", "misc", "", "blender-gpu"}})
	got := w.registration().TaskTypes
	want := []string{"misc", "file-management", "blender-gpu"}
	if !slices.Equal(got, want) {
		t.Fatalf("task types %v, want %v", got, want)
	}
}
