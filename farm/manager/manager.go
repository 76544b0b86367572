package manager

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"farmhand/farm/events"
	"farmhand/farm/jobtype"
	"farmhand/farm/model"
	"farmhand/farm/rendered"
	"farmhand/farm/sched"
	"farmhand/farm/store"
	"farmhand/farm/tasklog"
)

// Config tunes a manager. Zero values take the defaults.
type Config struct {
	DataDir string
	// Initial are a new farm's settings, stored at its first start (the
	// command-line flags' values); nil takes model.DefaultSettings. A farm
	// that has settings keeps them: see Override.
	Initial *model.Settings
	// Override changes settings for this run only, without storing them (the
	// command-line flags given); an admin's change of a setting ends its
	// override. It is not validated here: the caller checks it.
	Override model.SettingsPatch
	// The fields below are shorthand for Override's: a value above zero
	// overrides the stored setting for this run.
	//
	// FailThreshold is the share of failed tasks above which a job fails.
	FailThreshold float64
	// MaxTaskFailures is how many distinct workers may fail a task before it
	// fails for good.
	MaxTaskFailures int
	// WorkerTimeout is how long a worker may stay silent before it counts as lost
	// and its task goes back to the queue.
	WorkerTimeout time.Duration
	// TaskTimeout is how long a running task may go without its worker
	// reporting on it (a heartbeat naming the task, a log line, progress)
	// before it counts as failed by that worker, which seems to have lost it.
	// A quiet process does not count: its worker's heartbeats keep it alive.
	TaskTimeout time.Duration
	// BlocklistThreshold is how many tasks of one type of one job a worker may
	// fail before it gets no more of them.
	BlocklistThreshold int
	// ForgetAfter is how long an offline or lost worker is kept.
	ForgetAfter time.Duration
	// JobTypes, when set, are the job types, whatever the settings' scripts
	// folder says (tests).
	JobTypes *jobtype.Registry
	// OpenJobTypes opens the job types of a scripts folder: the manager calls
	// it at start and whenever the settings' scripts folder changes. Without
	// it (and JobTypes), the farm offers the built-in job types only.
	OpenJobTypes func(scriptsDir string) *jobtype.Registry
	Logger       *slog.Logger
	// Now is the clock; tests replace it.
	Now func() time.Time
}

// Defaults, as model has them.
const (
	DefaultMaxTaskFailures    = model.DefaultMaxTaskFailures
	DefaultWorkerTimeout      = model.DefaultWorkerTimeout
	DefaultTaskTimeout        = model.DefaultTaskTimeout
	DefaultBlocklistThreshold = model.DefaultBlocklistThreshold
	DefaultForgetAfter        = model.DefaultForgetWorkersAfter
)

// Manager runs a farm.
type Manager struct {
	cfg      Config
	id       string
	store    *store.Store
	index    *sched.Index
	events   *events.Hub
	logs     *tasklog.Logs
	rendered *rendered.Store
	files    *fileState // uploaded files (files.go)
	log      *slog.Logger

	seenMu sync.Mutex
	seen   map[string]time.Time // worker id → last request; memory only, see touch
	// touched is, per active task, when its worker last said it runs it (a
	// heartbeat naming it, or a report on it), for the task timeout.
	touched map[string]time.Time
	// deadlines are the active tasks' hard limits, from their job's
	// max_task_duration; tasks of jobs without one are not here.
	deadlines map[string]time.Time
	// stats are the workers' latest host stats; memory only.
	stats map[string]*model.HostStats
	// loadSent is when each worker's stats were last published.
	loadSent map[string]time.Time

	tokens sync.Map // worker id → SHA-256 of its token, once checked against the store

	// lists are the task lists' versions, for ETags (tasklist.go).
	lists taskListVersions
	// jobMemo and workerMemo keep records decoded (memo.go): active jobs,
	// and every worker.
	jobMemo    recordMemo[model.Job, *model.Job]
	workerMemo recordMemo[model.Worker, *model.Worker]

	// The settings (settings.go): stored and override under settingsMu; cur
	// is the snapshot in effect, registry the job types of its scripts folder.
	settingsMu sync.Mutex
	stored     model.Settings
	override   model.SettingsPatch
	cur        atomic.Pointer[model.Settings]
	registry   atomic.Pointer[jobtype.Registry]

	// life ends at Close; every Run ends with it, and Close waits for them
	// (running) before the database closes under their timers.
	life    context.Context
	endLife context.CancelFunc
	runMu   sync.Mutex // guards running.Add against Close's Wait
	closing bool
	running sync.WaitGroup
}

// Open opens the farm in cfg.DataDir, rebuilds the runnable-task index from the
// database and finishes what a crash may have interrupted.
func Open(cfg Config) (*Manager, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	st, err := store.Open(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	logs, err := tasklog.Open(cfg.DataDir, cfg.Logger)
	if err != nil {
		st.Close()
		return nil, err
	}
	images, err := rendered.Open(cfg.DataDir)
	if err != nil {
		logs.Close()
		st.Close()
		return nil, err
	}
	m := &Manager{
		cfg: cfg, store: st, index: sched.New(), events: events.NewHub(), logs: logs, rendered: images, log: cfg.Logger,
		seen: map[string]time.Time{}, touched: map[string]time.Time{}, deadlines: map[string]time.Time{}, stats: map[string]*model.HostStats{}, loadSent: map[string]time.Time{},
	}
	m.life, m.endLife = context.WithCancel(context.Background())
	if m.files, err = openFiles(cfg.DataDir); err != nil {
		m.Close()
		return nil, err
	}
	if cfg.JobTypes != nil {
		m.registry.Store(cfg.JobTypes)
	}
	if err := m.loadSettings(); err != nil {
		m.Close()
		return nil, err
	}
	if err := m.loadFarmID(); err != nil {
		m.Close()
		return nil, err
	}
	if err := m.recover(); err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

func (m *Manager) loadFarmID() error {
	// A failed read must not look like a new farm: a new id would make every
	// worker join again.
	if err := m.store.View(func(tx *store.Tx) error { m.id = tx.FarmID(); return nil }); err != nil {
		return fmt.Errorf("reading the farm's id: %w", err)
	}
	if m.id != "" {
		return nil
	}
	id := newID()
	if err := m.store.Update(func(tx *store.Tx) error { return tx.SetFarmID(id) }); err != nil {
		return err
	}
	m.id = id
	return nil
}

// Config returns the Config the manager was opened with (its DataDir, say).
// The settings in effect are Settings.
func (m *Manager) Config() Config { return m.cfg }

// ID returns the farm's identity, stable across restarts.
func (m *Manager) ID() string { return m.id }

// StoreStats says how the database's group commits went since the manager
// opened (writers per commit, time committing): the stress benchmark reports
// them, since a disk's sync time bounds how fast a worker hears back.
func (m *Manager) StoreStats() store.Stats { return m.store.Stats() }

// Close shuts the farm down, in the order that lets nothing write to what is
// closed: it ends every Run and waits for it, ends the event subscriptions
// (see events.Hub.Close), writes the queued task-log lines and closes the
// database, committing the writes already queued. Calls still in flight
// afterwards (an HTTP request the server did not wait for) get errors
// wrapping store.ErrClosed. It returns the task logs' and the database's
// closing errors, joined; a second Close returns nil.
func (m *Manager) Close() error {
	m.runMu.Lock()
	m.closing = true
	m.runMu.Unlock()
	m.endLife()
	m.running.Wait()
	m.events.Close()
	return errors.Join(m.logs.Close(), m.store.Close())
}

// Events returns the hub that publishes every committed change.
func (m *Manager) Events() *events.Hub { return m.events }

// JobTypes returns the job types this manager offers, and the scripts that
// failed to load.
func (m *Manager) JobTypes() ([]*jobtype.JobType, []jobtype.Problem) {
	reg := m.jobTypes()
	return reg.List(), reg.Problems()
}

// ExportJobType writes a built-in job type's script into the scripts folder,
// where it can be customised; it returns the file's path.
func (m *Manager) ExportJobType(name string) (string, error) {
	path, err := m.jobTypes().Export(name)
	if errors.Is(err, jobtype.ErrUnknown) {
		return "", fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	m.log.Info("job type exported for customising", "type", name, "file", path)
	return path, nil
}

func (m *Manager) now() time.Time { return m.cfg.Now().UTC() }

// recover rebuilds the index and settles jobs whose status a crash may have left
// behind (a cancel whose last running task was already gone, say). Workers get a
// full timeout from now to check in again: the manager was away, not they.
func (m *Manager) recover() error {
	var jobIDs []string
	err := m.store.View(func(tx *store.Tx) error {
		err := tx.Jobs(func(j *model.Job) bool {
			if sched.Indexed(j.Status) {
				jobIDs = append(jobIDs, j.ID)
			}
			return true
		})
		if err != nil {
			return err
		}
		now := m.now()
		return tx.Workers(func(w *model.Worker) bool {
			if w.Status.Reachable() {
				m.seen[w.ID] = now
			}
			return true
		})
	})
	if err != nil {
		return fmt.Errorf("reading jobs to index: %w", err)
	}
	for _, id := range jobIDs {
		err := m.update(func(o *op) error {
			jc, err := o.job(id)
			if err != nil {
				return err
			}
			tasks, err := o.allTasks(jc)
			if err != nil {
				return err
			}
			// Running tasks get a full task timeout from now, as workers do;
			// their hard limit still counts from when they started.
			limit, _ := jc.job.MaxTaskDuration()
			m.seenMu.Lock()
			for _, t := range tasks {
				if t.Status == model.TaskActive {
					m.touched[t.ID] = o.now
					if limit > 0 {
						m.deadlines[t.ID] = cmp.Or(t.Started, o.now).Add(limit)
					}
				}
			}
			m.seenMu.Unlock()
			return o.settle(jc)
		})
		if err != nil {
			return fmt.Errorf("indexing job %s: %w", id, err)
		}
	}
	m.log.Info("farm opened", "data", m.cfg.DataDir, "active_jobs", len(jobIDs), "ready_tasks", m.index.Ready())
	return nil
}

// enterRun counts one more background loop that Close waits for, unless the
// manager is closing (then it returns false and the loop must not start).
// The loop calls m.running.Done when it ends.
func (m *Manager) enterRun() bool {
	m.runMu.Lock()
	defer m.runMu.Unlock()
	if m.closing {
		return false
	}
	m.running.Add(1)
	return true
}

// Run watches for lost workers, hung tasks, long-gone workers and long-ended
// jobs (delete_jobs_after) until ctx ends or Close is called; Close waits for
// it to return. After Close it returns at once.
func (m *Manager) Run(ctx context.Context) {
	if !m.enterRun() {
		return
	}
	defer m.running.Done()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(m.life, cancel)()

	every := m.checkEvery()
	tick := time.NewTicker(every)
	defer tick.Stop()
	forget := time.NewTicker(time.Hour)
	defer forget.Stop()
	m.forgetWorkers()
	m.deleteOldJobs()
	m.startFilesGC(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			m.checkWorkerTimeouts()
			m.checkTaskTimeouts()
			if e := m.checkEvery(); e != every { // the timeouts' settings changed
				every = e
				tick.Reset(every)
			}
		case <-forget.C:
			m.forgetWorkers()
			m.deleteOldJobs()
			m.ExpireJoinRequests() // also done whenever requests are listed or made
		}
	}
}

// checkEvery is how often Run checks the timeouts: a quarter of the shorter.
func (m *Manager) checkEvery() time.Duration {
	s := m.current()
	return max(min(s.WorkerTimeout.D(), s.TaskTimeout.D())/4, 50*time.Millisecond)
}

func newID() string { return uuid.NewString() }
