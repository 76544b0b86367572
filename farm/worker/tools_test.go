package worker

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"farmhand/internal/farmtest"
)

// recorder is an Env for running a command directly, without a manager.
type recorder struct {
	mu       sync.Mutex
	lines    []string
	steps    int
	produced []string
}

func (r *recorder) env(tools Tools) Env {
	return Env{
		Log:      func(s string) { r.mu.Lock(); r.lines = append(r.lines, s); r.mu.Unlock() },
		Step:     func() { r.mu.Lock(); r.steps++; r.mu.Unlock() },
		Produced: func(p string) { r.mu.Lock(); r.produced = append(r.produced, p); r.mu.Unlock() },
		Tools:    tools,
	}
}

func (r *recorder) log() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.lines, "\n")
}

// realTools are the Blender and FFmpeg of this machine, looked up once.
var realTools = sync.OnceValue(func() Tools { return FindTools("", "") })

// needTool applies farmtest.Need to a program FindTools looked up (path is
// empty when it found none): the test fails under CI=true, skips elsewhere.
func needTool(t *testing.T, name, path string) {
	t.Helper()
	farmtest.Need(t, path != "", fmt.Sprintf("%s (apt-get install %s)", name, name))
}

func TestFindToolsWithoutAnyOnPath(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	tools := FindTools("", "")
	if got := tools.TaskTypes(); !slices.Equal(got, []string{"misc", "file-management"}) {
		t.Errorf("task types = %v, want only misc and file-management", got)
	}
	if tools.Blender != "" || tools.FFmpeg != "" || len(tools.Problems) != 2 {
		t.Errorf("tools = %+v, want none found and two problems", tools)
	}
}

func TestFindToolsConfiguredPaths(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses shell scripts as fake tools")
	}
	dir := t.TempDir()
	fake := filepath.Join(dir, "my-ffmpeg")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho 'ffmpeg version fake'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(dir, "my-blender")
	if err := os.WriteFile(broken, []byte("#!/bin/sh\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", t.TempDir()) // a working tool on PATH must not stand in for a broken configured one

	tools := FindTools(broken, fake)
	if tools.FFmpeg != fake || tools.FFmpegVersion != "ffmpeg version fake" {
		t.Errorf("ffmpeg = %q (%q), want the configured fake", tools.FFmpeg, tools.FFmpegVersion)
	}
	if tools.Blender != "" {
		t.Errorf("blender = %q, want none: the configured one exits 3", tools.Blender)
	}
	if got := tools.TaskTypes(); !slices.Equal(got, []string{"misc", "file-management", "ffmpeg"}) {
		t.Errorf("task types = %v", got)
	}
	if !strings.Contains(strings.Join(tools.Problems, "\n"), broken) {
		t.Errorf("problems %q do not name the broken blender", tools.Problems)
	}

	missing := FindTools(filepath.Join(dir, "nope"), "")
	if missing.Blender != "" || !strings.Contains(strings.Join(missing.Problems, "\n"), "nope") {
		t.Errorf("a missing configured blender: %+v", missing)
	}
}

func TestFindToolsOnThisMachine(t *testing.T) {
	tools := realTools()
	needTool(t, "blender", tools.Blender)
	needTool(t, "ffmpeg", tools.FFmpeg)
	if !strings.HasPrefix(tools.BlenderVersion, "Blender ") || !strings.HasPrefix(tools.FFmpegVersion, "ffmpeg version") {
		t.Errorf("versions = %q, %q", tools.BlenderVersion, tools.FFmpegVersion)
	}
	if got := tools.TaskTypes(); !slices.Equal(got, []string{"misc", "file-management", "blender", "ffmpeg"}) {
		t.Errorf("task types = %v", got)
	}
}
