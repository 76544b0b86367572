package model

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"farmhand/farm/availability"
)

// The platforms a path variable has values for, named as Go's GOOS and
// Flamenco's variables name them. PlatformAll is the value for every platform
// that has none of its own.
const (
	PlatformLinux   = "linux"
	PlatformWindows = "windows"
	PlatformDarwin  = "darwin"
	PlatformAll     = "all"
)

// Platforms lists the platforms a variable may have values for, in the order
// windows show them.
var Platforms = []string{PlatformLinux, PlatformWindows, PlatformDarwin, PlatformAll}

// SettingsVersion is the layout of the settings record. The store writes it
// into the record, so that a later Farmhand can tell an older record and
// upgrade it.
const SettingsVersion = 1

// Settings are the farm's settings, one record kept in the database and edited
// by admins (API, command line, Settings view). Command-line flags give a new
// farm's first settings and may override stored ones for one run.
type Settings struct {
	// Version is the record's layout, SettingsVersion when written.
	Version int `json:"version"`
	// FarmName is the farm's name, as workers and windows list it.
	FarmName string `json:"farm_name"`
	// WorkerTimeout: a worker silent this long is lost and its task requeued.
	WorkerTimeout Duration `json:"worker_timeout"`
	// TaskTimeout: a running task its worker does not report on (heartbeat
	// naming it, log, progress) this long counts as failed by that worker.
	TaskTimeout Duration `json:"task_timeout"`
	// MaxTaskFailures is how many distinct workers may fail a task before it
	// fails for good.
	MaxTaskFailures int `json:"max_task_failures"`
	// BlocklistThreshold is how many tasks of one type of one job a worker may
	// fail before it gets no more of them.
	BlocklistThreshold int `json:"blocklist_threshold"`
	// FailThreshold is the share (0–1] of failed tasks above which a job fails.
	FailThreshold float64 `json:"fail_threshold"`
	// ForgetWorkersAfter is how long an offline or lost worker is kept; 0
	// keeps it.
	ForgetWorkersAfter Duration `json:"forget_workers_after"`
	// ScriptsDir is the absolute folder of custom job-type scripts on the
	// manager's computer; "" is the data directory's scripts folder.
	ScriptsDir string `json:"scripts_dir,omitempty"`
	// MaxFileSize is the most bytes one uploaded file may have (an input of
	// an upload job, or one output file); 0 is DefaultMaxFileSize.
	MaxFileSize int64 `json:"max_file_size,omitempty"`
	// MaxJobSize is the most bytes the input files of one upload job may
	// have together, and its output files together; 0 is DefaultMaxJobSize.
	MaxJobSize int64 `json:"max_job_size,omitempty"`
	// UploadTimeout: an upload job in waiting-for-files that no chunk of its
	// files reached this long is canceled (its client is gone); 0 is
	// DefaultUploadTimeout.
	UploadTimeout Duration `json:"upload_timeout,omitempty"`
	// DeleteJobsAfter: an ended job (completed, canceled, failed, archived, or
	// whose construction failed) unchanged this long is deleted, as an
	// admin's delete does it: its tasks, task logs and last-rendered images
	// go, its rendered frames stay where they were written. 0 (the default)
	// keeps every job.
	DeleteJobsAfter Duration `json:"delete_jobs_after,omitempty"`
	// Variables are the path variables, storage locations among them, sorted
	// by name; never nil once validated.
	Variables []Variable `json:"variables"`
	// Availability holds each worker's availability rules, by worker id; a
	// worker without an entry is always available.
	Availability map[string]availability.Rules `json:"availability,omitempty"`
}

// Variable is a path variable in Flamenco's sense: jobs and job types write
// {name}, and each platform reads its own value. A storage location is a
// variable too, one naming a root where projects or renders live ("projects",
// "renders").
type Variable struct {
	// Name is what {name} refers to: a letter, then letters, digits, _ or -,
	// at most 64 in all.
	Name string `json:"name"`
	// Storage marks a storage location.
	Storage bool `json:"storage,omitempty"`
	// Values maps a platform (Platforms) to the variable's value there.
	Values map[string]string `json:"values"`
}

// Value returns the variable's value on platform: its own, else the "all"
// value; false when it has neither.
func (v Variable) Value(platform string) (string, bool) {
	if s, ok := v.Values[platform]; ok {
		return s, true
	}
	s, ok := v.Values[PlatformAll]
	return s, ok
}

// Defaults of the settings, as Flamenco's manager has them where it has them.
const (
	DefaultWorkerTimeout      = time.Minute
	DefaultTaskTimeout        = 10 * time.Minute
	DefaultMaxTaskFailures    = 3
	DefaultBlocklistThreshold = 3
	DefaultForgetWorkersAfter = 30 * 24 * time.Hour
)

// DefaultFarmName is "<this computer's name>'s farm".
func DefaultFarmName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "Farmhand"
	}
	return host + "'s farm"
}

// DefaultSettings are a farm's settings when nothing chose others.
func DefaultSettings() Settings {
	return Settings{
		Version: SettingsVersion, FarmName: DefaultFarmName(),
		WorkerTimeout: Duration(DefaultWorkerTimeout), TaskTimeout: Duration(DefaultTaskTimeout),
		MaxTaskFailures: DefaultMaxTaskFailures, BlocklistThreshold: DefaultBlocklistThreshold,
		FailThreshold: DefaultFailThreshold, ForgetWorkersAfter: Duration(DefaultForgetWorkersAfter),
		Variables: []Variable{},
	}
}

// Clone returns a copy that shares nothing with s.
func (s Settings) Clone() Settings {
	c := s
	c.Variables = make([]Variable, len(s.Variables))
	for i, v := range s.Variables {
		v.Values = cloneValues(v.Values)
		c.Variables[i] = v
	}
	if s.Availability != nil {
		c.Availability = make(map[string]availability.Rules, len(s.Availability))
		for id, r := range s.Availability {
			c.Availability[id] = r.Clone()
		}
	}
	return c
}

func cloneValues(m map[string]string) map[string]string {
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// Variable returns the variable (or storage location) named name.
func (s Settings) Variable(name string) (Variable, bool) {
	i := slices.IndexFunc(s.Variables, func(v Variable) bool { return v.Name == name })
	if i < 0 {
		return Variable{}, false
	}
	return s.Variables[i], true
}

// StorageLocations returns the variables that are storage locations, by name.
func (s Settings) StorageLocations() []Variable {
	var out []Variable
	for _, v := range s.Variables {
		if v.Storage {
			out = append(out, v)
		}
	}
	return out
}

// PutVariable adds v, or replaces the variable of the same name, keeping the
// list sorted by name.
func (s *Settings) PutVariable(v Variable) {
	s.RemoveVariable(v.Name)
	i, _ := slices.BinarySearchFunc(s.Variables, v.Name, func(a Variable, name string) int { return strings.Compare(a.Name, name) })
	s.Variables = slices.Insert(s.Variables, i, v)
}

// RemoveVariable removes the variable named name; false when there is none.
func (s *Settings) RemoveVariable(name string) bool {
	n := len(s.Variables)
	s.Variables = slices.DeleteFunc(s.Variables, func(v Variable) bool { return v.Name == name })
	return len(s.Variables) < n
}

// ReservedVariableNames are names no farm variable may take: upload jobs'
// {job_files} and {job_output}, which each worker expands to its own folders
// (issue 13; files.VarJobFiles and files.VarJobOutput).
var ReservedVariableNames = []string{"job_files", "job_output"}

// Default size limits of uploaded files, in bytes (Settings.MaxFileSize and
// Settings.MaxJobSize).
const (
	DefaultMaxFileSize int64 = 50 << 30
	DefaultMaxJobSize  int64 = 200 << 30
)

// DefaultUploadTimeout is how long an upload job waits for a chunk of its
// files before the manager cancels it (Settings.UploadTimeout).
const DefaultUploadTimeout = 24 * time.Hour

// UploadWait returns how long an upload job may wait for the next chunk of
// its files; a setting of 0 (a farm from before the setting) is the default.
func (s Settings) UploadWait() time.Duration {
	if s.UploadTimeout == 0 {
		return DefaultUploadTimeout
	}
	return s.UploadTimeout.D()
}

// FileLimits returns the most bytes one uploaded file and one job's files
// (its inputs, and its outputs, each counted alone) may take; a setting of 0
// (a farm from before the limits) is the default.
func (s Settings) FileLimits() (perFile, perJob int64) {
	perFile, perJob = s.MaxFileSize, s.MaxJobSize
	if perFile == 0 {
		perFile = DefaultMaxFileSize
	}
	if perJob == 0 {
		perJob = DefaultMaxJobSize
	}
	return perFile, perJob
}

// TaskTimeoutFloor is the least task timeout an admin may set (the command
// line, the Settings window, the API: SettingsPatch.CheckChange): a worker
// reports on its running task every second (farm/worker's Config.Heartbeat
// default), and a busy manager or network may hold reports back for
// seconds, so a timeout must span many heartbeats not to fail healthy tasks.
// Validate takes down to minTimeout, for tests and for a manager's
// --task-timeout flag given on purpose.
const TaskTimeoutFloor = 30 * time.Second

// Bounds of the settings, checked by Validate.
const (
	minTimeout = time.Second
	maxTimeout = 365 * 24 * time.Hour
	minForget  = time.Minute
	// minDeleteJobs: a job is worth looking at for a while after it ends;
	// the manager looks for old jobs every hour.
	minDeleteJobs  = time.Hour
	maxForget      = 10 * 365 * 24 * time.Hour
	maxFailures    = 1000
	maxNameLen     = 64
	maxValueLen    = 1024
	maxVariables   = 256
	maxScriptsPath = 4096
	minFileLimit   = 1 << 20 // a limit below 1 MiB refuses any real scene
	// maxFileLimit, 1 PiB, is beyond any disk, and the most files.ParseSize
	// reads: a limit shown is one that can be typed back.
	maxFileLimit = 1 << 50
	// minUploadWait: the manager looks for expired uploads every minute, and
	// a client between two 8 MiB chunks on a slow line is silent for a while.
	minUploadWait = time.Minute
)

var variableName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,63}$`)

// Validate checks every setting and returns the first problem as
// "<json field>: <rule>" (variables as "variables[NAME]: <rule>"), so that
// the API's 400 names the field. Variables must have unique names.
func (s Settings) Validate() error {
	switch {
	case strings.TrimSpace(s.FarmName) == "" || len([]rune(s.FarmName)) > maxNameLen || !printable(s.FarmName):
		return fmt.Errorf("farm_name: must be 1 to %d printable characters, not %q", maxNameLen, s.FarmName)
	case !within(s.WorkerTimeout, minTimeout, maxTimeout):
		return fmt.Errorf("worker_timeout: must be between %s and %s, not %s", minTimeout, maxTimeout, s.WorkerTimeout)
	case !within(s.TaskTimeout, minTimeout, maxTimeout):
		return fmt.Errorf("task_timeout: must be between %s and %s, not %s", minTimeout, maxTimeout, s.TaskTimeout)
	case s.MaxTaskFailures < 1 || s.MaxTaskFailures > maxFailures:
		return fmt.Errorf("max_task_failures: must be a whole number from 1 to %d, not %d", maxFailures, s.MaxTaskFailures)
	case s.BlocklistThreshold < 1 || s.BlocklistThreshold > maxFailures:
		return fmt.Errorf("blocklist_threshold: must be a whole number from 1 to %d, not %d", maxFailures, s.BlocklistThreshold)
	case !(s.FailThreshold > 0 && s.FailThreshold <= 1):
		return fmt.Errorf("fail_threshold: must be above 0 and at most 1 (a share of the job's tasks), not %v", s.FailThreshold)
	case s.ForgetWorkersAfter != 0 && !within(s.ForgetWorkersAfter, minForget, maxForget):
		return fmt.Errorf("forget_workers_after: must be 0 (keep workers) or between %s and %s, not %s", minForget, maxForget, s.ForgetWorkersAfter)
	case s.ScriptsDir != "" && (!filepath.IsAbs(s.ScriptsDir) || len(s.ScriptsDir) > maxScriptsPath || !printable(s.ScriptsDir)):
		return fmt.Errorf("scripts_dir: must be an absolute folder on the manager's computer, or empty for the data folder's scripts, not %q", s.ScriptsDir)
	case s.MaxFileSize < 0 || (s.MaxFileSize > 0 && s.MaxFileSize < minFileLimit) || s.MaxFileSize > maxFileLimit:
		return fmt.Errorf("max_file_size: must be 0 (the default, %d bytes) or from %d bytes (1 MiB) to %d (1 PiB), not %d",
			DefaultMaxFileSize, minFileLimit, maxFileLimit, s.MaxFileSize)
	case s.MaxJobSize < 0 || (s.MaxJobSize > 0 && s.MaxJobSize < minFileLimit) || s.MaxJobSize > maxFileLimit:
		return fmt.Errorf("max_job_size: must be 0 (the default, %d bytes) or from %d bytes (1 MiB) to %d (1 PiB), not %d",
			DefaultMaxJobSize, minFileLimit, maxFileLimit, s.MaxJobSize)
	case s.UploadTimeout != 0 && !within(s.UploadTimeout, minUploadWait, maxTimeout):
		return fmt.Errorf("upload_timeout: must be 0 (the default, %s) or between %s and %s, not %s", DefaultUploadTimeout, minUploadWait, maxTimeout, s.UploadTimeout)
	case s.DeleteJobsAfter != 0 && !within(s.DeleteJobsAfter, minDeleteJobs, maxForget):
		return fmt.Errorf("delete_jobs_after: must be 0 (keep jobs) or between %s and %s, not %s", minDeleteJobs, maxForget, s.DeleteJobsAfter)
	case len(s.Variables) > maxVariables:
		return fmt.Errorf("variables: at most %d, not %d", maxVariables, len(s.Variables))
	}
	seen := map[string]bool{}
	for _, v := range s.Variables {
		if err := v.Validate(); err != nil {
			return err
		}
		if seen[v.Name] {
			return fmt.Errorf("variables[%s]: the name is used twice", v.Name)
		}
		seen[v.Name] = true
	}
	for id, r := range s.Availability {
		if err := r.Validate(); err != nil {
			return fmt.Errorf("availability[%s]: %w", id, err)
		}
	}
	return nil
}

// Validate checks a variable's name and values; the error names the variable
// and the rule.
func (v Variable) Validate() error {
	if !variableName.MatchString(v.Name) {
		return fmt.Errorf("variables[%s]: a name is a letter, then letters, digits, _ or -, at most %d in all", v.Name, maxNameLen)
	}
	if slices.ContainsFunc(ReservedVariableNames, func(r string) bool { return strings.EqualFold(r, v.Name) }) {
		return fmt.Errorf("variables[%s]: the name is reserved: workers of upload jobs put their own folders there", v.Name)
	}
	if len(v.Values) == 0 {
		return fmt.Errorf("variables[%s]: needs a value for at least one platform (%s)", v.Name, strings.Join(Platforms, ", "))
	}
	for p, val := range v.Values {
		if !slices.Contains(Platforms, p) {
			return fmt.Errorf("variables[%s]: %q is not a platform: use %s", v.Name, p, strings.Join(Platforms, ", "))
		}
		if strings.TrimSpace(val) == "" || len(val) > maxValueLen || !printable(val) {
			return fmt.Errorf("variables[%s]: the %s value must be 1 to %d printable characters, not %q", v.Name, p, maxValueLen, val)
		}
	}
	return nil
}

func within(d Duration, lo, hi time.Duration) bool {
	return time.Duration(d) >= lo && time.Duration(d) <= hi
}

func printable(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) && r != ' ' })
}

// Duration is a time.Duration written in JSON as Go's duration text ("15m0s"),
// the way people type it, and read from such text ("90s", "2h30m").
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON writes d as text, e.g. "15m0s".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads text such as "15m" or "2h30m"; a number or malformed
// text is an error saying the form.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration is text such as \"15m\" or \"2h30m\", not %s", b)
	}
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// ShortDuration writes d as people do, without Go's trailing zero units:
// "24h" (not "24h0m0s"), "1h30m", "90m" as "1h30m", "45s".
func ShortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// ParseDuration reads a duration as people type it: "90s", "15m", "2h30m".
// The error says the form.
func ParseDuration(s string) (Duration, error) {
	v, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration: use forms like 90s, 15m or 2h30m", s)
	}
	return Duration(v), nil
}
