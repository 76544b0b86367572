// Package jobtype turns a submitted job's type and settings into tasks.
//
// A job type declares its settings (key, type, default, required, choices) and a
// compile step. The registry validates a submission against the declaration
// before compiling (applying defaults, checking types and choices), so a job type
// never sees settings it did not ask for.
package jobtype

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"

	"farmhand/farm/model"
)

// Setting types, named as in Flamenco's job-type scripts.
const (
	TypeString = "string"
	TypeInt32  = "int32"
	TypeFloat  = "float"
	TypeBool   = "bool"
)

// Setting describes one setting of a job type.
type Setting struct {
	Key         string   `json:"key"`
	Type        string   `json:"type"`
	Label       string   `json:"label,omitempty"`
	Description string   `json:"description,omitempty"`
	Default     any      `json:"default,omitempty"`
	Required    bool     `json:"required,omitempty"`
	Choices     []string `json:"choices,omitempty"`
}

// TaskSpec is a task as a job type authors it; the manager gives it an id and a
// status when it stores the job.
type TaskSpec struct {
	Name      string
	Type      string
	Priority  int
	Commands  []model.Command
	DependsOn []int
}

// JobType is one kind of job.
type JobType struct {
	Name        string    `json:"name"`
	Label       string    `json:"label"`
	Description string    `json:"description,omitempty"`
	Settings    []Setting `json:"settings"`
	compile     func(job *model.Job) ([]TaskSpec, error)
}

// ErrInvalid marks a submission the job type refuses; the API answers 400.
var ErrInvalid = errors.New("invalid job")

// Registry holds the job types a manager offers.
type Registry struct {
	types map[string]*JobType
}

// Builtin returns the registry of job types that ship with Farmhand.
func Builtin() *Registry {
	r := &Registry{types: map[string]*JobType{}}
	for _, jt := range []*JobType{echoSleepTest()} {
		r.types[jt.Name] = jt
	}
	return r
}

// List returns the job types sorted by name.
func (r *Registry) List() []*JobType {
	out := make([]*JobType, 0, len(r.types))
	for _, jt := range r.types {
		out = append(out, jt)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Compile checks job.Settings against job.Type's declaration, applying defaults
// in place, and returns the job's tasks. Every refusal wraps ErrInvalid.
func (r *Registry) Compile(job *model.Job) ([]TaskSpec, error) {
	jt, ok := r.types[job.Type]
	if !ok {
		names := make([]string, 0, len(r.types))
		for n := range r.types {
			names = append(names, n)
		}
		slices.Sort(names)
		return nil, fmt.Errorf("%w: unknown job type %q; this farm has: %v", ErrInvalid, job.Type, names)
	}
	if job.Settings == nil {
		job.Settings = map[string]any{}
	}
	if err := jt.check(job.Settings); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalid, job.Type, err)
	}
	tasks, err := jt.compile(job)
	if err != nil {
		return nil, fmt.Errorf("%w: compiling %s job: %w", ErrInvalid, job.Type, err)
	}
	if len(tasks) == 0 {
		return nil, fmt.Errorf("%w: %s job has no tasks", ErrInvalid, job.Type)
	}
	for i, t := range tasks {
		for _, d := range t.DependsOn {
			if d < 0 || d >= i {
				return nil, fmt.Errorf("%w: task %q depends on task %d, which is not an earlier task", ErrInvalid, t.Name, d)
			}
		}
	}
	return tasks, nil
}

// check validates settings against the declaration and fills in defaults. JSON
// numbers arrive as float64; int32 settings are normalised to int.
func (jt *JobType) check(settings map[string]any) error {
	for _, s := range jt.Settings {
		v, present := settings[s.Key]
		if !present || v == nil {
			if s.Default != nil {
				settings[s.Key] = s.Default
				continue
			}
			if s.Required {
				return fmt.Errorf("setting %q is required", s.Key)
			}
			continue
		}
		norm, err := coerce(s, v)
		if err != nil {
			return err
		}
		settings[s.Key] = norm
	}
	return nil
}

func coerce(s Setting, v any) (any, error) {
	wrong := func() error { return fmt.Errorf("setting %q must be a %s, not %T (%v)", s.Key, s.Type, v, v) }
	switch s.Type {
	case TypeString:
		str, ok := v.(string)
		if !ok {
			return nil, wrong()
		}
		if len(s.Choices) > 0 && !slices.Contains(s.Choices, str) {
			return nil, fmt.Errorf("setting %q is %q; choose one of %v", s.Key, str, s.Choices)
		}
		return str, nil
	case TypeInt32:
		var f float64
		switch n := v.(type) {
		case float64:
			f = n
		case int:
			f = float64(n)
		default:
			return nil, wrong()
		}
		if f != math.Trunc(f) || f < math.MinInt32 || f > math.MaxInt32 {
			return nil, fmt.Errorf("setting %q must be a whole number within 32 bits, not %v", s.Key, v)
		}
		return int(f), nil
	case TypeFloat:
		switch n := v.(type) {
		case float64:
			return n, nil
		case int:
			return float64(n), nil
		}
		return nil, wrong()
	case TypeBool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
		return nil, wrong()
	}
	return nil, fmt.Errorf("setting %q has unknown type %q", s.Key, s.Type)
}
