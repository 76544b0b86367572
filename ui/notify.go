package ui

import (
	"fmt"

	"fyne.io/fyne/v2"

	"farmhand/farm/model"
)

// notifyJob sends a desktop notification when a job this member submitted
// reaches completed or failed: once per job and status, and only for a
// change seen live, so that opening Farmhand does not announce old news.
// It runs before the event is applied, to compare with the status shown.
func (u *UI) notifyJob(j *model.Job) {
	if u.me == nil || j.SubmitterID == "" || j.SubmitterID != u.me.ID {
		return
	}
	if j.Status != model.JobCompleted && j.Status != model.JobFailed {
		return
	}
	if old, ok := u.jobs.list.Get(j.ID); ok && old.Status == j.Status {
		return
	}
	key := j.ID + "/" + string(j.Status)
	if u.notified[key] {
		return
	}
	u.notified[key] = true
	u.app.SendNotification(jobNotification(j))
}

// jobNotification says what happened in a line or two; Fyne notifications
// carry only a title and a text.
func jobNotification(j *model.Job) *fyne.Notification {
	if j.Status == model.JobCompleted {
		return fyne.NewNotification("Job completed: "+j.Name,
			fmt.Sprintf("All %s done.", plural(j.TaskCount, "task")))
	}
	text := fmt.Sprintf("%d of %s failed.", j.TaskCounts[model.TaskFailed], plural(j.TaskCount, "task"))
	if j.StatusReason != "" {
		text = capitalize(j.StatusReason)
	}
	return fyne.NewNotification("Job failed: "+j.Name, text)
}
