package worker

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// Tools are the external programs this worker can run. An empty path means
// the program was not found, and the worker does not take that task type.
type Tools struct {
	Blender, FFmpeg string
	// BlenderVersion and FFmpegVersion are the first lines the programs print
	// for their version, for the worker's log.
	BlenderVersion, FFmpegVersion string
	// Problems say why a configured or found program is not used.
	Problems []string
}

// toolCheckTimeout bounds each version check: a wedged program must not keep
// the worker from starting.
const toolCheckTimeout = 15 * time.Second

// FindTools finds Blender and FFmpeg: at the given paths when set, else on
// PATH. A program counts as found only if it runs and prints its version, so a
// broken install is not advertised to the manager. A configured path that does
// not work is not replaced by one from PATH: the person who configured it
// should see the problem, not have it papered over.
func FindTools(blender, ffmpeg string) Tools {
	var t Tools
	var wg sync.WaitGroup
	var mu sync.Mutex
	find := func(name, configured string, versionArgs []string, path, version *string) {
		defer wg.Done()
		p, v, err := findTool(name, configured, versionArgs)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			t.Problems = append(t.Problems, err.Error())
			return
		}
		*path, *version = p, v
	}
	wg.Add(2)
	// The two checks run side by side: Blender alone takes about half a second.
	go find("blender", blender, []string{"-b", "--factory-startup", "--version"}, &t.Blender, &t.BlenderVersion)
	go find("ffmpeg", ffmpeg, []string{"-hide_banner", "-version"}, &t.FFmpeg, &t.FFmpegVersion)
	wg.Wait()
	return t
}

func findTool(name, configured string, versionArgs []string) (path, version string, err error) {
	if configured != "" {
		if _, err := os.Stat(configured); err != nil {
			return "", "", fmt.Errorf("%s: configured path %s: %w", name, configured, err)
		}
		path = configured
	} else if path, err = exec.LookPath(name); err != nil {
		return "", "", fmt.Errorf("%s: not configured and not found on PATH", name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), toolCheckTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, versionArgs...)
	out, err := cmd.Output()
	if err != nil {
		return "", "", fmt.Errorf("%s: %s %s does not work: %w", name, path, strings.Join(versionArgs, " "), err)
	}
	first, _, _ := bytes.Cut(bytes.TrimSpace(out), []byte("\n"))
	return path, strings.TrimSpace(string(first)), nil
}

// TaskTypes are the task types a worker with these tools can run: misc and
// file-management always, blender and ffmpeg only when their program was found.
func (t Tools) TaskTypes() []string {
	types := []string{"misc", "file-management"}
	if t.Blender != "" {
		types = append(types, "blender")
	}
	if t.FFmpeg != "" {
		types = append(types, "ffmpeg")
	}
	return types
}

// produced tells the worker about an image a command wrote, if it listens.
func produced(env Env, path string) {
	if env.Produced != nil {
		env.Produced(path)
	}
}
