package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/go-chi/chi/v5"

	"farmhand/farm/api"
	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/manager"
	"farmhand/farm/model"
)

// contract wraps the server and checks every exchange against the OpenAPI
// document: each response must match its operation's declared response, and a
// request the server accepts must match the declared request.
type contract struct {
	t      *testing.T
	doc    *openapi3.T
	router routers.Router
	next   http.Handler

	mu   sync.Mutex
	seen map[string]bool // operationId → called
}

func loadDoc(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(api.Spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the OpenAPI document is invalid: %v", err)
	}
	return doc
}

func newContract(t *testing.T, next http.Handler) *contract {
	doc := loadDoc(t)
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &contract{t: t, doc: doc, router: router, next: next, seen: map[string]bool{}}
}

func (c *contract) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/api/v1/") || r.URL.Path == "/api/v1/openapi.yaml" {
		c.next.ServeHTTP(w, r) // the docs page and the YAML twin are not operations
		return
	}
	if r.Header.Get("Upgrade") == "websocket" {
		c.mark("streamEvents")
		c.next.ServeHTTP(w, r)
		return
	}
	route, params, err := c.router.FindRoute(r)
	if err != nil {
		c.t.Errorf("%s %s is not in the OpenAPI document: %v", r.Method, r.URL.Path, err)
		c.next.ServeHTTP(w, r)
		return
	}
	c.mark(route.Operation.OperationID)
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	reqCheck := &openapi3filter.RequestValidationInput{Request: r.Clone(r.Context()), PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	reqCheck.Request.Body = io.NopCloser(bytes.NewReader(body))
	reqErr := openapi3filter.ValidateRequest(r.Context(), reqCheck)

	rec := httptest.NewRecorder()
	c.next.ServeHTTP(rec, r)
	if reqErr != nil && rec.Code < 300 {
		c.t.Errorf("%s %s: the server accepted (%d) a request the document forbids: %v", r.Method, r.URL.Path, rec.Code, reqErr)
	}
	respCheck := &openapi3filter.ResponseValidationInput{RequestValidationInput: reqCheck, Status: rec.Code,
		Header: rec.Header(), Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	respCheck.SetBodyBytes(rec.Body.Bytes())
	if err := openapi3filter.ValidateResponse(r.Context(), respCheck); err != nil {
		c.t.Errorf("%s %s answered %d against the document: %v\nbody: %.300s", r.Method, r.URL.Path, rec.Code, err, rec.Body.String())
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

func (c *contract) mark(op string) {
	c.mu.Lock()
	c.seen[op] = true
	c.mu.Unlock()
}

// startServer serves a new farm and returns a client holding an admin token.
func startServer(t *testing.T) (*client.Client, *contract, *manager.Manager) {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	m, err := manager.Open(manager.Config{DataDir: t.TempDir(), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	c := newContract(t, api.New(m, "test", quiet))
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	_, admin, err := m.CreateAdmin("test admin")
	if err != nil {
		t.Fatal(err)
	}
	return client.New(srv.URL).WithToken(admin), c, m
}

// member joins the farm and is approved with role; it returns its id and a
// client holding its token.
func member(t *testing.T, cl *client.Client, name string, role model.Role) (string, *client.Client) {
	t.Helper()
	ctx := context.Background()
	j, err := client.New(cl.BaseURL()).Join(ctx, wire.JoinRequest{Name: name, Platform: "linux", Wants: role})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Approve(ctx, j.Member.ID, role); err != nil {
		t.Fatal(err)
	}
	return j.Member.ID, client.New(cl.BaseURL()).WithToken(j.Token)
}

func wantStatus(t *testing.T, err error, status int) {
	t.Helper()
	if got := client.StatusOf(err); got != status {
		t.Errorf("got %d (%v), want %d", got, err, status)
	}
}

// TestEveryOperationAgainstTheDocument calls every operation of the API, the
// happy path and its errors, through the client, with each exchange checked
// against the OpenAPI document.
func TestEveryOperationAgainstTheDocument(t *testing.T) {
	cl, contract, _ := startServer(t)
	ctx := context.Background()

	events, stop := context.WithCancel(ctx)
	defer stop()
	stream := cl.Events(events)

	if v, err := cl.Version(ctx); err != nil || v.APIVersion != wire.APIVersion || v.ManagerID == "" {
		t.Fatalf("version %+v %v", v, err)
	}
	var spec string
	if _, err := http.Get(cl.BaseURL() + "/api/v1/openapi.json"); err != nil {
		t.Fatal(err)
	}
	resp, _ := http.Get(cl.BaseURL() + "/api/v1/openapi.json")
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	spec = string(b)
	if !strings.Contains(spec, `"operationId":"submitJob"`) {
		t.Errorf("served document lacks submitJob: %.200s", spec)
	}
	if _, err := cl.Status(ctx); err != nil {
		t.Fatal(err)
	}
	if c, err := cl.Config(ctx); err != nil || c.TaskTimeout != "10m0s" || c.BlocklistThreshold != 3 {
		t.Fatalf("config %+v %v", c, err)
	}
	types, err := cl.JobTypes(ctx)
	if err != nil || len(types) == 0 || types[0].Name != "echo-sleep-test" || types[0].Etag == "" {
		t.Fatalf("job types %v %v", types, err)
	}
	_, err = cl.Submit(ctx, wire.SubmitJob{Name: "stale", Type: "echo-sleep-test", TypeEtag: "an-old-etag"})
	wantStatus(t, err, 412)
	_, err = cl.ExportJobType(ctx, "no-such-type")
	wantStatus(t, err, 404)
	if jobs, err := cl.Jobs(ctx); err != nil || len(jobs) != 0 {
		t.Fatalf("jobs of a new farm %v %v", jobs, err)
	}

	_, err = cl.Submit(ctx, wire.SubmitJob{Name: "bad", Type: "echo-sleep-test", Settings: map[string]any{"frames": "9-1"}})
	wantStatus(t, err, 400)
	_, err = cl.Submit(ctx, wire.SubmitJob{Name: "bad", Type: "no-such-type"})
	wantStatus(t, err, 400)
	job, err := cl.Submit(ctx, wire.SubmitJob{Name: "shot 1", Type: "echo-sleep-test",
		Settings: map[string]any{"frames": "1-3", "sleep_seconds": 0}, Metadata: map[string]string{"project": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Job(ctx, job.ID); err != nil {
		t.Fatal(err)
	}
	_, err = cl.Job(ctx, "nope")
	wantStatus(t, err, 404)
	if jobs, err := cl.Jobs(ctx, model.JobQueued); err != nil || len(jobs) != 1 {
		t.Fatalf("queued jobs %v %v", jobs, err)
	}
	resp, _ = authGet(cl, "/api/v1/jobs?status=nonsense")
	if resp.StatusCode != 400 {
		t.Errorf("bad status filter answered %d", resp.StatusCode)
	}
	resp.Body.Close()
	tasks, err := cl.Tasks(ctx, job.ID)
	if err != nil || len(tasks) != 3 {
		t.Fatalf("tasks %v %v", tasks, err)
	}
	_, err = cl.Tasks(ctx, "nope")
	wantStatus(t, err, 404)
	task, err := cl.Task(ctx, tasks[0].ID)
	if err != nil || len(task.Commands) != 2 {
		t.Fatalf("task %+v %v", task, err)
	}
	_, err = cl.Task(ctx, "nope")
	wantStatus(t, err, 404)

	// Joining: with the join code a worker is in at once.
	anon := client.New(cl.BaseURL())
	_, err = anon.Join(ctx, wire.JoinRequest{Name: ""})
	wantStatus(t, err, 400)
	_, err = anon.Join(ctx, wire.JoinRequest{Name: "box", JoinCode: "000-000-000-000"})
	wantStatus(t, err, 401)
	code, err := cl.JoinCode(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	joined, err := anon.Join(ctx, wire.JoinRequest{Name: "box", Platform: "linux", JoinCode: code})
	if err != nil || joined.Member.Status != model.MemberApproved {
		t.Fatalf("join with code %+v %v", joined, err)
	}
	reg := joined.Member
	if st, err := anon.WithToken(joined.Token).JoinStatus(ctx); err != nil || st.ID != reg.ID {
		t.Fatalf("join status %+v %v", st, err)
	}
	_, err = anon.JoinStatus(ctx)
	wantStatus(t, err, 401)
	if me, err := anon.WithToken(joined.Token).Whoami(ctx); err != nil || me.Role != model.RoleWorker {
		t.Fatalf("whoami %+v %v", me, err)
	}
	wk := cl.AsWorker(reg.ID, joined.Token)
	_, _, err = cl.AsWorker(reg.ID, "wrong").Schedule(ctx)
	wantStatus(t, err, 401)
	_, _, err = wk.Schedule(ctx) // joined but not signed on: not a worker yet
	wantStatus(t, err, 404)
	if _, err := wk.SignOn(ctx, wire.WorkerRegistration{Name: "box", Platform: "linux", Version: "test", TaskTypes: []string{"misc"}}); err != nil {
		t.Fatal(err)
	}
	a, _, err := wk.Schedule(ctx)
	if err != nil || a == nil || a.Task.ID != tasks[0].ID || a.Job.ID != job.ID {
		t.Fatalf("schedule %+v %v", a, err)
	}
	stats := &model.HostStats{CPUPercent: 42.5, MemUsedMB: 1024, MemTotalMB: 8192, CPUs: 2, Sampled: time.Now().UTC()}
	if hb, err := wk.Heartbeat(ctx, a.Task.ID, stats); err != nil || !hb.MayKeepRunning {
		t.Fatalf("heartbeat %+v %v", hb, err)
	}
	if w, err := cl.Worker(ctx, reg.ID); err != nil || w.Stats == nil || w.Stats.CPUPercent != 42.5 {
		t.Fatalf("worker stats after a heartbeat: %+v %v", w, err)
	}
	// Last-rendered image: nothing yet, then what the worker sends.
	_, err = cl.LastRendered(ctx)
	wantStatus(t, err, 404)
	_, err = cl.LastRenderedImage(ctx, job.ID, "thumb")
	wantStatus(t, err, 404)
	_, err = wk.UploadRendered(ctx, a.Task.ID, "image/gif", []byte("GIF89a"))
	wantStatus(t, err, 415)
	_, err = wk.UploadRendered(ctx, a.Task.ID, "image/png", []byte("not a png"))
	wantStatus(t, err, 400)
	_, err = wk.UploadRendered(ctx, tasks[1].ID, "image/png", tinyPNG(t))
	wantStatus(t, err, 409)
	if img, err := wk.UploadRendered(ctx, a.Task.ID, "image/png", tinyPNG(t)); err != nil || img.Width != 16 || img.JobID != job.ID {
		t.Fatalf("upload %+v %v", img, err)
	}
	if img, err := cl.LastRendered(ctx); err != nil || img.TaskID != a.Task.ID {
		t.Fatalf("last rendered %+v %v", img, err)
	}
	for _, size := range []string{"full", "thumb"} {
		if b, err := cl.LastRenderedImage(ctx, job.ID, size); err != nil || len(b) < 100 || string(b[:2]) != "\xff\xd8" {
			t.Fatalf("%s image: %d bytes %v", size, len(b), err)
		}
	}
	_, err = cl.LastRenderedImage(ctx, job.ID, "huge")
	wantStatus(t, err, 400)
	if j, err := cl.SetPythonOverrides(ctx, job.ID, "import bpy\nbpy.context.scene.cycles.samples = 4"); err != nil || !strings.Contains(j.PythonOverrides, "samples = 4") {
		t.Fatalf("python overrides %+v %v", j, err)
	}
	_, err = cl.SetPythonOverrides(ctx, "nope", "")
	wantStatus(t, err, 404)

	steps := 1
	if r, err := wk.UpdateTask(ctx, a.Task.ID, wire.TaskUpdate{StepsCompleted: &steps, Log: "hello\n"}); err != nil || !r.MayKeepRunning {
		t.Fatalf("update %+v %v", r, err)
	}
	_, err = wk.UpdateTask(ctx, a.Task.ID, wire.TaskUpdate{Status: "soft-failed"})
	wantStatus(t, err, 400)
	_, err = wk.UpdateTask(ctx, tasks[1].ID, wire.TaskUpdate{Status: model.ReportCompleted})
	wantStatus(t, err, 409)
	if _, err := wk.UpdateTask(ctx, a.Task.ID, wire.TaskUpdate{Status: model.ReportCompleted}); err != nil {
		t.Fatal(err)
	}
	if log, err := cl.TaskLog(ctx, a.Task.ID); err != nil || !strings.Contains(log, "hello") {
		t.Fatalf("log %q %v", log, err)
	}
	if tail, err := cl.TaskLogTail(ctx, a.Task.ID, 1); err != nil || strings.Count(tail, "\n") != 1 {
		t.Fatalf("tail %q %v", tail, err)
	}
	_, err = cl.TaskLogTail(ctx, a.Task.ID, 0)
	wantStatus(t, err, 400)
	_, err = cl.TaskLog(ctx, "nope")
	wantStatus(t, err, 404)

	// Issue 3: why, blocklist, worker management and lifecycle.
	why, err := cl.Why(ctx, tasks[1].ID)
	if err != nil || len(why.Workers) != 1 || !why.Workers[0].WouldRun || len(why.Workers[0].Reasons) != 0 {
		t.Fatalf("why %+v %v", why, err)
	}
	_, err = cl.Why(ctx, "nope")
	wantStatus(t, err, 404)
	if bl, err := cl.Blocklist(ctx, job.ID); err != nil || len(bl) != 0 {
		t.Fatalf("blocklist %v %v", bl, err)
	}
	if j, err := cl.ClearBlocklist(ctx, job.ID, "", ""); err != nil || j.ID != job.ID {
		t.Fatalf("clear blocklist %v %v", j, err)
	}
	_, err = cl.ClearBlocklist(ctx, job.ID, reg.ID, "misc")
	wantStatus(t, err, 404)
	name := "renamed box"
	if w, err := cl.UpdateWorker(ctx, reg.ID, wire.WorkerChange{Name: &name, Tags: &[]string{"gpu"}}); err != nil || w.Name != name {
		t.Fatalf("update worker %+v %v", w, err)
	}
	_, err = cl.UpdateWorker(ctx, reg.ID, wire.WorkerChange{Tags: &[]string{""}})
	wantStatus(t, err, 400)
	if w, err := cl.WorkerAction(ctx, reg.ID, model.WorkerSleep, false); err != nil || w.StatusRequested != model.WorkerAsleep {
		t.Fatalf("sleep %+v %v", w, err)
	}
	_, err = cl.WorkerAction(ctx, reg.ID, model.WorkerWake, false)
	wantStatus(t, err, 409)
	_, err = cl.WorkerAction(ctx, reg.ID, "explode", false)
	wantStatus(t, err, 400)
	if hb, err := wk.Heartbeat(ctx, ""); err != nil || hb.StatusRequested != model.WorkerAsleep || !hb.Lazy {
		t.Fatalf("heartbeat carries no request: %+v %v", hb, err)
	}
	if w, err := wk.ReportStatus(ctx, model.WorkerAsleep); err != nil || w.Status != model.WorkerAsleep {
		t.Fatalf("report status %+v %v", w, err)
	}
	_, err = wk.ReportStatus(ctx, model.WorkerOffline)
	wantStatus(t, err, 400)
	if _, err := cl.WorkerAction(ctx, reg.ID, model.WorkerWake, false); err != nil {
		t.Fatal(err)
	}
	if a, change, err := wk.Schedule(ctx); err != nil || a != nil || change == nil || change.StatusRequested != model.WorkerAwake {
		t.Fatalf("schedule while a wake is pending: %v %+v %v", a, change, err)
	}
	wk.ReportStatus(ctx, model.WorkerAwake)

	if ws, err := cl.Workers(ctx); err != nil || len(ws) != 1 {
		t.Fatalf("workers %v %v", ws, err)
	}
	if _, err := cl.Worker(ctx, reg.ID); err != nil {
		t.Fatal(err)
	}
	_, err = cl.Worker(ctx, "nope")
	wantStatus(t, err, 404)

	_, err = cl.JobAction(ctx, job.ID, model.JobResume, nil)
	wantStatus(t, err, 409)
	var apiErr *client.Error
	if !asError(err, &apiErr) || !slices.Contains(apiErr.AllowedActions, "pause") {
		t.Errorf("409 without the allowed actions: %+v", apiErr)
	}
	_, err = cl.JobAction(ctx, job.ID, "explode", nil)
	wantStatus(t, err, 400)
	_, err = cl.JobAction(ctx, job.ID, model.JobSetPriority, nil)
	wantStatus(t, err, 400)
	prio := 70
	if j, err := cl.JobAction(ctx, job.ID, model.JobSetPriority, &prio); err != nil || j.Priority != 70 {
		t.Fatalf("set-priority %+v %v", j, err)
	}
	_, err = cl.TaskAction(ctx, model.TaskRequeue, []string{tasks[1].ID})
	wantStatus(t, err, 409)
	_, err = cl.TaskAction(ctx, model.TaskCancel, nil)
	wantStatus(t, err, 400)
	if ts, err := cl.TaskAction(ctx, model.TaskCancel, []string{tasks[1].ID, tasks[2].ID}); err != nil || len(ts) != 2 {
		t.Fatalf("cancel tasks %v %v", ts, err)
	}
	err = cl.DeleteJob(ctx, "nope")
	wantStatus(t, err, 404)
	j, _ := cl.Job(ctx, job.ID)
	if j.Status != model.JobCanceled {
		t.Fatalf("job %s after its other tasks were canceled", j.Status)
	}
	if err := cl.DeleteJob(ctx, job.ID); err != nil {
		t.Fatal(err)
	}
	if err := wk.SignOff(ctx); err != nil {
		t.Fatal(err)
	}
	if w, err := cl.WorkerAction(ctx, reg.ID, model.WorkerDelete, false); err != nil || w != nil {
		t.Fatalf("delete through actions: %v %v", w, err)
	}
	second, _ := member(t, cl, "other", model.RoleWorker)
	if _, err := cl.AsWorker(second, "").SignOn(ctx, wire.WorkerRegistration{Name: "x", Platform: "linux"}); client.StatusOf(err) != 403 {
		t.Fatalf("an admin acting as another member's worker: %v", err)
	}
	err = cl.DeleteWorker(ctx, second)
	wantStatus(t, err, 404) // a member, but never a worker

	// Members: pending requests, approve, reject, revoke, a new join code.
	pending, err := anon.Join(ctx, wire.JoinRequest{Name: "laptop", Wants: model.RoleArtist})
	if err != nil || pending.Member.Status != model.MemberPending {
		t.Fatalf("join %+v %v", pending, err)
	}
	if ms, err := cl.Members(ctx, model.MemberPending); err != nil || len(ms) != 1 || ms[0].Name != "laptop" {
		t.Fatalf("pending members %v %v", ms, err)
	}
	_, err = cl.Members(ctx, "sideways")
	wantStatus(t, err, 400)
	_, err = cl.Approve(ctx, pending.Member.ID, "overlord")
	wantStatus(t, err, 400)
	_, err = cl.Approve(ctx, "nope", model.RoleArtist)
	wantStatus(t, err, 404)
	if m, err := cl.Approve(ctx, pending.Member.ID, model.RoleArtist); err != nil || m.Role != model.RoleArtist {
		t.Fatalf("approve %+v %v", m, err)
	}
	_, err = cl.Reject(ctx, pending.Member.ID)
	wantStatus(t, err, 400)
	late, _ := anon.Join(ctx, wire.JoinRequest{Name: "stranger"})
	if m, err := cl.Reject(ctx, late.Member.ID); err != nil || m.Status != model.MemberRejected {
		t.Fatalf("reject %+v %v", m, err)
	}
	if m, err := cl.Revoke(ctx, pending.Member.ID); err != nil || m.Status != model.MemberRevoked {
		t.Fatalf("revoke %+v %v", m, err)
	}
	_, err = anon.WithToken(pending.Token).Jobs(ctx)
	wantStatus(t, err, 401)
	if fresh, err := cl.JoinCode(ctx, true); err != nil || fresh == code {
		t.Fatalf("new join code %q %v", fresh, err)
	}

	// The stream saw the job come and go.
	deadline := time.After(5 * time.Second)
	for sawDelete := false; !sawDelete; {
		select {
		case ev := <-stream:
			sawDelete = ev.Type == model.EventJob && ev.Deleted && ev.Job.ID == job.ID
		case <-deadline:
			t.Fatal("no delete event on the stream")
		}
	}

	// Every operation in the document was exercised.
	var missing []string
	for _, item := range contract.doc.Paths.Map() {
		for _, op := range item.Operations() {
			if !contract.seen[op.OperationID] {
				missing = append(missing, op.OperationID)
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("operations never called: %v", missing)
	}
}

func asError(err error, target **client.Error) bool {
	e, ok := err.(interface{ Unwrap() error })
	for err != nil {
		if ce, is := err.(*client.Error); is {
			*target = ce
			return true
		}
		if !ok {
			return false
		}
		err = e.Unwrap()
		e, ok = err.(interface{ Unwrap() error })
	}
	return false
}

// TestRoutesMatchTheDocument checks both directions: every route the server
// has is in the document, and every operation in the document has a route.
func TestRoutesMatchTheDocument(t *testing.T) {
	doc := loadDoc(t)
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	m, err := manager.Open(manager.Config{DataDir: t.TempDir(), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	served := map[string]bool{}
	chi.Walk(api.New(m, "test", quiet).Routes(), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if !strings.HasPrefix(route, "/api/v1/") || strings.HasSuffix(route, "/openapi.yaml") {
			return nil // the docs page and the YAML twin of the document are not API operations
		}
		served[method+" "+strings.TrimSuffix(route, "/")] = true
		return nil
	})
	for r := range served {
		if !documented[r] {
			t.Errorf("route %s is served but not documented", r)
		}
	}
	for r := range documented {
		if !served[r] {
			t.Errorf("operation %s is documented but not served", r)
		}
	}
}

func TestBadBodiesAreRefusedClearly(t *testing.T) {
	cl, _, _ := startServer(t)
	cases := map[string]struct{ body, says string }{
		"not JSON":      {`{"name": `, "reading JSON body"},
		"unknown field": {`{"name":"x","type":"echo-sleep-test","prioritty":3}`, "unknown field"},
		"two values":    {`{"name":"x","type":"echo-sleep-test"} {}`, "more than one"},
		"wrong type":    {`{"name":5,"type":"echo-sleep-test"}`, "cannot unmarshal"},
		"too big":       {`{"name":"` + strings.Repeat("x", 2<<20) + `"}`, "larger than"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", cl.BaseURL()+"/api/v1/jobs", strings.NewReader(c.body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+cl.Token())
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var e wire.Error
			json.NewDecoder(resp.Body).Decode(&e)
			if resp.StatusCode != 400 || !strings.Contains(e.Message, c.says) {
				t.Errorf("%d %q, want 400 saying %q", resp.StatusCode, e.Message, c.says)
			}
		})
	}
	if jobs, _ := cl.Jobs(context.Background()); len(jobs) != 0 {
		t.Errorf("bad submissions stored %d jobs", len(jobs))
	}
}

func TestDocsPage(t *testing.T) {
	cl, _, _ := startServer(t)
	resp, err := http.Get(cl.BaseURL() + "/api/docs/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "/api/v1/openapi.json") {
		t.Fatalf("docs page %d: %.300s", resp.StatusCode, b)
	}
	fmt.Fprint(io.Discard, string(b))
}

func tinyPNG(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 16, 9))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestEveryRouteChecksItsRole reads the served OpenAPI document and calls every
// operation without a token, with an unknown token, and with a token of the
// role just below the operation's x-min-role: each must be refused with 401 or
// 403 before it does anything.
func TestEveryRouteChecksItsRole(t *testing.T) {
	cl, _, _ := startServer(t)
	ctx := context.Background()
	workerID, workerCl := member(t, cl, "a worker", model.RoleWorker)
	_, artistCl := member(t, cl, "an artist", model.RoleArtist)
	tokens := map[model.Role]string{model.RoleWorker: tokenOf(workerCl), model.RoleArtist: tokenOf(artistCl)}
	below := map[string]model.Role{"artist": model.RoleWorker, "admin": model.RoleArtist}

	resp, err := http.Get(cl.BaseURL() + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromIoReader(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			role, _ := op.Extensions["x-min-role"].(string)
			if role == "" {
				t.Errorf("%s %s has no x-min-role", method, path)
				continue
			}
			if role == "none" {
				continue
			}
			url := cl.BaseURL() + strings.NewReplacer("{job_id}", "j", "{task_id}", "j.0", "{member_id}", "m",
				"{worker_id}", "someone-else").Replace(path)
			call := func(token string) int {
				req, _ := http.NewRequestWithContext(ctx, method, url, strings.NewReader("{}"))
				req.Header.Set("Content-Type", "application/json")
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				return resp.StatusCode
			}
			if got := call(""); got != 401 {
				t.Errorf("%s %s without a token: %d, want 401", method, path, got)
			}
			if got := call("0123456789abcdef"); got != 401 {
				t.Errorf("%s %s with an unknown token: %d, want 401", method, path, got)
			}
			if lower, ok := below[role]; ok {
				if got := call(tokens[lower]); got != 403 {
					t.Errorf("%s %s as %s (needs %s): %d, want 403", method, path, lower, role, got)
				}
			} else if strings.Contains(path, "{worker_id}") && role == "worker" {
				// A worker route for another worker's id.
				if got := call(tokens[model.RoleWorker]); got != 403 {
					t.Errorf("%s %s as another worker: %d, want 403", method, path, got)
				}
			}
			checked++
		}
	}
	if checked < 30 {
		t.Fatalf("only %d operations checked", checked)
	}
	_ = workerID
}

func TestArtistsActOnTheirOwnJobsOnly(t *testing.T) {
	admin, _, _ := startServer(t)
	ctx := context.Background()
	_, alice := member(t, admin, "alice", model.RoleArtist)
	_, bob := member(t, admin, "bob", model.RoleArtist)
	job, err := alice.Submit(ctx, wire.SubmitJob{Name: "alice's", Type: "echo-sleep-test", Settings: map[string]any{"frames": "1-2"}})
	if err != nil {
		t.Fatal(err)
	}
	if job.Submitter != "alice" {
		t.Errorf("submitter %q", job.Submitter)
	}
	if _, err := bob.Job(ctx, job.ID); err != nil {
		t.Fatalf("artists see every job: %v", err)
	}
	_, err = bob.JobAction(ctx, job.ID, model.JobPause, nil)
	wantStatus(t, err, 403)
	tasks, _ := bob.Tasks(ctx, job.ID)
	_, err = bob.TaskAction(ctx, model.TaskCancel, []string{tasks[0].ID})
	wantStatus(t, err, 403)
	if _, err := alice.JobAction(ctx, job.ID, model.JobPause, nil); err != nil {
		t.Fatalf("alice pausing her job: %v", err)
	}
	if _, err := admin.JobAction(ctx, job.ID, model.JobCancel, nil); err != nil {
		t.Fatalf("an admin acting on anyone's job: %v", err)
	}
}

func TestOtherAPIVersionIsRefused(t *testing.T) {
	cl, _, _ := startServer(t)
	req, _ := http.NewRequest("GET", cl.BaseURL()+"/api/v1/version", nil)
	req.Header.Set(api.APIVersionHeader, "2")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e wire.Error
	json.NewDecoder(resp.Body).Decode(&e)
	if resp.StatusCode != 400 || !strings.Contains(e.Message, "speaks API version 1, the client speaks 2") {
		t.Fatalf("%d %q", resp.StatusCode, e.Message)
	}
}

func tokenOf(c *client.Client) string { return c.Token() }

func authGet(cl *client.Client, path string) (*http.Response, error) {
	req, _ := http.NewRequest("GET", cl.BaseURL()+path, nil)
	req.Header.Set("Authorization", "Bearer "+cl.Token())
	return http.DefaultClient.Do(req)
}
