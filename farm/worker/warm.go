package worker

// Warm Blender (issue 16): a worker keeps one Blender per job it renders, with
// the scene loaded and the job's overrides applied, and hands it chunk after
// chunk through warm_server.py, instead of starting Blender for every task.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
)

// warmOff is the worker's --no-warm-blender.
var warmOff atomic.Bool

// SetWarmBlender turns keeping Blender warm between chunks on (the default)
// or off, for every worker of this program: the worker's --no-warm-blender
// flag. Off, every blender-render task starts Blender anew, as Flamenco's
// worker does.
func SetWarmBlender(on bool) { warmOff.Store(!on) }

// warmMaxChunks is how many chunks one warm Blender renders before it is
// restarted, so that what leaks in a long Blender session (memory, handlers a
// scene's scripts pile up) stays bounded.
var warmMaxChunks = 50

// warmParam is the blender-render parameter a job type sets to false to have
// its tasks rendered cold (simple-blender-render's warm_blender setting).
const warmParam = "warmBlender"

// blenderFrames is Blender's own --render-frame syntax, frames and ranges
// ("1", "1..4", "1,3,5..9"); relative frames ("+1") are not taken warm.
var blenderFrames = regexp.MustCompile(`^\d+(\.\.\d+)?(,\d+(\.\.\d+)?)*$`)

// maxBlenderFrame is Blender's MAXFRAME: it clamps frames above it.
const maxBlenderFrame = 1048574

// warmPlan is how a cold command line is rendered warm: Blender is started
// with args (the command line without its --render-frame, then the server),
// and asked for frames. key names what the process has loaded: a process
// serves only chunks of the same key.
type warmPlan struct {
	exe      string
	args     []string
	coldArgs []string // the command line as given, for rendering it cold after all
	frames   []int
	spec     string // the frames as the command line gave them
	key      string
	job      string
}

// planWarm says how exe args (as blenderArgv built them) is rendered warm, or
// why it is not ("" and a plan when it is). A line is taken warm only when it
// ends in one --render-frame of plain frames and holds no other render: then
// Blender applies every option before it, scene, overrides and output path
// included, exactly as the cold render does, and only the render is left to
// do. The error is about a malformed warmBlender parameter.
func planWarm(exe string, args []string, params map[string]any, env Env) (warmPlan, string, error) {
	if v, ok := params[warmParam]; ok {
		on, isBool := v.(bool)
		if !isBool {
			return warmPlan{}, "", fmt.Errorf("parameter %s must be true or false, not %v", warmParam, v)
		}
		if !on {
			return warmPlan{}, "the job turned warm Blender off", nil
		}
	}
	if warmOff.Load() {
		return warmPlan{}, "this worker runs with --no-warm-blender", nil
	}
	n := len(args)
	if n < 2 || (args[n-2] != "-f" && args[n-2] != "--render-frame") {
		return warmPlan{}, "the command line does not end in --render-frame", nil
	}
	if slices.Contains(args, "--") {
		return warmPlan{}, "the command line passes arguments to a script (--)", nil
	}
	if len(plannedRenders(args)) != 1 {
		return warmPlan{}, "the command line renders more than once", nil
	}
	frames, ok := blenderFrameList(args[n-1])
	if !ok {
		return warmPlan{}, fmt.Sprintf("frames %q are not plain frame numbers", args[n-1]), nil
	}
	warmArgs := append(slices.Clip(args[:n-2]), "--python", "") // the server's path, once written
	job := varValue(env.Vars, "FARMHAND_JOB_ID")
	blendfile, _ := optionalString(params, "blendfile")
	return warmPlan{exe: exe, args: warmArgs, coldArgs: args, frames: frames, spec: args[n-1], job: job,
		key: warmKey(exe, args[:n-2], job, blendfile, env.JobFiles)}, "", nil
}

// blenderFrameList expands a --render-frame value into its frames in the
// order Blender renders them: each item in turn, a range "a..b" from a up to
// b (none when b < a, as Blender ignores a reversed range).
func blenderFrameList(spec string) ([]int, bool) {
	if !blenderFrames.MatchString(spec) {
		return nil, false
	}
	var frames []int
	for _, item := range strings.Split(spec, ",") {
		a, b, isRange := strings.Cut(item, "..")
		if !isRange {
			b = a
		}
		first, err1 := strconv.Atoi(a)
		last, err2 := strconv.Atoi(b)
		if err1 != nil || err2 != nil || last > maxBlenderFrame || len(frames)+last-first > maxFrames {
			return nil, false
		}
		for f := first; f <= last; f++ {
			frames = append(frames, f)
		}
	}
	return frames, len(frames) > 0
}

// warmKey identifies what a warm Blender has loaded: the program, its
// options before the render (scene, overrides, output), the job, and the
// blend file and Python files named on the line as they are on disk now (size
// and modification time), so that a file saved anew is loaded anew. Files
// under jobFiles (an uploaded job's files, see Env.JobFiles; "" for none) are
// named only: they cannot change within the job, and their modification
// time, which the cache sets whenever it uses them, would start a new
// Blender for every chunk.
func warmKey(exe string, args []string, job, blendfile, jobFiles string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "job %q\nexe %q\n", job, exe)
	files := []string{blendfile}
	for i, a := range args {
		fmt.Fprintf(&b, "arg %q\n", a)
		if (a == "-P" || a == "--python") && i+1 < len(args) {
			files = append(files, args[i+1])
		}
	}
	for _, f := range files {
		if f == "" {
			continue
		}
		if within(jobFiles, f) {
			fmt.Fprintf(&b, "job file %q\n", f)
		} else if info, err := os.Stat(f); err == nil {
			fmt.Fprintf(&b, "file %q %d %d\n", f, info.Size(), info.ModTime().UnixNano())
		}
	}
	return b.String()
}

// within reports whether path p lies inside folder dir (never when dir is "").
func within(dir, p string) bool {
	if dir == "" {
		return false
	}
	rel, err := filepath.Rel(dir, p)
	return err == nil && filepath.IsLocal(rel)
}

// varValue is the value of name in a list of NAME=value entries.
func varValue(vars []string, name string) string {
	for _, kv := range vars {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v
		}
	}
	return ""
}

// runBlender runs one blender-render command line: in the warm Blender of
// ctx's pool when there is one and the line can be rendered warm (planWarm),
// else by starting Blender as runProcess does. Its output goes to env.Log
// either way, its first line the one naming the command line. The errors are
// runProcess's, or a warm render's (see warmPool.render).
func runBlender(ctx context.Context, env Env, exe string, args []string, params map[string]any) error {
	plan, why, err := planWarm(exe, args, params, env)
	if err != nil {
		return err
	}
	pool := warmPoolFrom(ctx)
	if pool == nil || why != "" {
		err := runProcess(ctx, env, exe, args)
		if pool != nil && err == nil {
			env.Log("(Blender was not kept warm for the next chunk: " + why + ")")
		}
		return err
	}
	return pool.render(ctx, env, plan)
}

type warmPoolKey struct{}

// withWarmPool gives the commands run with ctx the worker's warm Blender.
func withWarmPool(ctx context.Context, p *warmPool) context.Context {
	return context.WithValue(ctx, warmPoolKey{}, p)
}

func warmPoolFrom(ctx context.Context) *warmPool {
	p, _ := ctx.Value(warmPoolKey{}).(*warmPool)
	return p
}

// warmFor returns w's pool for a task of job, after stopping a warm Blender of
// another job. It must be called from runTask, on the goroutine of Run. The
// pool ends with runCtx (the worker stops), and w's state changes stop its
// Blender when the worker turns idle, asleep or paused (warmStateChanged). A
// stopped pool is replaced on the next call.
func (w *Worker) warmFor(runCtx context.Context, job string) *warmPool {
	if p := w.warm.Load(); p != nil {
		p.keepOnly(job)
		return p
	}
	p := newWarmPool(w.log)
	w.warm.Store(p)
	context.AfterFunc(runCtx, func() {
		w.warm.CompareAndSwap(p, nil)
		p.close("the worker stops")
	})
	return p
}

// warmStateChanged stops the warm Blender when the worker stops rendering
// (idle, asleep, paused, stopped): it would hold the scene's memory for
// nothing, and the next task may be another job's.
func (w *Worker) warmStateChanged(s State) {
	if p := w.warm.Load(); p != nil && s != StateRendering && s != StateStarting {
		p.release("the worker is " + string(s))
	}
}
