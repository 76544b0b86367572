package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"farmhand/farm/api/wire"
	"farmhand/farm/model"
)

// TestPickID: a whole id wins, else the one id a prefix starts; none and
// several are errors naming the prefix, several listing id and name.
func TestPickID(t *testing.T) {
	cands := []idCandidate{{"3f2a11", "sh010"}, {"3f2a22", "sh020"}, {"3f", "short"}, {"a1b2", "desk"}}
	for ref, want := range map[string]string{"3f2a1": "3f2a11", "3f": "3f", "a": "a1b2", "a1b2": "a1b2"} {
		if got, err := pickID("job", ref, cands); err != nil || got != want {
			t.Errorf("%q: %q, %v; want %q", ref, got, err, want)
		}
	}
	_, err := pickID("job", "3f2a", cands)
	if !errors.Is(err, errAmbiguous) || !strings.Contains(err.Error(), `job "3f2a" matches 2 jobs; give more of its id:`) ||
		!strings.Contains(err.Error(), "\n  3f2a11  sh010\n  3f2a22  sh020") {
		t.Errorf("ambiguous: %v", err)
	}
	if _, err := pickID("worker", "zz", cands); !errors.Is(err, errNoMatch) || !strings.Contains(err.Error(), `no worker id starts with "zz"`) {
		t.Errorf("none: %v", err)
	}
	var many []idCandidate
	for i := range 12 {
		many = append(many, idCandidate{fmt.Sprintf("ab%02d", i), "w"})
	}
	if _, err := pickID("worker", "ab", many); err == nil || !strings.Contains(err.Error(), "… and 2 more") {
		t.Errorf("12 candidates: %v", err)
	}
}

// uniquePrefix returns the shortest prefix of id that no other of ids starts.
func uniquePrefix(t *testing.T, id string, ids []string) string {
	t.Helper()
	for n := 1; n <= len(id); n++ {
		shared := false
		for _, o := range ids {
			if o != id && strings.HasPrefix(o, id[:n]) {
				shared = true
			}
		}
		if !shared {
			return id[:n]
		}
	}
	t.Fatalf("%s is the prefix of another id", id)
	return ""
}

// sharedPrefix returns a prefix two of ids start with (there are two among
// 17 ids of 16 hex digits).
func sharedPrefix(t *testing.T, ids []string) string {
	t.Helper()
	seen := map[byte]bool{}
	for _, id := range ids {
		if seen[id[0]] {
			return id[:1]
		}
		seen[id[0]] = true
	}
	t.Fatalf("no two of %d ids share a first character", len(ids))
	return ""
}

// Commands take a job, task or worker by a unique prefix of its id; an
// ambiguous prefix lists the candidates, an unknown one says none matches
// (fresh-eyes try: 'farmhand job 3f2a' answered 404).
func TestCommandsTakeIDPrefixes(t *testing.T) {
	f := newAPIFarm(t)
	ctx := context.Background()
	var ids []string
	for i := range 17 {
		j, err := f.cl.Submit(ctx, wire.SubmitJob{Name: fmt.Sprintf("shot %02d", i), Type: "echo-sleep-test",
			Settings: map[string]any{"frames": "1-2", "sleep_seconds": 0}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, j.ID)
	}
	run := func(cmd string, args ...string) (string, error) {
		e, out := backupEnv()
		err := commands[cmd].run(e, append(append([]string{}, args...), f.flags(t)...))
		return out.String(), err
	}
	short := uniquePrefix(t, ids[3], ids)
	if out, err := run("job", short); err != nil || !strings.Contains(out, ids[3]) || !strings.Contains(out, "shot 03") {
		t.Errorf("job %s: %v\n%s", short, err, out)
	}
	if out, err := run("job", short, "pause"); err != nil || !strings.Contains(out, "pause") {
		t.Errorf("job %s pause: %v\n%s", short, err, out)
	}
	if out, err := run("tasks", short); err != nil || !strings.Contains(out, model.TaskID(ids[3], 1)) {
		t.Errorf("tasks %s: %v\n%s", short, err, out)
	}
	if out, err := run("task", short+".1"); err != nil || !strings.Contains(out, model.TaskID(ids[3], 1)) {
		t.Errorf("task %s.1: %v\n%s", short, err, out)
	}
	_, err := run("task", short) // the job has two tasks
	if !errors.Is(err, errAmbiguous) || !strings.Contains(err.Error(), model.TaskID(ids[3], 0)) {
		t.Errorf("task %s of a job of two tasks: %v", short, err)
	}
	amb := sharedPrefix(t, ids)
	_, err = run("job", amb)
	if !errors.Is(err, errAmbiguous) || !strings.Contains(err.Error(), "shot ") {
		t.Errorf("job %s: %v", amb, err)
	}
	if _, err := run("job", "zzz"); !errors.Is(err, errNoMatch) || !strings.Contains(err.Error(), `no job id starts with "zzz"`) {
		t.Errorf("job zzz: %v", err)
	}
	if _, err := run("task", "zzz.1"); !errors.Is(err, errNoMatch) {
		t.Errorf("task zzz.1: %v", err)
	}
	if out, err := run("job", ids[5]); err != nil || !strings.Contains(out, "shot 05") {
		t.Errorf("a whole id: %v\n%s", err, out)
	}

	mb := f.signOnWorker(t, "desk")
	wref := mb.ID[:len(mb.ID)-2]
	if out, err := run("worker", wref, "history"); err != nil || !strings.Contains(out, mb.ID) {
		t.Errorf("worker %s history: %v\n%s", wref, err, out)
	}
	if out, err := run("worker", wref, "availability"); err != nil || !strings.Contains(out, "Worker  "+mb.ID) {
		t.Errorf("worker %s availability: %v\n%s", wref, err, out)
	}
	if _, err := run("worker", "zzz", "availability"); !errors.Is(err, errNoMatch) {
		t.Errorf("worker zzz availability: %v", err)
	}
	if out, err := run("worker", wref); err != nil || !strings.Contains(out, "desk") {
		t.Errorf("worker %s: %v\n%s", wref, err, out)
	}
	if _, err := run("worker", wref, "sleep"); err != nil {
		t.Errorf("worker %s sleep: %v", wref, err)
	}
	if w, err := f.m.Worker(mb.ID); err != nil || w.StatusRequested != model.WorkerAsleep {
		t.Errorf("after worker %s sleep: %+v, %v", wref, w, err)
	}
	if _, err := run("worker", "zzz", "sleep"); !errors.Is(err, errNoMatch) {
		t.Errorf("worker zzz sleep: %v", err)
	}
}
