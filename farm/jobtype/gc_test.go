package jobtype

import (
	"runtime/debug"
	"testing"

	"farmhand/farm/model"
)

// Scripts run with the collector's target raised, and the operator's target
// is back once they end; a higher one is left as it was.
func TestScriptsRestoreTheGCTarget(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	r := Builtin(quiet)
	compile := func() {
		t.Helper()
		settings := blenderSettings("frames", "1-20")
		if _, err := r.Compile(&model.Job{Name: "gc", Type: "simple-blender-render", Settings: settings}); err != nil {
			t.Fatal(err)
		}
	}
	for _, operator := range []int{50, 100, 1000} {
		debug.SetGCPercent(operator)
		compile()
		if got := debug.SetGCPercent(operator); got != operator {
			t.Errorf("GC target %d after a script, want the operator's %d", got, operator)
		}
	}
	debug.SetGCPercent(100)
	scriptStarted()
	during := debug.SetGCPercent(scriptGCPercent)
	scriptEnded()
	if during != scriptGCPercent {
		t.Errorf("GC target %d while a script runs, want %d", during, scriptGCPercent)
	}
}
