package manager

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"farmhand/farm/jobtype"
	"farmhand/farm/model"
	"farmhand/internal/farmtest"
)

// setForTest changes the settings in effect directly, without validating or
// storing them: tests use timeouts far below what an admin may set.
func setForTest(m *Manager, change func(*model.Settings)) {
	m.settingsMu.Lock()
	defer m.settingsMu.Unlock()
	s := m.current().Clone()
	change(&s)
	m.cur.Store(&s)
}

func dur(d time.Duration) *model.Duration { v := model.Duration(d); return &v }

// openAt opens a manager that reopen may close and open again (openWith's
// checks at the end need the manager open).
func openAt(t *testing.T, cfg Config) *Manager {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	m := farmtest.Must(Open(cfg))(t)
	t.Cleanup(func() { m.Close() })
	return m
}

// reopen closes m and opens its farm again with cfg, as a restart does.
func reopen(t *testing.T, m *Manager, cfg Config) *Manager {
	t.Helper()
	cfg.DataDir = m.cfg.DataDir
	farmtest.NoErr(t, m.Close())
	return openAt(t, cfg)
}

// An admin's change is stored: it survives a restart of the manager.
func TestSettingsSurviveARestart(t *testing.T) {
	m := openAt(t, Config{})
	projects := model.Variable{Name: "projects", Storage: true,
		Values: map[string]string{model.PlatformLinux: "/mnt/projects", model.PlatformWindows: `P:\`}}
	farmtest.Must(m.UpdateSettings(model.SettingsPatch{TaskTimeout: dur(15 * time.Minute)}))(t)
	farmtest.Must(m.PutVariable(projects))(t)
	m = reopen(t, m, Config{})
	s := m.Settings()
	if s.TaskTimeout.D() != 15*time.Minute {
		t.Errorf("task timeout after a restart: %s, want 15m", s.TaskTimeout)
	}
	if v, ok := s.Variable("projects"); !ok || !v.Storage || v.Values[model.PlatformWindows] != `P:\` {
		t.Errorf("projects after a restart: %+v %v", v, ok)
	}
}

// The flags' values become a new farm's settings; later starts keep what is
// stored, whatever Initial says.
func TestInitialSettingsOnlyOnFirstStart(t *testing.T) {
	first := model.DefaultSettings()
	first.FarmName, first.TaskTimeout = "Studio farm", model.Duration(20*time.Minute)
	m := openAt(t, Config{Initial: &first})
	if s := m.Settings(); s.FarmName != "Studio farm" || s.TaskTimeout.D() != 20*time.Minute {
		t.Fatalf("first start: %+v", s)
	}
	other := model.DefaultSettings()
	m = reopen(t, m, Config{Initial: &other})
	if s := m.Settings(); s.FarmName != "Studio farm" || s.TaskTimeout.D() != 20*time.Minute {
		t.Errorf("second start took Initial again: %+v", s)
	}
}

// A flag given overrides the stored setting for its run only; an admin's
// change of that setting ends the override.
func TestOverrideForOneRunOnly(t *testing.T) {
	m := openAt(t, Config{})
	m = reopen(t, m, Config{Override: model.SettingsPatch{TaskTimeout: dur(2 * time.Minute)}, MaxTaskFailures: 9})
	if s := m.Settings(); s.TaskTimeout.D() != 2*time.Minute || s.MaxTaskFailures != 9 {
		t.Fatalf("overridden: %s, %d", s.TaskTimeout, s.MaxTaskFailures)
	}
	if got := strings.Join(m.Overridden(), ","); got != "task_timeout,max_task_failures" {
		t.Errorf("overridden fields %q", got)
	}
	farmtest.Must(m.UpdateSettings(model.SettingsPatch{TaskTimeout: dur(5 * time.Minute)}))(t)
	if s := m.Settings(); s.TaskTimeout.D() != 5*time.Minute || s.MaxTaskFailures != 9 {
		t.Errorf("after an admin's change: %s, %d", s.TaskTimeout, s.MaxTaskFailures)
	}
	if got := strings.Join(m.Overridden(), ","); got != "max_task_failures" {
		t.Errorf("overridden after the change: %q", got)
	}
	m = reopen(t, m, Config{})
	if s := m.Settings(); s.TaskTimeout.D() != 5*time.Minute || s.MaxTaskFailures != model.DefaultMaxTaskFailures {
		t.Errorf("next run without flags: %s, %d (the override must not be stored)", s.TaskTimeout, s.MaxTaskFailures)
	}
	if m.Overridden() != nil {
		t.Errorf("overridden without flags: %v", m.Overridden())
	}
}

// A refused change names the field and the rule, and changes nothing.
func TestInvalidSettingsAreRefusedWhole(t *testing.T) {
	m := openAt(t, Config{})
	bad := -1
	_, err := m.UpdateSettings(model.SettingsPatch{TaskTimeout: dur(time.Hour), MaxTaskFailures: &bad})
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "max_task_failures: must be a whole number from 1") {
		t.Fatalf("error %v", err)
	}
	// Shorter than the floor an admin's change must keep (the manager's own
	// --task-timeout flag may go lower, on purpose).
	_, err = m.UpdateSettings(model.SettingsPatch{TaskTimeout: dur(5 * time.Second)})
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `task_timeout: "5s" is too short: at least 30s`) {
		t.Fatalf("a 5s task timeout: %v", err)
	}
	_, err = m.PutVariable(model.Variable{Name: "{x}", Values: map[string]string{"linux": "/x"}})
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "variables[{x}]") {
		t.Fatalf("bad variable: %v", err)
	}
	if _, err := m.DeleteVariable("nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleting a missing variable: %v", err)
	}
	m = reopen(t, m, Config{})
	if s := m.Settings(); s.TaskTimeout.D() != model.DefaultTaskTimeout || len(s.Variables) != 0 {
		t.Errorf("a refused change was kept: %+v", s)
	}
}

// Each change reaches subscribers as one settings event carrying the
// settings now in effect.
func TestSettingsChangesArePublished(t *testing.T) {
	m := openManager(t)
	sub := m.Events().Subscribe(8)
	defer sub.Close()
	farmtest.Must(m.UpdateSettings(model.SettingsPatch{TaskTimeout: dur(15 * time.Minute)}))(t)
	farmtest.Must(m.PutVariable(model.Variable{Name: "renders", Values: map[string]string{"all": "/srv/renders"}}))(t)
	farmtest.Must(m.DeleteVariable("renders"))(t)
	var got []string
	for len(got) < 3 {
		select {
		case ev := <-sub.C:
			if ev.Type != model.EventSettings || ev.Settings == nil {
				continue
			}
			got = append(got, ev.Settings.TaskTimeout.String()+"/"+strings.Repeat("v", len(ev.Settings.Variables)))
		case <-time.After(5 * time.Second):
			t.Fatalf("settings events so far: %v", got)
		}
	}
	if strings.Join(got, " ") != "15m0s/ 15m0s/v 15m0s/" {
		t.Errorf("events %v", got)
	}
}

// Timeouts and thresholds apply from the next check on, without a restart.
func TestChangedTimeoutsApplyAtOnce(t *testing.T) {
	m, c := openWithClock(t, time.Hour)
	w := register(t, m, "w")
	// The worker timeout was a day (a flag for this run); the admin's minute
	// applies to the next check.
	farmtest.Must(m.UpdateSettings(model.SettingsPatch{WorkerTimeout: dur(time.Minute)}))(t)
	c.advance(2 * time.Minute)
	m.checkWorkerTimeouts()
	if got := farmtest.Must(m.Worker(w.ID))(t); got.Status != model.WorkerLost {
		t.Fatalf("worker after 2m with a 1m timeout: %s", got.Status)
	}
	if e := m.checkEvery(); e != 15*time.Second {
		t.Errorf("Run checks every %s, want a quarter of the 1m timeout", e)
	}
}

// A new scripts folder is created and its job types are offered at once.
func TestScriptsFolderChangeReopensJobTypes(t *testing.T) {
	var opened []string
	m := openWith(t, Config{OpenJobTypes: func(dir string) *jobtype.Registry {
		opened = append(opened, dir)
		return jobtype.Open(dir)
	}})
	if m.ScriptsDir() != filepath.Join(m.cfg.DataDir, "scripts") || len(opened) != 1 || opened[0] != m.ScriptsDir() {
		t.Fatalf("scripts folder %s, opened %v", m.ScriptsDir(), opened)
	}
	dir := filepath.Join(t.TempDir(), "studio", "jobtypes")
	farmtest.Must(m.UpdateSettings(model.SettingsPatch{ScriptsDir: &dir}))(t)
	if len(opened) != 2 || opened[1] != dir {
		t.Fatalf("opened %v", opened)
	}
	script := farmtest.Must(os.ReadFile(filepath.Join("testdata", "dep_chain.js")))(t)
	farmtest.NoErr(t, os.WriteFile(filepath.Join(dir, "dep_chain.js"), script, 0o644))
	types, _ := m.JobTypes()
	if !slices.ContainsFunc(types, func(jt *jobtype.JobType) bool { return jt.Name == "dep-chain" }) {
		t.Errorf("the new folder's script is not offered")
	}
	rel := "relative"
	if _, err := m.UpdateSettings(model.SettingsPatch{ScriptsDir: &rel}); !errors.Is(err, ErrInvalid) {
		t.Errorf("a relative scripts folder: %v", err)
	}
}
