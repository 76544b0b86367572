package model

import "fmt"

// DefaultFailThreshold is the share of failed tasks above which a job fails.
const DefaultFailThreshold = 0.10

// Derivation is the outcome of DeriveJobStatus.
type Derivation struct {
	Status JobStatus
	Reason string
}

// DeriveJobStatus says which status a job in status current moves to, given how
// many of its tasks are in each status. It returns current unchanged when the
// tasks give no reason to move.
//
// Entering a status may in turn change tasks (a failing job cancels what has not
// run yet); that is the manager's business, which then derives again.
func DeriveJobStatus(current JobStatus, counts map[TaskStatus]int, total int, failThreshold float64) Derivation {
	running := counts[TaskActive] + counts[TaskCancelRequested]
	keep := Derivation{Status: current}

	switch current {
	// A request completes with the reason it was made for (an empty reason
	// keeps the job's current one).
	case JobCancelRequested:
		if running == 0 {
			return Derivation{JobCanceled, ""}
		}
	case JobFailRequested:
		if running == 0 {
			return Derivation{JobFailed, ""}
		}
	case JobPauseRequested:
		if running == 0 {
			if counts[TaskCompleted] == total {
				return Derivation{JobCompleted, ""}
			}
			return Derivation{JobPaused, ""}
		}
	case JobQueued, JobActive:
		failed := counts[TaskFailed]
		if failed > 0 && float64(failed) > failThreshold*float64(total) {
			if running > 0 {
				return Derivation{JobFailRequested, failReason(counts, total)}
			}
			return Derivation{JobFailed, failReason(counts, total)}
		}
		if counts[TaskCompleted] == total {
			return Derivation{JobCompleted, ""}
		}
		waiting := counts[TaskQueued] + counts[TaskSoftFailed] + counts[TaskPaused]
		if waiting == 0 && running == 0 {
			// Nothing left can run (tasks whose dependency ended were canceled
			// with it), yet not everything completed: the job ends, and never
			// as completed. A failure names the cause before a cancel does.
			if failed > 0 {
				return Derivation{JobFailed, failReason(counts, total) + canceledSuffix(counts)}
			}
			if counts[TaskCanceled] > 0 {
				return Derivation{JobCanceled, fmt.Sprintf("%d of %d tasks canceled", counts[TaskCanceled], total)}
			}
		}
		if current == JobQueued && (running > 0 || counts[TaskCompleted] > 0 || failed > 0) {
			return Derivation{JobActive, ""}
		}
	}
	return keep
}

// canceledSuffix mentions the canceled tasks of a failed job, which are most
// often the ones that depended on the failed task.
func canceledSuffix(counts map[TaskStatus]int) string {
	if counts[TaskCanceled] == 0 {
		return ""
	}
	return fmt.Sprintf(", %d canceled", counts[TaskCanceled])
}

func failReason(counts map[TaskStatus]int, total int) string {
	return fmt.Sprintf("%d of %d tasks failed", counts[TaskFailed], total)
}
