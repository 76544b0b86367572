package manager

import (
	"errors"
	"strings"
	"testing"

	"farmhand/farm/model"
)

func submitAs(t *testing.T, m *Manager, memberID, name string) *model.Job {
	t.Helper()
	j, err := m.Submit(Submission{Name: name, Type: "echo-sleep-test", SubmitterID: memberID, Submitter: memberID,
		Settings: map[string]any{"frames": "1-2", "sleep_seconds": 0.0}})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// An artist acts on its own jobs only, checked in the action's transaction;
// a batch that holds another's job changes nothing.
func TestActorsActOnTheirOwnJobsOnly(t *testing.T) {
	m := openManager(t)
	mine, theirs := submitAs(t, m, "ann", "ann's"), submitAs(t, m, "bob", "bob's")
	ann := Actor{MemberID: "ann"}

	if _, err := m.JobActions(ann, model.JobPause, []string{mine.ID, theirs.ID}, 0); !errors.Is(err, ErrForbidden) {
		t.Fatalf("pausing bob's job as ann: %v", err)
	}
	if j := mustJob(t, m, mine.ID); j.Status != model.JobQueued {
		t.Fatalf("a refused batch changed ann's job to %s", j.Status)
	}
	if _, err := m.TaskActions(ann, model.TaskCancel, []string{model.TaskID(theirs.ID, 0)}); !errors.Is(err, ErrForbidden) {
		t.Fatalf("canceling bob's task as ann: %v", err)
	}
	if _, err := m.SetPythonOverrides(ann, theirs.ID, "print('hi')"); !errors.Is(err, ErrForbidden) {
		t.Fatalf("overriding bob's python as ann: %v", err)
	}
	if _, err := m.ClearBlocklist(Actor{}, theirs.ID, "", ""); !errors.Is(err, ErrForbidden) {
		t.Fatalf("an actor with no member: %v", err)
	}

	jobs, err := m.JobActions(ann, model.JobPause, []string{mine.ID}, 0)
	if err != nil || len(jobs) != 1 || jobs[0].Status != model.JobPaused {
		t.Fatalf("pausing her own job: %v %v", jobs, err)
	}
	jobs, err = m.JobActions(AsAdmin, model.JobSetPriority, []string{mine.ID, theirs.ID}, 80)
	if err != nil || jobs[0].Priority != 80 || jobs[1].Priority != 80 || jobs[1].ID != theirs.ID {
		t.Fatalf("an admin's batch: %v %v", jobs, err)
	}
}

func TestJobActionsRefuseBadInput(t *testing.T) {
	m := openManager(t)
	j := submitAs(t, m, "ann", "x")
	cases := []struct {
		action model.JobAction
		ids    []string
		prio   int
	}{
		{"explode", []string{j.ID}, 0},
		{model.JobPause, nil, 0},
		{model.JobSetPriority, []string{j.ID}, 101},
	}
	for _, c := range cases {
		if _, err := m.JobActions(AsAdmin, c.action, c.ids, c.prio); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s %v %d: %v, want ErrInvalid", c.action, c.ids, c.prio, err)
		}
	}
	if _, err := m.JobActions(AsAdmin, model.JobPause, []string{j.ID, "nope"}, 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown job in a batch: %v", err)
	}
	if got := mustJob(t, m, j.ID); got.Status != model.JobQueued {
		t.Errorf("a refused batch changed the job to %s", got.Status)
	}
}

// Clearing a blocklist and editing Python overrides are in the audit log too.
func TestJobChangesAreAudited(t *testing.T) {
	m := openManager(t)
	j := submitAs(t, m, "ann", "x")
	ann := Actor{MemberID: "ann", Name: "Ann", Role: model.RoleArtist, Address: "10.0.0.7"}
	if _, err := m.SetPythonOverrides(ann, j.ID, "import bpy\nprint(1)"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.ClearBlocklist(ann, j.ID, "", ""); err != nil {
		t.Fatal(err)
	}
	entries, _, err := m.Audit(10, "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		if e.MemberName == "Ann" && e.Address == "10.0.0.7" && e.TargetID == j.ID {
			got = append(got, e.Action+": "+e.Detail)
		}
	}
	want := []string{"job.clear-blocklist: every worker", "job.python-overrides: 2 lines"}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("audit entries %q, want %q", got, want)
	}
}

// An emptied setting (absent from the stored JSON) is a change the audit
// log names, from its old value to none.
func TestSettingsDiffNamesEmptiedSettings(t *testing.T) {
	old, next := model.DefaultSettings(), model.DefaultSettings()
	old.ScriptsDir = "/srv/scripts"
	if got := settingsDiff(old, next); got != "scripts_dir /srv/scripts → (none)" {
		t.Errorf("diff %q", got)
	}
	if got := settingsDiff(next, old); got != "scripts_dir (none) → /srv/scripts" {
		t.Errorf("diff %q", got)
	}
}
