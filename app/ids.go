package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
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
// starts with ref, case aside (ids are lower-case hex, and a person may type
// them from a screen in capitals). Errors: errNoMatch when none does,
// errAmbiguous listing the candidates (id and name, at most maxListed) when
// several do; both name kind ("job", "worker", "task", "member").
func pickID(kind, ref string, cands []idCandidate) (string, error) {
	var found []idCandidate
	lower := strings.ToLower(ref)
	for _, c := range cands {
		if strings.EqualFold(c.id, ref) {
			return c.id, nil
		}
		if strings.HasPrefix(strings.ToLower(c.id), lower) {
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
// id, a dot and its number counted from 0 ("<job id>.4"); ref may shorten
// the job's part to a unique prefix ("3f2a.4", the number whole), or be a
// prefix of the job's id alone, which names a task when the job has one.
// Errors as resolveJobID's; errNoMatch too for a number that is not one of
// the job's tasks, saying the job's range ("job 3f2a… has tasks 0–3").
func resolveTaskID(ctx context.Context, cl *client.Client, ref string) (string, error) {
	if err := checkRef("task", ref); err != nil {
		return "", err
	}
	if _, err := cl.Task(ctx, ref); !isNotFound(err) {
		return ref, err
	}
	if dot := strings.LastIndexByte(ref, '.'); dot > 0 {
		return resolveTaskNumber(ctx, cl, ref, ref[:dot], ref[dot+1:])
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

// resolveTaskNumber returns the id of task number of the job jobRef names
// (a whole id or a unique prefix). A number that is not a whole number
// written as ids write it (0, 1, 12: no sign, no leading zero), or that is
// not one of the job's tasks, is an errNoMatch saying the job's range.
func resolveTaskNumber(ctx context.Context, cl *client.Client, ref, jobRef, number string) (string, error) {
	jobID, err := resolveJobID(ctx, cl, jobRef)
	if err != nil {
		return "", fmt.Errorf("task %s: %w", ref, err)
	}
	index, err := strconv.Atoi(number)
	if err == nil && index >= 0 && strconv.Itoa(index) == number {
		id := model.TaskID(jobID, index)
		if _, err := cl.Task(ctx, id); !isNotFound(err) {
			return id, err
		}
	}
	tasks, err := cl.TasksCompact(ctx, jobID)
	if err != nil {
		return "", fmt.Errorf("listing the tasks of job %s to check task %s: %w", jobID, ref, err)
	}
	return "", fmt.Errorf("%w: task %s: %q is not a task number of job %s: %s", errNoMatch, ref, number, jobID, taskRange(tasks))
}

// taskRange says which task numbers a job has, and how a task id is made.
func taskRange(tasks []*model.Task) string {
	if len(tasks) == 0 {
		return "it has no tasks"
	}
	lo, hi := tasks[0].Index, tasks[0].Index
	for _, t := range tasks {
		lo, hi = min(lo, t.Index), max(hi, t.Index)
	}
	return fmt.Sprintf("it has tasks %d–%d (a task id is JOB.N, N counted from 0, as 'farmhand tasks JOB' shows)", lo, hi)
}

// resolveMemberID returns the id of the member (person, tool or worker, any
// status) ref names: its id, or a unique prefix of it. Errors as
// resolveJobID's.
func resolveMemberID(ctx context.Context, cl *client.Client, ref string) (string, error) {
	if err := checkRef("member", ref); err != nil {
		return "", err
	}
	members, err := cl.Members(ctx, "")
	if err != nil {
		return "", fmt.Errorf("listing the members to find %q: %w", ref, err)
	}
	cands := make([]idCandidate, len(members))
	for i, m := range members {
		cands[i] = idCandidate{m.ID, m.Name}
	}
	return pickID("member", ref, cands)
}

// isNotFound says whether err is the manager's 404: an id it does not know.
func isNotFound(err error) bool { return client.StatusOf(err) == http.StatusNotFound }
