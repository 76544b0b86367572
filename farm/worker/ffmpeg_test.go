package worker

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestFramesToVideoParameters(t *testing.T) {
	dir := t.TempDir()
	tools := Tools{FFmpeg: "/usr/bin/ffmpeg"}
	good := map[string]any{"exe": "ffmpeg", "fps": 24.0, "inputGlob": filepath.Join(dir, "*.png"),
		"outputFile": filepath.Join(dir, "out.mp4")}
	for _, c := range []struct {
		change map[string]any
		tools  Tools
		want   string
	}{
		{map[string]any{"exe": nil}, tools, "parameter exe is required"},
		{map[string]any{"fps": nil}, tools, "parameter fps is required"},
		{map[string]any{"fps": "24"}, tools, "parameter fps must be a number"},
		{map[string]any{"fps": 0.0}, tools, "parameter fps must be more than 0"},
		{map[string]any{"inputGlob": ""}, tools, "parameter inputGlob must not be empty"},
		{map[string]any{"outputFile": nil}, tools, "parameter outputFile is required"},
		{map[string]any{"args": []any{1.0}}, tools, "parameter args[0] must be a string"},
		{map[string]any{"exeArgs": `"open`}, tools, "parameter exeArgs"},
		{map[string]any{"inputGlob": "[" + dir}, tools, "parameter inputGlob"},
		{map[string]any{}, tools, "matches no files"},
		{map[string]any{"exe": "{ffmpeg}"}, Tools{}, "none was found"},
	} {
		params := map[string]any{}
		for k, v := range good {
			params[k] = v
		}
		for k, v := range c.change {
			params[k] = v
		}
		var rec recorder
		err := framesToVideoCommand(context.Background(), rec.env(c.tools), params)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.change, err, c.want)
		}
	}
}

// TestFramesToVideoFailure checks that an FFmpeg failure says what FFmpeg said.
func TestFramesToVideoFailure(t *testing.T) {
	tools := realTools()
	needTool(t, "ffmpeg", tools.FFmpeg)
	dir := t.TempDir()
	if out, err := exec.Command(tools.FFmpeg, "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x64:rate=1",
		"-frames:v", "2", filepath.Join(dir, "f_%03d.png")).CombinedOutput(); err != nil {
		t.Fatalf("making frames: %v\n%s", err, out)
	}
	var rec recorder
	err := framesToVideoCommand(context.Background(), rec.env(tools), map[string]any{
		"exe": "{ffmpeg}", "fps": 25.0, "inputGlob": filepath.Join(dir, "*.png"),
		"outputFile": filepath.Join(dir, "out.mp4"), "args": []any{"-c:v", "no-such-codec"},
	})
	if err == nil || !strings.Contains(err.Error(), "exited with code") || !strings.Contains(err.Error(), "no-such-codec") {
		t.Errorf("error = %v, want the exit code and FFmpeg's complaint\n%s", err, rec.log())
	}
	t.Log(err)
}
