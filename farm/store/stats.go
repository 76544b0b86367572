package store

import (
	"sync/atomic"
	"time"
)

// Stats says how the store's group commits went since it opened: how many
// writers shared a transaction, and how long committing took, which on most
// disks is the two syncs bbolt makes per commit (pages, then meta page) and
// bounds how fast a writer hears back.
type Stats struct {
	Commits uint64 // transactions committed
	Writers uint64 // writers (Update calls) they carried
	// Committing is the time spent in bbolt's commit, writing and syncing,
	// summed over the commits; Running the time the writers' functions ran.
	Committing, Running time.Duration
	// SlowestCommit is the longest single commit.
	SlowestCommit time.Duration
}

type statCounters struct {
	commits, writers, committing, running, slowest atomic.Int64
}

func (c *statCounters) add(writers int, running, committing time.Duration) {
	c.commits.Add(1)
	c.writers.Add(int64(writers))
	c.running.Add(int64(running))
	c.committing.Add(int64(committing))
	for {
		s := c.slowest.Load()
		if int64(committing) <= s || c.slowest.CompareAndSwap(s, int64(committing)) {
			return
		}
	}
}

// Stats returns the counts since the store opened; safe to call at any time.
func (s *Store) Stats() Stats {
	c := &s.stats
	return Stats{Commits: uint64(c.commits.Load()), Writers: uint64(c.writers.Load()),
		Committing: time.Duration(c.committing.Load()), Running: time.Duration(c.running.Load()),
		SlowestCommit: time.Duration(c.slowest.Load())}
}
