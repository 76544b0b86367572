package model

// JobStatus is where a job is in its life. The values are the wire format.
type JobStatus string

// Job statuses. The "-requested" and "-ing" statuses are transient: the manager
// moves on from them once no task of the job is running any more.
const (
	JobUnderConstruction JobStatus = "under-construction"
	// JobWaitingForFiles: an upload job whose files are not all on the
	// manager yet; its tasks are paused until the last one arrives (issue 13).
	JobWaitingForFiles    JobStatus = "waiting-for-files"
	JobConstructionFailed JobStatus = "construction-failed"
	JobQueued             JobStatus = "queued"
	JobActive             JobStatus = "active"
	JobPauseRequested     JobStatus = "pause-requested"
	JobPaused             JobStatus = "paused"
	JobCancelRequested    JobStatus = "cancel-requested"
	JobCanceled           JobStatus = "canceled"
	JobFailRequested      JobStatus = "fail-requested"
	JobFailed             JobStatus = "failed"
	JobRequeueing         JobStatus = "requeueing"
	JobCompleted          JobStatus = "completed"
	JobArchiving          JobStatus = "archiving"
	JobArchived           JobStatus = "archived"
)

// JobStatuses lists every job status in the order a user reads them.
var JobStatuses = []JobStatus{
	JobUnderConstruction, JobConstructionFailed, JobWaitingForFiles, JobQueued, JobActive,
	JobPauseRequested, JobPaused, JobCancelRequested, JobCanceled,
	JobFailRequested, JobFailed, JobRequeueing, JobCompleted, JobArchiving, JobArchived,
}

// Valid reports whether s is one of the known job statuses.
func (s JobStatus) Valid() bool {
	for _, v := range JobStatuses {
		if v == s {
			return true
		}
	}
	return false
}

// Runnable reports whether tasks of a job in this status may be handed to workers.
func (s JobStatus) Runnable() bool { return s == JobQueued || s == JobActive }

// Final reports whether a job in this status will not change by itself any more.
func (s JobStatus) Final() bool {
	switch s {
	case JobConstructionFailed, JobPaused, JobCanceled, JobFailed, JobCompleted, JobArchived:
		return true
	}
	return false
}

// TaskStatus is where a task is in its life. The values are the wire format.
type TaskStatus string

// Task statuses.
const (
	TaskQueued          TaskStatus = "queued"
	TaskActive          TaskStatus = "active"
	TaskSoftFailed      TaskStatus = "soft-failed"
	TaskPaused          TaskStatus = "paused"
	TaskCancelRequested TaskStatus = "cancel-requested"
	TaskCanceled        TaskStatus = "canceled"
	TaskFailed          TaskStatus = "failed"
	TaskCompleted       TaskStatus = "completed"
)

// TaskStatuses lists every task status in the order a user reads them.
var TaskStatuses = []TaskStatus{
	TaskQueued, TaskActive, TaskSoftFailed, TaskPaused,
	TaskCancelRequested, TaskCanceled, TaskFailed, TaskCompleted,
}

// Valid reports whether s is one of the known task statuses.
func (s TaskStatus) Valid() bool {
	for _, v := range TaskStatuses {
		if v == s {
			return true
		}
	}
	return false
}

// Schedulable reports whether a task in this status waits for a worker.
func (s TaskStatus) Schedulable() bool { return s == TaskQueued || s == TaskSoftFailed }

// Running reports whether a worker is (or may still be) busy with a task in this status.
func (s TaskStatus) Running() bool { return s == TaskActive || s == TaskCancelRequested }

// CountsSteps reports whether a task's completed steps in this status count
// toward its job's (Job.StepsCompleted): a completed task's, and a running
// one's live progress. A failed, canceled, soft-failed or paused task's steps
// stay on the task, as what that attempt did, but its job does not count them:
// they are not part of the job's result, and a retry starts over.
func (s TaskStatus) CountsSteps() bool { return s == TaskCompleted || s.Running() }

// WorkerStatus is what a worker is doing, as far as the manager knows.
type WorkerStatus string

// Worker statuses.
const (
	// WorkerAwake takes work.
	WorkerAwake WorkerStatus = "awake"
	// WorkerAsleep takes no work and only checks, every second or so, whether it
	// is woken.
	WorkerAsleep WorkerStatus = "asleep"
	// WorkerPaused takes no new work; unlike asleep, it was a person's "not now"
	// rather than a schedule's, and the tray shows it so.
	WorkerPaused WorkerStatus = "paused"
	// WorkerOffline signed off.
	WorkerOffline WorkerStatus = "offline"
	// WorkerLost stopped talking without signing off.
	WorkerLost WorkerStatus = "lost"
	// WorkerRestartRequested is never a worker's status, only a request: sign off and
	// exit with the restart exit code, for a service manager to start it again.
	WorkerRestartRequested WorkerStatus = "restart"
	// WorkerUpgradeRequested is never a worker's status either: replace the
	// executable with the manager's newer binary, restart and sign on again.
	WorkerUpgradeRequested WorkerStatus = "upgrade"
)

// Reachable reports whether a worker in this status is signed on and answering.
func (s WorkerStatus) Reachable() bool {
	return s == WorkerAwake || s == WorkerAsleep || s == WorkerPaused
}

// TaskReport is the status a worker reports for the task it runs. Workers do not
// set task statuses themselves: the manager decides where a report leads (a
// failure becomes soft-failed or failed, a stop becomes queued, paused or
// canceled).
type TaskReport string

// Task reports.
const (
	ReportActive    TaskReport = "active"
	ReportCompleted TaskReport = "completed"
	ReportFailed    TaskReport = "failed"
	// ReportStopped: the worker stopped the task because it was told to (the
	// task was canceled, its job paused) or because it is shutting down.
	ReportStopped TaskReport = "stopped"
)
