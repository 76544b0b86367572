package jobtype

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dop251/goja"

	"farmhand/farm/model"
)

// prelude guards the built-ins that could make a huge value in one step (see
// prelude.js). Compiled once, it runs in every runtime before the job-type
// script.
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
	err := r.run(jt.script, jt.Name, func(vm *goja.Runtime, a *authoring) error {
		compileJob, ok := goja.AssertFunction(vm.Get("compileJob"))
		if !ok {
			return fmt.Errorf("%s does not define a compileJob(job) function", jt.script.file)
		}
		jsJob, err := a.newJob(job)
		if err != nil {
			return err
		}
		if _, err := compileJob(goja.Undefined(), jsJob.obj); err != nil {
			return err
		}
		aj, err = a.read(jsJob)
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

// jsJob is the `job` compileJob receives, and the Go maps it was made with.
type jsJob struct {
	obj                *goja.Object
	settings, metadata goja.Value
}

// newJob makes the `job` compileJob receives: name, jobType, priority,
// created, settings, metadata and addTask. settings and metadata are the
// submitted job's own Go maps, so what the script changes in them is stored
// with the job, as in Flamenco.
func (a *authoring) newJob(job *model.Job) (*jsJob, error) {
	j := &jsJob{obj: a.vm.NewObject(), settings: a.vm.ToValue(job.Settings), metadata: a.vm.ToValue(job.Metadata)}
	for _, f := range []struct {
		name  string
		value any
	}{
		{"name", job.Name}, {"jobType", job.Type}, {"priority", job.Priority}, {"created", job.Created},
		{"settings", j.settings}, {"metadata", j.metadata}, {"addTask", a.addTask},
	} {
		if err := j.obj.Set(f.name, f.value); err != nil {
			return nil, err
		}
	}
	return j, nil
}

// read takes the authored job out of the runtime: the job fields the script
// may have changed, and the tasks added to it as they are now.
func (a *authoring) read(j *jsJob) (*authoredJob, error) {
	aj := &authoredJob{Name: jsString(j.obj.Get("name")), Priority: j.obj.Get("priority").ToFloat()}
	// A script may replace the maps outright (job.settings = {...}).
	if v := j.obj.Get("settings"); v != j.settings {
		if err := a.vm.ExportTo(v, &aj.Settings); err != nil {
			return nil, fmt.Errorf("job.settings must be an object: %w", err)
		}
	}
	if v := j.obj.Get("metadata"); v != j.metadata {
		if err := a.vm.ExportTo(v, &aj.Metadata); err != nil {
			return nil, fmt.Errorf("job.metadata must be an object of strings: %w", err)
		}
	}
	aj.Tasks = make([]authoredTask, len(a.tasks))
	for i, t := range a.tasks {
		at, err := t.read()
		if err != nil {
			return nil, err
		}
		aj.Tasks[i] = at
	}
	return aj, nil
}

// read returns the task as it is now.
func (t *task) read() (authoredTask, error) {
	at := authoredTask{Name: jsString(t.name), Type: jsString(t.typ), Priority: t.priority.ToFloat()}
	commands, err := t.commandList()
	if err != nil {
		return at, err
	}
	at.Commands = make([]model.Command, len(commands))
	for i, c := range commands {
		cmd := model.Command{Name: jsString(c.name), TotalSteps: int(c.steps.ToInteger())}
		if cmd.Parameters, err = c.parameters(); err != nil {
			return at, fmt.Errorf("task %q: command %q: %w", at.Name, cmd.Name, err)
		}
		at.Commands[i] = cmd
	}
	deps, err := t.dependencyList()
	if err != nil {
		return at, err
	}
	if len(deps) > 0 {
		at.DependsOn = make([]int, len(deps))
	}
	for i, d := range deps {
		if d == nil {
			return at, fmt.Errorf("task %q depends on a task that was never added to the job with job.addTask", at.Name)
		}
		if d.index < 0 {
			return at, fmt.Errorf("task %q depends on task %q, which was never added to the job with job.addTask",
				at.Name, jsString(d.name))
		}
		at.DependsOn[i] = d.index
	}
	return at, nil
}

// commandList returns the task's commands. Those in a list the script made
// may be objects of its own with a name, parameters and totalStepCount.
func (t *task) commandList() ([]*command, error) {
	if t.commandsJS == nil {
		return t.commands, nil
	}
	what := fmt.Sprintf("task %q's commands", jsString(t.name))
	var out []*command
	err := eachObject(t.commandsJS, what, func(o *goja.Object) error {
		c := commandOf(o)
		if c == nil {
			c = &command{a: t.a, name: defined(o.Get("name")), steps: defined(o.Get("totalStepCount"))}
			c.params, c.paramsErr = t.a.plain.parameters(o.Get("parameters"))
		}
		out = append(out, c)
		return nil
	})
	return out, err
}

// dependencyList returns the task's dependencies; nil stands for something
// that is not a task.
func (t *task) dependencyList() ([]*task, error) {
	if t.dependenciesJS == nil {
		return t.dependencies, nil
	}
	var out []*task
	err := eachObject(t.dependenciesJS, fmt.Sprintf("task %q's dependencies", jsString(t.name)), func(o *goja.Object) error {
		out = append(out, taskOf(o))
		return nil
	})
	return out, err
}

// defined is v, or undefined for a property that is not there (nil).
func defined(v goja.Value) goja.Value {
	if v == nil {
		return goja.Undefined()
	}
	return v
}

// eachObject calls fn with the elements of a JavaScript array of objects.
func eachObject(v goja.Value, what string, fn func(*goja.Object) error) error {
	arr, ok := v.(*goja.Object)
	if !ok || arr.ClassName() != "Array" {
		return fmt.Errorf("%s are not a list", what)
	}
	n := arr.Get("length").ToInteger()
	for i := range n {
		o, ok := arr.Get(strconv.FormatInt(i, 10)).(*goja.Object)
		if !ok {
			return fmt.Errorf("%s hold something else than objects", what)
		}
		if err := fn(o); err != nil {
			return err
		}
	}
	return nil
}

func jsString(v goja.Value) string {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return ""
	}
	return v.String()
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
