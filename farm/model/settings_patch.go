package model

import "fmt"

// SettingsPatch changes some settings: each field that is not nil replaces
// the setting of the same name; Variables, when set, replaces the whole list.
// The manager applies one to the stored settings for an admin's change, and
// holds one as the command-line flags that override settings for one run.
type SettingsPatch struct {
	FarmName           *string
	WorkerTimeout      *Duration
	TaskTimeout        *Duration
	MaxTaskFailures    *int
	BlocklistThreshold *int
	FailThreshold      *float64
	ForgetWorkersAfter *Duration
	ScriptsDir         *string
	MaxFileSize        *int64
	MaxJobSize         *int64
	UploadTimeout      *Duration
	DeleteJobsAfter    *Duration
	Variables          *[]Variable
}

// CheckChange applies the rules an admin's change must meet besides
// Validate's: a task timeout of at least TaskTimeoutFloor (one below
// Validate's own range is left to Validate, whose message says the range).
// The error names the field as the API does (task_timeout: …).
func (p SettingsPatch) CheckChange() error {
	if d := p.TaskTimeout; d != nil && d.D() >= minTimeout && d.D() < TaskTimeoutFloor {
		return fmt.Errorf("task_timeout: %q is too short: at least %s (a worker reports on its running task every second, "+
			"and reports can be held up)", d.D().String(), TaskTimeoutFloor)
	}
	return nil
}

// Apply changes s by p's fields. Variables are copied, not shared.
func (p SettingsPatch) Apply(s *Settings) {
	set(&s.FarmName, p.FarmName)
	set(&s.WorkerTimeout, p.WorkerTimeout)
	set(&s.TaskTimeout, p.TaskTimeout)
	set(&s.MaxTaskFailures, p.MaxTaskFailures)
	set(&s.BlocklistThreshold, p.BlocklistThreshold)
	set(&s.FailThreshold, p.FailThreshold)
	set(&s.ForgetWorkersAfter, p.ForgetWorkersAfter)
	set(&s.ScriptsDir, p.ScriptsDir)
	set(&s.MaxFileSize, p.MaxFileSize)
	set(&s.MaxJobSize, p.MaxJobSize)
	set(&s.UploadTimeout, p.UploadTimeout)
	set(&s.DeleteJobsAfter, p.DeleteJobsAfter)
	if p.Variables != nil {
		s.Variables = Settings{Variables: *p.Variables}.Clone().Variables
	}
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// Fields returns the JSON names (as in Settings) of the settings p changes.
func (p SettingsPatch) Fields() []string {
	var out []string
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"farm_name", p.FarmName != nil}, {"worker_timeout", p.WorkerTimeout != nil}, {"task_timeout", p.TaskTimeout != nil},
		{"max_task_failures", p.MaxTaskFailures != nil}, {"blocklist_threshold", p.BlocklistThreshold != nil},
		{"fail_threshold", p.FailThreshold != nil}, {"forget_workers_after", p.ForgetWorkersAfter != nil},
		{"scripts_dir", p.ScriptsDir != nil}, {"max_file_size", p.MaxFileSize != nil}, {"max_job_size", p.MaxJobSize != nil},
		{"upload_timeout", p.UploadTimeout != nil}, {"delete_jobs_after", p.DeleteJobsAfter != nil},
		{"variables", p.Variables != nil},
	} {
		if f.set {
			out = append(out, f.name)
		}
	}
	return out
}

// Without returns p without the fields that other changes: a setting an admin
// changes is no longer overridden by a command-line flag.
func (p SettingsPatch) Without(other SettingsPatch) SettingsPatch {
	drop := func(changed bool, f func()) {
		if changed {
			f()
		}
	}
	drop(other.FarmName != nil, func() { p.FarmName = nil })
	drop(other.WorkerTimeout != nil, func() { p.WorkerTimeout = nil })
	drop(other.TaskTimeout != nil, func() { p.TaskTimeout = nil })
	drop(other.MaxTaskFailures != nil, func() { p.MaxTaskFailures = nil })
	drop(other.BlocklistThreshold != nil, func() { p.BlocklistThreshold = nil })
	drop(other.FailThreshold != nil, func() { p.FailThreshold = nil })
	drop(other.ForgetWorkersAfter != nil, func() { p.ForgetWorkersAfter = nil })
	drop(other.ScriptsDir != nil, func() { p.ScriptsDir = nil })
	drop(other.MaxFileSize != nil, func() { p.MaxFileSize = nil })
	drop(other.MaxJobSize != nil, func() { p.MaxJobSize = nil })
	drop(other.UploadTimeout != nil, func() { p.UploadTimeout = nil })
	drop(other.DeleteJobsAfter != nil, func() { p.DeleteJobsAfter = nil })
	drop(other.Variables != nil, func() { p.Variables = nil })
	return p
}
