package jobtype

import (
	"errors"
	"strings"
	"testing"

	"farmhand/farm/model"
)

func TestEchoSleepCompiles(t *testing.T) {
	job := &model.Job{Type: "echo-sleep-test", Settings: map[string]any{"frames": "1-10", "chunk_size": float64(3)}}
	tasks, err := Builtin().Compile(job)
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 4 || tasks[3].Name != "echo-10" {
		t.Fatalf("got %d tasks, last %q", len(tasks), tasks[len(tasks)-1].Name)
	}
	if job.Settings["sleep_seconds"] != 1.0 || job.Settings["chunk_size"] != 3 {
		t.Errorf("defaults/normalisation not applied: %v", job.Settings)
	}
	if tasks[0].Commands[0].Parameters["message"] != "Hello from Farmhand (frames 1-3)" {
		t.Errorf("first command %v", tasks[0].Commands[0])
	}
}

func TestBadSubmissionsAreRefusedClearly(t *testing.T) {
	cases := map[string]struct {
		typ      string
		settings map[string]any
		says     string
	}{
		"unknown type":     {"render-everything", nil, "unknown job type"},
		"string for int":   {"echo-sleep-test", map[string]any{"chunk_size": "three"}, `"chunk_size" must be a int32`},
		"fraction for int": {"echo-sleep-test", map[string]any{"chunk_size": 1.5}, "whole number"},
		"bad frames":       {"echo-sleep-test", map[string]any{"frames": "10-1"}, "runs backwards"},
		"zero chunk":       {"echo-sleep-test", map[string]any{"chunk_size": 0.0}, "at least 1"},
		"negative sleep":   {"echo-sleep-test", map[string]any{"sleep_seconds": -1.0}, "negative"},
		"bool for string":  {"echo-sleep-test", map[string]any{"message": true}, `"message" must be a string`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Builtin().Compile(&model.Job{Type: c.typ, Settings: c.settings})
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.says) {
				t.Fatalf("err = %v, want ErrInvalid saying %q", err, c.says)
			}
		})
	}
}

func TestRequiredWithoutDefault(t *testing.T) {
	jt := &JobType{Name: "x", Settings: []Setting{{Key: "scene", Type: TypeString, Required: true}}}
	if err := jt.check(map[string]any{}); err == nil || !strings.Contains(err.Error(), `"scene" is required`) {
		t.Fatalf("err = %v", err)
	}
}
