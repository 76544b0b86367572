package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/files"
	"farmhand/internal/farmtest"
)

// useClock makes every limit of s read clock.
func useClock(s *Server, clock *farmtest.Clock) {
	for _, k := range s.limits.all() {
		k.now = clock.Now
	}
}

func submitBody(name string) []byte {
	return fmt.Appendf(nil, `{"name":%q,"type":"echo-sleep-test","settings":{"frames":"1","sleep_seconds":0}}`, name)
}

// TestBurstOfSubmitsGets429WithRetryAfter: a burst of submissions from one
// token is answered 429 with Retry-After once the bucket is empty; another
// token is not affected; after the wait Retry-After gave, the next succeeds.
func TestBurstOfSubmitsGets429WithRetryAfter(t *testing.T) {
	f := newTestFarm(t)
	clock := farmtest.NewClock(time.Unix(1_700_000_000, 0))
	f.s.WithRateLimits(RateLimits{Submit: Limit{Burst: 3, Every: 2 * time.Second}})
	useClock(f.s, clock)

	for i := range 3 {
		if rec := f.callJSON("POST", "/api/v1/jobs", f.adminToken, submitBody("burst")); rec.Code != http.StatusCreated {
			t.Fatalf("submission %d of the burst: %d %s", i+1, rec.Code, rec.Body)
		}
	}
	rec := f.callJSON("POST", "/api/v1/jobs", f.adminToken, submitBody("one too many"))
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("4th submission of a burst of 3: %d %s, want 429", rec.Code, rec.Body)
	}
	retry := rec.Header().Get("Retry-After")
	if retry != "2" {
		t.Errorf("Retry-After %q, want \"2\" (one submission every 2 s)", retry)
	}
	msg := errorMessage(rec)
	for _, want := range []string{"too many job submissions from this member", "3 at once", "one every 2s", "retry in 2 s"} {
		if !strings.Contains(msg, want) {
			t.Errorf("429 message %q does not say %q", msg, want)
		}
	}

	if rec := f.callJSON("POST", "/api/v1/jobs", f.artistToken, submitBody("someone else")); rec.Code != http.StatusCreated {
		t.Errorf("another member's submission while the first is limited: %d %s", rec.Code, rec.Body)
	}
	if jobs, _ := f.m.Jobs(nil); len(jobs) != 1+3+1 {
		t.Errorf("%d jobs stored, want the fixture's, the burst's 3 and the other member's: the refused one is not stored", len(jobs))
	}

	secs, _ := strconv.Atoi(retry)
	clock.Advance(time.Duration(secs) * time.Second)
	if rec := f.callJSON("POST", "/api/v1/jobs", f.adminToken, submitBody("after the wait")); rec.Code != http.StatusCreated {
		t.Errorf("submission after waiting Retry-After: %d %s", rec.Code, rec.Body)
	}
	if rec := f.callJSON("POST", "/api/v1/jobs", f.adminToken, submitBody("again at once")); rec.Code != http.StatusTooManyRequests {
		t.Errorf("a second submission right after the wait: %d, want 429 (one token refilled, one spent)", rec.Code)
	}
}

// TestClientSees429 checks what a client program sees of a rate limit, over
// real HTTP on 127.0.0.1: the status through client.StatusOf and a message a
// person can act on.
func TestClientSees429(t *testing.T) {
	f := newTestFarm(t)
	f.s.WithRateLimits(RateLimits{Submit: Limit{Burst: 1, Every: time.Hour}})
	srv := httptest.NewServer(f.s)
	defer srv.Close()
	cl := client.New(srv.URL).WithToken(f.adminToken)
	ctx := context.Background()
	sub := wire.SubmitJob{Name: "x", Type: "echo-sleep-test", Settings: map[string]any{"frames": "1", "sleep_seconds": 0}}
	if _, err := cl.Submit(ctx, sub); err != nil {
		t.Fatal(err)
	}
	_, err := cl.Submit(ctx, sub)
	if got := client.StatusOf(err); got != http.StatusTooManyRequests {
		t.Fatalf("StatusOf = %d (%v), want 429", got, err)
	}
	const want = "manager answered 429 Too Many Requests: too many job submissions from this member: the limit is 1 at once, then one every 1h0m0s; retry in 3600 s"
	if err.Error() != want {
		t.Errorf("client error\n%q\nwant\n%q", err, want)
	}
}

// TestLimitedRoutes checks each limited route: its own limit, keyed by member
// (by worker for uploads, by address for joins), answered 429 with
// Retry-After; another caller goes on.
func TestLimitedRoutes(t *testing.T) {
	f := newTestFarm(t)
	clock := farmtest.NewClock(time.Unix(1_700_000_000, 0))
	tight := Limit{Burst: 2, Every: 10 * time.Second}
	f.s.WithRateLimits(RateLimits{Submit: tight, TaskList: tight, Upload: tight, Join: tight})
	useClock(f.s, clock)
	otherWorkerID, otherWorkerToken, err := f.approved("another worker", "worker")
	if err != nil {
		t.Fatal(err)
	}
	tasks := func(token string) func() *httptest.ResponseRecorder {
		return func() *httptest.ResponseRecorder {
			return f.call("GET", "/api/v1/jobs/"+f.jobID+"/tasks", token, "", nil)
		}
	}
	upload := func(workerID, token string) func() *httptest.ResponseRecorder {
		return func() *httptest.ResponseRecorder {
			return f.call("POST", "/api/v1/worker/"+workerID+"/tasks/"+f.taskID+"/output", token, "image/png",
				strings.NewReader("not a png"))
		}
	}
	join := func(addr string) func() *httptest.ResponseRecorder {
		return func() *httptest.ResponseRecorder {
			req := httptest.NewRequest("POST", "/api/v1/join", strings.NewReader(`{"name":"someone","wants":"worker"}`))
			req.RemoteAddr = addr + ":40000"
			rec := httptest.NewRecorder()
			f.s.ServeHTTP(rec, req)
			return rec
		}
	}
	cases := []struct {
		name, says string
		me, other  func() *httptest.ResponseRecorder
	}{
		{"task list", "too many task list requests from this member", tasks(f.adminToken), tasks(f.artistToken)},
		{"upload", "too many last-rendered uploads from this worker",
			upload(f.workerID, f.workerToken), upload(otherWorkerID, otherWorkerToken)},
		{"join", "too many join requests from this address", join("192.0.2.50"), join("192.0.2.51")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for i := range tight.Burst {
				if rec := c.me(); rec.Code == http.StatusTooManyRequests || rec.Code >= 500 {
					t.Fatalf("request %d of %d allowed: %d %s", i+1, tight.Burst, rec.Code, rec.Body)
				}
			}
			rec := c.me()
			if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "10" ||
				!strings.Contains(errorMessage(rec), c.says) {
				t.Errorf("over the limit: %d, Retry-After %q, %s; want 429, \"10\", saying %q",
					rec.Code, rec.Header().Get("Retry-After"), rec.Body, c.says)
			}
			if rec := c.other(); rec.Code == http.StatusTooManyRequests {
				t.Errorf("another caller was limited too: %s", rec.Body)
			}
		})
	}
}

// TestLimiterKeepsABoundedNumberOfCallers: buckets idle long enough to have
// refilled are dropped first; when none is, the least recently used goes, and
// the map never holds more than maxLimiterKeys.
func TestLimiterKeepsABoundedNumberOfCallers(t *testing.T) {
	clock := farmtest.NewClock(time.Unix(1_700_000_000, 0))
	k := newKeyedLimiter("join requests", "address", Limit{Burst: 2, Every: time.Second})
	k.now = clock.Now
	for i := range maxLimiterKeys {
		if err := k.take(fmt.Sprint("old ", i)); err != nil {
			t.Fatalf("a new caller's first request: %v", err)
		}
	}
	if n := len(k.buckets); n != maxLimiterKeys {
		t.Fatalf("%d buckets, want %d", n, maxLimiterKeys)
	}
	clock.Advance(2 * time.Second) // 2 tokens at 1/s: every old bucket is full again
	for range 2 {
		if err := k.take("busy 0"); err != nil {
			t.Fatalf("a request within the burst of 2: %v", err)
		}
	}
	if n := len(k.buckets); n != 1 {
		t.Errorf("%d buckets after the idle ones refilled, want 1", n)
	}
	if err := k.take("busy 0"); err == nil {
		t.Errorf("the busy bucket was dropped with the idle ones: its 3rd request within a second went through")
	}

	for i := 1; i < maxLimiterKeys+10; i++ {
		if err := k.take(fmt.Sprint("busy ", i)); err != nil {
			t.Fatalf("a new caller's first request: %v", err)
		}
		clock.Advance(time.Microsecond)
	}
	if n := len(k.buckets); n != maxLimiterKeys {
		t.Errorf("%d buckets with every caller busy, want the bound %d", n, maxLimiterKeys)
	}
	if _, kept := k.buckets["busy 0"]; kept {
		t.Errorf("the least recently used bucket was kept while the bound was reached")
	}
}

// TestZeroLimitIsNoLimit: WithRateLimits with a zero Limit switches that
// route's limit off.
func TestZeroLimitIsNoLimit(t *testing.T) {
	k := newKeyedLimiter("job submissions", "member", Limit{})
	for i := range 1000 {
		if err := k.take("m"); err != nil {
			t.Fatalf("request %d refused without a limit: %v", i, err)
		}
	}
	if len(k.buckets) != 0 {
		t.Errorf("an unlimited route keeps %d buckets", len(k.buckets))
	}
}

func TestRateText(t *testing.T) {
	for every, want := range map[time.Duration]string{
		DefaultRateLimits.Submit.Every:   "5 per second",
		DefaultRateLimits.TaskList.Every: "20 per second",
		DefaultRateLimits.Upload.Every:   "2 per second",
		DefaultRateLimits.Join.Every:     "one every 10s",
	} {
		if got := rateText(every); got != want {
			t.Errorf("rateText(%v) = %q, want %q", every, got, want)
		}
	}
}

// TestJoinsFromLoopbackAreNotLimited: several workers of the manager's own
// computer, and the benchmarks, join from loopback; the per-address limit is
// for the network.
func TestJoinsFromLoopbackAreNotLimited(t *testing.T) {
	f := newTestFarm(t)
	f.s.WithRateLimits(RateLimits{Join: Limit{Burst: 1, Every: time.Hour}})
	code, err := f.m.JoinCode()
	if err != nil {
		t.Fatal(err)
	}
	for i, addr := range []string{"127.0.0.1", "127.0.0.1", "127.0.0.1", "[::1]", "[::1]"} {
		req := httptest.NewRequest("POST", "/api/v1/join", strings.NewReader(
			fmt.Sprintf(`{"name":"local worker %d","wants":"worker","join_code":%q}`, i, code)))
		req.RemoteAddr = addr + ":40000"
		rec := httptest.NewRecorder()
		f.s.ServeHTTP(rec, req)
		if rec.Code != http.StatusCreated {
			t.Errorf("join %d from %s: %d %s", i+1, addr, rec.Code, rec.Body)
		}
	}
}

// TestLimitsAreDocumented: the OpenAPI document states the limits the server
// enforces, and the operations they apply to document their 413 and 429.
func TestLimitsAreDocumented(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(Spec)
	if err != nil {
		t.Fatal(err)
	}
	intro := strings.Join(strings.Fields(doc.Info.Description), " ")
	l := DefaultRateLimits
	for _, c := range []struct {
		op, per string
		limit   Limit
	}{{"submitJob", "member", l.Submit}, {"listJobTasks", "member", l.TaskList},
		{"uploadRendered", "worker", l.Upload}, {"joinFarm", "address", l.Join}} {
		want := fmt.Sprintf("(%s): per %s, %d at once, then %s", c.op, c.per, c.limit.Burst, rateText(c.limit.Every))
		if !strings.Contains(intro, want) {
			t.Errorf("the document's introduction does not say %q", want)
		}
		if op := operation(doc, c.op); op == nil || op.Responses.Status(429) == nil ||
			op.Responses.Status(429).Value.Headers["Retry-After"] == nil {
			t.Errorf("%s does not document 429 with Retry-After", c.op)
		}
	}
	for _, want := range []string{"a JSON body at " + files.SizeText(maxBody), "at " + files.SizeText(maxUpdateBody),
		"image at " + files.SizeText(maxAnyBody), "other body at " + files.SizeText(maxAnyBody)} {
		if !strings.Contains(intro, want) {
			t.Errorf("the document's introduction does not say %q", want)
		}
	}
	for _, r := range (&testFarm{}).bodyRoutes() {
		if op := operation(doc, r.op); op == nil || op.Responses.Status(413) == nil {
			t.Errorf("%s does not document 413", r.op)
		}
	}
}

func operation(doc *openapi3.T, id string) *openapi3.Operation {
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.OperationID == id {
				return op
			}
		}
	}
	return nil
}
