package manager

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"farmhand/farm/model"
)

// The compact list holds, for every task, exactly the list fields of the
// whole list, with the same values, also for stored strings full of quotes,
// braces and escapes, and arrays (depends_on, failed_by) it leaves out.
func TestCompactTaskListKeepsTheListFields(t *testing.T) {
	m := openManager(t)
	w := register(t, m, "w1")
	j := submit(t, m, "1-20")
	a := mustSchedule(t, m, w.ID)
	tricky := `said "}", then {"status":"x"} \ and ]; ünïcode ✓` + "\n\ttab"
	done := 1
	if _, err := m.UpdateTask(w.ID, a.Task.ID, TaskUpdate{Activity: tricky, StepsCompleted: &done}); err != nil {
		t.Fatal(err)
	}
	full, err := m.TasksJSON(j.ID)
	if err != nil {
		t.Fatal(err)
	}
	compact, err := m.TasksCompactJSON(j.ID)
	if err != nil {
		t.Fatal(err)
	}
	var whole, small struct{ Tasks []map[string]any }
	if err := json.Unmarshal(full, &whole); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(compact, &small); err != nil {
		t.Fatalf("compact list is not JSON: %v\n%.300s", err, compact)
	}
	if len(small.Tasks) != 20 || len(whole.Tasks) != 20 {
		t.Fatalf("%d compact and %d whole tasks, want 20", len(small.Tasks), len(whole.Tasks))
	}
	for i, task := range whole.Tasks {
		want := map[string]any{}
		for k, v := range task {
			if compactKey([]byte(k)) {
				want[k] = v
			}
		}
		if !reflect.DeepEqual(small.Tasks[i], want) {
			t.Errorf("task %d compact:\n%v\nwant\n%v", i, small.Tasks[i], want)
		}
	}
	if got := small.Tasks[a.Task.Index]["activity"]; got != tricky {
		t.Errorf("activity came out as %q", got)
	}
	if len(compact)*2 > len(full) {
		t.Errorf("compact list is %d bytes, the whole one %d: not much smaller", len(compact), len(full))
	}
}

func TestCompactTaskRecordsWithArrays(t *testing.T) {
	raw := []byte(`{"id":"j.1","index":1,"name":"a,b]","depends_on":[0,2],"failed_by":["w\"1","w]2"],"status":"queued","steps_total":3,"updated":"2026-01-01T00:00:00Z"}`)
	var buf bytes.Buffer
	if err := appendCompactTask(&buf, raw); err != nil {
		t.Fatal(err)
	}
	want := `{"index":1,"name":"a,b]","status":"queued","steps_total":3,"updated":"2026-01-01T00:00:00Z"}`
	if buf.String() != want {
		t.Errorf("got  %s\nwant %s", buf.String(), want)
	}
	for _, bad := range []string{`{"name":"unterminated}`, `{"name"}`, `["not an object"]`, `{"a":[1,2}`, `{`} {
		buf.Reset()
		if err := appendCompactTask(&buf, []byte(bad)); err == nil {
			t.Errorf("%s: no error, wrote %s", bad, buf.String())
		}
	}
}

// The version of a job's task list changes with every committed change to
// its tasks, not with reads or with other jobs' changes, and differs between
// two managers opened on the same data one after the other.
func TestTaskListVersion(t *testing.T) {
	dir := t.TempDir()
	m, err := Open(Config{DataDir: dir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close() // a second Close does nothing
	w := register(t, m, "w1")
	j := submit(t, m, "1-5")
	other := submit(t, m, "1-5")
	v0 := m.TaskListVersion(j.ID)
	if _, err := m.TasksCompactJSON(j.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := m.JobAction(other.ID, model.JobPause, 0); err != nil {
		t.Fatal(err)
	}
	if v := m.TaskListVersion(j.ID); v != v0 {
		t.Errorf("version moved from %s to %s without a change to the job", v0, v)
	}
	a := mustSchedule(t, m, w.ID)
	v1 := m.TaskListVersion(a.Job.ID)
	if v1 == v0 {
		t.Fatalf("version stayed %s after a task was assigned", v0)
	}
	// A report that changes only the activity still changes the list.
	if _, err := m.UpdateTask(w.ID, a.Task.ID, TaskUpdate{Activity: "rendering"}); err != nil {
		t.Fatal(err)
	}
	if v := m.TaskListVersion(a.Job.ID); v == v1 {
		t.Errorf("version stayed %s after the activity changed", v)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	again := openWith(t, Config{DataDir: dir})
	if v := again.TaskListVersion(a.Job.ID); strings.HasPrefix(v, strings.Split(v1, "-")[0]) {
		t.Errorf("reopened manager gives version %s, like the first one's %s", v, v1)
	}
}
