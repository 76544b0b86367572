// Package model holds Farmhand's domain vocabulary: jobs, tasks and workers, their
// statuses, the one table of which user actions each status allows, and the rules
// that derive a job's status from the counts of its tasks' statuses.
//
// It has no dependencies inside Farmhand so that the store, the scheduler, the API
// and the GUI can all speak it.
package model
