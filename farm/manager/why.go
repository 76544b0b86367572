package manager

import (
	"fmt"
	"slices"

	"farmhand/farm/model"
	"farmhand/farm/store"
)

// Reason codes of a WhyReport: each names one thing that keeps a task from
// running, on a worker or at all.
const (
	WhyNotQueued     = "not-queued"
	WhyJobNotRunning = "job-not-running"
	WhyDependency    = "dependency-not-completed"
	WhyOffline       = "offline"
	WhyLost          = "lost"
	WhyAsleep        = "asleep"
	WhyPaused        = "paused"
	WhyBusy          = "busy"
	WhyLacksType     = "lacks-task-type"
	// WhyNoWorkerType: no worker of the farm offers the task's type; the
	// task waits for one that does (a worker started with --task-type).
	WhyNoWorkerType = "no-worker-offers-type"
	WhyMissingTag   = "missing-tag"
	WhyFailedBefore = "failed-before"
	WhyBlocklisted  = "blocklisted"
	WhyStatusChange = "status-change-requested"
	// WhyUnavailable: the worker's availability rules (a workstation's idle
	// time, schedule or an override) keep it from taking work now.
	WhyUnavailable = "unavailable"
)

// Why explains, for each known worker, what keeps it from taking the task now.
func (m *Manager) Why(taskID string) (*model.WhyReport, error) {
	r := &model.WhyReport{TaskID: taskID, Reasons: []model.Reason{}, Workers: []model.WorkerVerdict{}}
	err := m.store.View(func(tx *store.Tx) error {
		t, err := tx.TaskByID(taskID)
		if err != nil {
			return err
		}
		j, err := tx.Job(t.JobID)
		if err != nil {
			return err
		}
		r.Status = string(t.Status)
		if !t.Status.Schedulable() {
			r.Reasons = append(r.Reasons, model.Reason{Code: WhyNotQueued, Message: fmt.Sprintf("the task is %s, not waiting for a worker", t.Status)})
		}
		if !j.Status.Runnable() {
			r.Reasons = append(r.Reasons, model.Reason{Code: WhyJobNotRunning, Message: fmt.Sprintf("its job is %s", j.Status)})
		}
		for _, d := range t.DependsOn {
			dep, err := tx.Task(t.JobID, d)
			if err != nil {
				return err
			}
			if dep.Status == model.TaskCompleted {
				continue
			}
			// Only a task that may still run waits; one that ended (canceled
			// with its dependency, say) no longer does.
			msg := fmt.Sprintf("it waits for task %s, which is %s", dep.Name, dep.Status)
			if !t.Status.Schedulable() && t.Status != model.TaskPaused {
				msg = fmt.Sprintf("it depends on task %s, which is %s", dep.Name, dep.Status)
			}
			r.Reasons = append(r.Reasons, model.Reason{Code: WhyDependency, Message: msg})
		}
		offered := false
		var workers []*model.Worker
		err = tx.Workers(func(w *model.Worker) bool {
			offered = offered || w.Supports(t.Type)
			workers = append(workers, w)
			reasons := whyNot(w, j, t, true)
			r.Workers = append(r.Workers, model.WorkerVerdict{WorkerID: w.ID, WorkerName: w.Name, Status: string(w.Status),
				WouldRun: len(reasons) == 0, Reasons: reasons})
			return true
		})
		if err != nil {
			return err
		}
		if !offered {
			r.Reasons = append(r.Reasons, model.Reason{Code: WhyNoWorkerType, Message: fmt.Sprintf("no worker offers task type %s", t.Type)})
		}
		if no := noWorkerHasBlender(j, workers); no != nil {
			r.Reasons = append(r.Reasons, *no)
		}
		for i := range r.Workers {
			r.Workers[i].WouldRun = r.Workers[i].WouldRun && len(r.Reasons) == 0
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(r.Workers, func(a, b model.WorkerVerdict) int {
		if a.WorkerName < b.WorkerName {
			return -1
		}
		if a.WorkerName > b.WorkerName {
			return 1
		}
		return 0
	})
	return r, nil
}

// whyNot lists what keeps worker w from task t of job j. With now false it
// asks whether w could run t some time (asleep, paused and busy workers
// could); with now true whether it would take t at this moment.
func whyNot(w *model.Worker, j *model.Job, t *model.Task, now bool) []model.Reason {
	rs := []model.Reason{}
	checkWorker(w, j, t, now, func(code, format string, args ...any) {
		rs = append(rs, model.Reason{Code: code, Message: fmt.Sprintf(format, args...)})
	})
	return rs
}

// keptFrom says whether anything but the reason coded except keeps worker w
// from task t of job j, as whyNot would list it, without writing the
// messages: every job change counts the workers able to run the job (the
// ETA's), so this runs for every worker on every task change.
func keptFrom(w *model.Worker, j *model.Job, t *model.Task, now bool, except string) bool {
	kept := false
	checkWorker(w, j, t, now, func(code, _ string, _ ...any) {
		if code != except {
			kept = true
		}
	})
	return kept
}

// checkWorker calls add with each reason that keeps w from t (its code, and
// its message as a format and arguments), in the order whyNot lists them.
func checkWorker(w *model.Worker, j *model.Job, t *model.Task, now bool, add func(code, format string, args ...any)) {
	switch w.Status {
	case model.WorkerOffline:
		add(WhyOffline, "%s is offline", w.Name)
	case model.WorkerLost:
		add(WhyLost, "%s stopped answering", w.Name)
	case model.WorkerAsleep:
		if now {
			add(WhyAsleep, "%s is asleep", w.Name)
		}
	case model.WorkerPaused:
		if now {
			add(WhyPaused, "%s is paused", w.Name)
		}
	}
	if now && w.StatusRequested != "" && w.StatusRequested != model.WorkerAwake {
		add(WhyStatusChange, "%s was asked to change to %s", w.Name, w.StatusRequested)
	}
	if d := w.Availability; now && d != nil && !d.Available && w.Status != model.WorkerOffline && w.Status != model.WorkerLost {
		msg := d.Detail
		if msg == "" {
			msg = "by its " + d.Rule + " rule"
		}
		add(WhyUnavailable, "%s does not render now: %s", w.Name, msg)
	}
	if now && w.TaskID != "" && w.TaskID != t.ID {
		add(WhyBusy, "%s is running another task", w.Name)
	}
	if !w.Supports(t.Type) {
		add(WhyLacksType, "%s does not run %s tasks (it runs: %v)", w.Name, t.Type, w.TaskTypes)
	}
	for _, tag := range j.RequiredTags {
		if !slices.Contains(w.Tags, tag) {
			add(WhyMissingTag, "%s lacks the tag %q the job requires", w.Name, tag)
		}
	}
	if slices.Contains(t.FailedBy, w.ID) {
		add(WhyFailedBefore, "%s failed this task before", w.Name)
	}
	if j.Blocked(w.ID, t.Type) {
		add(WhyBlocklisted, "%s is blocklisted for %s tasks of this job", w.Name, t.Type)
	}
	blenderReasons(w, j, add) // blenderversion.go
}
