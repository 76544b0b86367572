// Package client is the Go client of the Farmhand API. The CLI, the worker, the
// GUI and the benchmarks all talk to the manager through it, also when the
// manager runs in the same process, so there is one road for everyone.
//
// It depends on nothing but the wire format (packages model and wire) and the
// certificate pinning of package trust, so a program that only talks to a
// farm does not link the manager or its database.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"farmhand/farm/api/wire"
	"farmhand/farm/model"
	"farmhand/farm/trust"
)

// Client talks to one manager.
type Client struct {
	// base is shared by the copies WithToken and AsWorker make, so that a
	// manager found at a new address (SetBaseURL) is reached by all of them.
	base     *atomic.Pointer[string]
	http     *http.Client
	workerID string
	token    string
	// pin is the manager's certificate fingerprint (or a prefix of it) for
	// https:// URLs; seen is the whole fingerprint once a handshake passed.
	pin  trust.Fingerprint
	seen *atomic.Pointer[trust.Fingerprint]
	// lists keeps the last task list fetched, shared by the copies (tasklist.go).
	lists *taskListCache
}

// New returns a client of the manager at baseURL ("http://host:port"). A URL
// without a scheme gets http://.
func New(baseURL string) *Client {
	if !strings.Contains(baseURL, "://") {
		baseURL = "http://" + baseURL
	}
	base := &atomic.Pointer[string]{}
	u := strings.TrimRight(baseURL, "/")
	base.Store(&u)
	c := &Client{base: base, seen: &atomic.Pointer[trust.Fingerprint]{}, lists: &taskListCache{}}
	c.http = c.newHTTP()
	return c
}

// newHTTP makes the HTTP client for c's pin. A manager at an https:// URL is
// accepted only with the pinned certificate (see trust.ClientConfig); with no
// pin every https request fails with a *trust.UnknownError naming the
// fingerprint the manager presented.
func (c *Client) newHTTP() *http.Client {
	seen := c.seen
	return &http.Client{Transport: &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
		TLSClientConfig:     trust.ClientConfig(c.pin, func(f trust.Fingerprint) { seen.Store(&f) }),
	}}
}

// WithPin returns a copy of c (and of the copies made from it later) that
// trusts the manager whose certificate fingerprint is pin: a whole one, or a
// prefix of at least trust.PrefixLen characters from a join code.
func (c *Client) WithPin(pin trust.Fingerprint) *Client {
	cc := *c
	cc.pin = pin
	cc.seen = &atomic.Pointer[trust.Fingerprint]{}
	cc.http = cc.newHTTP()
	return &cc
}

// Pin returns the fingerprint c trusts ("" for none).
func (c *Client) Pin() trust.Fingerprint { return c.pin }

// Fingerprint returns the whole fingerprint of the manager's certificate as
// of the last TLS handshake that passed the pin, or "" before one did (and
// for plain http:// URLs). Keep it to replace a join code's prefix.
func (c *Client) Fingerprint() trust.Fingerprint {
	if f := c.seen.Load(); f != nil {
		return *f
	}
	return ""
}

// Token returns the member token the client sends ("" for none).
func (c *Client) Token() string { return c.token }

// BaseURL returns the manager's URL.
func (c *Client) BaseURL() string { return *c.base.Load() }

// SetBaseURL points this client, and every copy made from it, at a manager's
// new address (it restarted elsewhere, as discovery tells).
func (c *Client) SetBaseURL(baseURL string) {
	if !strings.Contains(baseURL, "://") {
		baseURL = "http://" + baseURL
	}
	u := strings.TrimRight(baseURL, "/")
	c.base.Store(&u)
}

// WithToken returns a copy of c that sends a member's token with every request.
func (c *Client) WithToken(token string) *Client {
	cc := *c
	cc.token = token
	return &cc
}

// AsWorker returns a copy of c that acts as the worker of the member whose
// token it is (a worker's id is its member id). An empty token keeps c's.
func (c *Client) AsWorker(workerID, token string) *Client {
	cc := *c
	cc.workerID = workerID
	if token != "" {
		cc.token = token
	}
	return &cc
}

// Error is an answer of the manager other than success.
type Error struct {
	Status         int
	Message        string
	AllowedActions []string
	// RetryAfter is how long the manager asked to wait before trying again
	// (its Retry-After header, with 429 and 503); 0 when it said nothing.
	RetryAfter time.Duration
	raw        string // the answer's body, for answers that are not errors (423)
}

func (e *Error) Error() string {
	return fmt.Sprintf("manager answered %d %s: %s", e.Status, http.StatusText(e.Status), e.Message)
}

// StatusOf returns the HTTP status of an *Error in err's chain, or 0 when err
// is not an answer of the manager (it could not be reached, say).
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// do sends a request with a JSON body (when body is not nil) and decodes a
// JSON answer into out (when out is not nil). It returns the status code, so
// callers can tell 200 from 204.
func (c *Client) do(ctx context.Context, method, path string, body, out any) (int, error) {
	if body == nil {
		return c.doRaw(ctx, method, path, "", nil, out)
	}
	b, err := json.Marshal(body)
	if err != nil {
		return 0, fmt.Errorf("encoding %s %s: %w", method, path, err)
	}
	return c.doRaw(ctx, method, path, "application/json", b, out)
}

// doRaw is do with a body of any content type.
func (c *Client) doRaw(ctx context.Context, method, path, contentType string, body []byte, out any) (int, error) {
	req, err := c.newRequest(ctx, method, path, contentType, body)
	if err != nil {
		return 0, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return resp.StatusCode, answerError(resp)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		// Drained so that the connection can be reused; a failure only
		// costs that reuse, the answer is complete.
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, nil
	}
	if s, ok := out.(*string); ok {
		b, err := io.ReadAll(resp.Body)
		*s = string(b)
		return resp.StatusCode, err
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return resp.StatusCode, fmt.Errorf("decoding answer of %s %s: %w", method, path, err)
	}
	return resp.StatusCode, nil
}

// newRequest makes a request to the manager with the client's token and API
// version.
func (c *Client) newRequest(ctx context.Context, method, path, contentType string, body []byte) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL()+path, rd)
	if err != nil {
		return nil, fmt.Errorf("building %s %s: %w", method, path, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	req.Header.Set(wire.APIVersionHeader, strconv.Itoa(wire.APIVersion))
	return req, nil
}

// answerError reads an error answer (status 300 or more) into an *Error.
func answerError(resp *http.Response) *Error {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	apiErr := &Error{Status: resp.StatusCode, raw: string(raw)}
	if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && secs > 0 {
		apiErr.RetryAfter = time.Duration(secs) * time.Second
	}
	var e wire.Error
	if json.Unmarshal(raw, &e) == nil && e.Message != "" {
		apiErr.Message, apiErr.AllowedActions = e.Message, e.AllowedActions
	} else {
		apiErr.Message = strings.TrimSpace(string(raw))
	}
	return apiErr
}

// Version identifies the manager.
func (c *Client) Version(ctx context.Context) (*wire.Version, error) {
	var v wire.Version
	_, err := c.do(ctx, http.MethodGet, "/api/v1/version", nil, &v)
	return &v, err
}

// Status counts the farm's jobs and workers by status.
func (c *Client) Status(ctx context.Context) (*wire.FarmStatus, error) {
	var v wire.FarmStatus
	_, err := c.do(ctx, http.MethodGet, "/api/v1/status", nil, &v)
	return &v, err
}

// JobTypes lists the job types the farm offers.
func (c *Client) JobTypes(ctx context.Context) ([]wire.JobType, error) {
	list, err := c.JobTypeList(ctx)
	return list.JobTypes, err
}

// JobTypeList lists the job types the farm offers and the scripts that did not load.
func (c *Client) JobTypeList(ctx context.Context) (*wire.JobTypeList, error) {
	var v wire.JobTypeList
	_, err := c.do(ctx, http.MethodGet, "/api/v1/jobtypes", nil, &v)
	return &v, err
}

// ExportJobType writes a built-in job type's script into the manager's
// scripts folder for customising, and returns its path there.
func (c *Client) ExportJobType(ctx context.Context, name string) (string, error) {
	var v wire.Exported
	_, err := c.do(ctx, http.MethodPost, "/api/v1/jobtypes/"+url.PathEscape(name)+"/export", nil, &v)
	return v.Path, err
}

// Jobs lists jobs, newest first, optionally only those in the given statuses.
func (c *Client) Jobs(ctx context.Context, statuses ...model.JobStatus) ([]*model.Job, error) {
	return c.JobsMatching(ctx, JobFilter{Statuses: statuses})
}

// JobFilter picks jobs for JobsMatching; the zero value picks all.
type JobFilter struct {
	Statuses []model.JobStatus
	// Metadata: only jobs whose metadata has each key with this value
	// exactly, e.g. {"project": "Spring"}.
	Metadata map[string]string
}

// JobsMatching lists the jobs that pass f, newest first
// (GET /api/v1/jobs?status=…&metadata.KEY=VALUE). The error is an *Error
// for an answer other than success.
func (c *Client) JobsMatching(ctx context.Context, f JobFilter) ([]*model.Job, error) {
	q := url.Values{}
	if len(f.Statuses) > 0 {
		s := make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			s[i] = string(st)
		}
		q.Set("status", strings.Join(s, ","))
	}
	for k, v := range f.Metadata {
		q.Set("metadata."+k, v)
	}
	path := "/api/v1/jobs"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var v wire.JobList
	_, err := c.do(ctx, http.MethodGet, path, nil, &v)
	return v.Jobs, err
}

// AddonZip downloads the Blender add-on the manager serves
// (GET /api/v1/addon.zip, no token needed): the zip's bytes.
func (c *Client) AddonZip(ctx context.Context) ([]byte, error) {
	var s string
	_, err := c.do(ctx, http.MethodGet, "/api/v1/addon.zip", nil, &s)
	return []byte(s), err
}

// Submit submits a job.
func (c *Client) Submit(ctx context.Context, job wire.SubmitJob) (*model.Job, error) {
	var v model.Job
	_, err := c.do(ctx, http.MethodPost, "/api/v1/jobs", job, &v)
	return &v, err
}

// Job fetches one job.
func (c *Client) Job(ctx context.Context, id string) (*model.Job, error) {
	var v model.Job
	_, err := c.do(ctx, http.MethodGet, "/api/v1/jobs/"+url.PathEscape(id), nil, &v)
	return &v, err
}

// JobAction applies an action to a job; priority is for set-priority only.
func (c *Client) JobAction(ctx context.Context, id string, action model.JobAction, priority *int) (*model.Job, error) {
	var v model.Job
	_, err := c.do(ctx, http.MethodPost, "/api/v1/jobs/"+url.PathEscape(id)+"/actions",
		wire.JobActionRequest{Action: action, Priority: priority}, &v)
	return &v, err
}

// JobActions applies one action to several jobs, all or nothing: when one
// job's status (or the caller's role) does not allow it, nothing changes and
// the error names that job. priority is for set-priority only.
func (c *Client) JobActions(ctx context.Context, action model.JobAction, ids []string, priority *int) ([]*model.Job, error) {
	var v wire.JobList
	_, err := c.do(ctx, http.MethodPost, "/api/v1/jobs/actions", wire.JobActionsRequest{Action: action, JobIDs: ids, Priority: priority}, &v)
	return v.Jobs, err
}

// DeleteJob deletes a job with its tasks and logs.
func (c *Client) DeleteJob(ctx context.Context, id string) error {
	_, err := c.do(ctx, http.MethodDelete, "/api/v1/jobs/"+url.PathEscape(id), nil, nil)
	return err
}

// Tasks lists a job's tasks in index order, with every field but their
// commands. The answer comes gzip-compressed (Go's transport asks for it and
// unpacks it), and the client keeps the last list it fetched: asked for the
// same list again, it sends the list's ETag and a manager that has seen no
// change answers 304 with no list. Each call returns tasks of its own, which
// the caller may change. Errors are *Error for answers of 300 or more (404:
// no such job), or the transport's, wrapped.
func (c *Client) Tasks(ctx context.Context, jobID string) ([]*model.Task, error) {
	return c.taskList(ctx, jobID, false)
}

// Task fetches one task with its commands.
func (c *Client) Task(ctx context.Context, id string) (*model.Task, error) {
	var v model.Task
	_, err := c.do(ctx, http.MethodGet, "/api/v1/tasks/"+url.PathEscape(id), nil, &v)
	return &v, err
}

// TaskAction applies one action to a batch of tasks, all or nothing.
func (c *Client) TaskAction(ctx context.Context, action model.TaskAction, ids []string) ([]*model.Task, error) {
	var v wire.TaskList
	_, err := c.do(ctx, http.MethodPost, "/api/v1/tasks/actions", wire.TaskActionRequest{Action: action, TaskIDs: ids}, &v)
	return v.Tasks, err
}

// TaskLog fetches a task's whole log.
func (c *Client) TaskLog(ctx context.Context, id string) (string, error) {
	var s string
	_, err := c.do(ctx, http.MethodGet, "/api/v1/tasks/"+url.PathEscape(id)+"/log", nil, &s)
	return s, err
}

// TaskLogTail fetches the last lines of a task's log.
func (c *Client) TaskLogTail(ctx context.Context, id string, lines int) (string, error) {
	var s string
	_, err := c.do(ctx, http.MethodGet, "/api/v1/tasks/"+url.PathEscape(id)+"/log/tail?lines="+strconv.Itoa(lines), nil, &s)
	return s, err
}

// Why explains what keeps a task from running, per worker.
func (c *Client) Why(ctx context.Context, taskID string) (*model.WhyReport, error) {
	var v model.WhyReport
	_, err := c.do(ctx, http.MethodGet, "/api/v1/tasks/"+url.PathEscape(taskID)+"/why", nil, &v)
	return &v, err
}

// Blocklist returns a job's blocklist.
func (c *Client) Blocklist(ctx context.Context, jobID string) ([]model.BlockEntry, error) {
	var v wire.Blocklist
	_, err := c.do(ctx, http.MethodGet, "/api/v1/jobs/"+url.PathEscape(jobID)+"/blocklist", nil, &v)
	return v.Blocklist, err
}

// ClearBlocklist removes a job's blocklist entries: all of them when workerID
// is empty, else that worker's (for taskType, or every type when empty).
func (c *Client) ClearBlocklist(ctx context.Context, jobID, workerID, taskType string) (*model.Job, error) {
	q := url.Values{}
	if workerID != "" {
		q.Set("worker_id", workerID)
	}
	if taskType != "" {
		q.Set("task_type", taskType)
	}
	path := "/api/v1/jobs/" + url.PathEscape(jobID) + "/blocklist"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var v model.Job
	_, err := c.do(ctx, http.MethodDelete, path, nil, &v)
	return &v, err
}

// SetPythonOverrides changes the Python lines a job's renders run first.
func (c *Client) SetPythonOverrides(ctx context.Context, jobID, lines string) (*model.Job, error) {
	var v model.Job
	_, err := c.do(ctx, http.MethodPatch, "/api/v1/jobs/"+url.PathEscape(jobID), wire.JobChange{PythonOverrides: &lines}, &v)
	return &v, err
}

// LastRendered says which job the farm rendered an image for last.
func (c *Client) LastRendered(ctx context.Context) (*model.RenderedImage, error) {
	var v model.RenderedImage
	_, err := c.do(ctx, http.MethodGet, "/api/v1/last-rendered", nil, &v)
	return &v, err
}

// LastRenderedImage fetches a job's last-rendered image as JPEG bytes, "full"
// or "thumb".
func (c *Client) LastRenderedImage(ctx context.Context, jobID, size string) ([]byte, error) {
	var s string
	_, err := c.do(ctx, http.MethodGet, "/api/v1/jobs/"+url.PathEscape(jobID)+"/last-rendered?size="+url.QueryEscape(size), nil, &s)
	return []byte(s), err
}

// Config returns how the manager was set up: its data folders, timeouts and thresholds.
func (c *Client) Config(ctx context.Context) (*wire.FarmConfig, error) {
	var v wire.FarmConfig
	_, err := c.do(ctx, http.MethodGet, "/api/v1/config", nil, &v)
	return &v, err
}

// Backup copies the farm's database to w (GET /api/v1/backup, admin only) and
// returns the bytes copied: a bbolt file for 'farmhand restore'. A copy that
// broke off returns an error; w then holds part of it.
func (c *Client) Backup(ctx context.Context, w io.Writer) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.BaseURL()+"/api/v1/backup", nil)
	if err != nil {
		return 0, fmt.Errorf("building the backup request: %w", err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	req.Header.Set(wire.APIVersionHeader, strconv.Itoa(wire.APIVersion))
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, fmt.Errorf("GET /api/v1/backup: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		apiErr := &Error{Status: resp.StatusCode, raw: string(raw)}
		var e wire.Error
		if json.Unmarshal(raw, &e) == nil && e.Message != "" {
			apiErr.Message = e.Message
		} else {
			apiErr.Message = strings.TrimSpace(string(raw))
		}
		return 0, apiErr
	}
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("receiving the backup: %w", err)
	}
	return n, nil
}
