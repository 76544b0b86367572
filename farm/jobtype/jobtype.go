// Package jobtype turns a submitted job's type and settings into tasks.
//
// Job types are JavaScript files in Flamenco v3's format, so that scripts
// studios wrote for Flamenco run here unchanged: a JOB_TYPE object declares the
// settings, and compileJob(job) authors tasks and commands (see runtime.go and
// authoring.go for the API a script sees). Each compile gets a fresh goja
// runtime. The built-ins are embedded scripts (echo-sleep-test also has a Go
// twin, for speed); a scripts folder adds custom types and overrides built-ins,
// and is re-read when it changes (folder.go).
//
// Flamenco passes settings to the script as they come. The registry does more
// before compiling: it applies defaults, checks required settings, types and
// choices, and the max_task_duration the manager enforces (model.Job's
// MaxTaskDuration);
// and after: it rejects dependency cycles, malformed task types
// (CheckTaskType), tasks without commands, command-line word lists holding
// values with no text form, and jobs with too many tasks. Scripts run within a
// time and a memory budget (budget.go): one that loops forever or hoards
// memory is stopped, saying which budget it spent. Every refusal wraps
// ErrInvalid, which the API answers with 400.
package jobtype

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"farmhand/farm/model"
)

// Setting types, as in Flamenco.
const (
	TypeString = "string"
	TypeInt32  = "int32"
	TypeFloat  = "float"
	TypeBool   = "bool"
)

// Setting is one setting of a job type, with every attribute Flamenco's
// JOB_TYPE declares, under Flamenco's JSON names: the Blender add-on builds its
// submission panel from these. It is the API's type, so the manager hands it
// out as it is.
type Setting = model.JobSetting

// EvalInfo tells the add-on how to present a setting's eval.
type EvalInfo = model.EvalInfo

// Where a job type comes from.
const (
	SourceBuiltin    = "built-in"
	SourceCustom     = "custom"     // a script in the scripts folder
	SourceCustomised = "customised" // a script in the scripts folder overriding a built-in
)

// JobType is one kind of job.
type JobType struct {
	Name        string    `json:"name"`
	Label       string    `json:"label"`
	Description string    `json:"description,omitempty"`
	Settings    []Setting `json:"settings"`
	// Etag changes whenever the declaration (label, description, settings) does;
	// a submission built against an older declaration is refused (CheckEtag).
	Etag   string `json:"etag"`
	Source string `json:"source"`
	// File is the script's path for custom types, empty for built-ins.
	File   string `json:"file,omitempty"`
	script *script
	// native, when set, compiles instead of the script: a built-in's Go twin.
	native func(job *model.Job) ([]TaskSpec, error)
}

// TaskSpec is a task as a job type authors it; the manager gives it an id and a
// status when it stores the job.
type TaskSpec struct {
	Name     string
	Type     string
	Priority int
	Commands []model.Command
	// DependsOn holds indexes into the job's tasks, earlier or later; the
	// registry has checked there is no cycle.
	DependsOn []int
}

// Problem is a script in the scripts folder that cannot be used.
type Problem struct {
	Name  string `json:"name"` // the job type the file would define
	File  string `json:"file"`
	Error string `json:"error"`
}

var (
	// ErrInvalid marks a submission the job type refuses; the API answers 400.
	// The manager uses the same kind for every request that is wrong in
	// itself (a worker, a variable, a file), so its text names no one thing.
	ErrInvalid = errors.New("invalid")
	// ErrStaleEtag marks a submission made against an older declaration of its
	// job type; the API answers 412 and the submitter should refresh.
	ErrStaleEtag = errors.New("job type changed since it was fetched")
	// ErrUnknown marks a job type name the registry does not have.
	ErrUnknown = errors.New("unknown job type")
)

// TaskTypeMaxLen bounds a task type's name; see CheckTaskType.
const TaskTypeMaxLen = 64

// CheckTaskType returns an error unless name is a well-formed task type: 1 to
// TaskTypeMaxLen characters of a-z, 0-9, "-", "_" and ".". Any such name is
// accepted, not only the types Farmhand's workers offer out of the box
// (blender, ffmpeg, file-management, misc): Flamenco scripts may use a
// studio's own type such as "blender-gpu", run by workers started to offer
// it. The narrow alphabet keeps names safe in flags, logs and URLs, and makes
// "Blender" (a typo for "blender") an error rather than a task no worker
// takes.
func CheckTaskType(name string) error {
	if name == "" || len(name) > TaskTypeMaxLen {
		return fmt.Errorf("task type %q must have 1 to %d characters", name, TaskTypeMaxLen)
	}
	for _, r := range name {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' && r != '_' && r != '.' {
			return fmt.Errorf("task type %q has %q; use only a-z, 0-9, '-', '_' and '.'", name, r)
		}
	}
	return nil
}

// Defaults for the options.
const (
	DefaultTimeout  = 5 * time.Second
	DefaultMaxTasks = 100_000
)

// Option configures a Registry.
type Option func(*Registry)

// WithTimeout bounds how long a script may run, loading a job type or
// compiling one job, besides 300 µs for each task it authors, up to the
// maximum tasks of a job (a 100,000-task job gets 30 s more); over it, the
// script is stopped with an error wrapping ErrOverBudget. The default is
// DefaultTimeout.
func WithTimeout(d time.Duration) Option { return func(r *Registry) { r.timeout = d } }

// WithMaxTasks bounds the number of tasks one job may have.
func WithMaxTasks(n int) Option { return func(r *Registry) { r.maxTasks = n } }

// WithLogger receives what scripts print() and alert().
func WithLogger(l *slog.Logger) Option { return func(r *Registry) { r.log = l } }

// Registry holds the job types a manager offers. It is safe for concurrent use.
type Registry struct {
	dir       string
	timeout   time.Duration
	memBudget uint64 // bytes; see WithMemoryBudget
	maxTasks  int
	log       *slog.Logger
	builtins  map[string]*JobType

	mu     sync.Mutex
	folder folderState // the scripts folder as last read; see folder.go
}

// Open returns the built-in job types plus every *.js script in scriptsDir
// (which may be empty or missing). The folder is re-read whenever its files
// change; scripts that cannot be used are reported by Problems.
func Open(scriptsDir string, opts ...Option) *Registry {
	r := &Registry{dir: scriptsDir, timeout: DefaultTimeout, memBudget: DefaultMemoryBudget,
		maxTasks: DefaultMaxTasks, log: slog.Default()}
	for _, o := range opts {
		o(r)
	}
	r.builtins = r.loadBuiltins()
	return r
}

// Builtin returns a registry of only the job types that ship with Farmhand.
func Builtin(opts ...Option) *Registry { return Open("", opts...) }

// List returns the usable job types sorted by name.
func (r *Registry) List() []*JobType {
	types, _ := r.current()
	out := make([]*JobType, 0, len(types))
	for _, jt := range types {
		out = append(out, jt)
	}
	slices.SortFunc(out, func(a, b *JobType) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Problems returns the scripts in the scripts folder that could not be loaded,
// with the reason, sorted by file name.
func (r *Registry) Problems() []Problem {
	_, problems := r.current()
	return slices.Clone(problems)
}

// Get returns the named job type.
func (r *Registry) Get(name string) (*JobType, error) {
	types, problems := r.current()
	if jt, ok := types[name]; ok {
		return jt, nil
	}
	for _, p := range problems {
		if p.Name == name {
			return nil, fmt.Errorf("%w %q: its script %s is broken: %s", ErrUnknown, name, p.File, p.Error)
		}
	}
	names := make([]string, 0, len(types))
	for n := range types {
		names = append(names, n)
	}
	slices.Sort(names)
	return nil, fmt.Errorf("%w %q; this farm has: %s", ErrUnknown, name, strings.Join(names, ", "))
}

// CheckEtag returns an error wrapping ErrStaleEtag when etag is not empty and
// is not the named job type's current etag.
func (r *Registry) CheckEtag(name, etag string) error {
	if etag == "" {
		return nil
	}
	jt, err := r.Get(name)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if jt.Etag != etag {
		return fmt.Errorf("%w: %s is now etag %q, the submission was made against %q; refresh the job types",
			ErrStaleEtag, name, jt.Etag, etag)
	}
	return nil
}

// Compile checks job.Settings against job.Type's declaration, applying defaults
// in place, runs the script's compileJob and returns the job's tasks. What the
// script changes in the job (settings, metadata, name, priority) is written
// back to job, as in Flamenco. Every refusal wraps ErrInvalid.
func (r *Registry) Compile(job *model.Job) ([]TaskSpec, error) {
	jt, err := r.Get(job.Type)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if job.Settings == nil {
		job.Settings = map[string]any{}
	}
	if job.Metadata == nil {
		job.Metadata = map[string]string{}
	}
	if err := jt.check(job.Settings); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalid, job.Type, err)
	}
	// The manager enforces this one, for every job type that has it: refuse
	// now what it could not read later.
	if _, err := job.MaxTaskDuration(); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalid, job.Type, err)
	}
	compile := jt.native
	if compile == nil {
		compile = func(job *model.Job) ([]TaskSpec, error) { return r.compile(jt, job) }
	}
	tasks, err := compile(job)
	if err == nil && len(tasks) > r.maxTasks {
		err = fmt.Errorf("the job has %d tasks; a job may have at most %d", len(tasks), r.maxTasks)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: compiling %s job: %w", ErrInvalid, job.Type, err)
	}
	return tasks, nil
}
