package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"farmhand/farm/api/client"
	"farmhand/farm/model"
)

// Commands take a job, worker or task by any unique prefix of its id, as git
// and docker take commits and containers: 'farmhand job 3f2a'. This is the one
// resolver of such a prefix, beside resolveFarm's of the farm. It goes
// through the API (the command line never opens the database): a whole id
// costs one request, as before; a prefix the manager does not know as an id
// costs one list of jobs (or workers, or the job's tasks) more.

// errNoMatch is a prefix no id starts with; errAmbiguous one that several do.
var (
	errNoMatch   = errors.New("no id matches")
	errAmbiguous = errors.New("ambiguous id")
)

// idCandidate is an id a prefix may stand for, and its name for people.
type idCandidate struct{ id, name string }

// maxListed is how many candidates an ambiguous prefix's error lists.
const maxListed = 10

// pickID returns the candidate whose id is ref, else the only one whose id
// starts with ref. Errors: errNoMatch when none does, errAmbiguous listing
// the candidates (id and name, at most maxListed) when several do; both
// name kind ("job", "worker", "task").
func pickID(kind, ref string, cands []idCandidate) (string, error) {
	var found []idCandidate
	for _, c := range cands {
		if c.id == ref {
			return c.id, nil
		}
		if strings.HasPrefix(c.id, ref) {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("%w: no %s id starts with %q (see 'farmhand %ss')", errNoMatch, kind, ref, kind)
	case 1:
		return found[0].id, nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %q matches %d %ss; give more of its id:", kind, ref, len(found), kind)
	for i, c := range found {
		if i == maxListed {
			fmt.Fprintf(&b, "\n  … and %d more", len(found)-maxListed)
			break
		}
		fmt.Fprintf(&b, "\n  %s  %s", c.id, c.name)
	}
	return "", fmt.Errorf("%w: %s", errAmbiguous, b.String())
}

// checkRef refuses an empty reference, which every id starts with.
func checkRef(kind, ref string) error {
	if strings.TrimSpace(ref) == "" {
		return fmt.Errorf("%w: which %s? Give its id or the start of it", errUsage, kind)
	}
	return nil
}

// resolveJobID returns the id of the job ref names: its id, or a unique
// prefix of it. Errors: errNoMatch, errAmbiguous, errUsage for an empty ref,
// and the client's (*client.Error, a farm not reached).
func resolveJobID(ctx context.Context, cl *client.Client, ref string) (string, error) {
	if err := checkRef("job", ref); err != nil {
		return "", err
	}
	if _, err := cl.Job(ctx, ref); !isNotFound(err) {
		return ref, err
	}
	jobs, err := cl.Jobs(ctx)
	if err != nil {
		return "", fmt.Errorf("listing the jobs to find %q: %w", ref, err)
	}
	cands := make([]idCandidate, len(jobs))
	for i, j := range jobs {
		cands[i] = idCandidate{j.ID, j.Name}
	}
	return pickID("job", ref, cands)
}

// resolveWorkerID returns the id of the worker ref names: its id, or a
// unique prefix of it. Errors as resolveJobID's.
func resolveWorkerID(ctx context.Context, cl *client.Client, ref string) (string, error) {
	if err := checkRef("worker", ref); err != nil {
		return "", err
	}
	if _, err := cl.Worker(ctx, ref); !isNotFound(err) {
		return ref, err
	}
	workers, err := cl.Workers(ctx)
	if err != nil {
		return "", fmt.Errorf("listing the workers to find %q: %w", ref, err)
	}
	cands := make([]idCandidate, len(workers))
	for i, w := range workers {
		cands[i] = idCandidate{w.ID, w.Name}
	}
	return pickID("worker", ref, cands)
}

// resolveTaskID returns the id of the task ref names. A task id is its job's
// id, a dot and its index ("<job id>.4"); ref may shorten the job's part to
// a unique prefix ("3f2a.4", the index whole), or be a prefix of the job's
// id alone, which names a task when the job has one. Errors as
// resolveJobID's.
func resolveTaskID(ctx context.Context, cl *client.Client, ref string) (string, error) {
	if err := checkRef("task", ref); err != nil {
		return "", err
	}
	if _, err := cl.Task(ctx, ref); !isNotFound(err) {
		return ref, err
	}
	if jobRef, index, ok := model.ParseTaskID(ref); ok {
		jobID, err := resolveJobID(ctx, cl, jobRef)
		if err != nil {
			return "", fmt.Errorf("task %s: %w", ref, err)
		}
		return model.TaskID(jobID, index), nil
	}
	jobID, err := resolveJobID(ctx, cl, ref)
	if err != nil {
		return "", fmt.Errorf("task %s: %w", ref, err)
	}
	tasks, err := cl.TasksCompact(ctx, jobID)
	if err != nil {
		return "", fmt.Errorf("listing the tasks of job %s to find %q: %w", jobID, ref, err)
	}
	cands := make([]idCandidate, len(tasks))
	for i, t := range tasks {
		cands[i] = idCandidate{t.ID, t.Name}
	}
	return pickID("task", ref, cands)
}

// isNotFound says whether err is the manager's 404: an id it does not know.
func isNotFound(err error) bool { return client.StatusOf(err) == http.StatusNotFound }
