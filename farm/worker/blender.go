package worker

import (
	"context"
	"farmhand/farm/shellwords"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
)

func init() {
	commands["blender-render"] = blenderRenderCommand
}

// blenderDefaultArgs is what {blenderArgs} stands for: no UI, and let the
// file's own Python (drivers, rigs) run, as it would on the artist's desktop.
const blenderDefaultArgs = "-b -y"

var (
	blenderVar     = regexp.MustCompile(`(?i)\{blender\}`)
	blenderArgsVar = regexp.MustCompile(`(?i)\{blenderargs\}`)

	// Blender prints one Saved line per written image, "skipping existing
	// frame" for a frame it leaves alone (overwrite off), and "Append frame N"
	// for each frame of a video. Blender 5 may put a "render |" log prefix in
	// front of them.
	blenderSaved   = regexp.MustCompile(`^(?:.*\brender\s*\|\s*)?Saved: ['"](.+)['"]`)
	blenderSkipped = regexp.MustCompile(`(?i)^(?:.*\brender\s*\|\s*)?skipping existing frame(?: ['"](.+)['"])?`)
	blenderAppend  = regexp.MustCompile(`^(?:.*\brender\s*\|\s*)?Append frame \d+`)
	// Blender renders the file's active scene when the scene asked for
	// (-S, the job's scene setting) is not in the file, and exits 0.
	blenderNoScene = regexp.MustCompile(`(?i)can't find scene:? ['"]?([^'"]*)`)
)

// blenderRenderCommand runs Blender with Flamenco's parameters. Each saved or
// skipped frame is one step; each saved image is reported as produced. Every
// line Blender prints goes to the task log. Before the render, empty files at
// the frames' paths are removed; after it, every frame asked for must be a
// finished file (renderCheck.verify), else the command fails naming them.
func blenderRenderCommand(ctx context.Context, env Env, params map[string]any) error {
	exe, args, err := blenderArgv(env.Tools, params)
	if err != nil {
		return err
	}
	blendfile, _ := optionalString(params, "blendfile")
	check := renderCheck{runs: plannedRenders(args), blendDir: filepath.Dir(absPath(blendfile))}
	for _, run := range check.runs {
		if err := checkLocalPath("--render-output", run.output); err != nil {
			return err
		}
	}
	removeEmptyFrames(check.runs, check.blendDir, env.Log)
	var tail errorTail
	var missingScene string
	out := env
	out.Log = func(line string) {
		env.Log(line)
		tail.see(line)
		if m := blenderSaved.FindStringSubmatch(line); m != nil {
			env.Step()
			check.written = append(check.written, absPath(m[1]))
			produced(env, absPath(m[1]))
		} else if m := blenderSkipped.FindStringSubmatch(line); m != nil {
			env.Step()
			if m[1] != "" {
				check.written = append(check.written, absPath(m[1]))
			}
		} else if blenderAppend.MatchString(line) {
			check.video = true
		} else if m := blenderNoScene.FindStringSubmatch(line); m != nil && missingScene == "" {
			missingScene = m[1]
		}
	}
	// Warm (one Blender kept for the job's chunks, warm.go) when it can be.
	if err := tail.wrap(runBlender(ctx, out, exe, args, params)); err != nil {
		return err
	}
	if missingScene != "" {
		return fmt.Errorf("the file has no scene %q, so Blender rendered another one: fix the job's scene setting", missingScene)
	}
	err = check.verify()
	if p := warmPoolFrom(ctx); err != nil && p != nil {
		// A warm Blender that reported frames it did not write is not to
		// be trusted with the next chunk.
		p.release("a frame was missing after its chunk")
	}
	return err
}

// blenderArgv builds `exe exeArgs --python-exit-code 1 argsBefore blendfile
// args`. The exit code option is always there (unless given already) because
// without it Blender prints a Python error, renders anyway and exits 0: a job's
// broken overrides would pass as a success. It goes before argsBefore since
// Blender applies options in order, and argsBefore may run Python itself.
func blenderArgv(tools Tools, params map[string]any) (string, []string, error) {
	exe, err := requiredString(params, "exe")
	if err != nil {
		return "", nil, err
	}
	// "{blender}" (Flamenco's variable) and a bare "blender" both mean the
	// Blender this worker found, which may be a configured one off PATH.
	if exe == "blender" {
		exe = "{blender}"
	}
	if blenderVar.MatchString(exe) {
		own, err := blenderFor(tools, params) // blenders.go: the one of the job's blender_version, if set
		if err != nil {
			return "", nil, err
		}
		exe = blenderVar.ReplaceAllLiteralString(exe, own)
	}
	exeArgs, err := optionalString(params, "exeArgs")
	if err != nil {
		return "", nil, err
	}
	args, err := shellwords.Split(blenderArgsVar.ReplaceAllLiteralString(exeArgs, blenderDefaultArgs))
	if err != nil {
		return "", nil, fmt.Errorf("parameter exeArgs: %w", err)
	}
	before, err := optionalStrings(params, "argsBefore")
	if err != nil {
		return "", nil, err
	}
	blendfile, err := optionalString(params, "blendfile")
	if err != nil {
		return "", nil, err
	}
	if err := checkLocalPath("blendfile", blendfile); err != nil {
		return "", nil, err
	}
	after, err := optionalStrings(params, "args")
	if err != nil {
		return "", nil, err
	}
	if !slices.Contains(args, "--python-exit-code") && !slices.Contains(before, "--python-exit-code") &&
		!slices.Contains(after, "--python-exit-code") {
		args = append(args, "--python-exit-code", "1")
	}
	args = append(args, before...)
	if blendfile != "" { // optional: a script given in args may build the scene instead
		args = append(args, blendfile)
	}
	args = append(args, cyclesDeviceArgs(CyclesDevice())...) // devices.go: this worker's Cycles device, once the file is loaded
	return exe, append(args, after...), nil
}

// absPath makes a path Blender printed absolute; a relative one is relative to
// Blender's working directory, which is the worker's.
func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
