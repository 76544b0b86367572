package worker

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"farmhand/farm/api/wire"
	"farmhand/farm/model"
)

// A worker that dies mid-task (kill -9, out of memory, a power cut) cannot
// report on its task; the manager would only notice after the worker timeout.
// So the task being run is written down in the data dir while it runs, and a
// worker that finds such a record at start tells the manager at once that it
// lost the task. Its processes are gone by then: see KillLeftovers.

// runningTask is the record of the task being run, kept as runningTaskFile.
type runningTask struct {
	TaskID   string    `json:"task_id"`
	TaskName string    `json:"task_name"`
	JobID    string    `json:"job_id"`
	Started  time.Time `json:"started"`
}

const runningTaskFile = "running-task.json"

// procDir is where runProcess records the process groups it starts.
func (w *Worker) procDir() string {
	if w.cfg.DataDir == "" {
		return ""
	}
	return filepath.Join(w.cfg.DataDir, "processes")
}

func (w *Worker) runningTaskPath() string { return filepath.Join(w.cfg.DataDir, runningTaskFile) }

// recordRunning writes down that t runs now and returns the function that
// erases the record once the task's outcome is queued for the manager.
func (w *Worker) recordRunning(t *model.Task) (done func()) {
	if w.cfg.DataDir == "" {
		return func() {}
	}
	b, _ := json.Marshal(runningTask{TaskID: t.ID, TaskName: t.Name, JobID: t.JobID, Started: time.Now().UTC()})
	path := w.runningTaskPath()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		// Only the quick requeue after a crash is lost; the worker timeout
		// still catches it.
		w.log.Warn("recording the running task", "task", t.ID, "err", err)
		return func() {}
	}
	return func() {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			w.log.Warn("erasing the running-task record", "err", err)
		}
	}
}

// reportLostTask tells the manager about a task that an earlier run of this
// worker did not finish, if any: the report is queued before any new work is
// asked for, and the manager requeues the task (a stop, not a failure: the
// worker died, not necessarily because of the task).
func (w *Worker) reportLostTask() error {
	path := w.runningTaskPath()
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) || w.cfg.DataDir == "" {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the running-task record: %w", err)
	}
	var lost runningTask
	if err = json.Unmarshal(b, &lost); err == nil && lost.TaskID == "" {
		err = errors.New("it names no task")
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("running-task record %s is damaged (%w); removed it", path, err)
	}
	why := fmt.Sprintf("worker %s restarted; its previous run of this task (started %s) ended with the worker process, killed or crashed",
		w.name(), lost.Started.Format(time.RFC3339))
	w.log.Warn("reporting a task lost by an earlier run of this worker", "task", lost.TaskID, "name", lost.TaskName)
	w.up.send(lost.TaskID, wire.TaskUpdate{Status: model.ReportStopped, Activity: "lost: " + why,
		Log: fmt.Sprintf("%s worker %s: lost: %s\n", stamp(), w.name(), why)})
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("removing the running-task record: %w", err)
	}
	return nil
}
