package ui

import (
	"context"
	"errors"
	"net/http"
	"time"

	"farmhand/farm/api/client"
	"farmhand/farm/model"
)

// flushEvery is how often a burst of events repaints the window: about 15
// times a second is smooth to the eye and leaves the UI goroutine free.
const flushEvery = 66 * time.Millisecond

// retryEvery is how soon a failed load is tried again.
const retryEvery = 3 * time.Second

// coalesce reads events and hands them to flush in batches, at most one batch
// per flushEvery. A quiet stream costs nothing; the first event of a burst
// waits at most flushEvery. It returns when in closes.
func coalesce(in <-chan model.Event, flush func([]model.Event)) {
	var batch []model.Event
	var tick <-chan time.Time
	for {
		select {
		case ev, ok := <-in:
			if !ok {
				if len(batch) > 0 {
					flush(batch)
				}
				return
			}
			batch = append(batch, ev)
			if tick == nil {
				tick = time.After(flushEvery)
			}
		case <-tick:
			flush(batch)
			batch, tick = nil, nil
		}
	}
}

// follow keeps the window live: it subscribes to the event stream, loads
// everything, and applies event batches on the UI goroutine.
func (u *UI) follow() {
	events := u.client.Events(u.ctx)
	go coalesce(events, func(b []model.Event) { u.do(func() { u.applyEvents(b) }) })
	// Load now, to show the farm (or that it does not answer) at once; the
	// stream's live event, once it stands, loads again, so that nothing that
	// changed in between is missed.
	u.reload()
	go u.tick()
}

// tick repaints the relative times ("12 s ago") while the window runs.
// Nothing is polled: workers' load and join requests come as events.
func (u *UI) tick() {
	t := time.NewTicker(repaintEvery)
	defer t.Stop()
	for {
		select {
		case <-u.ctx.Done():
			return
		case <-t.C:
			u.do(u.workers.table.w.Refresh)
		}
	}
}

// repaintEvery is how often relative times are repainted.
const repaintEvery = 2 * time.Second

// applyEvents applies one batch of events, in order, repainting each view
// once.
func (u *UI) applyEvents(evs []model.Event) {
	var jobs []*model.Job
	var deleted []string
	var tasks []*model.Task
	var workers []*model.Worker
	var goneWorkers []string
	var loads []*model.WorkerLoad
	var rendered *model.RenderedImage
	reloadTasks := false
	openJob := u.panel.tasks.jobID
	for _, ev := range evs {
		switch ev.Type {
		case model.EventLive, model.EventResync:
			u.reload()
		case model.EventJob:
			if ev.Job == nil {
				continue
			}
			if ev.Deleted {
				deleted = append(deleted, ev.Job.ID)
				continue
			}
			jobs = append(jobs, ev.Job)
			u.notifyJob(ev.Job)
			reloadTasks = reloadTasks || (ev.RefreshTasks && ev.Job.ID == openJob)
		case model.EventTask:
			if ev.Task != nil && ev.Task.JobID == openJob {
				tasks = append(tasks, ev.Task)
			}
		case model.EventRendered:
			if ev.Rendered != nil {
				rendered = ev.Rendered // a burst of frames shows only the last
			}
		case model.EventTaskLog:
			u.panel.log.appendChunk(ev.TaskLog)
		case model.EventWorkerLoad:
			if ev.Load != nil {
				loads = append(loads, ev.Load)
			}
		case model.EventMembers:
			if u.isAdmin() {
				u.workers.join.loadPending()
			}
		case model.EventSettings:
			u.settings.settingsChanged()
		case model.EventWorker:
			switch {
			case ev.Worker == nil:
			case ev.Deleted:
				goneWorkers = append(goneWorkers, ev.Worker.ID)
			default:
				workers = append(workers, ev.Worker)
			}
		}
	}
	if len(jobs) > 0 || len(deleted) > 0 {
		u.jobs.apply(jobs, deleted)
		u.panel.jobsChanged()
		u.showPendingJob()
	}
	u.panel.tasks.apply(tasks)
	if reloadTasks {
		u.panel.tasks.reload()
	}
	u.workers.apply(workers, goneWorkers)
	u.workers.setLoads(loads)
	if rendered != nil {
		u.rendered.newImage(rendered)
		u.panel.output.newImage(rendered)
	}
}

// reload fetches the jobs and workers (and the open job's tasks) anew: at
// start, after a resync, and after a failure until the manager answers.
func (u *UI) reload() {
	go func() {
		ctx, cancel := context.WithTimeout(u.ctx, actionTimeout)
		defer cancel()
		jobs, jerr := u.client.Jobs(ctx)
		workers, werr := u.client.Workers(ctx)
		me, err := u.client.Whoami(ctx)
		if err != nil {
			me = nil // the next poll asks again
		}
		u.do(func() {
			if !u.notPermitted(errors.Join(jerr, werr), me) {
				u.loaded(jobs, jerr, workers, werr)
			}
			if me != nil && u.me == nil && jerr == nil && werr == nil {
				u.setMe(me)
			}
		})
	}()
}

// notPermitted handles a manager that answers but refuses this member the
// farm's lists (a render node's worker role): it says what the role allows
// and how an admin changes it, rather than an error "trying again" for ever
// (found by a fresh-eyes try), and looks again now and then, so that a new
// role shows. It reports whether err was such a refusal.
func (u *UI) notPermitted(err error, me *model.Member) bool {
	var apiErr *client.Error
	if err == nil || !errors.As(err, &apiErr) || apiErr.Status != http.StatusForbidden {
		return false
	}
	if u.ctx.Err() != nil {
		return true // closing: nothing to say, nothing to retry
	}
	who, id := "This computer", "MEMBER_ID"
	if me != nil {
		who, id = me.Name+" ("+string(me.Role)+")", me.ID
	}
	u.status.notPermitted(who + " renders for the farm but may not see its jobs: an admin can let it, " +
		"in Workers → Join requests or with 'farmhand approve " + id + " --role artist'")
	if !u.retrying {
		u.retrying = true
		time.AfterFunc(4*retryEvery, func() {
			u.do(func() { u.retrying = false; u.reload() })
		})
	}
	return true
}

func (u *UI) loaded(jobs []*model.Job, jerr error, workers []*model.Worker, werr error) {
	if u.ctx.Err() != nil {
		return
	}
	if err := errors.Join(jerr, werr); err != nil {
		u.status.offline(explain(err, u.client.BaseURL()))
		if !u.retrying {
			u.retrying = true
			time.AfterFunc(retryEvery, func() {
				u.do(func() { u.retrying = false; u.reload() })
			})
		}
		return
	}
	u.status.online()
	u.jobs.setAll(jobs)
	u.panel.jobsChanged()
	u.showPendingJob()
	u.workers.setAll(workers)
	if u.panel.tasks.jobID != "" {
		u.panel.tasks.reload()
	}
	u.rendered.load()
	u.settings.load()
	if !u.started {
		u.started = true
		u.openStartView()
	}
}
