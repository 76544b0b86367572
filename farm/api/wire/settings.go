package wire

import (
	"errors"
	"fmt"

	"farmhand/farm/model"
)

// NewFarmConfig is the settings s as FarmConfig shows them; the manager's
// own fields (fingerprint, folders, overrides) are the caller's to fill.
// ScriptsDir is s's ("" for the data folder's scripts).
func NewFarmConfig(s model.Settings) FarmConfig {
	vars := s.Clone().Variables
	if vars == nil {
		vars = []model.Variable{}
	}
	perFile, perJob := s.FileLimits()
	return FarmConfig{
		FarmName: s.FarmName, ScriptsDir: s.ScriptsDir, MaxFileSize: perFile, MaxJobSize: perJob,
		WorkerTimeout: s.WorkerTimeout.String(), TaskTimeout: s.TaskTimeout.String(),
		BlocklistThreshold: s.BlocklistThreshold, MaxTaskFailures: s.MaxTaskFailures, FailThreshold: s.FailThreshold,
		ForgetWorkersAfter: s.ForgetWorkersAfter.String(), UploadTimeout: model.Duration(s.UploadWait()).String(),
		DeleteJobsAfter: s.DeleteJobsAfter.String(), Variables: vars,
	}
}

// ConfigUpdate is the body of updateConfig: the settings to change, each
// field left out (null) kept. Durations are text such as "15m" or "2h30m";
// ScriptsDir "" is the data folder's scripts; Variables replaces every
// variable (putVariable and deleteVariable change one).
type ConfigUpdate struct {
	FarmName           *string           `json:"farm_name,omitempty"`
	WorkerTimeout      *string           `json:"worker_timeout,omitempty"`
	TaskTimeout        *string           `json:"task_timeout,omitempty"`
	MaxTaskFailures    *int              `json:"max_task_failures,omitempty"`
	BlocklistThreshold *int              `json:"blocklist_threshold,omitempty"`
	FailThreshold      *float64          `json:"fail_threshold,omitempty"`
	ForgetWorkersAfter *string           `json:"forget_workers_after,omitempty"`
	ScriptsDir         *string           `json:"scripts_dir,omitempty"`
	MaxFileSize        *int64            `json:"max_file_size,omitempty"`     // bytes; 0 for the default
	MaxJobSize         *int64            `json:"max_job_size,omitempty"`      // bytes; 0 for the default
	UploadTimeout      *string           `json:"upload_timeout,omitempty"`    // duration text; "0" for the default
	DeleteJobsAfter    *string           `json:"delete_jobs_after,omitempty"` // duration text; "0" keeps jobs
	Variables          *[]model.Variable `json:"variables,omitempty"`
}

// Patch returns the change u asks for. The error names the field and the
// form, e.g. `task_timeout: "soon" is not a duration: use forms like 90s,
// 15m or 2h30m`; an update that changes nothing is an error too. The values
// themselves are checked by the manager (model.Settings.Validate).
func (u ConfigUpdate) Patch() (model.SettingsPatch, error) {
	p := model.SettingsPatch{FarmName: u.FarmName, MaxTaskFailures: u.MaxTaskFailures,
		BlocklistThreshold: u.BlocklistThreshold, FailThreshold: u.FailThreshold, ScriptsDir: u.ScriptsDir, Variables: u.Variables,
		MaxFileSize: u.MaxFileSize, MaxJobSize: u.MaxJobSize}
	for _, d := range []struct {
		name string
		text *string
		dst  **model.Duration
	}{
		{"worker_timeout", u.WorkerTimeout, &p.WorkerTimeout}, {"task_timeout", u.TaskTimeout, &p.TaskTimeout},
		{"forget_workers_after", u.ForgetWorkersAfter, &p.ForgetWorkersAfter},
		{"upload_timeout", u.UploadTimeout, &p.UploadTimeout}, {"delete_jobs_after", u.DeleteJobsAfter, &p.DeleteJobsAfter},
	} {
		if d.text == nil {
			continue
		}
		v, err := model.ParseDuration(*d.text)
		if err != nil {
			return p, fmt.Errorf("%s: %w", d.name, err)
		}
		*d.dst = &v
	}
	if len(p.Fields()) == 0 {
		return p, errors.New("no setting given: name at least one to change")
	}
	return p, nil
}

// VariableList is the answer of listVariables.
type VariableList struct {
	Variables []model.Variable `json:"variables"`
}

// VariableChange is the body of putVariable: the variable's values by
// platform (linux, windows, darwin, all), replacing all it had, and whether
// it is a storage location.
type VariableChange struct {
	Storage bool              `json:"storage,omitempty"`
	Values  map[string]string `json:"values"`
}
