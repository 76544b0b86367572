// Package manager is the farm's brain: it accepts jobs, hands tasks to workers,
// applies users' actions and workers' reports, and keeps job statuses following
// their tasks.
//
// Every change is one store transaction (see op). The runnable-task index and
// the event stream are fed from commit hooks, so they see changes in exactly the
// order the database does.
package manager
