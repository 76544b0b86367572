// Package worker is the worker runner: it registers with a manager, asks for
// tasks, runs their commands, streams logs and progress back, and keeps doing so
// across network trouble. It talks to the manager only through the API client.
package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/model"
)

// Retry and polling intervals.
const (
	retryMin = 500 * time.Millisecond
	retryMax = 30 * time.Second
)

// statsEvery is how often an idle worker reports its computer's load.
const statsEvery = 5 * time.Second

// Run returns these when the manager asked the worker to go: the program then
// exits 0 (shutdown) or with its restart exit code, for a service manager to
// start it again.
var (
	ErrShutdownRequested = errors.New("the manager asked this worker to shut down")
	ErrRestartRequested  = errors.New("the manager asked this worker to restart")
	// ErrNotAdmitted: the farm rejected this worker's request to join, or
	// revoked its membership; an admin must let it in again.
	ErrNotAdmitted = errors.New("this worker is not admitted to the farm")
)

// errPending: the join request waits for an admin; the worker asks again.
var errPending = errors.New("waiting for an admin to approve this worker")

// Config sets up a worker. Zero values take the defaults.
type Config struct {
	Client  *client.Client
	DataDir string
	Name    string
	Tags    []string
	Version string
	Logger  *slog.Logger
	// Heartbeat is how often a running task is checked with the manager; a
	// canceled task stops within Heartbeat plus stopGrace.
	Heartbeat time.Duration
	// IdlePoll is how long an idle worker waits before asking for work again.
	IdlePoll time.Duration
	// LogFlush is how long task log lines may wait before they are sent.
	LogFlush time.Duration
	// AsleepPoll is how often an asleep or paused worker asks whether it is
	// woken; it wakes within about this long.
	AsleepPoll time.Duration
	// OnState, if set, is called whenever State changes.
	OnState func(State)
	// Tools are the programs this worker found; they decide which task types
	// it offers (see FindTools).
	Tools Tools
	// ExtraTaskTypes are task types this worker offers besides the ones its
	// Tools give, for job types with task types of their own (Flamenco's
	// "blender-gpu" and the like): the studio vouches that this computer runs
	// their commands.
	ExtraTaskTypes []string
	// JoinCode, if set, admits the worker to the farm without an admin's click.
	JoinCode string
	// Locate, when set, finds the manager's current address (mDNS): the worker
	// asks it whenever the manager does not answer, so a manager restarted on
	// a new address is found again. It gets the farm this worker belongs to
	// ("" before it joined one).
	Locate func(ctx context.Context, managerID string) (string, error)
	// Wants is the role asked for when joining: a workstation whose windows
	// show the farm asks for artist, a render node for worker (the default).
	Wants model.Role
	// PauseRequested, when set, says whether this computer's person wants the
	// worker to take no new work (the tray's "Pause after current task"): the
	// worker finishes its task, then switches itself to paused, and back to
	// awake when the person changes their mind.
	PauseRequested func() bool
}

// Worker runs tasks for one manager.
type Worker struct {
	cfg   Config
	log   *slog.Logger
	cl    *client.Client // authenticated as this worker once registered
	creds credentials
	up    *upstream
	shots *uploader

	state atomic.Value // State

	status model.WorkerStatus // awake, asleep or paused, as last agreed with the manager
	// pausedHere: the paused status is this computer's doing (PauseRequested),
	// not the manager's, so this computer may lift it.
	pausedHere bool

	mu      sync.Mutex
	current string             // task being run
	stop    context.CancelFunc // stops the current task
	why     string             // why it was stopped
}

// State is what a worker is doing, for the tray icon and status lines.
type State string

// Worker states.
const (
	StateStarting    State = "starting"    // not signed on yet
	StateIdle        State = "idle"        // waiting for work
	StateRendering   State = "rendering"   // running a task
	StateAsleep      State = "asleep"      // told to take no work
	StatePaused      State = "paused"      // a person said "not now"
	StateUnreachable State = "unreachable" // the manager does not answer
	StateStopped     State = "stopped"
)

// State returns what the worker is doing now.
func (w *Worker) State() State {
	if s, ok := w.state.Load().(State); ok {
		return s
	}
	return StateStopped
}

func (w *Worker) setState(s State) {
	if w.State() != s {
		w.state.Store(s)
		if w.cfg.OnState != nil {
			w.cfg.OnState(s)
		}
	}
}

// credentials are kept in the data dir, so a restarted worker is the same
// worker to the manager.
type credentials struct {
	ManagerID string `json:"manager_id"`
	WorkerID  string `json:"worker_id"`
	Token     string `json:"token"`
}

// New returns a worker; Run starts it.
func New(cfg Config) *Worker {
	if cfg.Name == "" {
		cfg.Name, _ = os.Hostname()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = time.Second
	}
	if cfg.IdlePoll <= 0 {
		cfg.IdlePoll = 2 * time.Second
	}
	if cfg.LogFlush <= 0 {
		cfg.LogFlush = 500 * time.Millisecond
	}
	if cfg.AsleepPoll <= 0 {
		cfg.AsleepPoll = time.Second
	}
	return &Worker{cfg: cfg, log: cfg.Logger.With("worker", cfg.Name)}
}

func (w *Worker) credentialsPath() string { return filepath.Join(w.cfg.DataDir, "worker.json") }

func (w *Worker) registration() wire.WorkerRegistration {
	return wire.WorkerRegistration{Name: w.cfg.Name, Platform: runtime.GOOS, Version: w.cfg.Version,
		TaskTypes: w.taskTypes(), Tags: w.cfg.Tags}
}

// taskTypes are the task types this worker offers: its tools' and the extra
// ones it was given, each once, in that order.
func (w *Worker) taskTypes() []string {
	types := w.cfg.Tools.TaskTypes()
	for _, t := range w.cfg.ExtraTaskTypes {
		if t != "" && !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	return types
}

// Run works until ctx ends, then stops the running task, delivers what is
// pending (for a few seconds at most) and signs off.
func (w *Worker) Run(ctx context.Context) error {
	w.setState(StateStarting)
	defer w.setState(StateStopped)
	// Processes an earlier run left behind (it was killed) must not render on
	// beside the tasks this run takes.
	if err := KillLeftovers(w.procDir(), w.log); err != nil {
		w.log.Warn("stopping processes left by an earlier run", "err", err)
	}
	if err := w.signOn(ctx); err != nil {
		if errors.Is(err, ErrNotAdmitted) {
			w.log.Error("not admitted to the farm", "err", err)
		}
		return err
	}
	upCtx, stopUp := context.WithCancel(context.Background())
	defer stopUp()
	w.up = newUpstream(w.cl, w.log)
	w.up.refused = func(taskID string) { w.stopTask(taskID, "the manager gave the task to someone else") }
	w.up.stopRunning = w.stopTask
	go w.up.run(upCtx)
	if err := w.reportLostTask(); err != nil {
		w.log.Warn("reporting the task an earlier run lost", "err", err)
	}
	w.shots = newUploader(w.cl, w.log)
	go w.shots.run(ctx)

	loopErr := w.loop(ctx, w.nudges(ctx))

	done, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if !w.up.flush(done) {
		w.log.Warn("manager unreachable at shutdown; dropping undelivered task updates", "pending", w.up.pending())
	}
	if errors.Is(loopErr, ErrNotAdmitted) {
		w.log.Error("stopped: this worker's access to the farm was revoked", "err", loopErr)
	} else if err := w.cl.SignOff(done); err != nil {
		w.log.Warn("signing off", "err", err)
	}
	w.log.Info("worker stopped", "why", orContext(loopErr))
	return loopErr
}

func orContext(err error) string {
	if err == nil {
		return "asked to stop"
	}
	return err.Error()
}

// signOn joins the farm if this worker is not a member yet, waits for an
// admin's approval, then signs on; it retries until the manager answers.
func (w *Worker) signOn(ctx context.Context) error {
	if b, err := os.ReadFile(w.credentialsPath()); err == nil {
		if err := json.Unmarshal(b, &w.creds); err != nil {
			w.log.Warn("ignoring unreadable credentials; joining anew", "file", w.credentialsPath(), "err", err)
		}
	}
	backoff := retryMin
	told := false
	for {
		err := w.trySignOn(ctx)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, ErrNotAdmitted):
			w.setState(StateStopped)
			return err
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, errPending):
			if !told {
				w.log.Warn("waiting for approval: on the manager run 'farmhand approve "+w.creds.WorkerID+"', or start this worker with --join CODE (see 'farmhand joincode')",
					"worker", w.creds.WorkerID)
				told = true
			}
			backoff = 2 * time.Second
		default:
			w.setState(StateUnreachable)
			w.log.Warn("cannot sign on yet; retrying", "manager", w.cfg.Client.BaseURL(), "retry_in", backoff, "err", err)
			w.relocate(ctx)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		if !errors.Is(err, errPending) {
			backoff = min(backoff*2, retryMax)
		}
	}
}

func (w *Worker) trySignOn(ctx context.Context) error {
	v, err := w.cfg.Client.Version(ctx)
	if err != nil {
		return err
	}
	if v.APIVersion != wire.APIVersion {
		return fmt.Errorf("manager speaks API version %d, this worker needs %d: run the same Farmhand version on both", v.APIVersion, wire.APIVersion)
	}
	if w.creds.ManagerID != v.ManagerID || w.creds.Token == "" {
		if err := w.join(ctx, v.ManagerID); err != nil {
			return err
		}
	}
	member := w.cfg.Client.WithToken(w.creds.Token)
	st, err := member.JoinStatus(ctx)
	if client.StatusOf(err) == http.StatusUnauthorized {
		w.creds = credentials{} // the manager forgot us (a new database): join again
		return fmt.Errorf("manager does not know this worker any more: %w", err)
	}
	if err != nil {
		return fmt.Errorf("asking about the join request: %w", err)
	}
	switch st.Status {
	case model.MemberPending:
		return errPending
	case model.MemberRejected, model.MemberRevoked:
		return fmt.Errorf("%w: its membership was %s on the manager; an admin must approve a new join request (delete %s to ask again)",
			ErrNotAdmitted, st.Status, w.credentialsPath())
	}
	w.cl = w.cfg.Client.AsWorker(w.creds.WorkerID, w.creds.Token)
	me, err := w.cl.SignOn(ctx, w.registration())
	if err != nil {
		return fmt.Errorf("signing on: %w", err)
	}
	w.status = me.Status // a worker sent to sleep comes back asleep
	w.log.Info("signed on", "manager", w.cfg.Client.BaseURL(), "task_types", me.TaskTypes, "status", me.Status)
	return nil
}

// join asks the farm to let this worker in and keeps the token it gets.
func (w *Worker) join(ctx context.Context, managerID string) error {
	wants := w.cfg.Wants
	if wants == "" {
		wants = model.RoleWorker
	}
	j, err := w.cfg.Client.Join(ctx, wire.JoinRequest{Name: w.cfg.Name, Platform: runtime.GOOS, Wants: wants, JoinCode: w.cfg.JoinCode})
	if client.StatusOf(err) == http.StatusUnauthorized {
		return fmt.Errorf("%w: the join code was not accepted: %v", ErrNotAdmitted, err)
	}
	if err != nil {
		return fmt.Errorf("asking to join the farm: %w", err)
	}
	w.creds = credentials{ManagerID: managerID, WorkerID: j.Member.ID, Token: j.Token}
	if err := w.saveCredentials(); err != nil {
		return err
	}
	w.log.Info("asked to join the farm", "manager", w.cfg.Client.BaseURL(), "member", j.Member.ID, "status", j.Member.Status)
	return nil
}

func (w *Worker) saveCredentials() error {
	if err := os.MkdirAll(w.cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("creating data directory: %w", err)
	}
	b, _ := json.MarshalIndent(w.creds, "", "  ")
	tmp := w.credentialsPath() + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("saving credentials: %w", err)
	}
	if err := os.Rename(tmp, w.credentialsPath()); err != nil {
		return fmt.Errorf("saving credentials: %w", err)
	}
	return nil
}

// nudges turns the manager's event stream into wake-ups for an idle worker, so
// new work starts at once rather than at the next poll. Polling stays as the
// fallback: a lost stream only costs latency.
func (w *Worker) nudges(ctx context.Context) <-chan struct{} {
	out := make(chan struct{}, 1)
	go func() {
		for ev := range w.cl.Events(ctx) {
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
			// heartbeat of its own now and then.
			w.cl.Heartbeat(ctx, "", hostStats())
			lastStats = time.Now()
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
			wait = w.cfg.IdlePoll
		case client.StatusOf(err) == http.StatusConflict:
			// Not awake in the manager's eyes (marked lost while unreachable):
			// signing on again sets that right.
			w.log.Warn("manager says this worker is not awake; signing on again", "err", err)
			if err := w.signOn(ctx); err != nil {
				// Revoked meanwhile: say so and stop, rather than sit silent.
				if errors.Is(err, ErrNotAdmitted) {
					return err
				}
				return nil
			}
			continue
		case client.StatusOf(err) == http.StatusUnauthorized:
			// Revoked, or the manager lost its database: signOn finds out which.
			w.log.Warn("manager no longer accepts this worker's token", "err", err)
			if err := w.signOn(ctx); err != nil {
				if errors.Is(err, ErrNotAdmitted) {
					return err
				}
				return nil
			}
			continue
		default:
			if ctx.Err() != nil {
				return nil
			}
			wait = backoff
			backoff = min(backoff*2, retryMax)
			w.setState(StateUnreachable)
			w.log.Warn("asking for work failed; retrying", "retry_in", wait, "err", err)
			if w.relocate(ctx) {
				wait = 0
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		case <-nudge:
		}
	}
	return nil
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
	taskCtx, cancel := context.WithCancel(ctx)
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
	logs.line(fmt.Sprintf("%s worker %s: starting task %s of job %q", stamp(), w.cfg.Name, t.Name, a.Job.Name))
	w.up.send(t.ID, wire.TaskUpdate{Status: model.ReportActive, Activity: "started on " + w.cfg.Name})

	go w.heartbeat(taskCtx, t.ID)

	steps := 0
	var failure error
	for i, c := range t.Commands {
		run, ok := commands[c.Name]
		if !ok {
			failure = fmt.Errorf("command %d (%s) is unknown to this worker", i+1, c.Name)
			break
		}
		stepsBefore := steps
		env := Env{
			Vars: []string{"FARMHAND_WORKER_NAME=" + w.cfg.Name, "FARMHAND_WORKER_ID=" + w.creds.WorkerID,
				"FARMHAND_TASK_ID=" + t.ID, "FARMHAND_JOB_ID=" + a.Job.ID},
			Log:      logs.line,
			Produced: func(path string) { w.shots.offer(t.ID, path) },
			Tools:    w.cfg.Tools,
			ProcDir:  w.procDir(),
			Step: func() {
				steps++
				logs.flush()
				n := steps
				w.up.send(t.ID, wire.TaskUpdate{StepsCompleted: &n})
			},
		}
		if err := run(taskCtx, env, c.Parameters); err != nil {
			failure = fmt.Errorf("command %d (%s): %w", i+1, c.Name, err)
			break
		}
		// A command reports as many steps as it declared; one without its own
		// progress counts as done in one go.
		for steps < stepsBefore+c.Steps() {
			env.Step()
		}
	}

	w.mu.Lock()
	why := w.why
	w.mu.Unlock()
	switch {
	case taskCtx.Err() != nil:
		if why == "" {
			why = "the worker is shutting down"
		}
		logs.line(fmt.Sprintf("%s worker %s: stopped: %s", stamp(), w.cfg.Name, why))
		logs.flush()
		w.up.send(t.ID, wire.TaskUpdate{Status: model.ReportStopped, Activity: "stopped: " + why})
		w.log.Info("task stopped", "task", t.ID, "why", why)
	case failure != nil:
		logs.line(fmt.Sprintf("%s worker %s: failed: %v", stamp(), w.cfg.Name, failure))
		logs.flush()
		w.up.send(t.ID, wire.TaskUpdate{Status: model.ReportFailed, Activity: truncate(failure.Error(), 200)})
		w.log.Warn("task failed", "task", t.ID, "err", failure)
	default:
		logs.line(fmt.Sprintf("%s worker %s: task completed", stamp(), w.cfg.Name))
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
	mu    sync.Mutex
	buf   strings.Builder
	send  func(string)
	done  chan struct{}
	close func()
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
	lb.mu.Lock()
	text := lb.buf.String()
	lb.buf.Reset()
	lb.mu.Unlock()
	if text != "" {
		lb.send(text)
	}
}

// Member makes sure this worker is a member (or asked to be) of its farm and
// returns its token, without waiting for approval. The windows of a
// workstation use the same token.
func (w *Worker) Member(ctx context.Context) (string, error) {
	if b, err := os.ReadFile(w.credentialsPath()); err == nil {
		json.Unmarshal(b, &w.creds)
	}
	v, err := w.cfg.Client.Version(ctx)
	if err != nil {
		return "", err
	}
	if w.creds.ManagerID != v.ManagerID || w.creds.Token == "" {
		if err := w.join(ctx, v.ManagerID); err != nil {
			return "", err
		}
	}
	return w.creds.Token, nil
}
