// Package worker is the worker runner: it registers with a manager, asks for
// tasks, runs their commands, streams logs and progress back, and keeps doing so
// across network trouble. It talks to the manager only through the API client.
package worker

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"runtime"
	"slices"
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
	// CacheSize bounds, in bytes, the worker's cache of uploaded jobs' files
	// (<DataDir>/cache); ≤ 0 takes DefaultCacheSize.
	CacheSize int64
}

// Worker runs tasks for one manager.
type Worker struct {
	cfg   Config
	log   *slog.Logger
	cl    *client.Client // authenticated as this worker once registered
	creds Credentials
	up    *upstream
	shots *uploader
	files *jobFiles // folders and cache of uploaded jobs' files; nil without a data folder
	// warm is the warm Blender of the job being rendered (warm.go); nil
	// until the first Blender task, and after the worker stops.
	warm atomic.Pointer[warmPool]

	state atomic.Value // State

	status model.WorkerStatus // awake, asleep or paused, as last agreed with the manager
	// farmName is this worker's name on the farm, as the manager answered its
	// last sign-on: an admin's rename wins over cfg.Name, the machine's own.
	// Read and written by Run's goroutine only; "" before the first sign-on.
	farmName string
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
		w.warmStateChanged(s)
		if w.cfg.OnState != nil {
			w.cfg.OnState(s)
		}
	}
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

// name is what the worker calls itself in task logs and activities: its
// name on the farm, which the manager's own lines use too.
func (w *Worker) name() string {
	if w.farmName != "" {
		return w.farmName
	}
	return w.cfg.Name
}

func (w *Worker) registration() wire.WorkerRegistration {
	return wire.WorkerRegistration{Name: w.cfg.Name, Platform: runtime.GOOS, Version: w.cfg.Version,
		TaskTypes: w.taskTypes(), Tags: w.cfg.Tags, Blenders: Blenders(w.cfg.Tools.Blender), CyclesDevice: CyclesDevice()}
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
	w.openJobFiles()
	upCtx, stopUp := context.WithCancel(context.Background())
	defer stopUp()
	w.up = newUpstream(w.cl, w.log)
	w.up.refused = func(taskID string) { w.stopTask(taskID, "the manager gave the task to someone else") }
	w.up.stopRunning = w.stopTask
	go w.up.run(upCtx)
	if err := w.reportLostTask(); err != nil {
		w.log.Warn("reporting the task an earlier run lost", "err", err)
	}
	w.shots = newUploader(w.cl, w.log).useTools(w.cfg.Tools)
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
