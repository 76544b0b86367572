package store

import (
	"encoding/json"
	"fmt"

	"farmhand/farm/model"
)

// A group commit runs many writers in one transaction (see Store.writer), and
// with many workers most of them change the same job: each completion moves a
// counter of the job, so each wrote the whole job record again, ETA and
// timing samples included. The writers of a group now share a group: a job
// record written to it is encoded and put once, after the group's last
// writer, in the version the last writer left. Reads in the same transaction
// (Job, Jobs, PendingJob) see that version; only RawJob, which gives the
// bytes last put, can tell. Nothing outside the transaction sees anything
// before the commit.

// group is what the writers of one transaction share.
type group struct {
	jobs   map[string]*pendingJob
	order  []string // job ids in the order first written
	shared map[any]any
}

// pendingJob is a job record written by the group, not yet encoded.
type pendingJob struct {
	job    *model.Job
	stored func(tx *Tx, raw []byte)
	writer int // index of the writer that last wrote it, to blame when it cannot be encoded
}

func newGroup() *group { return &group{jobs: map[string]*pendingJob{}, shared: map[any]any{}} }

// Shared returns what the writers of this transaction keep under key, made
// by make at the first call; in a read-only transaction (or a migration)
// every call makes a new one. It is gone with the transaction, also when the
// transaction is rolled back and its writers run again, so it may hold what
// they derived from the transaction's data.
func (tx *Tx) Shared(key any, make func() any) any {
	if tx.group == nil {
		return make()
	}
	v, ok := tx.group.shared[key]
	if !ok {
		v = make()
		tx.group.shared[key] = v
	}
	return v
}

// PendingJob returns a copy of job id as a writer of this transaction left
// it, when one wrote it; ok is false otherwise (read the store then).
func (tx *Tx) PendingJob(id string) (j *model.Job, ok bool) {
	if tx.group == nil {
		return nil, false
	}
	p := tx.group.jobs[id]
	if p == nil {
		return nil, false
	}
	return p.job.Clone(), true
}

// keep keeps j as the group's version of its record; stored, if not nil,
// is called with the bytes once they are put.
func (g *group) keep(j *model.Job, writer int, stored func(tx *Tx, raw []byte)) {
	p := g.jobs[j.ID]
	if p == nil {
		p = &pendingJob{}
		g.jobs[j.ID] = p
		g.order = append(g.order, j.ID)
	}
	p.job, p.stored, p.writer = j, stored, writer
}

func (g *group) forget(id string) { delete(g.jobs, id) }

// flush encodes and puts every job record the group wrote, once each, in tx
// (the transaction's last Tx: the callbacks' commit hooks go there). On an
// error it returns the index of the writer that last wrote the job.
func (g *group) flush(tx *Tx) (writer int, err error) {
	for _, id := range g.order {
		p := g.jobs[id]
		if p == nil {
			continue // deleted after it was written
		}
		raw, err := tx.putJobNow(p.job)
		if err != nil {
			return p.writer, err
		}
		if p.stored != nil {
			p.stored(tx, raw)
		}
	}
	return -1, nil
}

// putJobNow encodes j and puts it, returning the bytes put (valid until the
// transaction ends).
func (tx *Tx) putJobNow(j *model.Job) ([]byte, error) {
	allowed := j.AllowedActions
	j.AllowedActions = nil // derived, never stored
	v, err := json.Marshal(j)
	j.AllowedActions = allowed
	if err != nil {
		return nil, fmt.Errorf("encoding job %s: %w", j.ID, err)
	}
	if err := tx.btx.Bucket(bucketJobs).Put([]byte(j.ID), v); err != nil {
		return nil, fmt.Errorf("storing job %s: %w", j.ID, err)
	}
	return v, nil
}
