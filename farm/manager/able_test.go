package manager

import (
	"testing"

	"farmhand/farm/model"
	"farmhand/farm/store"
)

// The ops of one transaction share the count of workers able to run a job,
// and an op that changes a worker's eligibility makes the next op count
// again.
func TestAbleCountsFollowWorkersWithinOneTransaction(t *testing.T) {
	m := openManager(t)
	register(t, m, "w1")
	w2 := register(t, m, "w2")
	j := submit(t, m, "1-4")
	err := m.store.Update(func(tx *store.Tx) error {
		count := func(when string, want int) {
			t.Helper()
			o := m.newOp(tx)
			jc, err := o.job(j.ID)
			if err != nil {
				t.Fatal(err)
			}
			if n, err := o.ableWorkers(jc); err != nil || n != want {
				t.Errorf("%s: %d able workers (%v), want %d", when, n, err, want)
			}
		}
		count("at first", 2)

		// Behind the ops' backs (no op does this), so the shared count stays.
		w, err := tx.Worker(w2.ID)
		if err != nil {
			t.Fatal(err)
		}
		w.Status = model.WorkerAsleep
		if err := tx.PutWorker(w); err != nil {
			t.Fatal(err)
		}
		count("from the shared count", 2)

		// An op that changes a worker's eligibility: counted again.
		o := m.newOp(tx)
		w, err = o.worker(w2.ID)
		if err != nil {
			t.Fatal(err)
		}
		w.Status = model.WorkerAwake
		w.Tags = []string{"gpu"} // not asked by the job: still able
		if err := o.flush(); err != nil {
			t.Fatal(err)
		}
		count("after an op woke w2", 2)

		o = m.newOp(tx)
		if w, err = o.worker(w2.ID); err != nil {
			t.Fatal(err)
		}
		w.TaskTypes = []string{"ffmpeg"}
		if err := o.flush(); err != nil {
			t.Fatal(err)
		}
		count("after an op took w2's task type away", 1)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The ETA a job's change stores counts the workers as the op left them.
func TestETAWorkersCountTheOpsOwnChange(t *testing.T) {
	m := openManager(t)
	register(t, m, "w1")
	w2 := register(t, m, "w2")
	j := submit(t, m, "1-4")
	err := m.store.Update(func(tx *store.Tx) error {
		o := m.newOp(tx)
		jc, err := o.job(j.ID)
		if err != nil {
			return err
		}
		if _, err := o.ableWorkers(jc); err != nil { // shared count: 2
			return err
		}
		w, err := o.worker(w2.ID)
		if err != nil {
			return err
		}
		w.Status = model.WorkerAsleep
		if n, err := o.ableWorkers(jc); err != nil || n != 1 {
			t.Errorf("with w2 asleep in this op: %d able workers (%v), want 1", n, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
