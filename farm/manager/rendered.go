package manager

import (
	"errors"
	"fmt"
	"strings"

	"farmhand/farm/model"
	"farmhand/farm/rendered"
	"farmhand/farm/store"
)

// ErrNothingRendered means the job or farm has no last-rendered image yet (404).
var ErrNothingRendered = fmt.Errorf("%w: nothing rendered yet", ErrNotFound)

// PutRendered stores an image a worker's renderer saved for its task as the
// job's (and the farm's) last-rendered image. Only the worker running the task
// may, so a late upload from a worker the task was taken from is refused.
func (m *Manager) PutRendered(workerID, taskID string, data []byte) (*model.RenderedImage, error) {
	var jobID string
	err := m.store.View(func(tx *store.Tx) error {
		t, err := tx.TaskByID(taskID)
		if err != nil {
			return err
		}
		if t.WorkerID != workerID || !t.Status.Running() {
			return fmt.Errorf("%w: task %s is %s", ErrNotYours, taskID, t.Status)
		}
		jobID = t.JobID
		return nil
	})
	if err != nil {
		return nil, err
	}
	img, err := m.rendered.Put(jobID, taskID, data)
	if errors.Is(err, rendered.ErrUnsupported) {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if err != nil {
		return nil, err
	}
	m.events.Publish(model.Event{Type: model.EventRendered, Rendered: img})
	return img, nil
}

// RenderedPath returns the file of a job's last-rendered image ("full" or
// "thumb").
func (m *Manager) RenderedPath(jobID, size string) (string, error) {
	if _, err := m.Job(jobID); err != nil {
		return "", err
	}
	p, err := m.rendered.Path(jobID, size)
	if errors.Is(err, rendered.ErrNone) {
		return "", ErrNothingRendered
	}
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return p, nil
}

// LatestRendered describes the farm's newest last-rendered image.
func (m *Manager) LatestRendered() (*model.RenderedImage, error) {
	img, err := m.rendered.Latest()
	if errors.Is(err, rendered.ErrNone) {
		return nil, ErrNothingRendered
	}
	return img, err
}

// SetPythonOverrides changes the Python lines a job's Blender commands run
// before rendering. Tasks dispatched from now on (a requeue, say) use them.
func (m *Manager) SetPythonOverrides(by Actor, jobID, lines string) (*model.Job, error) {
	job, err := m.changeJob(by, jobID, "job.python-overrides", fmt.Sprintf("%d lines", strings.Count(lines, "\n")+1), func(j *model.Job) error {
		j.PythonOverrides = lines
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("setting python overrides of job %s: %w", jobID, err)
	}
	return job, nil
}

// withOverrides returns the commands as a worker gets them: Blender renders
// run the job's Python overrides after loading the file, before rendering.
func withOverrides(j *model.Job, cmds []model.Command) []model.Command {
	if j.PythonOverrides == "" {
		return cmds
	}
	out := make([]model.Command, len(cmds))
	for i, c := range cmds {
		out[i] = c
		if c.Name != "blender-render" {
			continue
		}
		params := make(map[string]any, len(c.Parameters))
		for k, v := range c.Parameters {
			params[k] = v
		}
		args, _ := params["args"].([]any)
		params["args"] = append([]any{"--python-expr", j.PythonOverrides}, args...)
		out[i].Parameters = params
	}
	return out
}
