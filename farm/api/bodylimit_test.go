package api

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"farmhand/farm/files"
)

// TestEveryBodyIsBounded sends every route that reads a body one byte more
// than its limit, with and without a Content-Length: each answers 413 with a
// JSON error saying the limit, and stores nothing.
func TestEveryBodyIsBounded(t *testing.T) {
	f := newTestFarm(t)
	f.s.WithRateLimits(RateLimits{})
	jobsBefore, _ := f.m.Jobs(nil)
	for _, r := range f.bodyRoutes() {
		if r.elsewhere != "" {
			continue
		}
		for _, sized := range []bool{true, false} {
			name := r.op + "/chunked"
			if sized {
				name = r.op + "/content-length"
			}
			t.Run(name, func(t *testing.T) {
				body := oversized(r)
				var rd io.Reader = bytes.NewReader(body)
				if !sized {
					rd = io.MultiReader(rd) // hides the length: no Content-Length
				}
				rec := f.callWith(r.method, r.path, r.token, r.contentType, r.header, rd)
				msg := errorMessage(rec)
				if !sized && r.lengthNeeded {
					if rec.Code != http.StatusBadRequest || !strings.Contains(msg, "Content-Length") {
						t.Errorf("no Content-Length: %d %.200s; want 400 asking for one", rec.Code, rec.Body)
					}
					return
				}
				if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(msg, files.SizeText(r.limit)) {
					t.Errorf("%d byte body: %d %.200s; want 413 saying %q", len(body), rec.Code, rec.Body, files.SizeText(r.limit))
				}
			})
		}
	}
	if jobs, _ := f.m.Jobs(nil); len(jobs) != len(jobsBefore) {
		t.Errorf("oversized submissions stored %d jobs", len(jobs)-len(jobsBefore))
	}
}

// oversized is a body one byte over r's limit that is otherwise well formed
// up to where the limit cuts it.
func oversized(r bodyRoute) []byte {
	if r.contentType != "application/json" {
		return bytes.Repeat([]byte{0x89}, int(r.limit)+1)
	}
	head, tail := []byte(`{"name":"`), []byte(`"}`)
	return append(append(head, bytes.Repeat([]byte("x"), int(r.limit)+1-len(head)-len(tail))...), tail...)
}

// TestRoutesWithoutBodiesAreBoundedToo: a route that reads no body still
// refuses one over the largest any route accepts, before its handler runs.
func TestRoutesWithoutBodiesAreBoundedToo(t *testing.T) {
	f := newTestFarm(t)
	rec := f.call("POST", "/api/v1/worker/"+f.workerID+"/sign-off", f.workerToken, "application/json",
		bytes.NewReader(make([]byte, maxAnyBody+1)))
	if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(errorMessage(rec), "25 MiB") {
		t.Errorf("sign-off with a %d byte body: %d %.200s, want 413 saying 25 MiB", maxAnyBody+1, rec.Code, rec.Body)
	}
	if wk, err := f.m.Worker(f.workerID); err != nil || wk.Status == "offline" {
		t.Errorf("the refused sign-off signed the worker off: %v, %v", wk, err)
	}
}

// TestBodyRoutesListIsComplete keeps bodyRoutes (and so the size test and the
// fuzz target) in step with the OpenAPI document: every operation that takes
// a request body is in it.
func TestBodyRoutesListIsComplete(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(Spec)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, r := range (&testFarm{}).bodyRoutes() {
		listed[r.op] = true
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.RequestBody != nil && !listed[op.OperationID] {
				t.Errorf("%s %s (%s) takes a body but is not in bodyRoutes", method, path, op.OperationID)
			}
		}
	}
}
