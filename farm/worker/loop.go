package worker

import (
	"context"
	"errors"
	"net/http"
	"time"

	"farmhand/farm/api/client"
	"farmhand/farm/model"
)

// statsEvery is how often an idle worker reports its computer's load.
const statsEvery = 5 * time.Second

// nudges turns the manager's event stream into wake-ups for an idle worker, so
// new work starts at once rather than at the next poll. Polling stays as the
// fallback: a lost stream only costs latency.
func (w *Worker) nudges(ctx context.Context) <-chan struct{} {
	out := make(chan struct{}, 1)
	go func() {
		for ev := range w.cl.Events(ctx) {
			w.noteJobEvent(ev)
			if wakesIdleWorkers(ev) {
				select {
				case out <- struct{}{}:
				default:
				}
			}
		}
	}()
	return out
}

// wakesIdleWorkers reports whether ev may mean new work: a job (re)entering
// the queue, a task going back to it, or missed events.
func wakesIdleWorkers(ev model.Event) bool {
	switch ev.Type {
	case model.EventJob:
		return ev.Job != nil && ev.Job.Status == model.JobQueued
	case model.EventTask:
		return ev.Task != nil && ev.Task.Status.Schedulable()
	case model.EventResync, model.EventLive:
		return true
	}
	return false
}

// relocate asks Locate where the manager is now and moves there; it reports
// whether the address changed.
func (w *Worker) relocate(ctx context.Context) bool {
	if w.cfg.Locate == nil {
		return false
	}
	url, err := w.cfg.Locate(ctx, w.creds.ManagerID)
	if err != nil || url == w.cfg.Client.BaseURL() {
		return false
	}
	w.log.Info("manager found at a new address", "was", w.cfg.Client.BaseURL(), "now", url)
	w.cfg.Client.SetBaseURL(url)
	return true
}

// loop asks for tasks and runs them until ctx ends, or until the manager asks
// the worker to shut down or restart (it returns ErrShutdownRequested or
// ErrRestartRequested then). Asleep or paused, it only asks, every AsleepPoll,
// whether it is woken.
func (w *Worker) loop(ctx context.Context, nudge <-chan struct{}) error {
	backoff := retryMin
	var lastStats time.Time
	av := w.startAvailability(ctx) // availability.go
	defer av.stop()
	for ctx.Err() == nil {
		// Deliver every report before taking new work: the manager would
		// otherwise still see the last task as running here and hand it back.
		if !w.up.flush(ctx) {
			return nil
		}
		if w.status == model.WorkerAwake && w.pauseWanted() {
			if err := w.changeStatus(ctx, model.WorkerPaused); err != nil {
				return err
			}
			w.pausedHere = w.status == model.WorkerPaused
		}
		if w.status != model.WorkerAwake {
			if err := w.doze(ctx); err != nil {
				return err
			}
			continue
		}
		if time.Since(lastStats) >= statsEvery {
			// Between tasks a worker asks for work rather than beats, and short
			// tasks end before their first heartbeat: its load goes with a
			// heartbeat of its own now and then. A lost one costs nothing: the
			// request for work just below finds out what is wrong.
			_, _ = w.cl.Heartbeat(ctx, "", hostStats())
			lastStats = time.Now()
		}
		if !av.mayTakeWork() {
			// The rules say not now: ask for nothing, look again shortly.
			w.setState(StateUnavailable)
			select {
			case <-ctx.Done():
			case <-time.After(w.cfg.IdlePoll):
			}
			continue
		}
		a, change, err := w.cl.Schedule(ctx)
		var wait time.Duration
		switch {
		case change != nil:
			if err := w.changeStatus(ctx, change.StatusRequested); err != nil {
				return err
			}
			continue
		case err == nil && a != nil:
			backoff = retryMin
			w.setState(StateRendering)
			w.runTask(ctx, a)
			continue
		case err == nil:
			w.setState(StateIdle)
			w.sweepJobFolders(ctx)
			wait = w.cfg.IdlePoll
		case client.StatusOf(err) == http.StatusConflict:
			// Not awake in the manager's eyes (marked lost while unreachable):
			// signing on again sets that right.
			w.log.Warn("manager says this worker is not awake; signing on again", "err", err)
			if stop, err := w.signOnAgain(ctx); stop {
				return err
			}
			continue
		case client.StatusOf(err) == http.StatusUnauthorized:
			// Revoked, or the manager lost its database: signOn finds out which.
			w.log.Warn("manager no longer accepts this worker's token", "err", err)
			if stop, err := w.signOnAgain(ctx); stop {
				return err
			}
			continue
		default:
			if ctx.Err() != nil {
				return nil
			}
			wait = w.unreachable(ctx, err, &backoff)
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		case <-nudge:
		}
	}
	return nil
}

// signOnAgain signs on anew when the manager no longer takes this worker as
// awake or no longer accepts its token. It reports whether loop must stop, and
// with what: ErrNotAdmitted when the membership was revoked meanwhile (say so
// and stop, rather than sit silent), nil when ctx ended.
func (w *Worker) signOnAgain(ctx context.Context) (stop bool, err error) {
	if err := w.signOn(ctx); err != nil {
		if errors.Is(err, ErrNotAdmitted) {
			return true, err
		}
		return true, nil
	}
	return false, nil
}

// unreachable notes that asking for work failed with err and returns how long
// to wait before asking again: *backoff, which it doubles up to retryMax, or
// nothing when Locate found the manager at a new address.
func (w *Worker) unreachable(ctx context.Context, err error, backoff *time.Duration) time.Duration {
	wait := *backoff
	*backoff = min(*backoff*2, retryMax)
	w.setState(StateUnreachable)
	w.log.Warn("asking for work failed; retrying", "retry_in", wait, "err", err)
	if w.relocate(ctx) {
		return 0
	}
	return wait
}

func (w *Worker) pauseWanted() bool { return w.cfg.PauseRequested != nil && w.cfg.PauseRequested() }

// doze is one round of an asleep or paused worker: ask whether anything is
// asked of it, then wait a little.
func (w *Worker) doze(ctx context.Context) error {
	if w.status == model.WorkerPaused {
		w.setState(StatePaused)
	} else {
		w.setState(StateAsleep)
	}
	if w.status == model.WorkerPaused && w.pausedHere && !w.pauseWanted() {
		w.pausedHere = false
		return w.changeStatus(ctx, model.WorkerAwake)
	}
	hb, err := w.cl.Heartbeat(ctx, "", hostStats())
	if err == nil && hb.StatusRequested != "" && hb.StatusRequested != w.status {
		w.pausedHere = false // the manager decides now
		return w.changeStatus(ctx, hb.StatusRequested)
	}
	if err == nil && hb.Status.Reachable() {
		w.status = hb.Status
	}
	select {
	case <-ctx.Done():
	case <-time.After(w.cfg.AsleepPoll):
	}
	return nil
}

// changeStatus does what the manager asks: switch to awake, asleep or paused
// (and say so), or stop for a shutdown or restart.
func (w *Worker) changeStatus(ctx context.Context, s model.WorkerStatus) error {
	switch s {
	case model.WorkerOffline:
		return ErrShutdownRequested
	case model.WorkerRestartRequested:
		return ErrRestartRequested
	case model.WorkerUpgradeRequested:
		return w.upgrade(ctx) // upgrade.go
	case model.WorkerAwake, model.WorkerAsleep, model.WorkerPaused:
		if _, err := w.cl.ReportStatus(ctx, s); err != nil {
			w.log.Warn("reporting status change; will retry", "status", s, "err", err)
			return nil
		}
		w.log.Info("status changed as the manager asked", "status", s)
		w.status = s
		return nil
	}
	w.log.Warn("manager asked for an unknown status; ignoring it", "status", s)
	return nil
}
