package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"farmhand/farm/model"
)

// Tx is one transaction on the store, read-only or read-write.
type Tx struct {
	btx   *bolt.Tx
	hooks []func()
	// group is shared by the writers of one group commit (group.go); nil in
	// read-only transactions and migrations, whose writes go in at once.
	group  *group
	writer int // this writer's place in the group
}

// OnCommit registers fn to run after the transaction is on disk. Hooks run in
// commit order on the store's writer goroutine, so they must not block and must
// not write to the store themselves.
func (tx *Tx) OnCommit(fn func()) { tx.hooks = append(tx.hooks, fn) }

// Job returns the job with the given id: as a writer of this transaction
// left it, when one did (a copy), else as stored.
func (tx *Tx) Job(id string) (*model.Job, error) {
	if j, ok := tx.PendingJob(id); ok {
		return j, nil
	}
	v := tx.btx.Bucket(bucketJobs).Get([]byte(id))
	if v == nil {
		return nil, fmt.Errorf("job %s: %w", id, ErrNotFound)
	}
	var j model.Job
	if err := json.Unmarshal(v, &j); err != nil {
		return nil, fmt.Errorf("decoding job %s: %w", id, err)
	}
	return &j, nil
}

// RawJob returns the stored JSON of job id, or nil when there is none. The
// bytes are valid only until the transaction ends. A version a writer of
// this transaction wrote is not encoded until the group's end: check
// PendingJob first.
func (tx *Tx) RawJob(id string) []byte { return tx.btx.Bucket(bucketJobs).Get([]byte(id)) }

// PutJob stores j, giving it a submission sequence number if it has none.
// In a group commit a job already stored is encoded once at the group's end
// (group.go): j must not change after PutJob. Errors: encoding or storing the
// record, as wrapped errors; a deferred record's error fails its writer then.
func (tx *Tx) PutJob(j *model.Job) error { return tx.PutJobThen(j, nil) }

// PutJobThen is PutJob, and calls stored, if not nil, with the bytes put
// (valid until the transaction ends) and a Tx to register commit hooks on,
// in the transaction, once they are put.
func (tx *Tx) PutJobThen(j *model.Job, stored func(tx *Tx, raw []byte)) error {
	b := tx.btx.Bucket(bucketJobs)
	if j.Seq == 0 {
		seq, err := b.NextSequence()
		if err != nil {
			return fmt.Errorf("numbering job %s: %w", j.ID, err)
		}
		j.Seq = seq
	}
	if tx.group != nil && b.Get([]byte(j.ID)) != nil {
		tx.group.keep(j, tx.writer, stored)
		return nil
	}
	raw, err := tx.putJobNow(j)
	if err == nil && stored != nil {
		stored(tx, raw)
	}
	return err
}

// Jobs calls fn for every job, in id order, until fn returns false.
func (tx *Tx) Jobs(fn func(*model.Job) bool) error {
	c := tx.btx.Bucket(bucketJobs).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		j, ok := tx.PendingJob(string(k))
		if !ok {
			j = &model.Job{}
			if err := json.Unmarshal(v, j); err != nil {
				return fmt.Errorf("decoding job %s: %w", k, err)
			}
		}
		if !fn(j) {
			return nil
		}
	}
	return nil
}

// DeleteJob removes a job with all its tasks.
func (tx *Tx) DeleteJob(id string) error {
	if err := tx.DeleteTasks(id); err != nil {
		return err
	}
	if tx.group != nil {
		tx.group.forget(id)
	}
	if err := tx.btx.Bucket(bucketJobs).Delete([]byte(id)); err != nil {
		return fmt.Errorf("deleting job %s: %w", id, err)
	}
	return nil
}

// DeleteTasks removes every task of a job, keeping the job.
func (tx *Tx) DeleteTasks(jobID string) error {
	prefix := jobPrefix(jobID)
	for _, name := range [][]byte{bucketTasks, bucketTaskCommands} {
		c := tx.btx.Bucket(name).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
			if err := c.Delete(); err != nil {
				return fmt.Errorf("deleting tasks of job %s: %w", jobID, err)
			}
		}
	}
	return nil
}

// Task returns task number index of a job.
func (tx *Tx) Task(jobID string, index int) (*model.Task, error) {
	v := tx.btx.Bucket(bucketTasks).Get(taskKey(jobID, index))
	if v == nil {
		return nil, fmt.Errorf("task %d of job %s: %w", index, jobID, ErrNotFound)
	}
	return decodeTask(v)
}

// TaskByID returns the task with the given id.
func (tx *Tx) TaskByID(id string) (*model.Task, error) {
	jobID, index, ok := model.ParseTaskID(id)
	if !ok {
		return nil, fmt.Errorf("task %s: %w", id, ErrNotFound)
	}
	return tx.Task(jobID, index)
}

// PutTask stores t under its job and index, without its commands: they never
// change after submission, so status changes need not rewrite them (see
// PutNewTask).
func (tx *Tx) PutTask(t *model.Task) error {
	v, err := encodeTask(t)
	if err != nil {
		return err
	}
	if err := tx.btx.Bucket(bucketTasks).Put(taskKey(t.JobID, t.Index), v); err != nil {
		return fmt.Errorf("storing task %s: %w", t.ID, err)
	}
	return nil
}

func encodeTask(t *model.Task) ([]byte, error) {
	c := *t
	c.AllowedActions, c.Commands = nil, nil
	v, err := json.Marshal(&c)
	if err != nil {
		return nil, fmt.Errorf("encoding task %s: %w", t.ID, err)
	}
	return v, nil
}

// EncodedTask is a new task encoded for storage. Submitting a big job encodes
// its tasks before the transaction, on all cores, so the write transaction
// that every worker waits on stays short.
type EncodedTask struct {
	jobID         string
	index         int
	task, command []byte
}

// EncodeNewTask encodes a task and its commands for PutNewTask.
func EncodeNewTask(t *model.Task) (EncodedTask, error) {
	rec, err := encodeTask(t)
	if err != nil {
		return EncodedTask{}, err
	}
	cmds, err := json.Marshal(t.Commands)
	if err != nil {
		return EncodedTask{}, fmt.Errorf("encoding commands of task %s: %w", t.ID, err)
	}
	return EncodedTask{jobID: t.JobID, index: t.Index, task: rec, command: cmds}, nil
}

// PutNewTask stores a new task with its commands.
func (tx *Tx) PutNewTask(e EncodedTask) error {
	k := taskKey(e.jobID, e.index)
	if err := tx.btx.Bucket(bucketTasks).Put(k, e.task); err != nil {
		return fmt.Errorf("storing task %d of job %s: %w", e.index, e.jobID, err)
	}
	if err := tx.btx.Bucket(bucketTaskCommands).Put(k, e.command); err != nil {
		return fmt.Errorf("storing commands of task %d of job %s: %w", e.index, e.jobID, err)
	}
	return nil
}

// TaskCommands returns the commands of task number index of a job.
func (tx *Tx) TaskCommands(jobID string, index int) ([]model.Command, error) {
	v := tx.btx.Bucket(bucketTaskCommands).Get(taskKey(jobID, index))
	if v == nil {
		return nil, fmt.Errorf("commands of task %d of job %s: %w", index, jobID, ErrNotFound)
	}
	var cmds []model.Command
	if err := json.Unmarshal(v, &cmds); err != nil {
		return nil, fmt.Errorf("decoding commands of task %d of job %s: %w", index, jobID, err)
	}
	return cmds, nil
}

// RawTasks calls fn with the stored JSON of every task of a job, in index
// order, until fn returns false. The bytes are valid only during the call.
func (tx *Tx) RawTasks(jobID string, fn func(raw []byte) bool) {
	prefix := jobPrefix(jobID)
	c := tx.btx.Bucket(bucketTasks).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if !fn(v) {
			return
		}
	}
}

// Tasks calls fn for every task of a job in index order until fn returns false.
func (tx *Tx) Tasks(jobID string, fn func(*model.Task) bool) error {
	prefix := jobPrefix(jobID)
	c := tx.btx.Bucket(bucketTasks).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		t, err := decodeTask(v)
		if err != nil {
			return err
		}
		if !fn(t) {
			return nil
		}
	}
	return nil
}

// Worker returns the worker with the given id.
func (tx *Tx) Worker(id string) (*model.Worker, error) {
	v := tx.btx.Bucket(bucketWorkers).Get([]byte(id))
	if v == nil {
		return nil, fmt.Errorf("worker %s: %w", id, ErrNotFound)
	}
	var w model.Worker
	if err := json.Unmarshal(v, &w); err != nil {
		return nil, fmt.Errorf("decoding worker %s: %w", id, err)
	}
	return &w, nil
}

// PutWorker stores w.
func (tx *Tx) PutWorker(w *model.Worker) error {
	v, err := json.Marshal(w)
	if err != nil {
		return fmt.Errorf("encoding worker %s: %w", w.ID, err)
	}
	if err := tx.btx.Bucket(bucketWorkers).Put([]byte(w.ID), v); err != nil {
		return fmt.Errorf("storing worker %s: %w", w.ID, err)
	}
	return nil
}

// Workers calls fn for every worker until fn returns false.
func (tx *Tx) Workers(fn func(*model.Worker) bool) error {
	c := tx.btx.Bucket(bucketWorkers).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var w model.Worker
		if err := json.Unmarshal(v, &w); err != nil {
			return fmt.Errorf("decoding worker %s: %w", k, err)
		}
		if !fn(&w) {
			return nil
		}
	}
	return nil
}

// RawWorker returns the stored JSON of worker id, or nil when there is none.
// The bytes are valid only until the transaction ends.
func (tx *Tx) RawWorker(id string) []byte { return tx.btx.Bucket(bucketWorkers).Get([]byte(id)) }

// RawWorkers calls fn with the id and the stored JSON of every worker, in id
// order, until fn returns false. The bytes are valid only during the call:
// for callers that keep decoded records and decode only what changed.
func (tx *Tx) RawWorkers(fn func(id, raw []byte) bool) {
	c := tx.btx.Bucket(bucketWorkers).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if !fn(k, v) {
			return
		}
	}
}

// PutMember stores a member.
func (tx *Tx) PutMember(m *model.Member) error {
	v, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encoding member %s: %w", m.ID, err)
	}
	if err := tx.btx.Bucket(bucketMembers).Put([]byte(m.ID), v); err != nil {
		return fmt.Errorf("storing member %s: %w", m.ID, err)
	}
	return nil
}

// Member returns the member with the given id.
func (tx *Tx) Member(id string) (*model.Member, error) {
	v := tx.btx.Bucket(bucketMembers).Get([]byte(id))
	if v == nil {
		return nil, fmt.Errorf("member %s: %w", id, ErrNotFound)
	}
	var m model.Member
	if err := json.Unmarshal(v, &m); err != nil {
		return nil, fmt.Errorf("decoding member %s: %w", id, err)
	}
	return &m, nil
}

// Members calls fn for every member until fn returns false.
func (tx *Tx) Members(fn func(*model.Member) bool) error {
	c := tx.btx.Bucket(bucketMembers).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var m model.Member
		if err := json.Unmarshal(v, &m); err != nil {
			return fmt.Errorf("decoding member %s: %w", k, err)
		}
		if !fn(&m) {
			return nil
		}
	}
	return nil
}

// TokenHash is how a token is kept: tokens are random, so a plain SHA-256 is
// as strong as a slow password hash and costs microseconds per request.
func TokenHash(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// SetToken makes token the member's (its only one: an older one stops working).
func (tx *Tx) SetToken(memberID, token string) error {
	if err := tx.DropTokens(memberID); err != nil {
		return err
	}
	if err := tx.btx.Bucket(bucketTokens).Put(TokenHash(token), []byte(memberID)); err != nil {
		return fmt.Errorf("storing token of member %s: %w", memberID, err)
	}
	return nil
}

// TokenMember returns the id of the member whose token hashes to hash, or "".
func (tx *Tx) TokenMember(hash []byte) string {
	return string(tx.btx.Bucket(bucketTokens).Get(hash))
}

// DropTokens makes a member's tokens stop working. There are few members, so
// a scan beats keeping a second index.
func (tx *Tx) DropTokens(memberID string) error {
	b := tx.btx.Bucket(bucketTokens)
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if string(v) == memberID {
			if err := c.Delete(); err != nil {
				return fmt.Errorf("dropping token of member %s: %w", memberID, err)
			}
		}
	}
	return nil
}

func decodeTask(v []byte) (*model.Task, error) {
	var t model.Task
	if err := json.Unmarshal(v, &t); err != nil {
		return nil, fmt.Errorf("decoding task: %w", err)
	}
	return &t, nil
}

func jobPrefix(jobID string) []byte { return append([]byte(jobID), '/') }

func taskKey(jobID string, index int) []byte {
	return binary.BigEndian.AppendUint32(jobPrefix(jobID), uint32(index))
}

var keyFarmID = []byte("farm_id")

// FarmID returns the farm's identity, made once when the database is new.
// Discovery and clients use it to tell one farm's manager from another's.
func (tx *Tx) FarmID() string { return string(tx.btx.Bucket(bucketMeta).Get(keyFarmID)) }

// SetFarmID records the farm's identity.
func (tx *Tx) SetFarmID(id string) error {
	if err := tx.btx.Bucket(bucketMeta).Put(keyFarmID, []byte(id)); err != nil {
		return fmt.Errorf("storing farm id: %w", err)
	}
	return nil
}

// DeleteWorker removes a worker record. Its membership and token stay: a
// deleted worker that comes back signs on as a new worker, unless revoked.
func (tx *Tx) DeleteWorker(id string) error {
	if err := tx.btx.Bucket(bucketWorkers).Delete([]byte(id)); err != nil {
		return fmt.Errorf("deleting worker %s: %w", id, err)
	}
	return nil
}

var keyJoinCode = []byte("join_code")

// JoinCode returns the farm's join code, "" when it has none. It is kept as
// is, since the manager must be able to show it.
func (tx *Tx) JoinCode() string { return string(tx.btx.Bucket(bucketMeta).Get(keyJoinCode)) }

// SetJoinCode replaces the join code.
func (tx *Tx) SetJoinCode(code string) error {
	if err := tx.btx.Bucket(bucketMeta).Put(keyJoinCode, []byte(code)); err != nil {
		return fmt.Errorf("storing join code: %w", err)
	}
	return nil
}
