package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"farmhand/farm/api/wire"
	"farmhand/farm/manager"
	"farmhand/farm/model"
)

// testFarm is a real manager (bbolt in a temporary directory) behind a real
// Server, called in-process through httptest.NewRecorder, with one member of
// each role, a signed-on worker holding one task of a queued job, and a
// member waiting for approval.
type testFarm struct {
	m *manager.Manager
	s *Server

	adminToken, artistToken string
	workerID, workerToken   string
	pendingID               string
	jobID, taskID           string
}

func newTestFarm(tb testing.TB) *testFarm {
	tb.Helper()
	f, err := openTestFarm(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.m.Close() })
	return f
}

// openTestFarm sets up a testFarm in dir; the caller closes f.m.
func openTestFarm(dir string) (_ *testFarm, err error) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	m, err := manager.Open(manager.Config{DataDir: dir, Logger: quiet})
	if err != nil {
		return nil, fmt.Errorf("opening a manager in %s: %w", dir, err)
	}
	defer func() {
		if err != nil {
			m.Close()
		}
	}()
	f := &testFarm{m: m, s: New(m, "test", quiet)}
	admin, adminToken, err := m.CreateAdmin("test admin")
	if err != nil {
		return nil, err
	}
	f.adminToken = adminToken
	if _, f.artistToken, err = f.approved("an artist", model.RoleArtist); err != nil {
		return nil, err
	}
	if f.workerID, f.workerToken, err = f.approved("a worker", model.RoleWorker); err != nil {
		return nil, err
	}
	pending, _, err := m.Join(manager.JoinRequest{Name: "waiting", Platform: "linux", Address: "192.0.2.9"})
	if err != nil {
		return nil, fmt.Errorf("asking to join: %w", err)
	}
	f.pendingID = pending.ID
	if _, err := m.SignOn(f.workerID, manager.WorkerInfo{Name: "a worker", Platform: "linux", Version: "test",
		TaskTypes: []string{"echo", "sleep", "misc"}}); err != nil {
		return nil, fmt.Errorf("signing on: %w", err)
	}
	job, err := m.Submit(manager.Submission{Name: "shot 1", Type: "echo-sleep-test", Submitter: admin.Name,
		SubmitterID: admin.ID, Settings: map[string]any{"frames": "1-3", "sleep_seconds": 0}})
	if err != nil {
		return nil, fmt.Errorf("submitting: %w", err)
	}
	f.jobID = job.ID
	a, err := m.Schedule(f.workerID)
	if err != nil || a == nil {
		return nil, fmt.Errorf("scheduling the fixture's task: %v, %w", a, err)
	}
	f.taskID = a.Task.ID
	return f, nil
}

// approved makes a member of role and returns its id and token.
func (f *testFarm) approved(name string, role model.Role) (string, string, error) {
	mb, token, err := f.m.Join(manager.JoinRequest{Name: name, Platform: "linux", Address: "192.0.2.8", Wants: role})
	if err != nil {
		return "", "", fmt.Errorf("joining as %s: %w", name, err)
	}
	if _, err := f.m.Approve(mb.ID, role); err != nil {
		return "", "", fmt.Errorf("approving %s: %w", name, err)
	}
	return mb.ID, token, nil
}

// call serves one request. A body given as an io.Reader that is not a
// *bytes.Reader has no Content-Length, as a chunked upload would.
func (f *testFarm) call(method, path, token, contentType string, body io.Reader) *httptest.ResponseRecorder {
	return f.callWith(method, path, token, contentType, nil, body)
}

// callWith is call with more request headers.
func (f *testFarm) callWith(method, path, token, contentType string, header map[string]string, body io.Reader) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, body)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set(APIVersionHeader, strconv.Itoa(wire.APIVersion))
	rec := httptest.NewRecorder()
	f.s.ServeHTTP(rec, req)
	return rec
}

func (f *testFarm) callJSON(method, path, token string, body []byte) *httptest.ResponseRecorder {
	return f.call(method, path, token, "application/json", bytes.NewReader(body))
}

// errorMessage returns the message of a JSON error answer, or "" when the
// answer is not one.
func errorMessage(rec *httptest.ResponseRecorder) string {
	var e wire.Error
	if rec.Header().Get("Content-Type") != "application/json" {
		return ""
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
		return ""
	}
	return e.Message
}

// bodyRoute is a route that reads a request body, with the token it needs,
// the body limit it must enforce and valid bodies (the fuzz target's seeds).
type bodyRoute struct {
	op           string // operationId in openapi.yaml
	method, path string
	token        string
	contentType  string
	limit        int64
	valid        []string
	// header is what a request needs besides its body (an upload's hash).
	header map[string]string
	// lengthNeeded: the route reads no body without a Content-Length (a
	// file chunk, whose length the manager checks against the file before
	// reading): it refuses one with 400 rather than reading to the limit.
	lengthNeeded bool
	// elsewhere names the test of a route whose limit is the farm's setting
	// and needs state this farm lacks (an upload job a worker ran); the
	// generic size test leaves it to that one.
	elsewhere string
}

// route is a bodyRoute that needs nothing but its body.
func route(op, method, path, token, contentType string, limit int64, valid []string) bodyRoute {
	return bodyRoute{op: op, method: method, path: path, token: token, contentType: contentType, limit: limit, valid: valid}
}

// bodyRoutes lists every route that reads a request body.
func (f *testFarm) bodyRoutes() []bodyRoute {
	w := "/api/v1/worker/" + f.workerID
	return []bodyRoute{
		route("submitJob", "POST", "/api/v1/jobs", f.adminToken, "application/json", maxSubmitBody, []string{
			string(submitBody("seed")),
			`{"name":"s","type":"echo-sleep-test","priority":70,"settings":{"frames":"1-2","sleep_seconds":0},"metadata":{"project":"x"},"required_tags":["gpu"],"submitter":"me","python_overrides":"import bpy"}`,
		}),
		route("updateJob", "PATCH", "/api/v1/jobs/"+f.jobID, f.adminToken, "application/json", maxBody, []string{
			`{"python_overrides":"import bpy\nbpy.context.scene.cycles.samples = 16"}`, `{}`}),
		route("applyJobAction", "POST", "/api/v1/jobs/"+f.jobID+"/actions", f.adminToken, "application/json", maxBody, []string{
			`{"action":"set-priority","priority":60}`, `{"action":"pause"}`, `{"action":"resume"}`}),
		route("applyJobActions", "POST", "/api/v1/jobs/actions", f.adminToken, "application/json", maxBody, []string{
			`{"action":"set-priority","job_ids":["` + f.jobID + `"],"priority":70}`, `{"action":"pause","job_ids":["` + f.jobID + `"]}`}),
		route("applyTaskAction", "POST", "/api/v1/tasks/actions", f.adminToken, "application/json", maxBody, []string{
			`{"action":"requeue","task_ids":["` + f.taskID + `"]}`}),
		route("updateWorker", "PATCH", "/api/v1/workers/"+f.workerID, f.adminToken, "application/json", maxBody, []string{
			`{"name":"renamed","tags":["gpu","fast"]}`, `{"tags":[]}`}),
		route("applyWorkerAction", "POST", "/api/v1/workers/"+f.workerID+"/actions", f.adminToken, "application/json", maxBody, []string{
			`{"action":"sleep","now":true}`, `{"action":"wake"}`}),
		route("joinFarm", "POST", "/api/v1/join", "", "application/json", maxBody, []string{
			`{"name":"new machine","platform":"linux","wants":"worker"}`, `{"name":"x","join_code":"ABCD-1234"}`}),
		route("approveMember", "POST", "/api/v1/members/"+f.pendingID+"/approve", f.adminToken, "application/json", maxBody, []string{
			`{"role":"artist"}`}),
		route("signOn", "POST", w+"/sign-on", f.workerToken, "application/json", maxBody, []string{
			`{"name":"a worker","platform":"linux","version":"test","task_types":["echo","sleep"],"tags":["gpu"]}`}),
		route("heartbeat", "POST", w+"/heartbeat", f.workerToken, "application/json", maxBody, []string{
			`{"task_id":"` + f.taskID + `","stats":{"cpu_percent":12.5,"mem_used_mb":100,"mem_total_mb":1000,"cpus":4,"sampled":"2026-01-02T03:04:05Z"}}`, `{}`}),
		route("reportWorkerStatus", "POST", w+"/status", f.workerToken, "application/json", maxBody, []string{
			`{"status":"awake"}`, `{"status":"asleep"}`}),
		route("updateTask", "POST", w+"/tasks/"+f.taskID+"/update", f.workerToken, "application/json", maxUpdateBody, []string{
			`{"steps_completed":1,"activity":"rendering","log":"hello\n"}`, `{"status":"active"}`}),
		route("uploadRendered", "POST", w+"/tasks/"+f.taskID+"/output", f.workerToken, "image/png", maxAnyBody, nil),
		route("updateConfig", "PUT", "/api/v1/config", f.adminToken, "application/json", maxBody, []string{
			`{"task_timeout":"15m","max_task_failures":4}`, `{"variables":[{"name":"projects","storage":true,"values":{"linux":"/mnt/p"}}]}`}),
		route("putVariable", "PUT", "/api/v1/variables/projects", f.adminToken, "application/json", maxBody, []string{
			`{"storage":true,"values":{"linux":"/mnt/projects","windows":"P:\\"}}`}),
		{op: "putWorkerAvailability", method: "PUT", path: "/api/v1/workers/" + f.workerID + "/availability", token: f.adminToken,
			contentType: "application/json", limit: maxBody, valid: []string{
				`{"idle_after":"10m","schedule":"mon-fri 19:00-08:00","on_return":"stop","grace":"90s"}`, `{}`}},
		{op: "reportAvailability", method: "POST", path: w + "/availability", token: f.workerToken, contentType: "application/json",
			limit: maxBody, valid: []string{`{"decision":{"available":true,"rule":"always"},"macs":["aa:bb:cc:dd:ee:ff"]}`}},
		{op: "reportUpgrade", method: "POST", path: w + "/upgrade", token: f.workerToken, contentType: "application/json",
			limit: maxBody, valid: []string{`{"from":"0.1.0","to":"0.2.0"}`, `{"from":"0.1.0","problem":"no binary"}`}},
		{op: "findMissingFiles", method: "POST", path: "/api/v1/files/missing", token: f.adminToken, contentType: "application/json",
			limit: maxMissingBody, valid: []string{`{"files":[{"sha256":"` + strings.Repeat("ab", 32) + `","size":10}]}`, `{"files":[]}`}},
		{op: "uploadFileChunk", method: "PUT", path: "/api/v1/files/" + strings.Repeat("ab", 32) + "?offset=0&size=" + strconv.Itoa(wire.MaxChunk+1),
			token: f.adminToken, contentType: "application/octet-stream", limit: wire.MaxChunk, lengthNeeded: true,
			header: map[string]string{wire.ChunkSHA256Header: strings.Repeat("cd", 32)}},
		{op: "uploadJobOutput", method: "PUT", path: "/api/v1/jobs/" + f.jobID + "/output/file?path=a.png", token: f.workerToken,
			contentType: "application/octet-stream", elsewhere: "TestOutputUploadsAreBounded"},
	}
}
