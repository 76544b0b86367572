package api

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"farmhand/farm/manager"
)

// Rate limits keep one caller from monopolising the routes that cost the
// manager the most (compiling a job, marshalling a job's whole task list,
// decoding and scaling an image, storing a join request), as issue 17 asks:
// a runaway script or a flooding host is answered 429 while the rest of the
// studio is served as usual. Each caller has its own token bucket
// (golang.org/x/time/rate): Burst requests at once, then one every Every.

// Limit is the shape of one route's token bucket: a caller may make Burst
// requests at once, then one more every Every. Every == 0 means no limit.
type Limit struct {
	Burst int
	Every time.Duration
}

// RateLimits are the limits of the expensive routes. The submit, task-list and
// upload limits are per member (a worker's id is its member id, so the upload
// limit is per worker); the join limit is per remote address, since a join
// request carries no token.
type RateLimits struct {
	Submit   Limit // POST /api/v1/jobs
	TaskList Limit // GET /api/v1/jobs/{job_id}/tasks
	Upload   Limit // POST /api/v1/worker/{worker_id}/tasks/{task_id}/output
	Join     Limit // POST /api/v1/join
}

// DefaultRateLimits are generous enough never to bother a real studio: an
// add-on or a script submitting a batch of shots, a GUI reloading task lists
// as events arrive, a worker sending a preview of every frame.
var DefaultRateLimits = RateLimits{
	Submit:   Limit{Burst: 20, Every: time.Second / 5},
	TaskList: Limit{Burst: 60, Every: time.Second / 20},
	Upload:   Limit{Burst: 10, Every: time.Second / 2},
	Join:     Limit{Burst: 5, Every: 10 * time.Second},
}

// maxLimiterKeys bounds the buckets one limit keeps, so that a host cycling
// through addresses cannot grow the manager's memory without bound.
const maxLimiterKeys = 4096

// keyedLimiter is one limit's buckets, one per caller.
type keyedLimiter struct {
	what string // what is limited, as the 429 message names it: "job submissions"
	per  string // whose: "member" or "address"

	mu      sync.Mutex
	limit   Limit
	now     func() time.Time // the clock; tests replace it
	buckets map[string]*bucket
}

type bucket struct {
	lim  *rate.Limiter
	last time.Time // last request, for eviction
}

func newKeyedLimiter(what, per string, l Limit) *keyedLimiter {
	return &keyedLimiter{what: what, per: per, limit: l, now: time.Now, buckets: map[string]*bucket{}}
}

// set replaces the limit; every caller starts again with a full bucket.
func (k *keyedLimiter) set(l Limit) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.limit = l
	clear(k.buckets)
}

// take spends one request of key's bucket. It returns nil when the request may
// go ahead, or a *rateLimitedError saying how long until it may.
func (k *keyedLimiter) take(key string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	l := k.limit
	if l.Every <= 0 {
		return nil
	}
	now := k.now()
	b := k.buckets[key]
	if b == nil {
		if len(k.buckets) >= maxLimiterKeys {
			k.evict(now)
		}
		b = &bucket{lim: rate.NewLimiter(rate.Every(l.Every), max(l.Burst, 1))}
		k.buckets[key] = b
	}
	b.last = now
	if b.lim.AllowN(now, 1) {
		return nil
	}
	wait := time.Duration((1 - b.lim.TokensAt(now)) * float64(l.Every))
	return &rateLimitedError{what: k.what, per: k.per, limit: l, wait: wait}
}

// evict drops the buckets idle long enough to have refilled (dropping them
// loses nothing: a new bucket is as full), or, when every bucket is busy, the
// one used longest ago.
func (k *keyedLimiter) evict(now time.Time) {
	refill := time.Duration(max(k.limit.Burst, 1)) * k.limit.Every
	var oldestKey string
	var oldest time.Time
	for key, b := range k.buckets {
		if now.Sub(b.last) >= refill {
			delete(k.buckets, key)
			continue
		}
		if oldestKey == "" || b.last.Before(oldest) {
			oldestKey, oldest = key, b.last
		}
	}
	if len(k.buckets) >= maxLimiterKeys {
		delete(k.buckets, oldestKey)
	}
}

// rateLimitedError is a request over its limit; writeError answers it 429
// with a Retry-After header.
type rateLimitedError struct {
	what, per string
	limit     Limit
	wait      time.Duration
}

// RetrySeconds is the wait in whole seconds (rounded up, at least 1), as the
// Retry-After header takes it.
func (e *rateLimitedError) RetrySeconds() int {
	return max(1, int(math.Ceil(e.wait.Seconds())))
}

func (e *rateLimitedError) Error() string {
	return fmt.Sprintf("too many %s from this %s: the limit is %d at once, then %s; retry in %d s",
		e.what, e.per, max(e.limit.Burst, 1), rateText(e.limit.Every), e.RetrySeconds())
}

// Unwrap makes the error a manager.ErrTooMany, which the API answers 429.
func (e *rateLimitedError) Unwrap() error { return manager.ErrTooMany }

// rateText says "5 per second" or "one every 10s".
func rateText(every time.Duration) string {
	if every < time.Second {
		return strconv.FormatFloat(float64(time.Second)/float64(every), 'g', 3, 64) + " per second"
	}
	return "one every " + every.String()
}

// limiters are a server's rate limits, one keyedLimiter per limited route.
type limiters struct {
	submit, taskList, upload, join *keyedLimiter
}

func newLimiters(l RateLimits) *limiters {
	return &limiters{
		submit:   newKeyedLimiter("job submissions", "member", l.Submit),
		taskList: newKeyedLimiter("task list requests", "member", l.TaskList),
		upload:   newKeyedLimiter("last-rendered uploads", "worker", l.Upload),
		join:     newKeyedLimiter("join requests", "address", l.Join),
	}
}

func (ls *limiters) all() []*keyedLimiter {
	return []*keyedLimiter{ls.submit, ls.taskList, ls.upload, ls.join}
}

// WithRateLimits replaces the server's rate limits (DefaultRateLimits unless
// set); a zero Limit switches its route's limit off. Call it before serving.
func (s *Server) WithRateLimits(l RateLimits) *Server {
	s.limits.submit.set(l.Submit)
	s.limits.taskList.set(l.TaskList)
	s.limits.upload.set(l.Upload)
	s.limits.join.set(l.Join)
	return s
}

// perMember limits a route behind require by the calling member.
func (s *Server) perMember(k *keyedLimiter) func(http.Handler) http.Handler {
	return s.limitBy(k, func(r *http.Request) string { return caller(r).ID })
}

// perAddress limits a public route by the caller's address. The manager's own
// computer (loopback) is not limited: whoever runs there already has the
// manager's data, and it is where several workers of one host and the
// benchmarks join from.
func (s *Server) perAddress(k *keyedLimiter) func(http.Handler) http.Handler {
	return s.limitBy(k, func(r *http.Request) string {
		host := remoteHost(r)
		if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
			return ""
		}
		return host
	})
}

// limitBy limits a route by the key of each request; an empty key is not limited.
func (s *Server) limitBy(k *keyedLimiter, key func(*http.Request) string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if id := key(r); id != "" {
				if err := k.take(id); err != nil {
					writeError(w, s.log, err)
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}
