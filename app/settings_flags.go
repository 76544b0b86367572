package app

import (
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"strings"

	"farmhand/farm/model"
)

// settingNote ends the help of every manager flag that is a farm setting.
const settingNote = " [farm setting: a new farm stores it; on a farm that has settings, " +
	"the flag overrides the stored one for this run only ('farmhand config set' changes it for good)]"

// farmSettings returns the settings the manager's flags give: initial, from
// every flag's value (given or its default), which a new farm stores at its
// first start; and override, from the flags given on the command line only,
// which apply for this run without being stored. A value out of bounds is a
// usage error naming the flag and the rule.
func (mf *managerFlags) farmSettings() (initial model.Settings, override model.SettingsPatch, err error) {
	scripts := *mf.scriptsDir
	if scripts != "" {
		if scripts, err = filepath.Abs(scripts); err != nil {
			return initial, override, fmt.Errorf("%w: --scripts-dir: %w", errUsage, err)
		}
	}
	initial = model.DefaultSettings()
	initial.FarmName = *mf.farmName
	initial.WorkerTimeout, initial.TaskTimeout = model.Duration(*mf.workerTimeout), model.Duration(*mf.taskTimeout)
	initial.BlocklistThreshold, initial.MaxTaskFailures = *mf.blocklist, *mf.taskFailures
	initial.FailThreshold, initial.ForgetWorkersAfter = *mf.failShare, model.Duration(*mf.forgetAfter)
	initial.ScriptsDir = scripts
	if err := initial.Validate(); err != nil {
		return initial, override, fmt.Errorf("%w: %w", errUsage, asFlag(err))
	}
	mf.fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "farm-name":
			override.FarmName = &initial.FarmName
		case "worker-timeout":
			override.WorkerTimeout = &initial.WorkerTimeout
		case "task-timeout":
			override.TaskTimeout = &initial.TaskTimeout
		case "blocklist-threshold":
			override.BlocklistThreshold = &initial.BlocklistThreshold
		case "max-task-failures":
			override.MaxTaskFailures = &initial.MaxTaskFailures
		case "fail-threshold":
			override.FailThreshold = &initial.FailThreshold
		case "forget-workers-after":
			override.ForgetWorkersAfter = &initial.ForgetWorkersAfter
		case "scripts-dir":
			override.ScriptsDir = &initial.ScriptsDir
		}
	})
	return initial, override, nil
}

// asFlag turns a settings error ("task_timeout: must be …") into the flag's
// words ("--task-timeout: must be …"): the flags are the settings' names
// with dashes.
func asFlag(err error) error {
	field, rule, ok := strings.Cut(err.Error(), ": ")
	if !ok {
		return err
	}
	return errors.New("--" + strings.ReplaceAll(field, "_", "-") + ": " + rule)
}
