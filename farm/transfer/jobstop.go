package transfer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"farmhand/farm/api/client"
	"farmhand/farm/model"
)

// JobStoppedError says that the job an upload was for was canceled,
// deleted or archived by someone else while its files were uploading, so
// the manager refused the rest (it takes files only for jobs waiting for
// them). The job needs nothing more: it is not waiting, and canceling it
// again is pointless. Err is the refusal the upload got.
type JobStoppedError struct {
	JobID   string
	Status  model.JobStatus // the job's status; "" when it was deleted
	Deleted bool
	Reason  string // the job's status reason
	Err     error
}

func (e *JobStoppedError) Error() string {
	what := "was canceled by someone else"
	switch {
	case e.Deleted:
		what = "was deleted"
	case e.Status == model.JobArchived:
		what = "was archived"
	case e.Reason != "" && e.Reason != "canceled by request":
		what = "was canceled (" + e.Reason + ")" // by the manager: its upload timeout
	}
	return fmt.Sprintf("job %s %s while its files were uploading; the upload stopped", e.JobID, what)
}

func (e *JobStoppedError) Unwrap() error { return e.Err }

// UploadJob is Upload for the files of job jobID: when the upload stops on
// an error other than ctx ending (the caller's own stop, as Ctrl-C), it asks
// the manager about the job, and returns a *JobStoppedError when the job
// was canceled, deleted or archived meanwhile, else the upload's error.
func UploadJob(ctx context.Context, cl *client.Client, jobID string, files []Local, progress func(Progress)) (int64, error) {
	sent, err := Upload(ctx, cl, files, progress)
	if err == nil || ctx.Err() != nil {
		return sent, err
	}
	if stopped := JobStopped(ctx, cl, jobID, err); stopped != nil {
		return sent, stopped
	}
	return sent, err
}

// stoppedStatuses are the statuses of a job that no longer waits for its
// files because someone stopped it.
var stoppedStatuses = []model.JobStatus{model.JobCanceled, model.JobCancelRequested, model.JobArchived}

// JobStopped asks the manager about job jobID (within a few seconds, even
// when ctx has ended) and returns a *JobStoppedError wrapping cause when the
// job is gone (404) or canceled or archived; nil when it is in any other
// status or the manager cannot say.
func JobStopped(ctx context.Context, cl *client.Client, jobID string, cause error) *JobStoppedError {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	job, err := cl.Job(ctx, jobID)
	var apiErr *client.Error
	switch {
	case errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound:
		return &JobStoppedError{JobID: jobID, Deleted: true, Err: cause}
	case err != nil:
		return nil
	}
	for _, s := range stoppedStatuses {
		if job.Status == s {
			return &JobStoppedError{JobID: jobID, Status: job.Status, Reason: job.StatusReason, Err: cause}
		}
	}
	return nil
}
