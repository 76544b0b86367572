package jobtype

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/dop251/goja"
)

// script is a compiled job-type script. A goja Program can run in any number of
// runtimes at once, so one script serves concurrent compiles, each in its own
// fresh runtime: nothing a script does to its globals outlives one job.
type script struct {
	file    string // as shown in messages and stack traces
	program *goja.Program
}

// run runs the script's top level in a fresh runtime, then fn, within the
// registry's time and memory budgets (budget.go), and turns JavaScript failures
// into readable errors. A script over a budget gets an error wrapping
// ErrOverBudget that says which budget.
func (r *Registry) run(sc *script, jobType string, fn func(vm *goja.Runtime, a *authoring) error) error {
	vm := r.newRuntime(jobType)
	// Interrupt only stops JavaScript code between steps; the Go helpers a
	// script calls are all bounded (frame ranges by MaxFrames, tasks by
	// maxTasks), and the prelude bounds the built-ins that allocate in one step.
	w := r.watchRun(vm, jobType)
	defer w.done()
	limits := vm.NewObject()
	for name, n := range map[string]uint64{"chars": r.memBudget / 8, "elements": r.memBudget / 64, "bytes": r.memBudget / 4} {
		if err := limits.Set(name, n); err != nil {
			return err
		}
	}
	// Read and removed by the prelude.
	if err := vm.Set("__farmhandLimits", limits); err != nil {
		return err
	}
	if _, err := vm.RunProgram(prelude); err != nil {
		return err
	}
	if err := installArrayIterator(vm); err != nil {
		return err
	}
	a, err := installAuthoring(vm, w.taskAuthored, r.maxTasks)
	if err != nil {
		return err
	}
	if _, err := vm.RunProgram(sc.program); err != nil {
		return r.jsError(sc, err)
	}
	if err := fn(vm, a); err != nil {
		return r.jsError(sc, err)
	}
	return nil
}

// jsError says what went wrong in a script: the thrown value (Flamenco scripts
// reject a job with `throw "message"`) and where, without goja's internals.
func (r *Registry) jsError(sc *script, err error) error {
	var interrupted *goja.InterruptedError
	var overflow *goja.StackOverflowError
	var exc *goja.Exception
	switch {
	case errors.As(err, &interrupted):
		if over, ok := interrupted.Value().(*budgetError); ok {
			return &budgetError{msg: over.msg + where(&interrupted.Exception)}
		}
		return fmt.Errorf("%s was interrupted: %v%s", sc.file, interrupted.Value(), where(&interrupted.Exception))
	case errors.As(err, &overflow):
		return fmt.Errorf("%s was stopped: its calls went more than %d deep (endless recursion?)%s",
			sc.file, maxCallDepth, where(&overflow.Exception))
	case errors.As(err, &exc):
		msg := "an exception"
		if v := exc.Value(); v != nil {
			msg = v.String()
		}
		if inner := exc.Unwrap(); inner != nil { // an error from a Go helper
			msg = inner.Error()
		}
		return fmt.Errorf("%s%s", msg, where(exc))
	}
	return err // a Go error of ours, or a syntax error that names its position
}

// where names the innermost position in the job-type script of an
// exception's stack, skipping Go helpers and the prelude.
func where(exc *goja.Exception) string {
	for _, f := range exc.Stack() {
		if src := f.SrcName(); src != "" && src != "<native>" && src != preludeFile {
			p := f.Position()
			return fmt.Sprintf(" (at %s:%d:%d)", p.Filename, p.Line, p.Column)
		}
	}
	return ""
}

// declaration is JOB_TYPE as the script writes it.
type declaration struct {
	Label       string       `json:"label"`
	Description string       `json:"description"`
	Settings    []jsSettings `json:"settings"`
}

// jsSettings accepts visible as a bool too: early Flamenco scripts wrote
// `visible: false` for what is now "hidden".
type jsSettings struct {
	Setting
	Visible any `json:"visible"`
}

// loadScript compiles a script and reads its declaration.
func (r *Registry) loadScript(name, file, src, source string) (*JobType, error) {
	// Strict mode, as Flamenco compiles its scripts.
	prog, err := goja.Compile(file, src, true)
	if err != nil {
		return nil, err
	}
	sc := &script{file: file, program: prog}
	var raw string
	err = r.run(sc, name, func(vm *goja.Runtime, _ *authoring) error {
		if vm.Get("JOB_TYPE") == nil {
			return fmt.Errorf("%s does not define a JOB_TYPE object", file)
		}
		if _, ok := goja.AssertFunction(vm.Get("compileJob")); !ok {
			return fmt.Errorf("%s does not define a compileJob(job) function", file)
		}
		v, err := vm.RunString("JSON.stringify(JOB_TYPE)")
		if err == nil {
			raw = v.String()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	jt, err := parseDeclaration(name, raw)
	if err != nil {
		return nil, fmt.Errorf("%s: JOB_TYPE: %w", file, err)
	}
	jt.Source, jt.script = source, sc
	return jt, nil
}

func parseDeclaration(name, raw string) (*JobType, error) {
	var d declaration
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		return nil, readableJSONError(err)
	}
	jt := &JobType{Name: name, Label: d.Label, Description: d.Description, Settings: []Setting{}}
	if jt.Label == "" {
		jt.Label = name
	}
	for _, s := range d.Settings {
		switch v := s.Visible.(type) {
		case nil:
		case bool:
			s.Setting.Visible = map[bool]string{true: "visible", false: "hidden"}[v]
		case string:
			if !slices.Contains([]string{"visible", "submission", "web", "hidden"}, v) {
				return nil, fmt.Errorf("setting %q: visible is %q; use visible, submission, web or hidden", s.Key, v)
			}
			s.Setting.Visible = v
		default:
			return nil, fmt.Errorf("setting %q: visible must be a string, not %v", s.Key, v)
		}
		jt.Settings = append(jt.Settings, s.Setting)
	}
	if err := checkDeclaration(jt.Settings); err != nil {
		return nil, err
	}
	jt.Etag = etag(jt)
	return jt, nil
}

// readableJSONError says which field of a script's object has the wrong type,
// in the script's words rather than Go's.
func readableJSONError(err error) error {
	var wrong *json.UnmarshalTypeError
	if !errors.As(err, &wrong) {
		return err
	}
	field := strings.ReplaceAll(wrong.Field, "Setting.", "") // our embedding, not the script's
	if field == "" {
		field = "it"
	}
	return fmt.Errorf("%s is %s; it must be %s", field, article(wrong.Value), article(jsKind(wrong.Type)))
}

// jsKind names a Go type the way a script author knows it.
func jsKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice:
		return "list of " + jsKind(t.Elem()) + "s"
	case reflect.Struct, reflect.Map, reflect.Pointer:
		return "object"
	}
	return "number"
}

func article(noun string) string {
	if strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}

// etag hashes the declaration as the API shows it, like Flamenco's (SHA-1 of
// the job type's JSON), so it changes whenever label or settings change.
func etag(jt *JobType) string {
	b, _ := json.Marshal(struct {
		Name, Label, Description string
		Settings                 []Setting
	}{jt.Name, jt.Label, jt.Description, jt.Settings})
	sum := sha1.Sum(b)
	return hex.EncodeToString(sum[:])
}
