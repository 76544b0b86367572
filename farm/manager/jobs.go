package manager

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"farmhand/farm/jobtype"
	"farmhand/farm/model"
	"farmhand/farm/store"
)

// Submission is a job as a user submits it.
type Submission struct {
	Name         string
	Type         string
	Priority     *int // nil: DefaultPriority
	Settings     map[string]any
	Metadata     map[string]string
	RequiredTags []string
	Submitter    string
	SubmitterID  string
	// PythonOverrides: see model.Job.
	PythonOverrides string
	// TypeEtag, when set, must be the job type's current etag: the submitter
	// built its settings from that declaration.
	TypeEtag string
	// Paused stores the job paused and every task paused, so that nothing
	// runs until a resume (model.JobResume) queues them all.
	Paused bool
	// SubmitterPlatform is the platform whose path syntax the settings use
	// ("linux", "windows", "darwin"); with it, paths under a path variable's
	// value become {name}/… (see prepareSettings). "" rewrites nothing.
	SubmitterPlatform string
	// Storage is "upload" for a job whose Files the manager holds (files.go);
	// "" or "shared" for one whose workers read the paths its settings name.
	Storage string
	Files   []store.ManifestEntry
}

// Job priorities.
const (
	DefaultPriority = 50
	MaxPriority     = 100
	maxNameLength   = 200
)

// Submit compiles a job and stores it with all its tasks in one transaction.
func (m *Manager) Submit(s Submission) (*model.Job, error) {
	name, prio, tags, err := checkSubmission(s)
	if err != nil {
		return nil, err
	}
	s.RequiredTags = tags
	if err := m.jobTypes().CheckEtag(s.Type, s.TypeEtag); err != nil {
		return nil, err
	}
	if err := m.prepareUpload(&s); err != nil {
		return nil, err
	}
	settings, warnings, err := m.prepareSettings(s.Type, s.Settings, s.SubmitterPlatform)
	if err != nil {
		return nil, err
	}
	now := m.now()
	job := &model.Job{
		ID: newID(), Name: name, Type: s.Type, Priority: prio, Status: model.JobQueued,
		Settings: settings, Metadata: s.Metadata, RequiredTags: s.RequiredTags, Submitter: s.Submitter,
		SubmitterID: s.SubmitterID, PythonOverrides: s.PythonOverrides, Created: now, Updated: now,
	}
	if job.Metadata == nil {
		job.Metadata = map[string]string{}
	}
	if job.RequiredTags == nil {
		job.RequiredTags = []string{}
	}
	specs, err := m.jobTypes().Compile(job)
	if err != nil {
		return nil, err
	}
	if _, err := job.MaxTaskDuration(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	tasks := newTasks(job, specs, s.Paused)
	encoded, err := encodeTasks(tasks)
	if err != nil {
		return nil, err
	}
	setNewETA(job, tasks)
	// The commands are encoded now, and the index never needs them: let them
	// go before the transaction, which is where a big job's memory peaks.
	for _, t := range tasks {
		t.Commands = nil
	}
	err = m.store.Update(func(tx *store.Tx) error {
		job.Seq = 0 // a retried transaction numbers the job again
		if err := m.storeUpload(tx, job, &s); err != nil {
			return err
		}
		if err := tx.PutJob(job); err != nil {
			return err
		}
		for _, e := range encoded {
			if err := tx.PutNewTask(e); err != nil {
				return err
			}
		}
		tx.OnCommit(func() {
			m.index.Load(job, tasks)
			m.events.Publish(model.Event{Type: model.EventJob, Job: withJobActions(job)})
			for _, w := range warnings {
				// The first task's log is where a job's story starts.
				m.logs.Append(job.ID, tasks[0].ID, now.UTC().Format(time.RFC3339)+" manager: "+w)
			}
		})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("storing job %q: %w", name, err)
	}
	m.log.Info("job submitted", "job", job.ID, "name", name, "type", job.Type, "tasks", len(tasks))
	return withJobActions(job), nil
}

// checkSubmission checks what Submit can check without the job types: the
// trimmed name (1 to maxNameLength characters, no control characters), the
// priority (DefaultPriority when unset) and the required tags (cleanTags),
// which it returns cleaned. Errors are ErrInvalid.
func checkSubmission(s Submission) (name string, prio int, tags []string, err error) {
	name = strings.TrimSpace(s.Name)
	switch {
	case name == "":
		return "", 0, nil, fmt.Errorf("%w: the job needs a name", ErrInvalid)
	case utf8.RuneCountInString(name) > maxNameLength:
		return "", 0, nil, fmt.Errorf("%w: the job name is longer than %d characters", ErrInvalid, maxNameLength)
	case hasControl(name):
		// A newline or tab breaks every listing of jobs (found by a fresh-eyes try).
		return "", 0, nil, fmt.Errorf("%w: the job name %q holds a line break, tab or other control character", ErrInvalid, name)
	}
	prio = DefaultPriority
	if s.Priority != nil {
		prio = *s.Priority
	}
	if err := checkPriority(prio); err != nil {
		return "", 0, nil, err
	}
	if tags, err = cleanTags(s.RequiredTags, "required tags"); err != nil {
		return "", 0, nil, err
	}
	return name, prio, tags, nil
}

// hasControl says whether s holds a control character (line break, tab, …).
func hasControl(s string) bool { return strings.ContainsFunc(s, unicode.IsControl) }

// cleanTags trims each tag and drops repeats, keeping the order; a tag that
// is empty, holds a comma (the command line's separator, so that no worker
// could be given it) or a control character is refused, naming what (the
// job's "required tags", a worker's "tags"). nil stays nil. Errors are
// ErrInvalid.
func cleanTags(tags []string, what string) ([]string, error) {
	if tags == nil {
		return nil, nil
	}
	out := []string{}
	for _, t := range tags {
		t = strings.TrimSpace(t)
		switch {
		case t == "":
			return nil, fmt.Errorf("%w: %s cannot be empty", ErrInvalid, what)
		case strings.Contains(t, ","):
			return nil, fmt.Errorf("%w: %s: %q holds a comma; give each tag on its own", ErrInvalid, what, t)
		case hasControl(t):
			return nil, fmt.Errorf("%w: %s: %q holds a control character", ErrInvalid, what, t)
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out, nil
}

// newTasks makes job's tasks from its compiled specs, queued (or paused, with
// the job, when paused), and sets the job's step and task counts from them.
func newTasks(job *model.Job, specs []jobtype.TaskSpec, paused bool) []*model.Task {
	tasks := make([]*model.Task, len(specs))
	for i, spec := range specs {
		t := &model.Task{
			ID: model.TaskID(job.ID, i), JobID: job.ID, Index: i, Name: spec.Name, Type: spec.Type, Priority: spec.Priority,
			Status: model.TaskQueued, Commands: spec.Commands, DependsOn: spec.DependsOn, Created: job.Created, Updated: job.Created,
		}
		for _, c := range spec.Commands {
			t.StepsTotal += c.Steps()
		}
		job.StepsTotal += t.StepsTotal
		tasks[i] = t
	}
	if paused {
		// Paused tasks of a paused job are what a pause leaves behind, so
		// Resume's rule (requeue the paused tasks) starts the job.
		job.Status, job.StatusReason = model.JobPaused, "submitted paused"
		for _, t := range tasks {
			t.Status = model.TaskPaused
		}
	}
	job.TaskCount = len(tasks)
	job.TaskCounts = map[model.TaskStatus]int{newTaskStatus(paused): len(tasks)}
	return tasks
}

// encodeTasks encodes new tasks on every core, outside the write transaction.
func encodeTasks(tasks []*model.Task) ([]store.EncodedTask, error) {
	out := make([]store.EncodedTask, len(tasks))
	errs := make([]error, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for w := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(tasks); i += len(errs) {
				if out[i], errs[w] = store.EncodeNewTask(tasks[i]); errs[w] != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

func checkPriority(p int) error {
	if p < 0 || p > MaxPriority {
		return fmt.Errorf("%w: priority %d is outside 0–%d", ErrInvalid, p, MaxPriority)
	}
	return nil
}

// newTaskStatus is the status a new job's tasks start in.
func newTaskStatus(paused bool) model.TaskStatus {
	if paused {
		return model.TaskPaused
	}
	return model.TaskQueued
}

// JobFilter picks jobs for JobsMatching; the zero value picks all.
type JobFilter struct {
	// Statuses: only jobs in one of these (any when empty).
	Statuses []model.JobStatus
	// Metadata: only jobs whose metadata has, for every key, one of the
	// values listed (compared exactly), e.g. {"project": {"Spring"}}.
	Metadata map[string][]string
}

// Matches says whether j passes the filter.
func (f JobFilter) Matches(j *model.Job) bool {
	if len(f.Statuses) > 0 && !slices.Contains(f.Statuses, j.Status) {
		return false
	}
	for key, values := range f.Metadata {
		v, ok := j.Metadata[key]
		if !ok || !slices.Contains(values, v) {
			return false
		}
	}
	return true
}

// Jobs returns the jobs whose status is in filter (all when filter is empty),
// newest first.
func (m *Manager) Jobs(filter []model.JobStatus) ([]*model.Job, error) {
	return m.JobsMatching(JobFilter{Statuses: filter})
}

// JobsMatching returns the jobs that pass f, newest first. The error is the
// store's, wrapped.
func (m *Manager) JobsMatching(f JobFilter) ([]*model.Job, error) {
	var jobs []*model.Job
	err := m.store.View(func(tx *store.Tx) error {
		return tx.Jobs(func(j *model.Job) bool {
			if f.Matches(j) {
				jobs = append(jobs, withJobActions(j))
			}
			return true
		})
	})
	if err != nil {
		return nil, fmt.Errorf("listing jobs: %w", err)
	}
	slices.SortFunc(jobs, func(a, b *model.Job) int { return int(b.Seq) - int(a.Seq) })
	return jobs, nil
}

// Job returns one job.
func (m *Manager) Job(id string) (*model.Job, error) {
	var j *model.Job
	err := m.store.View(func(tx *store.Tx) (err error) {
		j, err = tx.Job(id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return withJobActions(j), nil
}

// Tasks returns a job's tasks in index order, without their commands.
func (m *Manager) Tasks(jobID string) ([]*model.Task, error) {
	var tasks []*model.Task
	err := m.store.View(func(tx *store.Tx) error {
		if _, err := tx.Job(jobID); err != nil {
			return err
		}
		return tx.Tasks(jobID, func(t *model.Task) bool {
			t.AllowedActions = model.AllowedTaskActions(t.Status)
			tasks = append(tasks, t)
			return true
		})
	})
	if err != nil {
		return nil, err
	}
	return tasks, nil
}

// Task returns one task with its commands.
func (m *Manager) Task(id string) (*model.Task, error) {
	var t *model.Task
	err := m.store.View(func(tx *store.Tx) (err error) {
		if t, err = tx.TaskByID(id); err != nil {
			return err
		}
		t.Commands, err = tx.TaskCommands(t.JobID, t.Index)
		return err
	})
	if err != nil {
		return nil, err
	}
	return withTaskActions(t), nil
}

// TasksJSON returns a job's task list as the API sends it: {"tasks":[...]}.
// It is built from the stored records without decoding them, since the stored
// JSON is the API's shape but for allowed_actions, which is spliced in from the
// status. Decoding and re-encoding a 10,000-task list took most of its time.
func (m *Manager) TasksJSON(jobID string) ([]byte, error) {
	var buf bytes.Buffer
	err := m.store.View(func(tx *store.Tx) error {
		if _, err := tx.Job(jobID); err != nil {
			return err
		}
		buf.WriteString(`{"tasks":[`)
		first := true
		var bad error
		tx.RawTasks(jobID, func(raw []byte) bool {
			if !first {
				buf.WriteByte(',')
			}
			first = false
			if bad = appendWithActions(&buf, raw); bad != nil {
				return false
			}
			return true
		})
		buf.WriteString("]}\n")
		return bad
	})
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var taskActionsJSON = func() map[model.TaskStatus][]byte {
	out := map[model.TaskStatus][]byte{}
	for _, s := range model.TaskStatuses {
		b, _ := json.Marshal(model.AllowedTaskActions(s))
		out[s] = b
	}
	return out
}()

var statusKey = []byte(`"status":"`)

// appendWithActions writes a stored task record with its allowed_actions. A
// stored task is a flat object whose string values are escaped, so the first
// `"status":"` is its status key.
func appendWithActions(buf *bytes.Buffer, raw []byte) error {
	i := bytes.Index(raw, statusKey)
	if i < 0 || len(raw) < 2 || raw[len(raw)-1] != '}' {
		return fmt.Errorf("stored task record is malformed: %.80s", raw)
	}
	rest := raw[i+len(statusKey):]
	end := bytes.IndexByte(rest, '"')
	actions, ok := taskActionsJSON[model.TaskStatus(rest[:max(end, 0)])]
	if end < 0 || !ok {
		return fmt.Errorf("stored task record has an unknown status: %.80s", raw)
	}
	buf.Write(raw[:len(raw)-1])
	buf.WriteString(`,"allowed_actions":`)
	buf.Write(actions)
	buf.WriteByte('}')
	return nil
}

// ClearBlocklist removes a job's blocklist entry for one worker and task type,
// or every entry when workerID is empty. The worker's failure count goes with
// it, so it gets the full threshold again.
func (m *Manager) ClearBlocklist(by Actor, jobID, workerID, taskType string) (*model.Job, error) {
	detail := "every worker"
	if workerID != "" {
		detail = strings.TrimSpace("worker " + workerID + " " + taskType)
	}
	job, err := m.changeJob(by, jobID, "job.clear-blocklist", detail, func(j *model.Job) error {
		kept := j.Blocklist[:0]
		for _, b := range j.Blocklist {
			if workerID == "" || b.WorkerID == workerID && (taskType == "" || b.TaskType == taskType) {
				delete(j.Failures, b.WorkerID+"/"+b.TaskType)
				continue
			}
			kept = append(kept, b)
		}
		if len(kept) == len(j.Blocklist) && workerID != "" {
			return fmt.Errorf("%w: worker %s is not on the blocklist of job %s", ErrNotFound, workerID, jobID)
		}
		j.Blocklist = kept
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("clearing blocklist of job %s: %w", jobID, err)
	}
	return job, nil
}

// changeJob runs change on job jobID in one transaction when by may act on
// it, records it in the audit log as action with detail, stores the changed
// job and returns it with its allowed actions. Errors: ErrNotFound,
// ErrForbidden (from mayActOn), and change's own.
func (m *Manager) changeJob(by Actor, jobID, action, detail string, change func(*model.Job) error) (*model.Job, error) {
	var result *model.Job
	err := m.update(func(o *op) error {
		jc, err := o.job(jobID)
		if err != nil {
			return err
		}
		if err := by.mayActOn(jc.job); err != nil {
			return err
		}
		if err := change(jc.job); err != nil {
			return err
		}
		if err := o.audit(by, auditNote{action: action, targetID: jc.job.ID, targetName: jc.job.Name, detail: detail}); err != nil {
			return err
		}
		jc.dirty = true
		result = withJobActions(jc.job)
		return nil
	})
	return result, err
}
