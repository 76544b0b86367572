package worker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"
)

func init() {
	commands["frames-to-video"] = framesToVideoCommand
}

var (
	// concatIndex says how frames reach FFmpeg: Windows builds of FFmpeg have
	// no glob pattern support, so there the worker globs and writes a concat
	// index file (as Flamenco does). A variable so the tests cover both forms.
	concatIndex = runtime.GOOS == "windows"
	// progressEvery is how often FFmpeg's progress goes to the task log.
	progressEvery = 5 * time.Second
	// progressLine is one key=value line of `-progress`; FFmpeg's other output
	// never has that shape, so these lines are kept out of the log.
	progressLine = regexp.MustCompile(`^[a-z0-9_]+=\s*\S*$`)
)

// framesToVideoCommand runs `ffmpeg exeArgs argsBefore <frames> args -r fps
// outputFile`, with <frames> being `-r fps -pattern_type glob -i inputGlob`
// (or a concat index file on Windows). It counts as one step: a video is
// done when it is done.
//
// Nothing is skipped silently: before encoding, every file inputGlob matches
// must be a finished image, and the optional parameter frames (a frame range
// such as "1-250" or "1-10x2", Farmhand's addition to Flamenco's parameters)
// must each have a file; after it, the video must have as many frames as
// there were files (counted with ffprobe).
func framesToVideoCommand(ctx context.Context, env Env, params map[string]any) error {
	v, err := readVideoParams(env.Tools, params)
	if err != nil {
		return err
	}
	// Globbing here too gives a clear error for a wrong pattern instead of
	// FFmpeg's, the files to check, and the frame count for progress lines.
	frames, err := filepath.Glob(v.inputGlob)
	if err != nil {
		return fmt.Errorf("parameter inputGlob %q: %w", v.inputGlob, err)
	}
	if len(frames) == 0 {
		return fmt.Errorf("parameter inputGlob %q matches no files", v.inputGlob)
	}
	if err := checkFrameFiles(frames, v.frames); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(v.outputFile), 0o775); err != nil {
		return fmt.Errorf("parameter outputFile: creating its directory: %w", err)
	}

	rate := strconv.FormatFloat(v.fps, 'f', -1, 64)
	input := []string{"-r", rate, "-pattern_type", "glob", "-i", v.inputGlob}
	if concatIndex {
		index, err := writeConcatIndex(frames, v.fps)
		if err != nil {
			return err
		}
		defer os.Remove(index)
		input = []string{"-f", "concat", "-safe", "0", "-i", index}
	}
	// -progress goes first: it is a global option, and exeArgs may end in
	// options that expect an input after them.
	args := []string{"-progress", "pipe:1", "-nostats"}
	args = append(args, v.exeArgs...)
	args = append(args, v.before...)
	args = append(args, input...)
	args = append(args, v.after...)
	args = append(args, "-r", rate, v.outputFile)

	var tail errorTail
	p := ffmpegProgress{log: env.Log, total: len(frames), every: progressEvery}
	out := env
	out.Log = func(line string) {
		if progressLine.MatchString(line) {
			p.see(line)
			return
		}
		env.Log(line)
		tail.see(line)
	}
	if err := tail.wrap(runProcess(ctx, out, v.exe, args)); err != nil {
		return err
	}
	got, err := videoFrames(ctx, v.exe, v.outputFile)
	if err != nil {
		return fmt.Errorf("checking the video: %w", err)
	}
	if got != len(frames) {
		return fmt.Errorf("FFmpeg exited without error, but %s has %d frames of the %d it was given", v.outputFile, got, len(frames))
	}
	env.Log(fmt.Sprintf("frames-to-video: %s has all %d frames", v.outputFile, got))
	return nil
}

// videoParams are frames-to-video's parameters, checked.
type videoParams struct {
	exe, inputGlob, outputFile string
	exeArgs, before, after     []string
	fps                        float64
	frames                     []int // nil when not given
}

func readVideoParams(tools Tools, params map[string]any) (v videoParams, err error) {
	if v.exe, err = requiredString(params, "exe"); err != nil {
		return v, err
	}
	if v.exe == "ffmpeg" || strings.EqualFold(v.exe, "{ffmpeg}") {
		if tools.FFmpeg == "" {
			return v, fmt.Errorf("parameter exe asks for this worker's FFmpeg (%s), but none was found: configure its path or put ffmpeg on PATH", v.exe)
		}
		v.exe = tools.FFmpeg
	}
	if v.exeArgs, err = splitParam(params, "exeArgs"); err != nil {
		return v, err
	}
	if v.fps, err = fpsParam(params); err != nil {
		return v, err
	}
	if v.inputGlob, err = localParam(params, "inputGlob"); err != nil {
		return v, err
	}
	if v.outputFile, err = localParam(params, "outputFile"); err != nil {
		return v, err
	}
	if v.before, err = optionalStrings(params, "argsBefore"); err != nil {
		return v, err
	}
	if v.after, err = optionalStrings(params, "args"); err != nil {
		return v, err
	}
	spec, err := optionalString(params, "frames")
	if err == nil && spec != "" {
		if v.frames, err = parseFrames(spec); err != nil {
			err = fmt.Errorf("parameter frames: %w", err)
		}
	}
	return v, err
}

func fpsParam(params map[string]any) (float64, error) {
	var fps float64
	switch v := params["fps"].(type) {
	case float64:
		fps = v
	case int:
		fps = float64(v)
	case nil:
		return 0, errors.New("parameter fps is required")
	default:
		return 0, fmt.Errorf("parameter fps must be a number, not %T", v)
	}
	if fps <= 0 {
		return 0, fmt.Errorf("parameter fps must be more than 0, not %v", fps)
	}
	return fps, nil
}

// writeConcatIndex writes FFmpeg's concat demuxer index next to the frames:
// each frame shown for 1/fps seconds.
func writeConcatIndex(frames []string, fps float64) (string, error) {
	var b strings.Builder
	b.WriteString("ffconcat version 1.0\n")
	for _, f := range frames {
		abs, err := filepath.Abs(f)
		if err != nil {
			return "", err
		}
		// In the concat syntax a quote inside quotes is written '\''.
		fmt.Fprintf(&b, "file '%s'\nduration %s\n", strings.ReplaceAll(abs, "'", `'\''`),
			strconv.FormatFloat(1/fps, 'f', -1, 64))
	}
	index := filepath.Join(filepath.Dir(frames[0]), "ffmpeg-file-index.txt")
	if err := os.WriteFile(index, []byte(b.String()), 0o666); err != nil {
		return "", fmt.Errorf("writing FFmpeg's frame index: %w", err)
	}
	return index, nil
}

// ffmpegProgress turns `-progress` blocks into a task log line now and then.
type ffmpegProgress struct {
	log   func(string)
	total int
	every time.Duration
	frame string
	last  time.Time
}

func (p *ffmpegProgress) see(line string) {
	key, value, _ := strings.Cut(line, "=")
	value = strings.TrimSpace(value)
	switch key {
	case "frame":
		p.frame = value
	case "progress": // the end of a block
		if value == "end" || time.Since(p.last) >= p.every {
			p.last = time.Now()
			p.log(fmt.Sprintf("frames-to-video: frame %s of %d", p.frame, p.total))
		}
	}
}
