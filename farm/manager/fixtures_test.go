package manager

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"farmhand/farm/model"
	"farmhand/internal/farmtest"
)

// The fixtures every manager test uses. A manager opened here has its job
// counters checked against its tasks when the test ends (openWith).

func openManagerB(b *testing.B) *Manager {
	m, err := Open(Config{DataDir: b.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { m.Close() })
	return m
}

func openManager(t *testing.T) *Manager {
	t.Helper()
	return openWith(t, Config{})
}

// openWith opens a manager on cfg, in a new temporary folder unless cfg names
// one, logging nowhere unless cfg has a logger. Every manager test opens its
// manager here: when the test ends, before the manager closes, every job's
// counters are checked against its tasks, as bbolt's test helper checks its
// file, so that no test can leave them wrong unnoticed.
func openWith(t *testing.T, cfg Config) *Manager {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	m, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		checkEveryJob(t, m)
		if err := m.Close(); err != nil {
			t.Errorf("closing the manager: %v", err)
		}
	})
	return m
}

// checkEveryJob runs checkCounters on every stored job.
func checkEveryJob(t *testing.T, m *Manager) {
	t.Helper()
	jobs, err := m.Jobs(nil)
	if err != nil {
		t.Errorf("listing the jobs to check their counters: %v", err)
		return
	}
	for _, j := range jobs {
		checkCounters(t, m, j.ID)
	}
}

// mustSchedule gives worker workerID a task, failing the test when there is
// none or scheduling fails.
func mustSchedule(t *testing.T, m *Manager, workerID string) *Assignment {
	t.Helper()
	a, err := m.Schedule(workerID)
	if err != nil || a == nil {
		t.Fatalf("scheduling on %s: %v, %v", workerID, a, err)
	}
	return a
}

// plant stores a job in the given status with tasks in the given statuses,
// bypassing the rules, so that every status can be tested from.
func plant(t *testing.T, m *Manager, js model.JobStatus, ts ...model.TaskStatus) *model.Job {
	t.Helper()
	now := m.now()
	j := &model.Job{ID: newID(), Name: string(js), Type: "echo-sleep-test", Priority: 50, Status: js,
		TaskCount: len(ts), TaskCounts: map[model.TaskStatus]int{}, Created: now, Updated: now,
		Settings: map[string]any{}, Metadata: map[string]string{}, RequiredTags: []string{}}
	var tasks []*model.Task
	for i, s := range ts {
		task := &model.Task{ID: model.TaskID(j.ID, i), JobID: j.ID, Index: i, Name: fmt.Sprint("t", i), Type: "misc", Priority: 50,
			Status: s, StepsTotal: 1, Commands: []model.Command{{Name: "echo", Parameters: map[string]any{"message": "x"}}}}
		if s.Running() {
			task.WorkerID = "w-planted"
		}
		if s == model.TaskCompleted {
			task.StepsCompleted = 1
		}
		j.TaskCounts[s]++
		j.StepsTotal++
		j.StepsCompleted += task.StepsCompleted
		tasks = append(tasks, task)
	}
	farmtest.PutJob(t, m.store, j, tasks)
	m.index.Load(j, tasks)
	return j
}

func sameJSON(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// checkCounters verifies the job's incremental counters against its tasks.
func checkCounters(t *testing.T, m *Manager, jobID string) {
	t.Helper()
	j, err := m.Job(jobID)
	if err != nil {
		t.Fatal(err)
	}
	if j.Status == model.JobArchived {
		return // its tasks are gone from the store
	}
	tasks, err := m.Tasks(jobID)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[model.TaskStatus]int{}
	steps := 0
	for _, task := range tasks {
		counts[task.Status]++
		if task.Status.CountsSteps() {
			steps += task.StepsCompleted
		}
	}
	if fmt.Sprint(counts) != fmt.Sprint(j.TaskCounts) || steps != j.StepsCompleted || len(tasks) != j.TaskCount {
		t.Errorf("job %s (%s): counters %v (%d steps, %d tasks) disagree with tasks %v (%d steps, %d tasks)",
			j.Name, j.ID, j.TaskCounts, j.StepsCompleted, j.TaskCount, counts, steps, len(tasks))
	}
}

func register(t *testing.T, m *Manager, name string, types ...string) *model.Worker {
	t.Helper()
	if len(types) == 0 {
		types = []string{"misc"}
	}
	mb, _, err := m.Join(JoinRequest{Name: name, Platform: "linux"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Approve(mb.ID, model.RoleWorker); err != nil {
		t.Fatal(err)
	}
	w, err := m.SignOn(mb.ID, WorkerInfo{Name: name, Platform: "linux", Version: "test", TaskTypes: types})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func submit(t *testing.T, m *Manager, frames string) *model.Job {
	t.Helper()
	j, err := m.Submit(Submission{Name: "test " + frames, Type: "echo-sleep-test",
		Settings: map[string]any{"frames": frames, "sleep_seconds": 0.0}})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
