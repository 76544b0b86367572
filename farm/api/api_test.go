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
	"strings"
	"sync"
	"testing"

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

// spec is the OpenAPI document and its router, loaded and validated once per
// test binary (every subtest of the contract test serves a farm of its own);
// neither is changed after.
var spec = sync.OnceValues(func() (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(api.Spec)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("the OpenAPI document is invalid: %w", err)
	}
	return doc, nil
})

var specRouter = sync.OnceValues(func() (routers.Router, error) {
	doc, err := spec()
	if err != nil {
		return nil, err
	}
	return legacy.NewRouter(doc)
})

func loadDoc(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := spec()
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func newContract(t *testing.T, next http.Handler) *contract {
	doc := loadDoc(t)
	router, err := specRouter()
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
	_, _ = w.Write(rec.Body.Bytes()) // the client under test sees any failure
}

func (c *contract) mark(op string) {
	c.mu.Lock()
	c.seen[op] = true
	c.mu.Unlock()
}

// called reports whether operation op was called.
func (c *contract) called(op string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seen[op]
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
	err = chi.Walk(api.New(m, "test", quiet).Routes(), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if !strings.HasPrefix(route, "/api/v1/") || strings.HasSuffix(route, "/openapi.yaml") {
			return nil // the docs page and the YAML twin of the document are not API operations
		}
		served[method+" "+strings.TrimSuffix(route, "/")] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
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
	cases := map[string]struct {
		body, says string
		status     int
	}{
		"not JSON":      {`{"name": `, "reading JSON body", 400},
		"unknown field": {`{"name":"x","type":"echo-sleep-test","prioritty":3}`, "unknown field", 400},
		"two values":    {`{"name":"x","type":"echo-sleep-test"} {}`, "more than one", 400},
		"wrong type":    {`{"name":5,"type":"echo-sleep-test"}`, "cannot unmarshal", 400},
		"too big":       {`{"name":"` + strings.Repeat("x", 24<<20) + `"}`, "larger than", 413},
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
			if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
				t.Fatalf("decoding the %d answer: %v", resp.StatusCode, err)
			}
			if resp.StatusCode != c.status || !strings.Contains(e.Message, c.says) {
				t.Errorf("%d %q, want %d saying %q", resp.StatusCode, e.Message, c.status, c.says)
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
			urlFor := func(workerID string) string {
				return cl.BaseURL() + strings.NewReplacer("{job_id}", "j", "{task_id}", "j.0", "{member_id}", "m",
					"{worker_id}", workerID).Replace(path)
			}
			url := urlFor("someone-else")
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
				// A worker route for another worker's id is refused; for its
				// own id it is not, so the 403 above is about the id.
				if got := call(tokens[model.RoleWorker]); got != 403 {
					t.Errorf("%s %s as another worker: %d, want 403", method, path, got)
				}
				url = urlFor(workerID)
				if got := call(tokens[model.RoleWorker]); got == 401 || got == 403 {
					t.Errorf("%s %s as the worker itself: %d, want it let through", method, path, got)
				}
			}
			checked++
		}
	}
	if checked < 30 {
		t.Fatalf("only %d operations checked", checked)
	}
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
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		t.Fatalf("decoding the %d answer: %v", resp.StatusCode, err)
	}
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
