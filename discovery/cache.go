package discovery

import (
	"cmp"
	"slices"
	"sync"
	"time"
)

// change says what an answer did to the cache.
type change int

const (
	unchanged change = iota // seen again, nothing new
	added                   // a manager not listed before
	replaced                // a newer instance of a listed manager (a restart)
	moved                   // the same instance with other addresses
	stale                   // an older instance of a listed manager: ignored
)

// cache holds the peers seen recently, one per manager id. It is Syncthing's
// local-discovery cache: entries live for ttl after they were last seen, and
// a new instance id means the manager restarted.
type cache struct {
	ttl time.Duration

	mu      sync.Mutex
	peers   map[string]Peer
	changed chan struct{} // closed and replaced on every change
}

func newCache(ttl time.Duration) *cache {
	return &cache{ttl: ttl, peers: map[string]Peer{}, changed: make(chan struct{})}
}

// seen records an answer; p.LastSeen is its time.
func (c *cache) seen(p Peer) change {
	c.mu.Lock()
	defer c.mu.Unlock()
	old, ok := c.peers[p.ManagerID]
	ch := added
	switch {
	case !ok || p.LastSeen.Sub(old.LastSeen) >= c.ttl:
		// new, or the old entry has expired already
	case old.InstanceID != p.InstanceID && p.StartedAt.Before(old.StartedAt):
		// Both instances still answer (the old one is shutting down, or two
		// processes share a manager id): the most recently started wins, so
		// the entry does not flap between them.
		return stale
	case old.InstanceID != p.InstanceID:
		ch = replaced
	case old.URL != p.URL || !slices.Equal(old.Addrs, p.Addrs):
		ch = moved
	default:
		ch = unchanged
	}
	c.peers[p.ManagerID] = p
	if ch != unchanged {
		c.notify()
	}
	return ch
}

// expire drops the peers not seen for ttl and returns them.
func (c *cache) expire(now time.Time) []Peer {
	c.mu.Lock()
	defer c.mu.Unlock()
	var gone []Peer
	for id, p := range c.peers {
		if now.Sub(p.LastSeen) >= c.ttl {
			gone = append(gone, p)
			delete(c.peers, id)
		}
	}
	if len(gone) > 0 {
		c.notify()
	}
	return gone
}

// list returns the live peers by farm name, then manager id.
func (c *cache) list(now time.Time) []Peer {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Peer
	for _, p := range c.peers {
		if now.Sub(p.LastSeen) < c.ttl {
			p.Addrs = slices.Clone(p.Addrs) // callers may keep and change it
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b Peer) int {
		return cmp.Or(cmp.Compare(a.FarmName, b.FarmName), cmp.Compare(a.ManagerID, b.ManagerID))
	})
	return out
}

// changes returns a channel that is closed at the next change.
func (c *cache) changes() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.changed
}

// notify wakes everyone waiting on changes; c.mu is held.
func (c *cache) notify() {
	close(c.changed)
	c.changed = make(chan struct{})
}
