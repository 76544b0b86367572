package manager

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"farmhand/farm/files"
	"farmhand/farm/model"
	"farmhand/farm/store"
)

// outputLimitError is an output refused for one of the farm's size limits
// (413): size is the bytes the file has (or had received when it passed
// the limit), setting the limit's setting ("max_file_size" or
// "max_job_size") and limit its value in bytes; msg is what the sender is
// told. It is an ErrTooLarge.
type outputLimitError struct {
	size, limit int64
	setting     string
	msg         string
}

func (e *outputLimitError) Error() string        { return ErrTooLarge.Error() + ": " + e.msg }
func (e *outputLimitError) Is(target error) bool { return target == ErrTooLarge }

// jobReason is what the failed job's status says: which limit, its value,
// and the command that raises it.
func (e *outputLimitError) jobReason(p string) string {
	if e.setting == "max_file_size" {
		return fmt.Sprintf("its output %s would exceed the farm's upload file size of %s (max_file_size); "+
			"raise it with 'farmhand config set max-file-size …' and requeue", p, shortSize(e.limit))
	}
	return fmt.Sprintf("its outputs would exceed the farm's upload job size of %s (max_job_size); "+
		"raise it with 'farmhand config set max-job-size …' and requeue", shortSize(e.limit))
}

// shortSize is files.SizeText without the exact bytes ("1.9 MiB" for 2MB):
// a status reason is read at a glance, and 'farmhand config' shows them.
func shortSize(n int64) string {
	text, _, _ := strings.Cut(files.SizeText(n), " (")
	return text
}

// outputOver checks output p of n bytes (n < 0: not known yet, nothing to
// check) against perFile and against perJob less others, the bytes of the
// job's other outputs; nil when it fits. No sum is formed that could wrap.
func outputOver(p string, n, others, perFile, perJob int64) *outputLimitError {
	switch {
	case n < 0:
		return nil
	case n > perFile:
		return &outputLimitError{size: n, limit: perFile, setting: "max_file_size",
			msg: fmt.Sprintf("output %s has %d bytes; the farm takes at most %s per file (setting max_file_size)", p, n, files.SizeText(perFile))}
	case n > perJob-others || others > perJob: // perJob-others cannot wrap: both are not negative
		return &outputLimitError{size: n, limit: perJob, setting: "max_job_size",
			msg: fmt.Sprintf("the job's outputs would take more than %s (setting max_job_size)", files.SizeText(perJob))}
	}
	return nil
}

// outputRoom is the most bytes one more output may have: perFile, or what
// perJob leaves after others, whichever is less, never negative.
func outputRoom(others, perFile, perJob int64) int64 {
	return max(0, min(perFile, perJob-others))
}

// addSaturating adds sizes a and b (bytes, not negative), giving
// math.MaxInt64 where the sum would wrap: an over-full job stays over-full.
func addSaturating(a, b int64) int64 {
	if b > math.MaxInt64-a {
		return math.MaxInt64
	}
	return a + b
}

// refuseOutput fails job jobID because its output p (of n bytes) is over a
// size limit (over), and returns over for the worker (413). The limit is
// checked again inside the transaction that fails the job, against the
// outputs stored then and the limits of that moment, so that a limit raised
// meanwhile fails nothing. A job already ending, or ended, is left as it is.
// A failing job's other tasks are canceled and no other worker renders the
// task again: each would send the same bytes.
func (m *Manager) refuseOutput(jobID, p string, n int64, over *outputLimitError) error {
	err := m.update(func(o *op) error {
		jc, err := o.job(jobID)
		if err != nil {
			return err
		}
		s := jc.job.Status
		if s.Final() || s == model.JobFailRequested || s == model.JobCancelRequested {
			return nil
		}
		var others int64
		err = o.tx.Outputs(jobID, func(q string, e store.OutputEntry) bool {
			if q != p {
				others = addSaturating(others, e.Size)
			}
			return true
		})
		if err != nil {
			return err
		}
		perFile, perJob := o.m.current().FileLimits()
		now := outputOver(p, n, others, perFile, perJob)
		if now == nil {
			return nil
		}
		if err := o.failJob(jc, now.jobReason(p)); err != nil {
			return err
		}
		return o.settle(jc)
	})
	if err != nil {
		return errors.Join(over, fmt.Errorf("failing job %s for its outputs' size: %w", jobID, err))
	}
	return over
}
