package manager

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
	"weak"

	"farmhand/farm/model"
	"farmhand/farm/store"
)

// Limits on join requests, which anyone on the network may send without a
// token (issue 17): they keep a flood from filling the database or burying the
// admins' list, and a join code from being guessed.
const (
	// MaxNameLength is the most characters (runes) a joining member's name may have.
	MaxNameLength = 64
	// MaxPlatformLength is the most characters a joining member's platform may have.
	MaxPlatformLength = 32
	// MaxPendingPerAddress is how many join requests from one address may wait
	// for an admin at once.
	MaxPendingPerAddress = 3
	// MaxPending is how many join requests may wait for an admin at once, from
	// all addresses together.
	MaxPending = 100
	// JoinRequestTTL is how long a join request waits for an admin; after that
	// it is rejected by the manager, which says so in the member's Note.
	JoinRequestTTL = 24 * time.Hour
	// CodeFailuresAllowed is how many wrong join codes one address may send
	// (each less than CodeFailureWindow after the one before) before it must
	// wait between attempts.
	CodeFailuresAllowed = 5
	// CodeFailureWindow is how long an address must send no wrong join code
	// for its earlier failures to be forgotten.
	CodeFailureWindow = 15 * time.Minute
	// CodeDelayFirst is the first wait imposed; it doubles with every further
	// failure up to CodeDelayMax.
	CodeDelayFirst = time.Second
	CodeDelayMax   = 5 * time.Minute
	// codeGuardSize bounds the addresses whose failures are remembered; the
	// one quiet the longest is forgotten first.
	codeGuardSize = 1024
	// maxPendingRetry caps the wait suggested to a requester turned away by
	// the pending limits: an admin may answer long before requests expire.
	maxPendingRetry = 5 * time.Minute
)

// expiredNote is the Note of a join request the manager rejected because no
// admin answered it in time.
var expiredNote = fmt.Sprintf("expired: no admin answered within %s", JoinRequestTTL)

// LimitError is a join request refused by a limit; it wraps ErrTooMany, and
// the API answers it with 429 Too Many Requests and a Retry-After header.
type LimitError struct {
	// Reason says which limit refused the request.
	Reason string
	// RetryAfter is how long the requester should wait before trying again.
	RetryAfter time.Duration
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("%s: %s; retry in %d s", ErrTooMany, e.Reason, e.RetrySeconds())
}

func (e *LimitError) Unwrap() error { return ErrTooMany }

// RetrySeconds is RetryAfter in whole seconds, rounded up and at least 1, as
// the Retry-After header wants it.
func (e *LimitError) RetrySeconds() int {
	return max(1, int(math.Ceil(e.RetryAfter.Seconds())))
}

// cleanText trims s and checks that it is at most limit runes of printable
// characters: no control characters, no line breaks, no invisible formatting
// (a right-to-left override could disguise a name in the admins' list). The
// error is ErrInvalid, naming field and the rule; it never quotes s, which
// may be huge.
func cleanText(field, s string, limit int) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("%w: the %s is not valid UTF-8 text", ErrInvalid, field)
	}
	if n := utf8.RuneCountInString(s); n > limit {
		return "", fmt.Errorf("%w: the %s is %d characters long; at most %d are allowed", ErrInvalid, field, n, limit)
	}
	for i, r := range []rune(s) {
		if !unicode.IsPrint(r) {
			return "", fmt.Errorf("%w: the %s has an unprintable character (%U at character %d); only printable characters and plain spaces are allowed",
				ErrInvalid, field, r, i+1)
		}
	}
	return s, nil
}

// ExpireJoinRequests rejects the join requests that waited longer than
// JoinRequestTTL for an admin, noting why in their Note; their tokens keep
// answering JoinStatus (with "rejected"), as after an admin's rejection. Join
// and Members do this by themselves; a periodic call only keeps the database
// tidy in between. Errors are logged.
func (m *Manager) ExpireJoinRequests() {
	if _, err := m.expireJoinRequests(); err != nil {
		m.log.Error("expiring join requests", "err", err)
	}
}

// expireJoinRequests is ExpireJoinRequests returning how many expired. It
// writes only when some did, for it runs on every listing of members.
func (m *Manager) expireJoinRequests() (int, error) {
	now := m.now()
	found := false
	err := m.store.View(func(tx *store.Tx) error {
		return tx.Members(func(mb *model.Member) bool {
			found = mb.Status == model.MemberPending && joinExpired(mb, now)
			return !found
		})
	})
	if err != nil || !found {
		return 0, err
	}
	n := 0
	err = m.update(func(o *op) error {
		var expired []*model.Member
		err := o.tx.Members(func(mb *model.Member) bool {
			if mb.Status == model.MemberPending && joinExpired(mb, o.now) {
				expired = append(expired, mb)
			}
			return true
		})
		if err != nil {
			return err
		}
		for _, mb := range expired {
			mb.Status, mb.Decided, mb.Note = model.MemberRejected, o.now, expiredNote
			if err := o.putMember(mb); err != nil {
				return err
			}
		}
		n = len(expired)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("rejecting expired join requests: %w", err)
	}
	m.forgetTokens()
	m.log.Info("join requests expired", "count", n)
	return n, nil
}

func joinExpired(mb *model.Member, now time.Time) bool {
	return !now.Before(mb.Requested.Add(JoinRequestTTL))
}

// pendingCount is what the pending join requests look like from one address.
type pendingCount struct {
	fromAddress, total int
	// oldestFromAddress and oldest are the earliest requests still pending,
	// whose expiry frees a place at the latest.
	oldestFromAddress, oldest time.Time
	// same is the pending request with the same name from the same address,
	// which a new request replaces.
	same *model.Member
}

func countPending(tx *store.Tx, address, name string, now time.Time) (pendingCount, error) {
	var c pendingCount
	err := tx.Members(func(mb *model.Member) bool {
		if mb.Status != model.MemberPending || joinExpired(mb, now) {
			return true
		}
		c.total++
		if c.oldest.IsZero() || mb.Requested.Before(c.oldest) {
			c.oldest = mb.Requested
		}
		if mb.Address != address {
			return true
		}
		c.fromAddress++
		if c.oldestFromAddress.IsZero() || mb.Requested.Before(c.oldestFromAddress) {
			c.oldestFromAddress = mb.Requested
		}
		if mb.Name == name && c.same == nil {
			c.same = mb
		}
		return true
	})
	return c, err
}

// refusal is the LimitError for a new pending request beyond the limits, or
// nil if there is room for it.
func (c pendingCount) refusal(address string, now time.Time) error {
	retry := func(oldest time.Time) time.Duration {
		return min(maxPendingRetry, max(time.Second, oldest.Add(JoinRequestTTL).Sub(now)))
	}
	switch {
	case c.fromAddress >= MaxPendingPerAddress:
		return &LimitError{RetryAfter: retry(c.oldestFromAddress), Reason: fmt.Sprintf(
			"%d join requests from %s already wait for an admin (at most %d from one address); ask an admin to answer them",
			c.fromAddress, address, MaxPendingPerAddress)}
	case c.total >= MaxPending:
		return &LimitError{RetryAfter: retry(c.oldest), Reason: fmt.Sprintf(
			"%d join requests already wait for an admin (at most %d in all); ask an admin to answer them",
			c.total, MaxPending)}
	}
	return nil
}

// codeGuard slows down the guessing of join codes: per address, it counts
// wrong codes and, past CodeFailuresAllowed, refuses attempts for a wait that
// doubles with each further failure. Memory only: a restart forgets it, which
// costs a guesser more than it gains.
type codeGuard struct {
	mu sync.Mutex
	by map[string]*codeFailures
}

type codeFailures struct {
	count int
	last  time.Time     // the latest failure
	delay time.Duration // the latest wait imposed
	until time.Time     // no attempt before this
}

// joinGuards holds each manager's codeGuard, keyed weakly so that a closed
// and dropped manager takes its guard with it. It lives here rather than in
// a Manager field because this file owns the join limits.
var joinGuards sync.Map // weak.Pointer[Manager] → *codeGuard

func (m *Manager) codeGuard() *codeGuard {
	key := weak.Make(m)
	if g, ok := joinGuards.Load(key); ok {
		return g.(*codeGuard)
	}
	g, loaded := joinGuards.LoadOrStore(key, &codeGuard{by: map[string]*codeFailures{}})
	if !loaded {
		runtime.AddCleanup(m, func(k weak.Pointer[Manager]) { joinGuards.Delete(k) }, key)
	}
	return g.(*codeGuard)
}

// attempt runs check (which compares a join code) for address unless the
// address must still wait, and records the outcome: a success forgets the
// address's failures. Checking and recording under one lock keeps a burst of
// simultaneous guesses from all slipping in before the first failure counts.
// It returns whether the code was right, or a *LimitError.
func (g *codeGuard) attempt(address string, now time.Time, check func() bool) (bool, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	f := g.by[address]
	if f != nil && now.Sub(f.last) > CodeFailureWindow && !now.Before(f.until) {
		delete(g.by, address)
		f = nil
	}
	if f != nil && now.Before(f.until) {
		return false, &LimitError{RetryAfter: f.until.Sub(now), Reason: fmt.Sprintf(
			"too many wrong join codes from %s", address)}
	}
	if check() {
		delete(g.by, address)
		return true, nil
	}
	if f == nil {
		g.makeRoom()
		f = &codeFailures{}
		g.by[address] = f
	}
	f.count++
	f.last = now
	if f.count >= CodeFailuresAllowed {
		f.delay = min(CodeDelayMax, max(CodeDelayFirst, 2*f.delay))
		f.until = now.Add(f.delay)
	}
	return false, nil
}

// makeRoom forgets the address whose latest failure is the oldest when the
// guard is full, so that a flood of addresses cannot grow it without bound.
func (g *codeGuard) makeRoom() {
	if len(g.by) < codeGuardSize {
		return
	}
	var oldest string
	for a, f := range g.by {
		if oldest == "" || f.last.Before(g.by[oldest].last) {
			oldest = a
		}
	}
	delete(g.by, oldest)
}
