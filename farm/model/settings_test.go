package model

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestSettingsValidateNamesFieldAndRule(t *testing.T) {
	for _, c := range []struct {
		change func(*Settings)
		want   string
	}{
		{func(s *Settings) { s.FarmName = " " }, "farm_name: must be 1 to 64"},
		{func(s *Settings) { s.WorkerTimeout = 0 }, "worker_timeout: must be between 1s"},
		{func(s *Settings) { s.TaskTimeout = Duration(400 * 24 * time.Hour) }, "task_timeout: must be between"},
		{func(s *Settings) { s.MaxTaskFailures = 0 }, "max_task_failures: must be a whole number from 1"},
		{func(s *Settings) { s.BlocklistThreshold = -1 }, "blocklist_threshold: must be a whole number from 1"},
		{func(s *Settings) { s.FailThreshold = 1.5 }, "fail_threshold: must be above 0 and at most 1"},
		{func(s *Settings) { s.ForgetWorkersAfter = Duration(time.Second) }, "forget_workers_after: must be 0"},
		{func(s *Settings) { s.ScriptsDir = "relative/scripts" }, "scripts_dir: must be an absolute folder"},
		{func(s *Settings) { s.PutVariable(Variable{Name: "1st", Values: map[string]string{"all": "/x"}}) }, "variables[1st]: a name is a letter"},
		{func(s *Settings) { s.PutVariable(Variable{Name: "empty", Values: map[string]string{}}) }, "variables[empty]: needs a value"},
		{func(s *Settings) { s.PutVariable(Variable{Name: "os", Values: map[string]string{"beos": "/x"}}) }, `variables[os]: "beos" is not a platform`},
		{func(s *Settings) { s.PutVariable(Variable{Name: "blank", Values: map[string]string{"linux": " "}}) }, "variables[blank]: the linux value must be"},
		{func(s *Settings) {
			s.Variables = []Variable{{Name: "a", Values: map[string]string{"all": "/a"}}, {Name: "a", Values: map[string]string{"all": "/b"}}}
		}, "variables[a]: the name is used twice"},
	} {
		s := DefaultSettings()
		c.change(&s)
		err := s.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("got %v, want an error starting %q", err, c.want)
		}
	}
	ok := DefaultSettings()
	ok.ForgetWorkersAfter = 0 // keeps workers: allowed
	ok.PutVariable(Variable{Name: "projects", Storage: true, Values: map[string]string{"windows": `\\server\projects`, "linux": "/mnt/projects"}})
	if err := ok.Validate(); err != nil {
		t.Errorf("valid settings refused: %v", err)
	}
}

func TestVariablesStaySortedAndValuesFallBackToAll(t *testing.T) {
	var s Settings
	s.PutVariable(Variable{Name: "renders", Values: map[string]string{"all": "/renders"}})
	s.PutVariable(Variable{Name: "projects", Storage: true, Values: map[string]string{"windows": `P:\`, "all": "/mnt/p"}})
	s.PutVariable(Variable{Name: "renders", Storage: true, Values: map[string]string{"linux": "/r"}})
	if len(s.Variables) != 2 || s.Variables[0].Name != "projects" || s.Variables[1].Values["linux"] != "/r" {
		t.Fatalf("variables %+v", s.Variables)
	}
	p, _ := s.Variable("projects")
	if v, _ := p.Value("windows"); v != `P:\` {
		t.Errorf("windows value %q", v)
	}
	if v, _ := p.Value("darwin"); v != "/mnt/p" {
		t.Errorf("darwin falls back to all: %q", v)
	}
	r, _ := s.Variable("renders")
	if _, ok := r.Value("darwin"); ok {
		t.Error("a variable without darwin or all value has one on darwin")
	}
	if got := s.StorageLocations(); len(got) != 2 {
		t.Errorf("storage locations %+v", got)
	}
	if !s.RemoveVariable("projects") || s.RemoveVariable("projects") || len(s.Variables) != 1 {
		t.Errorf("remove: %+v", s.Variables)
	}
}

func TestDurationJSONIsText(t *testing.T) {
	b, _ := json.Marshal(Duration(15 * time.Minute))
	if string(b) != `"15m0s"` {
		t.Errorf("marshalled %s", b)
	}
	var d Duration
	if err := json.Unmarshal([]byte(`"2h30m"`), &d); err != nil || d.D() != 150*time.Minute {
		t.Errorf("2h30m read as %v %v", d, err)
	}
	if err := json.Unmarshal([]byte(`600`), &d); err == nil || !strings.Contains(err.Error(), "text such as") {
		t.Errorf("a number read as %v, %v", d, err)
	}
	if _, err := ParseDuration("soon"); err == nil || !strings.Contains(err.Error(), "forms like 90s") {
		t.Errorf("soon: %v", err)
	}
}

func TestPatchAppliesAndDropsWhatAnotherChanges(t *testing.T) {
	s := DefaultSettings()
	tt, n := Duration(time.Hour), 7
	vars := []Variable{{Name: "x", Values: map[string]string{"all": "/x"}}}
	p := SettingsPatch{TaskTimeout: &tt, MaxTaskFailures: &n, Variables: &vars}
	p.Apply(&s)
	vars[0].Values["all"] = "/changed"
	if s.TaskTimeout != tt || s.MaxTaskFailures != 7 || s.Variables[0].Values["all"] != "/x" {
		t.Errorf("applied: %+v", s)
	}
	if f := strings.Join(p.Fields(), ","); f != "task_timeout,max_task_failures,variables" {
		t.Errorf("fields %s", f)
	}
	rest := p.Without(SettingsPatch{TaskTimeout: &tt})
	if f := strings.Join(rest.Fields(), ","); f != "max_task_failures,variables" {
		t.Errorf("without task_timeout: %s", f)
	}
}

func TestCloneSharesNothing(t *testing.T) {
	s := DefaultSettings()
	s.PutVariable(Variable{Name: "x", Values: map[string]string{"all": "/x"}})
	c := s.Clone()
	c.Variables[0].Values["all"] = "/y"
	c.Variables[0].Name = "y"
	if s.Variables[0].Values["all"] != "/x" || s.Variables[0].Name != "x" {
		t.Errorf("clone shares with the original: %+v", s.Variables)
	}
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{24 * time.Hour: "24h", 90 * time.Minute: "1h30m",
		time.Minute: "1m", 45 * time.Second: "45s", 25*time.Hour + 30*time.Second: "25h0m30s"} {
		if got := ShortDuration(d); got != want {
			t.Errorf("%s: %q, want %q", d, got, want)
		}
	}
}
