package worker

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/model"
)

// stopTask stops the running task if it is taskID.
func (w *Worker) stopTask(taskID, reason string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.current == taskID && w.stop != nil {
		w.why = reason
		w.stop()
	}
}

// runTask runs a task's commands in order and reports the outcome.
func (w *Worker) runTask(ctx context.Context, a *wire.AssignedTask) {
	t := a.Task
	// The job's warm Blender (warm.go) renders its chunks; one of another job stops.
	taskCtx, cancel := context.WithCancel(withWarmPool(ctx, w.warmFor(ctx, a.Job.ID)))
	defer cancel()
	w.mu.Lock()
	w.current, w.stop, w.why = t.ID, cancel, ""
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		w.current, w.stop = "", nil
		w.mu.Unlock()
	}()
	w.log.Info("running task", "task", t.ID, "name", t.Name, "job", a.Job.Name)
	defer w.recordRunning(t)() // erased once the outcome is queued below

	logs := newLogBuffer(func(text string) { w.up.send(t.ID, wire.TaskUpdate{Log: text}) }, w.cfg.LogFlush)
	defer logs.close()
	logs.line(fmt.Sprintf("%s worker %s: starting task %s of job %q", stamp(), w.name(), t.Name, a.Job.Name))
	w.up.send(t.ID, wire.TaskUpdate{Status: model.ReportActive, Activity: "started on " + w.name()})

	go w.heartbeat(taskCtx, t.ID)

	failure := w.runJobTask(taskCtx, a, logs) // runCommands, with an uploaded job's files around it

	w.mu.Lock()
	why := w.why
	w.mu.Unlock()
	w.reportOutcome(t, logs, taskCtx.Err() != nil, why, failure)
}

// runCommands runs a's commands in order until one fails, and returns that
// failure (nil when all ran). It sends a step count each time a command
// completes a step. jobFiles is the folder of an uploaded job's files (see
// Env.JobFiles), else "".
func (w *Worker) runCommands(taskCtx context.Context, a *wire.AssignedTask, logs *logBuffer, jobFiles string) error {
	t := a.Task
	steps := 0
	for i, c := range t.Commands {
		run, ok := commands[c.Name]
		if !ok {
			return fmt.Errorf("command %d (%s) is unknown to this worker", i+1, c.Name)
		}
		stepsBefore := steps
		env := Env{
			Vars: []string{"FARMHAND_WORKER_NAME=" + w.name(), "FARMHAND_WORKER_ID=" + w.creds.WorkerID,
				"FARMHAND_TASK_ID=" + t.ID, "FARMHAND_JOB_ID=" + a.Job.ID},
			Log:      logs.line,
			Produced: func(path string) { w.shots.offer(t.ID, path) },
			Tools:    w.cfg.Tools,
			ProcDir:  w.procDir(),
			JobFiles: jobFiles,
			Step: func() {
				steps++
				logs.flush()
				n := steps
				w.up.send(t.ID, wire.TaskUpdate{StepsCompleted: &n})
			},
		}
		if err := run(taskCtx, env, c.Parameters); err != nil {
			return fmt.Errorf("command %d (%s): %w", i+1, c.Name, err)
		}
		// A command reports as many steps as it declared; one without its own
		// progress counts as done in one go.
		for steps < stepsBefore+c.Steps() {
			env.Step()
		}
	}
	return nil
}

// reportOutcome logs and queues how task t ended: stopped (for why, or
// because the worker shuts down) when stopped is set, else failed when failure
// is set, else completed.
func (w *Worker) reportOutcome(t *model.Task, logs *logBuffer, stopped bool, why string, failure error) {
	if !stopped {
		// The manager takes a task's image only while the task is this
		// worker's: its last frame goes before the report that it ended.
		ctx, cancel := context.WithTimeout(context.Background(), previewFlushWithin)
		w.shots.flush(ctx, t.ID)
		cancel()
	}
	switch {
	case stopped:
		if why == "" {
			why = "the worker is shutting down"
		}
		logs.line(fmt.Sprintf("%s worker %s: stopped: %s", stamp(), w.name(), why))
		logs.flush()
		w.up.send(t.ID, wire.TaskUpdate{Status: model.ReportStopped, Activity: "stopped: " + why})
		w.log.Info("task stopped", "task", t.ID, "why", why)
	case failure != nil:
		logs.line(fmt.Sprintf("%s worker %s: failed: %v", stamp(), w.name(), failure))
		logs.flush()
		w.up.send(t.ID, wire.TaskUpdate{Status: model.ReportFailed, Activity: truncate(failure.Error(), 200)})
		w.log.Warn("task failed", "task", t.ID, "err", failure)
	default:
		logs.line(fmt.Sprintf("%s worker %s: task completed", stamp(), w.name()))
		logs.flush()
		w.up.send(t.ID, wire.TaskUpdate{Status: model.ReportCompleted, Activity: "completed"})
		w.log.Info("task completed", "task", t.ID, "name", t.Name)
	}
}

// heartbeat asks the manager, while a task runs, whether it may go on. When the
// manager cannot be reached the task goes on: its result is still wanted.
func (w *Worker) heartbeat(ctx context.Context, taskID string) {
	tick := time.NewTicker(w.cfg.Heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		reply, err := w.cl.Heartbeat(ctx, taskID, hostStats())
		if err != nil {
			if s := client.StatusOf(err); s == http.StatusUnauthorized || s == http.StatusNotFound {
				w.stopTask(taskID, "the manager no longer knows this worker")
			}
			continue
		}
		if !reply.MayKeepRunning && w.up.pending() == 0 {
			// Only trust a "stop" once our own reports are delivered: the manager
			// may not have seen the task start yet.
			w.stopTask(taskID, reply.Reason)
		}
	}
}

func stamp() string { return time.Now().UTC().Format(time.RFC3339) }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// logBuffer collects a task's log lines and sends them in batches: every
// LogFlush, when a batch grows large, and at each step.
type logBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
	// flushing keeps batches in the order they were taken: the ticker's
	// flush and the task's own (before its final report) must not pass each
	// other, or a batch could reach the manager after the task ended, and be
	// refused.
	flushing sync.Mutex
	send     func(string)
	done     chan struct{}
	close    func()
}

const logBatchBytes = 32 << 10

func newLogBuffer(send func(string), every time.Duration) *logBuffer {
	lb := &logBuffer{send: send, done: make(chan struct{})}
	var once sync.Once
	lb.close = func() { once.Do(func() { close(lb.done); lb.flush() }) }
	go func() {
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-lb.done:
				return
			case <-tick.C:
				lb.flush()
			}
		}
	}()
	return lb
}

func (lb *logBuffer) line(s string) {
	lb.mu.Lock()
	lb.buf.WriteString(s)
	lb.buf.WriteByte('\n')
	full := lb.buf.Len() >= logBatchBytes
	lb.mu.Unlock()
	if full {
		lb.flush()
	}
}

func (lb *logBuffer) flush() {
	lb.flushing.Lock()
	defer lb.flushing.Unlock()
	lb.mu.Lock()
	text := lb.buf.String()
	lb.buf.Reset()
	lb.mu.Unlock()
	if text != "" {
		lb.send(text)
	}
}
