package jobtype

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/dop251/goja"

	"farmhand/farm/shellwords"
)

// maxCallDepth stops runaway recursion long before it could eat the manager's
// memory; job-type scripts need a handful of frames.
const maxCallDepth = 10_000

// newRuntime returns a runtime with Flamenco's job-compiler API:
//
//	print(...), alert(...)             log at info / warning level
//	frameChunker(range, chunkSize)     ["1-3", "4-6", "7,9"]
//	frameCount(range)                  number of distinct frames
//	formatTimestampLocal(job.created)  "2006-01-02_150405" in local time
//	shellSplit("a 'b c'")              ["a", "b c"]
//	path.basename/dirname/join/stem    '/' paths from '/' or '\' ones, keeping
//	path.extname                       UNC and drive roots (pathmod.go)
//	path.globEscape(p)                 p as a glob pattern matching only itself
//	process.platform, process.cwd()
//	require("./lib/module")            see require
//
// author.Task and author.Command come from authoring.go, which run installs;
// arrays iterate in Go (arrayiter.go).
// Go values a script meets (job.created, a time) show their methods with a
// lower-case first letter, as in Flamenco.
func (r *Registry) newRuntime(jobType string) *goja.Runtime {
	vm := goja.New()
	vm.SetFieldNameMapper(goja.UncapFieldNameMapper())
	vm.SetMaxCallStackSize(maxCallDepth)
	logArgs := func(level func(string, ...any)) func(goja.FunctionCall) goja.Value {
		return func(call goja.FunctionCall) goja.Value {
			parts := make([]string, len(call.Arguments))
			for i, a := range call.Arguments {
				parts[i] = a.String()
			}
			level("job type script: "+strings.Join(parts, " "), "job_type", jobType)
			return goja.Undefined()
		}
	}
	set := func(name string, v any) {
		if err := vm.Set(name, v); err != nil {
			panic(fmt.Sprintf("jobtype: registering %s: %v", name, err)) // only a programming error gets here
		}
	}
	set("print", logArgs(r.log.Info))
	set("alert", logArgs(r.log.Warn))
	// Native functions, not Go functions goja calls by reflection: the
	// helpers a script calls for every task cost a fifth as much.
	set("frameChunker", native(vm, func(args []goja.Value) (any, error) {
		return jsArray(vm)(frameChunker(goString(args, 0), goInt(args, 1)))
	}))
	set("frameCount", native(vm, func(args []goja.Value) (any, error) { return frameCount(goString(args, 0)) }))
	set("formatTimestampLocal", formatTimestampLocal)
	set("shellSplit", native(vm, func(args []goja.Value) (any, error) {
		return jsArray(vm)(shellwords.Split(goString(args, 0)))
	}))
	// Plain objects, not Go maps: goja would wrap a Go map's function anew on
	// every access.
	module := func(members map[string]any) *goja.Object {
		obj := vm.NewObject()
		for name, v := range members {
			if err := obj.Set(name, v); err != nil {
				panic(err)
			}
		}
		return obj
	}
	path := map[string]any{"join": native(vm, func(args []goja.Value) (any, error) {
		elems := make([]string, len(args))
		for i := range args {
			elems[i] = goString(args, i)
		}
		return pathJoin(elems...), nil
	})}
	for name, fn := range map[string]func(string) string{"basename": pathBase, "dirname": pathDir, "stem": pathStem,
		"extname": pathExt, "globEscape": pathGlobEscape} {
		path[name] = native(vm, func(args []goja.Value) (any, error) { return fn(goString(args, 0)), nil })
	}
	set("path", module(path))
	set("process", module(map[string]any{"platform": runtime.GOOS, "cwd": os.Getwd}))
	set("require", r.require(vm))
	return vm
}

// require loads CommonJS modules, as Flamenco's goja_nodejs does, for scripts
// that share code: "author", "path" and "process" are the pre-imported
// modules, and "./lib/util" is lib/util.js in the scripts folder. Keep modules
// in a subfolder: every *.js file at the top is taken for a job type.
func (r *Registry) require(vm *goja.Runtime) func(string) (goja.Value, error) {
	loaded := map[string]*goja.Object{} // file → its module, per runtime like every global
	return func(name string) (goja.Value, error) {
		switch name {
		case "author", "path", "process":
			return vm.Get(name), nil
		}
		file, err := r.modulePath(name)
		if err != nil {
			return nil, err
		}
		if m, ok := loaded[file]; ok {
			return m.Get("exports"), nil // also what a module gets back from a cycle, as in Node
		}
		src, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("require(%q): %w", name, err)
		}
		prog, err := goja.Compile(file, "(function (exports, require, module) {"+string(src)+"\n})", true)
		if err != nil {
			return nil, err
		}
		wrapper, err := vm.RunProgram(prog)
		if err != nil {
			return nil, err
		}
		fn, _ := goja.AssertFunction(wrapper)
		m := vm.NewObject()
		if err := m.Set("exports", vm.NewObject()); err != nil {
			return nil, err
		}
		loaded[file] = m
		if _, err := fn(goja.Undefined(), m.Get("exports"), vm.Get("require"), m); err != nil {
			return nil, err
		}
		return m.Get("exports"), nil
	}
}

// modulePath finds a required module in the scripts folder, never outside it.
func (r *Registry) modulePath(name string) (string, error) {
	if r.dir == "" {
		return "", fmt.Errorf("require(%q): this manager has no scripts folder to load modules from", name)
	}
	file := filepath.Join(r.dir, filepath.FromSlash(name))
	if rel, err := filepath.Rel(r.dir, file); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("require(%q): modules must be in the scripts folder", name)
	}
	for _, f := range []string{file, file + ".js", filepath.Join(file, "index.js")} {
		if info, err := os.Stat(f); err == nil && info.Mode().IsRegular() {
			return f, nil
		}
	}
	return "", fmt.Errorf("require(%q): no such module in %s", name, r.dir)
}

// native makes fn a JavaScript function: its result becomes a JavaScript
// value, its error an exception, as goja does for Go functions.
func native(vm *goja.Runtime, fn func(args []goja.Value) (any, error)) func(goja.FunctionCall) goja.Value {
	return func(call goja.FunctionCall) goja.Value {
		v, err := fn(call.Arguments)
		if err != nil {
			panic(vm.NewGoError(err))
		}
		return vm.ToValue(v)
	}
}

// goString is argument i as a Go function of a string parameter gets it from
// goja: "" when left out, null or undefined, else its string form.
func goString(args []goja.Value, i int) string {
	if i >= len(args) || goja.IsUndefined(args[i]) || goja.IsNull(args[i]) {
		return ""
	}
	return args[i].String()
}

// goInt is argument i as a Go function of an int parameter gets it.
func goInt(args []goja.Value, i int) int {
	if i >= len(args) || goja.IsUndefined(args[i]) || goja.IsNull(args[i]) {
		return 0
	}
	return int(args[i].ToInteger())
}

// jsArray passes a helper's strings to the script as a JavaScript array
// rather than a Go slice, which goja would reach into by reflection on every
// element: a script loops over 100,000 chunks in a third of the time.
func jsArray(vm *goja.Runtime) func([]string, error) (*goja.Object, error) {
	return func(strs []string, err error) (*goja.Object, error) {
		if err != nil {
			return nil, err
		}
		items := make([]any, len(strs))
		for i, s := range strs {
			items[i] = s
		}
		return vm.NewArray(items...), nil
	}
}

// frameChunker splits a frame range into ranges of at most chunkSize frames, in
// "-" notation with runs merged ("1-3,5"), as Flamenco's does. A Go error
// returned here becomes a JavaScript exception.
func frameChunker(frameRange string, chunkSize int) ([]string, error) {
	if chunkSize < 1 {
		return nil, fmt.Errorf("frameChunker: invalid chunk size %d, must be a positive number", chunkSize)
	}
	frames, err := ParseFrames(frameRange)
	if err != nil {
		return nil, err
	}
	return ChunkFrames(frames, chunkSize), nil
}

func frameCount(frameRange string) (int, error) {
	frames, err := ParseFrames(frameRange)
	return len(frames), err
}

// formatTimestampLocal makes a timestamp fit for file names. Scripts pass
// job.created (a Go time) or a JavaScript Date; goja converts both.
func formatTimestampLocal(t time.Time) string {
	return t.Local().Format("2006-01-02_150405")
}
