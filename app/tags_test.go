package app

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"farmhand/farm/manager"
)

// submit --tag reads tags as workers give theirs: "gpu,big" is two tags and
// " gpu" is gpu, so that a worker tagged gpu,big runs the job; a tag of only
// commas and spaces is refused (fresh-eyes try: the job waited for ever).
func TestSubmitTagsMatchWorkersTags(t *testing.T) {
	f := newAPIFarm(t)
	ctx := context.Background()
	out, err := cliRun(t, f, "submit", "--type", "echo-sleep-test", "--name", "tagged", "--set", "frames=1",
		"--set", "sleep_seconds=0", "--tag", "gpu, big", "--tag", " gpu ", "--tag", "ssd")
	if err != nil {
		t.Fatalf("submit: %v\n%s", err, out)
	}
	j, err := f.cl.Job(ctx, strings.TrimSpace(out))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"gpu", "big", "ssd"}; !slices.Equal(j.RequiredTags, want) {
		t.Errorf("required tags %q, want %q", j.RequiredTags, want)
	}
	// A worker with those three tags, given as 'farmhand worker --tags' takes
	// them, runs the job's task.
	mb := f.signOnWorker(t, "tagged")
	if _, err := f.m.SignOn(mb.ID, manager.WorkerInfo{Name: "tagged", Platform: "linux", Version: "test",
		TaskTypes: []string{"misc"}, Tags: splitTags(" gpu,big ,ssd")}); err != nil {
		t.Fatal(err)
	}
	a, err := f.m.Schedule(mb.ID)
	if err != nil || a == nil || a.Task.JobID != j.ID {
		t.Errorf("the worker tagged gpu,big,ssd was given %+v (%v), want the job's task", a, err)
	}
	_, err = cliRun(t, f, "submit", "--type", "echo-sleep-test", "--name", "no tag", "--set", "frames=1", "--tag", " , ")
	if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), `no tag in " , "`) {
		t.Errorf("--tag ' , ': %v", err)
	}
}

// 'worker ID tags' takes exactly one list: without it, it is a usage error
// (it cleared the tags), a second word is not dropped silently, and ” clears
// them on purpose.
func TestWorkerTagsTakesOneList(t *testing.T) {
	f := newAPIFarm(t)
	ctx := context.Background()
	mb := f.signOnWorker(t, "w1")
	if _, err := cliRun(t, f, "worker", mb.ID, "tags", "gpu, big,,gpu"); err != nil {
		t.Fatal(err)
	}
	tagsNow := func() []string {
		w, err := f.cl.Worker(ctx, mb.ID)
		if err != nil {
			t.Fatal(err)
		}
		return w.Tags
	}
	if got := tagsNow(); !slices.Equal(got, []string{"gpu", "big"}) {
		t.Fatalf("tags %q, want gpu, big", got)
	}
	for _, args := range [][]string{{"tags"}, {"tags", "gpu", "big"}} {
		_, err := cliRun(t, f, "worker", append([]string{mb.ID}, args...)...)
		if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), "one comma-separated list") {
			t.Errorf("worker ID %s: %v", strings.Join(args, " "), err)
		}
		if got := tagsNow(); !slices.Equal(got, []string{"gpu", "big"}) {
			t.Errorf("after worker ID %s the tags are %q, want them kept", strings.Join(args, " "), got)
		}
	}
	if _, err := cliRun(t, f, "worker", mb.ID, "tags", ""); err != nil {
		t.Fatal(err)
	}
	if got := tagsNow(); len(got) != 0 {
		t.Errorf("tags '' left %q", got)
	}
}
