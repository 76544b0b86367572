package discovery

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"farmhand/discovery/beacon"
)

// Browser looks for managers on the network and keeps the ones it has seen.
// Several farms may share a network: Peers lists them all, and callers pick
// by manager id (ByManager) or show them by farm name.
type Browser struct {
	cfg     Config
	cache   *cache
	kick    chan struct{} // ask now instead of at the next interval
	waiting atomic.Int32  // callers in Wait; while any, ask every hurryInterval

	mu      sync.Mutex
	lastErr error // of the last query; nil when it worked
}

// NewBrowser returns a browser; it asks nothing until Run.
func NewBrowser(cfg Config) *Browser {
	cfg = cfg.withDefaults()
	return &Browser{cfg: cfg, cache: newCache(cfg.ttl()), kick: make(chan struct{}, 1)}
}

// Run asks the network for managers every Interval until ctx ends, then
// returns nil; when discovery is switched off it returns nil at once. It
// fails only on a bad configuration. mDNS errors, such as ErrNoMulticast, are
// logged, kept for Err and Wait, and retried: a laptop that starts without a
// network finds its manager once it has one.
func (b *Browser) Run(ctx context.Context) error {
	log := b.cfg.Logger
	if b.cfg.Disabled {
		log.Info("mDNS browsing is switched off")
		return nil
	}
	ifi, err := beacon.InterfaceByName(b.cfg.Interface)
	if err != nil {
		return fmt.Errorf("discovery: browse: %w", err)
	}
	opts := beacon.Options{Interface: ifi, Logger: log}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		case <-b.kick:
		}
		started := time.Now()
		b.poll(ctx, opts)
		interval := b.cfg.Interval
		if b.waiting.Load() > 0 {
			interval = min(interval, hurryInterval)
		}
		timer.Reset(interval - time.Since(started)) // a query takes part of the interval
	}
}

// poll asks once and updates the cache with the answers.
func (b *Browser) poll(ctx context.Context, opts beacon.Options) {
	log := b.cfg.Logger
	entries, err := beacon.Query(ctx, opts, ServiceType, b.cfg.queryTimeout())
	if ctx.Err() != nil {
		return
	}
	b.setErr(err)
	now := time.Now()
	prefixes, _ := beacon.LocalPrefixes() // without them addresses keep their order
	for _, e := range entries {
		a, err := parseTXT(e.TXT, e.Port)
		if err != nil || len(e.Addrs) == 0 {
			log.Debug("ignoring an mDNS answer", "instance", e.Instance, "txt", e.TXT, "addrs", e.Addrs, "err", err)
			continue
		}
		p := newPeer(a, e.Addrs, prefixes, now)
		args := []any{"farm", p.FarmName, "manager", p.ManagerID, "url", p.URL, "instance", p.InstanceID}
		switch b.cache.seen(p) {
		case added:
			log.Info("found a manager", args...)
		case replaced:
			log.Info("manager restarted", args...)
		case moved:
			log.Info("manager addresses changed", args...)
		}
	}
	for _, p := range b.cache.expire(now) {
		log.Info("manager gone", "farm", p.FarmName, "manager", p.ManagerID, "url", p.URL)
	}
}

// setErr keeps the query result and logs only when it changes.
func (b *Browser) setErr(err error) {
	b.mu.Lock()
	prev := b.lastErr
	b.lastErr = err
	b.mu.Unlock()
	switch {
	case err != nil && (prev == nil || prev.Error() != err.Error()):
		b.cfg.Logger.Warn("mDNS browsing failed; retrying", "err", err)
	case err == nil && prev != nil:
		b.cfg.Logger.Info("mDNS browsing works again")
	}
}

// Err is the error of the last query, or nil when it worked.
func (b *Browser) Err() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.lastErr
}

// Peers lists the managers seen within the last 3×Interval, by farm name
// and manager id.
func (b *Browser) Peers() []Peer { return b.cache.list(time.Now()) }

// Changed returns a channel that is closed when a manager appears,
// restarts, changes address or is gone; call it again for the next change.
func (b *Browser) Changed() <-chan struct{} { return b.cache.changes() }

// Wait returns the first listed manager that match accepts (any manager when
// match is nil), waiting for one while Run browses. Meanwhile the browser
// asks every second. When ctx ends first, the error wraps ctx's error and
// the last mDNS error, if any (errors.Is(err, ErrNoMulticast) works).
//
// A worker whose manager stopped answering at p.URL waits for its next
// instance with a match such as
//
//	func(q Peer) bool { return q.ManagerID == p.ManagerID && q.InstanceID != p.InstanceID }
func (b *Browser) Wait(ctx context.Context, match func(Peer) bool) (Peer, error) {
	if b.cfg.Disabled {
		return Peer{}, ErrDisabled
	}
	if match == nil {
		match = func(Peer) bool { return true }
	}
	if p, ok := b.find(match); ok {
		return p, nil
	}
	b.waiting.Add(1)
	defer b.waiting.Add(-1)
	select {
	case b.kick <- struct{}{}:
	default: // a kick is pending already
	}
	for {
		changed := b.cache.changes() // before looking, so no change is missed
		if p, ok := b.find(match); ok {
			return p, nil
		}
		select {
		case <-ctx.Done():
			if err := b.Err(); err != nil {
				return Peer{}, fmt.Errorf("discovery: no manager found: %w (last mDNS error: %w)", ctx.Err(), err)
			}
			return Peer{}, fmt.Errorf("discovery: no manager found: %w", ctx.Err())
		case <-changed:
		}
	}
}

func (b *Browser) find(match func(Peer) bool) (Peer, bool) {
	for _, p := range b.Peers() {
		if match(p) {
			return p, true
		}
	}
	return Peer{}, false
}

// newPeer orders the addresses best first: one on a network this host is
// directly on (a manager also has docker or VPN addresses we cannot reach),
// then IPv4.
func newPeer(a Announcement, addrs []netip.Addr, local []netip.Prefix, now time.Time) Peer {
	addrs = slices.Clone(addrs)
	onLink := func(x netip.Addr) bool {
		return slices.ContainsFunc(local, func(p netip.Prefix) bool { return p.Masked().Contains(x) })
	}
	slices.SortStableFunc(addrs, func(x, y netip.Addr) int {
		if c := beacon.TrueFirst(onLink(x), onLink(y)); c != 0 {
			return c
		}
		return beacon.TrueFirst(x.Is4(), y.Is4())
	})
	scheme := "https://"
	if a.Fingerprint == "" {
		scheme = "http://"
	}
	url := scheme + netip.AddrPortFrom(addrs[0], uint16(a.Port)).String()
	return Peer{Announcement: a, Addrs: addrs, URL: url, LastSeen: now}
}
