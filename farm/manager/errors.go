package manager

import (
	"errors"

	"farmhand/farm/jobtype"
	"farmhand/farm/store"
)

// Errors the API maps to status codes. Callers test them with errors.Is; an
// action refused by a status is a *model.ActionError instead.
var (
	// ErrNotFound: no such job, task or worker (404).
	ErrNotFound = store.ErrNotFound
	// ErrInvalid: the request itself is wrong (400).
	ErrInvalid = jobtype.ErrInvalid
	// ErrNotYours: a worker reported on a task that is no longer assigned to it (409).
	ErrNotYours = errors.New("task is not assigned to this worker")
	// ErrNotAwake: a worker asked for work while it is not awake (409).
	ErrNotAwake = errors.New("worker is not awake")
	// ErrUnauthorized: missing or wrong credentials (401).
	ErrUnauthorized = errors.New("unauthorized")
	// ErrStaleEtag: the submitter's copy of the job type is out of date (412).
	ErrStaleEtag = jobtype.ErrStaleEtag
)

// ErrTooMany: too many requests of one kind, from one address or in all; the
// caller should wait and retry (429 Too Many Requests, with Retry-After). The
// join limits return it as a *LimitError, which says how long to wait.
var ErrTooMany = errors.New("too many requests")
