package jobtype

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dop251/goja"

	"farmhand/farm/model"
)

// prelude is the JavaScript half of the authoring API (author.Task, job.addTask,
// …); see prelude.js for why it is not Go. Compiled once, it runs in every
// runtime before the job-type script.
//
//go:embed prelude.js
var preludeSrc string

const preludeFile = "farmhand-prelude.js"

var prelude = goja.MustCompile(preludeFile, preludeSrc, true)

// authoredJob is what a script's compileJob made.
type authoredJob struct {
	Name     string
	Priority float64
	Settings map[string]any    // nil unless the script replaced the map
	Metadata map[string]string // likewise
	Tasks    []authoredTask
}

type authoredTask struct {
	Name      string
	Type      string
	Priority  float64
	Commands  []model.Command
	DependsOn []int
}

// compile runs the script's compileJob on job and returns its tasks.
func (r *Registry) compile(jt *JobType, job *model.Job) ([]TaskSpec, error) {
	var aj *authoredJob
	err := r.run(jt.script, jt.Name, func(vm *goja.Runtime) error {
		compileJob, ok := goja.AssertFunction(vm.Get("compileJob"))
		if !ok {
			return fmt.Errorf("%s does not define a compileJob(job) function", jt.script.file)
		}
		api := vm.Get("__farmhand").ToObject(vm)
		newJob, _ := goja.AssertFunction(api.Get("newJob"))
		collect, _ := goja.AssertFunction(api.Get("collect"))
		jsJob, err := newJob(goja.Undefined(), vm.ToValue(job.Name), vm.ToValue(job.Type), vm.ToValue(job.Priority),
			vm.ToValue(job.Created), vm.ToValue(job.Settings), vm.ToValue(job.Metadata), vm.ToValue(r.maxTasks))
		if err != nil {
			return err
		}
		if _, err := compileJob(goja.Undefined(), jsJob); err != nil {
			return err
		}
		out, err := collect(goja.Undefined(), jsJob)
		if err != nil {
			return err
		}
		aj, err = readJob(vm, out.ToObject(vm))
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := aj.writeBack(job); err != nil {
		return nil, err
	}
	return aj.specs()
}

// readJob takes the authored job out of the runtime, field by field: several
// times faster than JSON.stringify and back, for jobs of many tasks.
func readJob(vm *goja.Runtime, out *goja.Object) (*authoredJob, error) {
	aj := &authoredJob{Name: jsString(out.Get("name")), Priority: out.Get("priority").ToFloat()}
	if v := out.Get("settings"); !goja.IsUndefined(v) {
		if err := vm.ExportTo(v, &aj.Settings); err != nil {
			return nil, fmt.Errorf("job.settings must be an object: %w", err)
		}
	}
	if v := out.Get("metadata"); !goja.IsUndefined(v) {
		if err := vm.ExportTo(v, &aj.Metadata); err != nil {
			return nil, fmt.Errorf("job.metadata must be an object of strings: %w", err)
		}
	}
	tasks, err := objects(vm, out.Get("tasks"), "the job's tasks")
	if err != nil {
		return nil, err
	}
	var deps []any
	if err := vm.ExportTo(out.Get("dependencies"), &deps); err != nil {
		return nil, fmt.Errorf("reading the tasks' dependencies: %w", err)
	}
	if len(deps) != len(tasks) {
		return nil, fmt.Errorf("reading the tasks' dependencies: %d lists for %d tasks", len(deps), len(tasks))
	}
	aj.Tasks = make([]authoredTask, len(tasks))
	for i, t := range tasks {
		at := authoredTask{Name: jsString(t.Get("name")), Type: jsString(t.Get("type")), Priority: t.Get("priority").ToFloat()}
		commands, err := objects(vm, t.Get("commands"), fmt.Sprintf("task %q's commands", at.Name))
		if err != nil {
			return nil, err
		}
		for _, c := range commands {
			cmd := model.Command{Name: jsString(c.Get("name")), TotalSteps: int(c.Get("totalStepCount").ToInteger())}
			if cmd.Parameters, err = plainParameters(c.Get("parameters").Export()); err == nil {
				err = wordLists(cmd.Parameters)
			}
			if err != nil {
				return nil, fmt.Errorf("task %q: command %q: %w", at.Name, cmd.Name, err)
			}
			at.Commands = append(at.Commands, cmd)
		}
		if deps[i] != nil {
			if at.DependsOn, err = dependsOn(vm, t, deps[i]); err != nil {
				return nil, fmt.Errorf("task %q %w", at.Name, err)
			}
		}
		aj.Tasks[i] = at
	}
	return aj, nil
}

// dependsOn reads the indexes collect found for a task's dependencies.
func dependsOn(vm *goja.Runtime, t *goja.Object, indexes any) ([]int, error) {
	list, ok := indexes.([]any)
	if !ok {
		return nil, fmt.Errorf("has dependencies that are not a list")
	}
	out := make([]int, len(list))
	for i, v := range list {
		n, ok := v.(int64)
		if !ok || n < 0 {
			deps, err := objects(vm, t.Get("dependencies"), "its dependencies")
			if err != nil || i >= len(deps) {
				return nil, fmt.Errorf("depends on a task that was never added to the job with job.addTask")
			}
			return nil, fmt.Errorf("depends on task %q, which was never added to the job with job.addTask",
				jsString(deps[i].Get("name")))
		}
		out[i] = int(n)
	}
	return out, nil
}

// objects returns the elements of a JavaScript array of objects.
func objects(vm *goja.Runtime, v goja.Value, what string) ([]*goja.Object, error) {
	arr, ok := v.(*goja.Object)
	if !ok || arr.ClassName() != "Array" {
		return nil, fmt.Errorf("%s are not a list", what)
	}
	out := make([]*goja.Object, arr.Get("length").ToInteger())
	for i := range out {
		if out[i], ok = arr.Get(strconv.Itoa(i)).(*goja.Object); !ok {
			return nil, fmt.Errorf("%s hold something else than objects", what)
		}
	}
	return out, nil
}

func jsString(v goja.Value) string {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return ""
	}
	return v.String()
}

// plainParameters copies command parameters into what JSON decoding would
// give (maps, lists, strings, float64 numbers, booleans, nil), which is what
// the store keeps and the worker gets. It refuses what JSON cannot carry, like
// NaN or a function, rather than store a job that cannot be run.
func plainParameters(v any) (map[string]any, error) {
	if v == nil {
		return map[string]any{}, nil
	}
	p, err := plain(v, 0)
	if err != nil {
		return nil, err
	}
	params, ok := p.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("parameters must be an object, not %v", v)
	}
	return params, nil
}

// maxNesting bounds how deep parameters may nest; deeper is surely a cycle
// (`p.self = p`), which would otherwise recurse until the manager crashed.
const maxNesting = 100

func plain(v any, depth int) (any, error) {
	if depth > maxNesting {
		return nil, fmt.Errorf("nested more than %d deep (does an object contain itself?)", maxNesting)
	}
	switch v := v.(type) {
	case nil, string, bool:
		return v, nil
	case int64:
		return float64(v), nil
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%v cannot be stored", v)
		}
		return v, nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			p, err := plain(e, depth+1)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = p
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			p, err := plain(e, depth+1)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = p
		}
		return out, nil
	}
	// Go values a script passed on, like what frameChunker returned: JSON decides.
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("%s values cannot be stored", reflect.ValueOf(v).Kind())
	}
	var out any
	err = json.Unmarshal(b, &out)
	return out, err
}

// wordListParams are the command parameters that are lists of command-line
// words: exec's args, and argsBefore and args of blender-render and
// frames-to-video. Every command's parameters of these names are treated so,
// as Flamenco's worker reads them.
var wordListParams = []string{"args", "argsBefore"}

// wordLists turns the numbers and booleans in params' word lists into their
// plain text, as Flamenco's worker does, since scripts commonly pass numeric
// settings straight into argument lists: 24 → "24" (not "24.0"), 0.5 → "0.5",
// true → "true". Values with no text form (objects, lists, null or undefined)
// are refused, naming the parameter and the position: a command line would
// get nonsense like "map[...]" or "<nil>" instead. A word list that is not a
// list is refused too.
func wordLists(params map[string]any) error {
	for _, key := range wordListParams {
		v, ok := params[key]
		if !ok || v == nil {
			continue
		}
		list, ok := v.([]any)
		if !ok {
			return fmt.Errorf("parameter %s must be a list of command-line words, not %s", key, jsKindOf(v))
		}
		for i, w := range list {
			switch w := w.(type) {
			case string:
			case float64:
				list[i] = fmt.Sprint(w) // shortest form that reads back the same: 24, 0.5, 1e+21
			case bool:
				list[i] = strconv.FormatBool(w)
			default:
				return fmt.Errorf("parameter %s[%d] is %s, which has no text form for a command line; "+
					"give a string, number or boolean", key, i, jsKindOf(w))
			}
		}
	}
	return nil
}

// jsKindOf names a plain value the way a script's author knows it.
func jsKindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null (or undefined)"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	}
	return "an object"
}

// writeBack stores what the script changed in the job, as Flamenco stores its
// authored job: settings, metadata, and also name and priority, within the
// limits the manager applies to submissions.
func (aj *authoredJob) writeBack(job *model.Job) error {
	if aj.Name != job.Name {
		name := strings.TrimSpace(aj.Name)
		if name == "" || utf8.RuneCountInString(name) > 200 {
			return fmt.Errorf("the script set the job name to %q; it must have 1 to 200 characters", aj.Name)
		}
		job.Name = name
	}
	if aj.Priority != float64(job.Priority) {
		if aj.Priority != math.Trunc(aj.Priority) || aj.Priority < 0 || aj.Priority > 100 {
			return fmt.Errorf("the script set the job priority to %v; it must be a whole number within 0–100", aj.Priority)
		}
		job.Priority = int(aj.Priority)
	}
	if aj.Settings != nil {
		job.Settings = aj.Settings
	}
	if aj.Metadata != nil {
		job.Metadata = aj.Metadata
	}
	if job.Settings == nil {
		job.Settings = map[string]any{}
	}
	if job.Metadata == nil {
		job.Metadata = map[string]string{}
	}
	if _, err := json.Marshal(job.Settings); err != nil {
		return fmt.Errorf("the script left settings that cannot be stored: %w", err)
	}
	return nil
}
