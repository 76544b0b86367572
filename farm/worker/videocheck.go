package worker

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// trailingNumber is the frame number in a frame's file name: its last run of
// digits, as Blender's ###### writes it ("shot_000012.png" → 12).
var trailingNumber = regexp.MustCompile(`(\d+)\D*$`)

// checkFrameFiles fails, before a video is made of files, for a file that is
// not a finished image (see frameProblem), and, when frames is not empty, for
// a frame of it that no file's name numbers. FFmpeg would skip either and make
// a shorter video without failing.
func checkFrameFiles(files []string, frames []int) error {
	var bad []string
	have := map[int]bool{}
	for _, f := range files {
		if problem := frameProblem(f); problem != "" {
			bad = append(bad, fmt.Sprintf("%s is %s", f, problem))
		}
		stem := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
		if m := trailingNumber.FindStringSubmatch(stem); m != nil {
			n, _ := strconv.Atoi(m[1])
			have[n] = true
		}
	}
	var missing []int
	for _, f := range frames {
		if !have[f] {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		bad = append(bad, fmt.Sprintf("no file for frame %s", frameList(missing)))
	}
	if len(bad) == 0 {
		return nil
	}
	if len(bad) > 10 {
		bad = append(bad[:10], fmt.Sprintf("and %d more", len(bad)-10))
	}
	return fmt.Errorf("the frames are not all there, so the video would be short: %s", strings.Join(bad, "; "))
}

// ffprobeFor is the ffprobe next to ffmpeg (FFmpeg's builds ship both
// together), else the one on PATH, else "".
func ffprobeFor(ffmpeg string) string {
	sibling := filepath.Join(filepath.Dir(ffmpeg), "ffprobe"+filepath.Ext(ffmpeg))
	if info, err := os.Stat(sibling); err == nil && !info.IsDir() {
		return sibling
	}
	p, _ := exec.LookPath("ffprobe")
	return p
}

// videoFrames counts the frames of a video's first video stream by decoding
// it: with ffprobe -count_frames when there is one, else with ffmpeg into
// the null muxer. The error says which program failed and what it printed.
func videoFrames(ctx context.Context, ffmpeg, video string) (int, error) {
	var cmd *exec.Cmd
	probe := ffprobeFor(ffmpeg)
	if probe != "" {
		cmd = exec.CommandContext(ctx, probe, "-v", "error", "-count_frames", "-select_streams", "v:0",
			"-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", video)
	} else {
		cmd = exec.CommandContext(ctx, ffmpeg, "-v", "error", "-nostats", "-i", video, "-map", "0:v:0",
			"-f", "null", "-progress", "pipe:1", "-")
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("counting the frames of %s with %s: %w: %s", video, cmd.Path, err, truncate(strings.TrimSpace(stderr.String()), 300))
	}
	text := strings.TrimSpace(string(out))
	if probe == "" { // the last frame=N of the progress blocks
		i := strings.LastIndex(text, "frame=")
		if i < 0 {
			return 0, fmt.Errorf("counting the frames of %s: ffmpeg printed no frame count", video)
		}
		text, _, _ = strings.Cut(text[i+len("frame="):], "\n")
	}
	n, err := strconv.Atoi(strings.TrimSpace(text))
	if err != nil {
		return 0, fmt.Errorf("counting the frames of %s: %s printed %q", video, cmd.Path, truncate(text, 100))
	}
	return n, nil
}
