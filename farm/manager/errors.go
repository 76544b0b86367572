package manager

import (
	"errors"

	"farmhand/farm/jobtype"
	"farmhand/farm/store"
)

// The error kinds of the farm, each with the HTTP status the API answers it
// with. This is the one list: the manager's methods name these in their doc
// comments, callers test them with errors.Is, and farm/api maps exactly these
// (api/errors.go). Two answers carry more than a kind: a *model.ActionError
// (409, with the actions the status allows) and a *StatusChangeError (423,
// the change a worker must make first). Any other error is a fault of the
// manager: 500, logged, and never shown to the client in its own words.
var (
	// ErrInvalid: the request itself is wrong; the message says how (400).
	ErrInvalid = jobtype.ErrInvalid
	// ErrUnauthorized: missing or wrong credentials (401).
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden: the member's role, or the job's owner, does not allow the
	// request (403).
	ErrForbidden = errors.New("forbidden")
	// ErrNotFound: no such job, task, worker or member (404).
	ErrNotFound = store.ErrNotFound
	// ErrNotYours: a worker reported on a task that is no longer assigned to
	// it (409).
	ErrNotYours = errors.New("task is not assigned to this worker")
	// ErrNotAwake: a worker asked for work while it is not awake (409).
	ErrNotAwake = errors.New("worker is not awake")
	// ErrStaleEtag: the submitter's copy of the job type is out of date (412).
	ErrStaleEtag = jobtype.ErrStaleEtag
	// ErrTooLarge: a request body or file is larger than its limit (413).
	ErrTooLarge = errors.New("too large")
	// ErrTooMany: too many requests of one kind, from one caller or address,
	// or in all; wait and retry (429, with Retry-After when the error has a
	// RetrySeconds method, as *LimitError has).
	ErrTooMany = errors.New("too many requests")
	// ErrClosed: the manager is shutting down and its database is closed
	// (503); retry against the next manager.
	ErrClosed = store.ErrClosed
)
