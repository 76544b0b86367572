package jobtype

import (
	"fmt"
	"maps"
	"regexp"
	"testing"

	"farmhand/farm/model"
)

// TestEchoSleepTwinMatchesScript compiles the same submissions with the Go twin
// and with the embedded script, and wants the same tasks, or the same refusal.
func TestEchoSleepTwinMatchesScript(t *testing.T) {
	r := Builtin(quiet)
	jt, _ := r.Get("echo-sleep-test")
	if jt.native == nil {
		t.Fatal("the built-in echo-sleep-test has no Go twin")
	}
	location := regexp.MustCompile(` \(at [^)]*\)$`)
	for _, settings := range []map[string]any{
		{},
		{"frames": "1-100", "chunk_size": 7.0, "sleep_seconds": 0.25, "message": "hi ${x} `q` \"d\""},
		{"frames": "3, 5-10, 47..49", "chunk_size": 2.0, "sleep_seconds": 0.0, "message": ""},
		{"frames": "1", "chunk_size": 1000.0, "sleep_seconds": 1e9},
		{"frames": "10-1"},
		{"frames": "1-", "chunk_size": 3.0},
		{"chunk_size": 0.0},
		{"chunk_size": -5.0},
		{"sleep_seconds": -1.5},
		{"sleep_seconds": -0.001, "chunk_size": 0.0},
		{"frames": "1-10x2", "max_task_duration": "2h30m"},
		{"frames": "1-10,20-30", "chunk_size": 4.0, "max_task_duration": "5400"},
		{"frames": "1 10"},
		{"frames": "1-10x-2"},
	} {
		native := &model.Job{Name: "n", Type: "echo-sleep-test", Settings: maps.Clone(settings), Metadata: map[string]string{}}
		script := &model.Job{Name: "n", Type: "echo-sleep-test", Settings: maps.Clone(settings), Metadata: map[string]string{}}
		if err := jt.check(native.Settings); err != nil {
			t.Fatal(err)
		}
		_ = jt.check(script.Settings)
		nt, nerr := jt.native(native)
		st, serr := r.compile(jt, script)
		if serr != nil {
			serr = fmt.Errorf("%s", location.ReplaceAllString(serr.Error(), ""))
		}
		if fmt.Sprint(nerr) != fmt.Sprint(serr) || !sameJSON(nt, st) || !sameJSON(native, script) {
			t.Errorf("settings %v:\nGo:         %v %v\nJavaScript: %v %v", settings, nerr, nt, serr, st)
		}
	}
}

// A customised echo-sleep-test is its script, not the twin.
func TestCustomisedEchoSleepRunsItsScript(t *testing.T) {
	r := Open(t.TempDir(), quiet)
	if _, err := r.Export("echo-sleep-test"); err != nil {
		t.Fatal(err)
	}
	if jt, _ := r.Get("echo-sleep-test"); jt.native != nil || jt.Source != SourceCustomised {
		t.Errorf("customised type %+v uses the Go twin", jt)
	}
}

func BenchmarkCompile10000Tasks(b *testing.B) {
	r := Builtin(quiet)
	for _, typ := range []string{"echo-sleep-test", "simple-blender-render"} {
		b.Run(typ, func(b *testing.B) {
			for b.Loop() {
				settings := blenderSettings("frames", "1-10000")
				settings["chunk_size"] = 1.0
				if _, err := r.Compile(&model.Job{Name: "bench", Type: typ, Settings: settings}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
