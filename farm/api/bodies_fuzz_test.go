package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// FuzzRequestBodies sends arbitrary bytes as the body of every route that
// takes a JSON body, through the real handlers over a real manager, with the
// token each route needs: the first byte picks the route, the rest is the
// body. Whatever the body, the answer is never a 5xx (a panic is one: the
// router's Recoverer answers it 500), a 4xx is a JSON error with a message,
// and a 2xx is JSON. Seeds are valid bodies of each route.
//
// One target for all routes keeps `make fuzz` short in CI.
func FuzzRequestBodies(f *testing.F) {
	farms := &fuzzFarms{dir: f.TempDir()}
	f.Cleanup(farms.close)
	first, err := farms.get()
	if err != nil {
		f.Fatal(err)
	}
	routes := jsonBodyRoutes(first)
	for i, r := range routes {
		for _, body := range r.valid {
			f.Add(append([]byte{byte(i)}, body...))
		}
		for _, body := range []string{``, `null`, `[]`, `{}`, `{"`, `{"name":5}`, `{} {}`, `{"unknown":1}`, "\xff"} {
			f.Add(append([]byte{byte(i)}, body...))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		farm, err := farms.get()
		if err != nil {
			t.Fatal(err)
		}
		r := jsonBodyRoutes(farm)[int(data[0])%len(routes)]
		body := data[1:]
		rec := farm.call(r.method, r.path, r.token, r.contentType, bytes.NewReader(body))
		if problem := badAnswer(rec); problem != "" {
			t.Errorf("%s %s with body %q: %s\nanswer %d: %.500s", r.method, r.path, body, problem, rec.Code, rec.Body)
		}
	})
}

func jsonBodyRoutes(f *testFarm) []bodyRoute {
	var out []bodyRoute
	for _, r := range f.bodyRoutes() {
		if r.contentType == "application/json" {
			out = append(out, r)
		}
	}
	return out
}

// badAnswer says what is wrong with an answer to any body, or "".
func badAnswer(rec *httptest.ResponseRecorder) string {
	switch {
	case rec.Code >= 500:
		return "a server error"
	case rec.Code >= 400:
		var e struct {
			Message *string `json:"message"`
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			return fmt.Sprintf("an error answered as %q, not JSON", ct)
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
			return fmt.Sprintf("an error answer that is not JSON: %v", err)
		}
		if e.Message == nil || strings.TrimSpace(*e.Message) == "" {
			return "an error answer without a message"
		}
	case rec.Code == http.StatusNoContent:
	case rec.Code >= 200 && rec.Code < 300:
		if !json.Valid(rec.Body.Bytes()) {
			return "a success answer that is not JSON"
		}
	default:
		return "an unexpected status"
	}
	return ""
}

// fuzzFarms hands out a test farm, set up again when inputs broke it (the
// worker or job deleted, the worker's membership gone) and every few hundred
// inputs, so that routes keep reaching their handlers' logic and the store
// stays small. Inputs run one after another, so a farm is never replaced
// while an input uses it.
type fuzzFarms struct {
	dir string

	mu   sync.Mutex
	farm *testFarm
	uses int
	n    int
}

const fuzzFarmUses = 500

func (p *fuzzFarms) get() (*testFarm, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.farm != nil && p.uses < fuzzFarmUses && p.farm.intact() {
		p.uses++
		return p.farm, nil
	}
	p.closeLocked()
	p.n++
	dir := filepath.Join(p.dir, fmt.Sprint(p.n))
	farm, err := openTestFarm(dir)
	if err != nil {
		return nil, err
	}
	farm.s.WithRateLimits(RateLimits{}) // fuzzing is one very busy caller
	p.farm, p.uses = farm, 1
	return farm, nil
}

func (p *fuzzFarms) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closeLocked()
}

func (p *fuzzFarms) closeLocked() {
	if p.farm == nil {
		return
	}
	p.farm.m.Close()
	os.RemoveAll(filepath.Join(p.dir, fmt.Sprint(p.n)))
	p.farm = nil
}

// intact reports whether the fixture's worker, job and memberships still are
// what the routes' paths and tokens name.
func (f *testFarm) intact() bool {
	if _, err := f.m.Job(f.jobID); err != nil {
		return false
	}
	if _, err := f.m.Worker(f.workerID); err != nil {
		return false
	}
	for _, token := range []string{f.adminToken, f.workerToken} {
		if _, err := f.m.Authenticate(token); err != nil {
			return false
		}
	}
	return true
}

// TestBadAnswer: the fuzz target's judge catches each kind of bad answer.
func TestBadAnswer(t *testing.T) {
	answer := func(code int, contentType, body string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		if contentType != "" {
			rec.Header().Set("Content-Type", contentType)
		}
		rec.WriteHeader(code)
		_, _ = rec.WriteString(body) // a recorder's buffer does not fail
		return rec
	}
	for _, c := range []struct {
		rec *httptest.ResponseRecorder
		bad bool
	}{
		{answer(500, "application/json", `{"message":"internal error: boom"}`), true},
		{answer(502, "", ""), true},
		{answer(400, "text/plain; charset=utf-8", "bad\n"), true},
		{answer(400, "application/json", `{"allowed_actions":[]}`), true},
		{answer(409, "application/json", `{"message":"  "}`), true},
		{answer(413, "application/json", `{"message":`), true},
		{answer(200, "application/json", `{"id":`), true},
		{answer(302, "", ""), true},
		{answer(400, "application/json", `{"message":"reading JSON body: unexpected EOF"}`), false},
		{answer(429, "application/json", `{"message":"too many"}`), false},
		{answer(201, "application/json", `{"id":"x"}`), false},
		{answer(204, "", ""), false},
	} {
		if got := badAnswer(c.rec) != ""; got != c.bad {
			t.Errorf("%d %q: bad = %v, want %v", c.rec.Code, c.rec.Body, got, c.bad)
		}
	}
}
