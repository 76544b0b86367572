package api_test

import "testing"

// The compact list, the whole one and a 304 all pass the document's checks.
func TestTaskListFormsAgainstTheDocument(t *testing.T) {
	f := newOpFarm(t)
	job, _ := f.job()
	if tasks, err := f.cl.TasksCompact(f.ctx, job.ID); err != nil || len(tasks) == 0 {
		t.Fatalf("compact: %d tasks, %v", len(tasks), err)
	}
	for range 2 { // the second is answered 304
		if tasks, err := f.cl.Tasks(f.ctx, job.ID); err != nil || len(tasks) == 0 {
			t.Fatalf("whole: %d tasks, %v", len(tasks), err)
		}
	}
	if !f.contract.called("listJobTasks") {
		t.Error("listJobTasks was never called")
	}
}
