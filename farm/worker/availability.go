package worker

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"farmhand/farm/api/wire"
	"farmhand/farm/availability"
	"farmhand/farm/wol"
)

// StateUnavailable is the state while the worker's availability rules say
// not now (its person is at the computer, outside its schedule, a "don't
// render until…").
const StateUnavailable State = "unavailable"

// The parts of availability a test replaces: where idle time is read, how
// the computer is suspended, which MACs it has, how often rules are applied.
var (
	idleSource                   = availability.Detect
	suspender      wol.Suspender = wol.SystemSuspender{}
	macAddresses                 = wol.MACs
	availableEvery               = time.Second
	reportEvery                  = 5 * time.Second
)

// avail applies this worker's availability rules: it reads the idle time
// and load, evaluates the rules through a Gate (grace period included),
// tells the manager what they say (and learns the rules back), stops the
// running task when the rules say so, and suspends the computer when its
// rules opt in. Its state is guarded by mu; loop asks mayTakeWork.
type avail struct {
	w    *Worker
	src  availability.Source
	load loadMeter
	macs []string

	every, reportEvery time.Duration
	stopped            chan struct{} // closed when the goroutine has ended
	cancel             context.CancelFunc

	mu         sync.Mutex
	rules      availability.Rules
	gate       availability.Gate
	step       availability.Step
	reported   availability.Decision
	reportedAt time.Time
	lastWork   time.Time // when a task last ran, or the worker started
	// idleUnreadable is why the idle time cannot be read here, as of the
	// last reading ("" when it can): the manager refuses idle rules then.
	idleUnreadable string
	reportedIdle   string // idleUnreadable as last reported
}

// startAvailability evaluates the rules once (after asking the manager for
// them), then keeps applying them every availableEvery until ctx ends or
// stop is called.
func (w *Worker) startAvailability(ctx context.Context) *avail {
	ctx, cancel := context.WithCancel(ctx)
	a := &avail{w: w, src: idleSource(), lastWork: time.Now(), every: availableEvery, reportEvery: reportEvery,
		stopped: make(chan struct{}), cancel: cancel}
	if macs, err := macAddresses(); err == nil {
		a.macs = macs
	} else {
		w.log.Warn("listing network interfaces for Wake-on-LAN", "err", err)
	}
	a.noteIdle(a.src.Idle()) // tell the manager at once whether idle rules can hold here
	a.tick(ctx, time.Now())  // learn the rules before taking any work
	a.tick(ctx, time.Now())
	go func() {
		defer close(a.stopped)
		t := time.NewTicker(a.every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				if x, ok := a.src.(interface{ Close() }); ok {
					x.Close()
				}
				return
			case now := <-t.C:
				a.tick(ctx, now)
			}
		}
	}()
	return a
}

// stop ends the rules' goroutine and waits until it has ended.
func (a *avail) stop() {
	a.cancel()
	<-a.stopped
}

// mayTakeWork reports whether the rules let the worker ask for a task now.
func (a *avail) mayTakeWork() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.step.Available
}

// Current returns what the rules said at the last evaluation.
func (a *avail) Current() availability.Step {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.step
}

// tick is one round: evaluate, act on a running task, report, maybe suspend.
func (a *avail) tick(ctx context.Context, now time.Time) {
	a.mu.Lock()
	rules := a.rules
	var idle availability.Idle
	// Read also while it could not be read, to tell the manager once it can
	// (a display came): only then are idle rules taken.
	if rules.IdleAfter > 0 || rules.SuspendAfter > 0 || a.idleUnreadable != "" {
		idle = a.src.Idle()
		a.noteIdleLocked(idle)
	}
	var load availability.Load
	if rules.MaxOtherCPU > 0 || rules.MinFreeMemory > 0 {
		load = a.load.sample()
	}
	step := a.gate.Step(rules, now, idle, load)
	changed := step.Available != a.step.Available || step.Rule != a.step.Rule
	a.step = step
	report := changed || now.Sub(a.reportedAt) >= a.reportEvery || a.reportedAt.IsZero() || a.idleUnreadable != a.reportedIdle
	a.mu.Unlock()

	if changed {
		a.w.log.Info("availability changed", "available", step.Available, "rule", step.Rule, "detail", step.Detail)
	}
	task := a.w.runningTask()
	if task != "" {
		a.mu.Lock()
		a.lastWork = now
		a.mu.Unlock()
	}
	if step.StopTask && task != "" {
		a.w.stopTask(task, "this computer is not available to the farm now: "+step.Detail)
	}
	if report {
		a.report(ctx, step.Decision, now)
	}
	a.maybeSuspend(ctx, rules, idle, now, task)
}

// report tells the manager the decision and takes the rules it answers with.
// A failed report is tried again at the next tick; the rules stay as known.
func (a *avail) report(ctx context.Context, d availability.Decision, now time.Time) {
	if a.w.cl == nil {
		return
	}
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	a.mu.Lock()
	idle := a.idleUnreadable
	a.mu.Unlock()
	rules, err := a.w.cl.ReportAvailability(rctx, wire.AvailabilityReport{Decision: d, MACs: slices.Clone(a.macs), IdleUnreadable: idle})
	if err != nil {
		a.w.log.Debug("reporting availability; will retry", "err", err)
		return
	}
	a.mu.Lock()
	a.rules, a.reported, a.reportedAt, a.reportedIdle = rules, d, now, idle
	a.mu.Unlock()
}

// noteIdle remembers whether idle time could be read, for the reports.
func (a *avail) noteIdle(i availability.Idle) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.noteIdleLocked(i)
}

func (a *avail) noteIdleLocked(i availability.Idle) {
	a.idleUnreadable = ""
	if !i.Known {
		a.idleUnreadable = cmp.Or(i.Source, "no way to read it on this system")
	}
}

// maybeSuspend suspends the computer when its rules opt in (SuspendAfter),
// no task has run for that long, and nobody has used the computer for that
// long either (or its idle time cannot be read: a render node).
func (a *avail) maybeSuspend(ctx context.Context, rules availability.Rules, idle availability.Idle, now time.Time, task string) {
	after := rules.SuspendAfter.D()
	a.mu.Lock()
	quiet := now.Sub(a.lastWork)
	a.mu.Unlock()
	if after <= 0 || task != "" || quiet < after || (idle.Known && idle.Idle < after) {
		return
	}
	a.w.log.Info("suspending this computer: no work and nobody at it", "for", quiet.Round(time.Second))
	if err := suspender.Suspend(ctx); err != nil {
		a.w.log.Warn("suspending this computer", "err", err)
	}
	// Whether it slept or failed, wait as long again before the next try.
	a.mu.Lock()
	a.lastWork = now
	a.mu.Unlock()
}

// runningTask is the id of the task being run, "" when none.
func (w *Worker) runningTask() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.current
}
