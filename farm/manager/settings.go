package manager

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"farmhand/farm/jobtype"
	"farmhand/farm/model"
	"farmhand/farm/store"
)

// The farm's settings live in the database (store.Tx.Settings). What applies
// is the stored settings with this run's overrides (Config.Override, the
// command-line flags given) on top. Readers take the settings in effect from
// current(), an immutable snapshot swapped whole on every change, so that
// the hot paths (failing a task, the timeout checks) take no lock; changes
// are serialised by settingsMu.

// invalidSetting is a refused setting: a 400 whose message names the field
// and the rule, e.g. "invalid setting: task_timeout: must be between 1s and …".
type invalidSetting struct{ err error }

func (e invalidSetting) Error() string { return "invalid setting: " + e.err.Error() }
func (e invalidSetting) Unwrap() error { return ErrInvalid }

// loadSettings reads the stored settings, storing the first ones (Config.
// Initial, else the defaults) when the farm has none, and puts this run's
// overrides on top.
func (m *Manager) loadSettings() error {
	var stored *model.Settings
	err := m.store.View(func(tx *store.Tx) error {
		var err error
		stored, err = tx.Settings()
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		first := model.DefaultSettings()
		if m.cfg.Initial != nil {
			first = m.cfg.Initial.Clone()
		}
		if first.Variables == nil {
			first.Variables = []model.Variable{}
		}
		if err := first.Validate(); err != nil {
			return invalidSetting{err}
		}
		err = m.store.Update(func(tx *store.Tx) error { s := first.Clone(); return tx.PutSettings(&s) })
		stored = &first
	}
	if err != nil {
		return fmt.Errorf("reading the farm settings: %w", err)
	}
	m.stored = *stored
	m.override = m.cfg.shorthand()
	m.publishSettings(false)
	return nil
}

// shorthand is Override with the shorthand fields of Config folded in.
func (c Config) shorthand() model.SettingsPatch {
	p := c.Override
	if c.FailThreshold > 0 && p.FailThreshold == nil {
		p.FailThreshold = &c.FailThreshold
	}
	if c.MaxTaskFailures > 0 && p.MaxTaskFailures == nil {
		p.MaxTaskFailures = &c.MaxTaskFailures
	}
	if c.BlocklistThreshold > 0 && p.BlocklistThreshold == nil {
		p.BlocklistThreshold = &c.BlocklistThreshold
	}
	for _, d := range []struct {
		v   model.Duration
		dst **model.Duration
	}{{model.Duration(c.WorkerTimeout), &p.WorkerTimeout}, {model.Duration(c.TaskTimeout), &p.TaskTimeout},
		{model.Duration(c.ForgetAfter), &p.ForgetWorkersAfter}} {
		if d.v > 0 && *d.dst == nil {
			*d.dst = &d.v
		}
	}
	return p
}

// current returns the settings in effect. The snapshot is shared: read it,
// never change it.
func (m *Manager) current() *model.Settings { return m.cur.Load() }

// Settings returns the settings in effect now: the stored ones with this
// run's overrides (Overridden) on top. The copy is the caller's.
func (m *Manager) Settings() model.Settings { return m.current().Clone() }

// Overridden returns the JSON names of the settings that a command-line flag
// overrides for this run only (their stored value applies again at the next
// start without the flag), e.g. ["task_timeout"]; nil when none.
func (m *Manager) Overridden() []string {
	m.settingsMu.Lock()
	defer m.settingsMu.Unlock()
	return m.override.Fields()
}

// ScriptsDir returns the folder of custom job-type scripts in effect: the
// settings' scripts_dir, else the data directory's scripts folder.
func (m *Manager) ScriptsDir() string { return m.scriptsDir(m.current()) }

func (m *Manager) scriptsDir(s *model.Settings) string {
	if s.ScriptsDir != "" {
		return s.ScriptsDir
	}
	return filepath.Join(m.cfg.DataDir, "scripts")
}

// Variables returns the farm's path variables, storage locations among them,
// sorted by name. The copy is the caller's.
func (m *Manager) Variables() []model.Variable { return m.Settings().Variables }

// UpdateSettings changes the settings as the manager itself; see
// UpdateSettingsBy.
func (m *Manager) UpdateSettings(p model.SettingsPatch) (model.Settings, error) {
	return m.UpdateSettingsBy(AsAdmin, p)
}

// UpdateSettingsBy changes the stored settings by p, validates them and
// stores them with by's change in the audit log; a setting it changes is no
// longer overridden by a flag for this run. The change applies at once
// (timeouts, thresholds, the scripts folder, which is created if missing) and
// is published as an EventSettings. It returns the settings now in effect.
// Errors: ErrInvalid naming the field and the rule (nothing is stored then);
// store.ErrClosed once the manager is closing.
func (m *Manager) UpdateSettingsBy(by Actor, p model.SettingsPatch) (model.Settings, error) {
	note := func(old, next model.Settings) auditNote {
		return auditNote{action: "settings.update", detail: settingsDiff(old, next)}
	}
	change := func(s *model.Settings) error {
		if err := p.CheckChange(); err != nil {
			return invalidSetting{err}
		}
		p.Apply(s)
		return nil
	}
	return m.changeSettings(by, note, change, p)
}

// PutVariable adds or replaces a variable as the manager itself; see
// PutVariableBy.
func (m *Manager) PutVariable(v model.Variable) (model.Settings, error) {
	return m.PutVariableBy(AsAdmin, v)
}

// PutVariableBy adds the path variable (or storage location) v, or replaces
// the one of the same name; see UpdateSettingsBy for how it applies and is
// recorded. Errors: ErrInvalid naming the variable and the rule.
func (m *Manager) PutVariableBy(by Actor, v model.Variable) (model.Settings, error) {
	v = model.Settings{Variables: []model.Variable{v}}.Clone().Variables[0]
	note := func(old, _ model.Settings) auditNote {
		n := auditNote{action: "variable.put", targetName: v.Name, detail: variableText(v)}
		for _, was := range old.Variables {
			if was.Name == v.Name {
				n.detail = variableText(was) + " → " + n.detail
			}
		}
		return n
	}
	return m.changeSettings(by, note, func(s *model.Settings) error { s.PutVariable(v); return nil }, model.SettingsPatch{})
}

// DeleteVariable removes a variable as the manager itself; see
// DeleteVariableBy.
func (m *Manager) DeleteVariable(name string) (model.Settings, error) {
	return m.DeleteVariableBy(AsAdmin, name)
}

// DeleteVariableBy removes the path variable (or storage location) named
// name, with by's deletion in the audit log. Errors: ErrNotFound when there
// is none.
func (m *Manager) DeleteVariableBy(by Actor, name string) (model.Settings, error) {
	note := func(old, _ model.Settings) auditNote {
		n := auditNote{action: "variable.delete", targetName: name}
		for _, was := range old.Variables {
			if was.Name == name {
				n.detail = "was " + variableText(was)
			}
		}
		return n
	}
	return m.changeSettings(by, note, func(s *model.Settings) error {
		if !s.RemoveVariable(name) {
			return fmt.Errorf("variable %q: %w", name, ErrNotFound)
		}
		return nil
	}, model.SettingsPatch{})
}

// changeSettings applies change to a copy of the stored settings, validates
// and stores it with by's audit entry (note, given the stored settings before
// and after), drops the overrides of the fields in clears, and publishes the
// settings then in effect.
func (m *Manager) changeSettings(by Actor, note func(old, next model.Settings) auditNote,
	change func(*model.Settings) error, clears model.SettingsPatch) (model.Settings, error) {
	m.settingsMu.Lock()
	defer m.settingsMu.Unlock()
	next := m.stored.Clone()
	if err := change(&next); err != nil {
		return model.Settings{}, err
	}
	if err := next.Validate(); err != nil {
		return model.Settings{}, invalidSetting{err}
	}
	// Each value must be an absolute path of its platform, or {name} could
	// never expand to a path there.
	if err := toPathvars(next.Variables).Validate(); err != nil {
		return model.Settings{}, invalidSetting{err}
	}
	if next.ScriptsDir != m.stored.ScriptsDir {
		if err := os.MkdirAll(m.scriptsDir(&next), 0o755); err != nil {
			return model.Settings{}, invalidSetting{fmt.Errorf("scripts_dir: cannot create %s on the manager's computer: %w", next.ScriptsDir, err)}
		}
	}
	n := note(m.stored, next)
	err := m.store.Update(func(tx *store.Tx) error {
		if err := auditIn(tx, m.now(), by, n); err != nil {
			return err
		}
		s := next.Clone()
		return tx.PutSettings(&s)
	})
	if err != nil {
		return model.Settings{}, fmt.Errorf("storing the farm settings: %w", err)
	}
	m.stored = next
	m.override = m.override.Without(clears)
	eff := m.publishSettings(true)
	m.log.Info("farm settings changed", "fields", clears.Fields(), "variables", len(eff.Variables))
	return eff.Clone(), nil
}

// publishSettings makes stored + override the settings in effect, opens the
// job types of a changed scripts folder, and (when announce) tells every
// subscriber. The caller holds settingsMu or is Open.
func (m *Manager) publishSettings(announce bool) *model.Settings {
	eff := m.stored.Clone()
	m.override.Apply(&eff)
	old := m.cur.Swap(&eff)
	if m.cfg.JobTypes == nil && (old == nil || m.scriptsDir(old) != m.scriptsDir(&eff)) {
		var reg *jobtype.Registry
		if m.cfg.OpenJobTypes != nil {
			dir := m.scriptsDir(&eff)
			// A folder ready to drop scripts into (and to export built-ins to).
			if err := os.MkdirAll(dir, 0o755); err != nil {
				m.log.Warn("cannot create the job-type scripts folder", "folder", dir, "err", err)
			}
			reg = m.cfg.OpenJobTypes(dir)
		} else {
			reg = jobtype.Builtin()
		}
		m.registry.Store(reg)
	}
	if announce {
		ev := eff.Clone()
		m.events.Publish(model.Event{Type: model.EventSettings, Settings: &ev})
	}
	return &eff
}

// jobTypes returns the job types in effect: Config.JobTypes, else those of
// the scripts folder in the settings.
func (m *Manager) jobTypes() *jobtype.Registry { return m.registry.Load() }
