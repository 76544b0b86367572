package model

import (
	"fmt"
	"slices"
	"strings"
)

// JobAction is something a user asks of a job.
type JobAction string

// Job actions.
const (
	JobCancel        JobAction = "cancel"
	JobPause         JobAction = "pause"
	JobResume        JobAction = "resume"
	JobRequeue       JobAction = "requeue"
	JobRequeueFailed JobAction = "requeue-failed"
	JobArchive       JobAction = "archive"
	JobDelete        JobAction = "delete"
	JobSetPriority   JobAction = "set-priority"
)

// JobActions lists every job action.
var JobActions = []JobAction{
	JobCancel, JobPause, JobResume, JobRequeue, JobRequeueFailed, JobArchive, JobDelete, JobSetPriority,
}

// TaskAction is something a user asks of a task.
type TaskAction string

// Task actions.
const (
	TaskRequeue TaskAction = "requeue"
	TaskCancel  TaskAction = "cancel"
)

// TaskActions lists every task action.
var TaskActions = []TaskAction{TaskRequeue, TaskCancel}

// WorkerAction is something a user asks of a worker.
type WorkerAction string

// Worker actions.
const (
	WorkerSleep    WorkerAction = "sleep"
	WorkerWake     WorkerAction = "wake"
	WorkerPause    WorkerAction = "pause"
	WorkerShutdown WorkerAction = "shutdown"
	WorkerRestart  WorkerAction = "restart"
	WorkerDelete   WorkerAction = "delete"
	// WorkerUpgrade asks the worker to replace itself with the manager's
	// binary for its platform and sign on again (farm/worker/upgrade.go).
	WorkerUpgrade WorkerAction = "upgrade"
)

// WorkerActions lists every worker action.
var WorkerActions = []WorkerAction{WorkerSleep, WorkerWake, WorkerPause, WorkerShutdown, WorkerRestart, WorkerDelete, WorkerUpgrade}

// RequestedStatus is the status a lifecycle action asks the worker to go to;
// false for actions that are not status requests (delete).
func (a WorkerAction) RequestedStatus() (WorkerStatus, bool) {
	switch a {
	case WorkerSleep:
		return WorkerAsleep, true
	case WorkerWake:
		return WorkerAwake, true
	case WorkerPause:
		return WorkerPaused, true
	case WorkerShutdown:
		return WorkerOffline, true
	case WorkerRestart:
		return WorkerRestartRequested, true
	case WorkerUpgrade:
		return WorkerUpgradeRequested, true
	}
	return "", false
}

// workerActionTable says which actions a worker status allows. Status requests
// need a worker that answers; delete is always possible.
var workerActionTable = map[WorkerStatus][]WorkerAction{
	WorkerAwake:   {WorkerSleep, WorkerPause, WorkerShutdown, WorkerRestart, WorkerUpgrade, WorkerDelete},
	WorkerAsleep:  {WorkerWake, WorkerPause, WorkerShutdown, WorkerRestart, WorkerUpgrade, WorkerDelete},
	WorkerPaused:  {WorkerWake, WorkerSleep, WorkerShutdown, WorkerRestart, WorkerUpgrade, WorkerDelete},
	WorkerOffline: {WorkerDelete},
	WorkerLost:    {WorkerDelete},
}

// AllowedWorkerActions returns the actions a worker in status s allows, never nil.
func AllowedWorkerActions(s WorkerStatus) []WorkerAction {
	return append([]WorkerAction{}, workerActionTable[s]...)
}

// CheckWorkerAction returns an *ActionError when status s does not allow action a.
func CheckWorkerAction(id string, s WorkerStatus, a WorkerAction) error {
	if slices.Contains(workerActionTable[s], a) {
		return nil
	}
	return &ActionError{Kind: "worker", ID: id, Status: string(s), Action: string(a), Allowed: toStrings(workerActionTable[s])}
}

// ValidWorkerAction reports whether a names a worker action at all.
func ValidWorkerAction(a WorkerAction) bool {
	return slices.Contains(WorkerActions, a)
}

// jobActionTable is the one place that says which action a job status allows.
// Validation (CheckJobAction) and the API's allowed_actions field both read it.
//
// Transient statuses allow nothing but a priority change: the manager is about to
// leave them, and letting users pile actions on top would race with that.
// Delete is only offered where no task can be running, so deleting never strands
// a worker mid-task.
var jobActionTable = map[JobStatus][]JobAction{
	JobUnderConstruction:  {},
	JobConstructionFailed: {JobDelete},
	// Nothing runs while files are missing, so a delete strands no worker.
	JobWaitingForFiles: {JobCancel, JobDelete, JobSetPriority},
	JobQueued:          {JobCancel, JobPause, JobSetPriority, JobDelete},
	JobActive:          {JobCancel, JobPause, JobSetPriority},
	JobPauseRequested:  {JobCancel, JobSetPriority},
	JobPaused:          {JobResume, JobCancel, JobRequeue, JobArchive, JobDelete, JobSetPriority},
	JobCancelRequested: {JobSetPriority},
	JobCanceled:        {JobRequeue, JobRequeueFailed, JobArchive, JobDelete, JobSetPriority},
	JobFailRequested:   {JobSetPriority},
	JobFailed:          {JobRequeue, JobRequeueFailed, JobArchive, JobDelete, JobSetPriority},
	JobRequeueing:      {JobSetPriority},
	JobCompleted:       {JobRequeue, JobArchive, JobDelete, JobSetPriority},
	JobArchiving:       {},
	JobArchived:        {JobDelete},
}

// taskActionTable is the task counterpart of jobActionTable.
var taskActionTable = map[TaskStatus][]TaskAction{
	TaskQueued:          {TaskCancel},
	TaskActive:          {TaskCancel},
	TaskSoftFailed:      {TaskRequeue, TaskCancel},
	TaskPaused:          {TaskCancel},
	TaskCancelRequested: {},
	TaskCanceled:        {TaskRequeue},
	TaskFailed:          {TaskRequeue},
	TaskCompleted:       {TaskRequeue},
}

// AllowedJobActions returns the actions a job in status s allows, never nil.
func AllowedJobActions(s JobStatus) []JobAction {
	return append([]JobAction{}, jobActionTable[s]...)
}

// AllowedTaskActions returns the actions a task in status s allows, never nil.
func AllowedTaskActions(s TaskStatus) []TaskAction {
	return append([]TaskAction{}, taskActionTable[s]...)
}

// ActionError says that an action is not allowed in the current status. The API
// answers it with 409 Conflict.
type ActionError struct {
	Kind    string // "job" or "task"
	ID      string
	Status  string
	Action  string
	Allowed []string
}

func (e *ActionError) Error() string {
	allowed := "none"
	if len(e.Allowed) > 0 {
		allowed = strings.Join(e.Allowed, ", ")
	}
	return fmt.Sprintf("cannot %s %s %s: it is %s, and a %s that is %s allows: %s",
		e.Action, e.Kind, e.ID, e.Status, e.Kind, e.Status, allowed)
}

// CheckJobAction returns an *ActionError when status s does not allow action a.
func CheckJobAction(id string, s JobStatus, a JobAction) error {
	if slices.Contains(jobActionTable[s], a) {
		return nil
	}
	return &ActionError{Kind: "job", ID: id, Status: string(s), Action: string(a), Allowed: toStrings(jobActionTable[s])}
}

// CheckTaskAction returns an *ActionError when status s does not allow action a.
func CheckTaskAction(id string, s TaskStatus, a TaskAction) error {
	if slices.Contains(taskActionTable[s], a) {
		return nil
	}
	return &ActionError{Kind: "task", ID: id, Status: string(s), Action: string(a), Allowed: toStrings(taskActionTable[s])}
}

// ValidJobAction reports whether a names a job action at all.
func ValidJobAction(a JobAction) bool {
	return slices.Contains(JobActions, a)
}

// ValidTaskAction reports whether a names a task action at all.
func ValidTaskAction(a TaskAction) bool {
	return slices.Contains(TaskActions, a)
}

func toStrings[T ~string](in []T) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = string(v)
	}
	return out
}
