package manager

import (
	"fmt"
	"maps"

	"farmhand/farm/model"
	"farmhand/farm/sched"
	"farmhand/farm/store"
)

// Reason codes of a WhyReport about Blender versions (a job's
// blender_version setting, see model.BlenderRequirement).
const (
	// WhyLacksBlender: this worker has no Blender of the version the job asks for.
	WhyLacksBlender = "lacks-blender-version"
	// WhyNoWorkerBlender: no worker of the farm has it; the task waits for one.
	WhyNoWorkerBlender = "no-worker-has-blender-version"
	// WhyBadBlenderVersion: the job's blender_version is not a version requirement.
	WhyBadBlenderVersion = "bad-blender-version"
)

// blenderParam is the parameter the manager adds to a job's blender-render
// commands when the job asks for a Blender version, so that the worker
// renders with its matching Blender rather than its default one.
const blenderParam = "blender_version"

// maxBlenderSkips bounds how many picked tasks Schedule sets aside because
// the worker lacks their job's Blender version before it gives up for this
// call: the index picks task by task, not job by job, so a worker without
// 3.4 facing a large job that needs it sees that job's tasks first. Beyond
// this many, the worker asks again at its next poll.
const maxBlenderSkips = 64

// hasBlenderFor reports whether worker w has a Blender that meets the
// requirement; with no requirement every worker does.
func hasBlenderFor(w *model.Worker, req model.BlenderRequirement) bool {
	if req.Any() {
		return true
	}
	for _, b := range w.Blenders {
		if req.Matches(b.Version) {
			return true
		}
	}
	return false
}

// blenderReasons calls add (as checkWorker does) with why worker w cannot
// run job j's tasks for want of a Blender version; not at all when it can.
func blenderReasons(w *model.Worker, j *model.Job, add func(code, format string, args ...any)) {
	req, err := model.JobBlenderRequirement(j)
	if err != nil {
		add(WhyBadBlenderVersion, "the job's %v", err)
		return
	}
	if hasBlenderFor(w, req) {
		return
	}
	have := "none reported"
	if len(w.Blenders) > 0 {
		have = ""
		for i, b := range w.Blenders {
			if i > 0 {
				have += ", "
			}
			have += b.Version
		}
	}
	add(WhyLacksBlender, "%s has no Blender %s, which the job requires (it has: %s)", w.Name, req, have)
}

// noWorkerHasBlender is the farm-wide reason for a job whose Blender version
// no worker has, or nil when some worker has it (or the job asks for none).
func noWorkerHasBlender(j *model.Job, workers []*model.Worker) *model.Reason {
	req, err := model.JobBlenderRequirement(j)
	if err != nil || req.Any() {
		return nil // a malformed setting is each worker's reason already
	}
	for _, w := range workers {
		if hasBlenderFor(w, req) {
			return nil
		}
	}
	return &model.Reason{Code: WhyNoWorkerBlender, Message: fmt.Sprintf("no worker has Blender %s, which the job requires "+
		"(a worker lists the Blenders it found; give it more with --blender PATH)", req)}
}

// pickFor picks the best ready task for worker w, as the index's Pick does,
// passing over tasks of jobs that ask for a Blender version w lacks (at most
// maxBlenderSkips of them; they are released again before it returns).
func (m *Manager) pickFor(want sched.Worker, w *model.Worker) (sched.Candidate, bool) {
	var skipped []sched.Candidate
	defer func() {
		for _, c := range skipped {
			m.index.Release(c)
		}
	}()
	fits := map[string]bool{}
	for range maxBlenderSkips + 1 {
		c, ok := m.index.Pick(want)
		if !ok {
			return c, false
		}
		fit, known := fits[c.JobID]
		if !known {
			fit = m.jobFits(c.JobID, w)
			fits[c.JobID] = fit
		}
		if fit {
			return c, true
		}
		skipped = append(skipped, c)
	}
	return sched.Candidate{}, false
}

// jobFits reports whether w has the Blender job jobID asks for. A job that
// cannot be read is left to assign, which finds out the same way.
func (m *Manager) jobFits(jobID string, w *model.Worker) bool {
	var j *model.Job
	if err := m.store.View(func(tx *store.Tx) (err error) { j, err = m.peekJob(tx, jobID); return err }); err != nil {
		return true
	}
	ok := true
	blenderReasons(w, j, func(string, string, ...any) { ok = false })
	return ok
}

// renderCommandsFor is commandsFor (the commands as worker w runs them), with
// the job's Blender version requirement added to its blender-render commands
// as their blender_version parameter.
func (m *Manager) renderCommandsFor(j *model.Job, cmds []model.Command, w *model.Worker) ([]model.Command, error) {
	cmds, err := m.commandsFor(j, cmds, w)
	if err != nil {
		return nil, err
	}
	req, err := model.JobBlenderRequirement(j)
	if err != nil || req.Any() {
		return cmds, nil
	}
	out := make([]model.Command, len(cmds))
	for i, c := range cmds {
		if c.Name == "blender-render" {
			c.Parameters = maps.Clone(c.Parameters)
			if c.Parameters == nil {
				c.Parameters = map[string]any{}
			}
			c.Parameters[blenderParam] = req.String()
		}
		out[i] = c
	}
	return out, nil
}
