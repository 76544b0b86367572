package app

import (
	"context"
	"errors"
	"strings"
	"testing"

	"farmhand/farm/api/wire"
	"farmhand/farm/manager"
	"farmhand/farm/model"
)

// cliRun runs a command against farm f as its admin; output and error.
func cliRun(t *testing.T, f *apiFarm, cmd string, args ...string) (string, error) {
	t.Helper()
	e, out := backupEnv()
	err := commands[cmd].run(e, append(append([]string{}, args...), f.flags(t)...))
	return out.String(), err
}

// A task's number is the one its id ends with, counted from 0: 'tasks'
// shows it, 'task JOB.N' takes it, and a number out of range or malformed
// says the job's range rather than "no job id starts with"; ids are taken
// in capitals too (fresh-eyes try: row "# 4" was task .3).
func TestTaskNumbersAndRanges(t *testing.T) {
	f := newAPIFarm(t)
	ctx := context.Background()
	j, err := f.cl.Submit(ctx, wire.SubmitJob{Name: "four", Type: "echo-sleep-test",
		Settings: map[string]any{"frames": "1-4", "sleep_seconds": 0}})
	if err != nil {
		t.Fatal(err)
	}
	short := j.ID[:6]
	out, err := cliRun(t, f, "tasks", short)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "N ") {
		t.Fatalf("tasks:\n%s", out)
	}
	for i, l := range lines[1:] {
		if fields := strings.Fields(l); fields[0] != strings.TrimPrefix(fields[1], j.ID+".") || fields[0] != string(rune('0'+i)) {
			t.Errorf("row %d: the number is not the one ending the id: %q", i, l)
		}
	}
	if out, err := cliRun(t, f, "task", short+".3"); err != nil || !strings.Contains(out, model.TaskID(j.ID, 3)) {
		t.Errorf("task %s.3: %v\n%s", short, err, out)
	}
	for _, n := range []string{"4", "x", "01", "-1"} {
		_, err := cliRun(t, f, "task", short+"."+n)
		want := `"` + n + `" is not a task number of job ` + j.ID + ": it has tasks 0–3 (a task id is JOB.N, N counted from 0"
		if !errors.Is(err, errNoMatch) || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "no job id starts") {
			t.Errorf("task %s.%s: %v; want …%s…", short, n, err, want)
		}
	}
	if _, err := cliRun(t, f, "task", j.ID+".9"); err == nil || !strings.Contains(err.Error(), "it has tasks 0–3") {
		t.Errorf("task <whole id>.9: %v", err)
	}
	if _, err := cliRun(t, f, "task", "zzz.1"); !errors.Is(err, errNoMatch) || !strings.Contains(err.Error(), `no job id starts with "zzz"`) {
		t.Errorf("task zzz.1: %v", err)
	}
	upper := strings.ToUpper(short)
	if out, err := cliRun(t, f, "job", upper); err != nil || !strings.Contains(out, j.ID) {
		t.Errorf("job %s: %v\n%s", upper, err, out)
	}
	if out, err := cliRun(t, f, "task", strings.ToUpper(j.ID)+".2"); err != nil || !strings.Contains(out, model.TaskID(j.ID, 2)) {
		t.Errorf("task <upper-case id>.2: %v\n%s", err, out)
	}
}

// The job and task help say ids may be shortened and how a task id is made.
func TestJobTaskHelpSaysIDs(t *testing.T) {
	for _, c := range []struct{ cmd, want string }{
		{"job", "ID may be any unique start of the job's id"},
		{"tasks", "Column N is the task's number,\ncounted from 0"},
		{"task", "A task id is JOB.N: its job's id, a dot and the task's number counted from 0"},
		{"revoke", "MEMBER_ID may be any unique start of the member's id"},
	} {
		e, out := backupEnv()
		if err := commands[c.cmd].run(e, []string{"-h"}); err == nil || !strings.Contains(out.String(), c.want) {
			t.Errorf("%s -h: %v\n%s", c.cmd, err, out)
		}
	}
}

// approve, reject and revoke take a member by a unique start of its id, as
// job, task and worker do (fresh-eyes try: 'farmhand revoke 13' → 404).
func TestDecideTakesMemberPrefixes(t *testing.T) {
	f := newAPIFarm(t)
	a, _, err := f.m.Join(manager.JoinRequest{Name: "desk", Platform: "linux", Wants: model.RoleArtist})
	if err != nil {
		t.Fatal(err)
	}
	out, err := cliRun(t, f, "approve", strings.ToUpper(a.ID[:len(a.ID)-3]))
	if err != nil || !strings.Contains(out, "desk ("+a.ID+") is approved as artist") {
		t.Fatalf("approve by prefix: %v\n%s", err, out)
	}
	if out, err := cliRun(t, f, "revoke", a.ID[:len(a.ID)-3]); err != nil || !strings.Contains(out, "is revoked") {
		t.Errorf("revoke by prefix: %v\n%s", err, out)
	}
	b, _, err := f.m.Join(manager.JoinRequest{Name: "laptop", Platform: "linux"})
	if err != nil {
		t.Fatal(err)
	}
	if out, err := cliRun(t, f, "reject", b.ID[:len(b.ID)-3]); err != nil || !strings.Contains(out, "laptop ("+b.ID+") is rejected") {
		t.Errorf("reject by prefix: %v\n%s", err, out)
	}
	if _, err := cliRun(t, f, "revoke", "zzz"); !errors.Is(err, errNoMatch) || !strings.Contains(err.Error(), `no member id starts with "zzz"`) {
		t.Errorf("revoke zzz: %v", err)
	}
}

// 'tasks' and 'task' name the worker that ran or failed a task, not its id.
func TestTasksNameWorkers(t *testing.T) {
	f := newAPIFarm(t)
	ctx := context.Background()
	j, err := f.cl.Submit(ctx, wire.SubmitJob{Name: "one", Type: "echo-sleep-test",
		Settings: map[string]any{"frames": "1", "sleep_seconds": 0}})
	if err != nil {
		t.Fatal(err)
	}
	mb, _, err := f.m.Join(manager.JoinRequest{Name: "desk-7", Platform: "linux"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.m.Approve(mb.ID, model.RoleWorker); err != nil {
		t.Fatal(err)
	}
	if _, err := f.m.SignOn(mb.ID, manager.WorkerInfo{Name: "desk-7", Platform: "linux", Version: "test", TaskTypes: []string{"misc"}}); err != nil {
		t.Fatal(err)
	}
	a, err := f.m.Schedule(mb.ID)
	if err != nil || a == nil {
		t.Fatalf("schedule: %+v, %v", a, err)
	}
	if _, err := f.m.UpdateTask(mb.ID, a.Task.ID, manager.TaskUpdate{Status: model.ReportFailed, Log: "boom"}); err != nil {
		t.Fatal(err)
	}
	out, err := cliRun(t, f, "tasks", j.ID)
	if err != nil || !strings.Contains(out, "desk-7") || strings.Contains(out, mb.ID) {
		t.Errorf("tasks: %v\n%s", err, out)
	}
	out, err = cliRun(t, f, "task", a.Task.ID)
	if err != nil || !strings.Contains(out, "Failed by  desk-7") || strings.Contains(out, mb.ID) {
		t.Errorf("task: %v\n%s", err, out)
	}
}
