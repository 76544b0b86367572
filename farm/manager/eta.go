package manager

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"farmhand/farm/model"
)

// A job's time per frame and ETA (model.TimePerFrame, model.ETA) live in its
// record and change in the transaction that changes its tasks, so that bbolt
// stays the one truth: a manager restart loses nothing, and no start-up scan
// of every completed task is needed. The record keeps a bounded window of
// samples, not every one.

// frameChange is a task of the job that became completed, or stopped being
// completed (requeued), in this op; flush turns them into the job's frame
// counts and samples (updateETA).
type frameChange struct {
	index     int
	completed bool
	workerID  string
	started   time.Time
	frames    int // -1 until read
}

// noteFrames records a task's move into or out of completed, for updateETA;
// setTaskStatus calls it on every status change.
func (o *op) noteFrames(jc *jobChange, t *model.Task, from, to model.TaskStatus) {
	if from != model.TaskCompleted && to != model.TaskCompleted {
		return
	}
	jc.frames = append(jc.frames, frameChange{index: t.Index, completed: to == model.TaskCompleted,
		workerID: t.WorkerID, started: t.Started, frames: -1})
}

// updateETA brings the job's frame counts, time per frame and ETA up to date
// with this op's changes; flush calls it for every job it writes. The first
// time, it counts the frames of every task (a job submitted before ETAs, or
// not yet changed since submission).
func (o *op) updateETA(jc *jobChange) error {
	j := jc.job
	var prev model.ETA
	if j.ETA != nil {
		prev = *j.ETA
	}
	timed := timedTasks(j)
	if j.ETA == nil {
		if jc.archived {
			return nil // its tasks are gone: nothing to count
		}
		if err := o.countFrames(jc); err != nil {
			return err
		}
	} else {
		for i, c := range jc.frames {
			frames, err := o.taskFrames(jc, c.index)
			if err != nil {
				return err
			}
			jc.frames[i].frames = frames
			if c.completed {
				j.ETA.FramesDone += frames
			} else {
				j.ETA.FramesDone -= frames
			}
		}
	}
	for _, c := range jc.frames {
		if err := o.sampleFrames(jc, c); err != nil {
			return err
		}
	}
	jc.frames = nil
	j.ETA.FramesDone = min(max(j.ETA.FramesDone, 0), j.ETA.FramesTotal)
	j.ETA.FramesLeft = j.ETA.FramesTotal - j.ETA.FramesDone
	return o.estimate(jc, prev, timedTasks(j) != timed)
}

func timedTasks(j *model.Job) int {
	if j.TimePerFrame == nil {
		return 0
	}
	return j.TimePerFrame.Tasks
}

// countFrames sets up the job's ETA from its tasks as they are now: its unit,
// the task type that renders frames, and the frames in all and done.
func (o *op) countFrames(jc *jobChange) error {
	j := jc.job
	var tally frameTally
	var bad error
	err := o.tx.Tasks(j.ID, func(t *model.Task) bool {
		if cached, ok := jc.tasks[t.Index]; ok {
			t = cached // changed by this op
		}
		cmds, err := o.tx.TaskCommands(j.ID, t.Index)
		if err != nil {
			bad = err
			return false
		}
		tally.add(t, cmds)
		return true
	})
	if err = cmp.Or(err, bad); err != nil {
		return fmt.Errorf("counting the frames of job %s: %w", j.ID, err)
	}
	j.ETA = tally.eta()
	return nil
}

// setNewETA gives a job about to be stored with these tasks (with their
// commands) its ETA, so that a new job shows its frames at once rather than
// from its first change; Submit is where it belongs.
func setNewETA(j *model.Job, tasks []*model.Task) {
	var tally frameTally
	for _, t := range tasks {
		tally.add(t, t.Commands)
	}
	j.ETA = tally.eta()
	j.ETA.AsOf, j.ETA.Reason = j.Created, "no task has completed yet"
	if !j.Status.Runnable() {
		j.ETA.Reason = fmt.Sprintf("the job is %s", j.Status)
	}
}

// frameTally counts a job's frames task by task: the frames of its
// blender-render commands, or its tasks when none has any.
type frameTally struct {
	frames, framesDone, tasks, tasksDone int
	frameType, firstType                 string
}

func (f *frameTally) add(t *model.Task, cmds []model.Command) {
	done := t.Status == model.TaskCompleted
	if f.tasks == 0 {
		f.firstType = t.Type
	}
	f.tasks++
	if done {
		f.tasksDone++
	}
	n := model.Frames(cmds)
	if n > 0 && f.frameType == "" {
		f.frameType = t.Type
	}
	f.frames += n
	if done {
		f.framesDone += n
	}
}

func (f *frameTally) eta() *model.ETA {
	if f.frames == 0 {
		return &model.ETA{Unit: model.UnitTask, TaskType: f.firstType, FramesTotal: f.tasks, FramesDone: f.tasksDone,
			FramesLeft: f.tasks - f.tasksDone}
	}
	return &model.ETA{Unit: model.UnitFrame, TaskType: f.frameType, FramesTotal: f.frames, FramesDone: f.framesDone,
		FramesLeft: f.frames - f.framesDone}
}

// taskFrames is how many frames (tasks, for UnitTask jobs) task index counts for.
func (o *op) taskFrames(jc *jobChange, index int) (int, error) {
	if jc.job.ETA.Unit == model.UnitTask {
		return 1, nil
	}
	cmds, err := o.tx.TaskCommands(jc.job.ID, index)
	if err != nil {
		return 0, fmt.Errorf("counting the frames of task %s: %w", model.TaskID(jc.job.ID, index), err)
	}
	return model.Frames(cmds), nil
}

// sampleFrames adds a completed task's seconds per frame to the job's time
// per frame: from its assignment (Started) to now, over its frames. Tasks
// that render no frames (a video task) and tasks never timed add nothing.
func (o *op) sampleFrames(jc *jobChange, c frameChange) error {
	if !c.completed || c.started.IsZero() || c.workerID == "" {
		return nil
	}
	frames := c.frames
	if frames < 0 {
		var err error
		if frames, err = o.taskFrames(jc, c.index); err != nil {
			return err
		}
	}
	if frames == 0 {
		return nil
	}
	seconds := o.now.Sub(c.started).Seconds()
	if seconds < 0 {
		return nil // the clock went back; this sample would lie
	}
	j := jc.job
	j.TimePerFrame = j.TimePerFrame.Added(j.ETA.Unit, c.workerID, o.workerName(c.workerID), frames, seconds, o.now)
	return nil
}

// workerName names a worker for the job's record, without loading it into
// the op (flush would write it back); its id when it is gone.
func (o *op) workerName(id string) string {
	if w, ok := o.workers[id]; ok {
		return w.Name
	}
	if w, err := o.m.storedWorker(o.tx, id); err == nil {
		return w.Name
	}
	return id
}

// estimate sets the job's ETA from its frames left, its median time per
// frame and the workers that could run it now. When none of these changed
// since prev (a frame rendered, a log line) the finish time stays as it was:
// frames count when their task completes, so estimating anew from now would
// push the finish out by the time the running tasks have already put in.
// sampled says that the time per frame changed.
func (o *op) estimate(jc *jobChange, prev model.ETA, sampled bool) error {
	j, e := jc.job, jc.job.ETA
	e.AsOf, e.Known, e.Reason, e.SecondsLeft, e.Finish = o.now, false, "", 0, time.Time{}
	n, err := o.ableWorkers(jc)
	if err != nil {
		return err
	}
	e.Workers = n
	switch {
	case e.FramesLeft == 0:
		e.Known, e.Finish = true, o.now
	case !j.Status.Runnable():
		e.Reason = fmt.Sprintf("the job is %s", j.Status)
	case j.TimePerFrame == nil || len(j.TimePerFrame.Recent) == 0:
		e.Reason = "no task has completed yet"
	case n == 0:
		e.Reason = fmt.Sprintf("no worker can run its %s tasks now", e.TaskType)
	default:
		e.Known = true
		if prev.Known && !sampled && prev.FramesLeft == e.FramesLeft && prev.Workers == n {
			e.AsOf, e.SecondsLeft, e.Finish = prev.AsOf, prev.SecondsLeft, prev.Finish
			break
		}
		e.SecondsLeft = float64(e.FramesLeft) * j.TimePerFrame.MedianSeconds / float64(n)
		e.Finish = o.now.Add(time.Duration(e.SecondsLeft * float64(time.Second)))
	}
	return nil
}

// ableWorkers counts the workers that could run the job's frame tasks now:
// awake, and what whyNot asks of a worker at this moment, but for being busy
// with another task (it comes to this job's tasks after) and for failures of
// one particular task. The op's own changes to workers count.
func (o *op) ableWorkers(jc *jobChange) (int, error) {
	counts, key := o.ableCounts(), ableKey(jc.job)
	if c, ok := counts[jc.job.ID]; ok && c.key == key && !o.changedEligibility() {
		return c.n, nil
	}
	probe := &model.Task{Type: jc.job.ETA.TaskType}
	able := func(w *model.Worker) bool {
		if w.Status != model.WorkerAwake || slices.Contains(o.deletedWorkers, w.ID) {
			return false
		}
		return !keptFrom(w, jc.job, probe, true, WhyBusy)
	}
	n := 0
	err := o.storedWorkers(func(w *model.Worker) bool {
		if _, changed := o.workers[w.ID]; !changed && able(w) {
			n++
		}
		return true
	})
	if err != nil {
		return 0, fmt.Errorf("counting the workers for job %s: %w", jc.job.ID, err)
	}
	for _, w := range o.workers { // changed (or signed on) in this op, not yet written
		if able(w) {
			n++
		}
	}
	counts[jc.job.ID] = ableCount{key: key, n: n}
	return n, nil
}
