package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"

	"farmhand/farm/model"
)

// TasksCompact lists a job's tasks in index order with only what a task table
// shows (the API's fields=compact): ID, JobID, Index, Name, Status, WorkerID,
// Activity, StepsTotal, StepsCompleted, Updated and AllowedActions are set,
// the other fields are left zero. A 100,000-task list is some 12 MB
// uncompressed rather than 33 MB. Compression, the kept copy and the errors
// are as for Tasks.
func (c *Client) TasksCompact(ctx context.Context, jobID string) ([]*model.Task, error) {
	return c.taskList(ctx, jobID, true)
}

// taskListCache is the last task list a client fetched, with its ETag: a GUI
// reloads the list of the job it shows, which is mostly unchanged. One list
// only, so that a client never holds more than one job's tasks.
type taskListCache struct {
	mu    sync.Mutex
	key   string // the list's URL and the token that read it
	etag  string
	tasks []model.Task
}

func (k *taskListCache) lookup(key string) (string, []model.Task) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.key != key {
		return "", nil
	}
	return k.etag, k.tasks
}

func (k *taskListCache) keep(key, etag string, tasks []model.Task) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.key, k.etag, k.tasks = key, etag, tasks
}

func (c *Client) taskList(ctx context.Context, jobID string, compact bool) ([]*model.Task, error) {
	path := "/api/v1/jobs/" + url.PathEscape(jobID) + "/tasks"
	if compact {
		path += "?fields=compact"
	}
	req, err := c.newRequest(ctx, http.MethodGet, path, "", nil)
	if err != nil {
		return nil, err
	}
	// The token is part of the key: another member's client must not be
	// answered from this one's copy without the manager checking it may read.
	key := c.BaseURL() + path + " " + c.token
	etag, kept := c.lists.lookup(key)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	// No Accept-Encoding here: set by hand, Go's transport would leave the
	// gzip answer packed; left out, the transport asks for gzip and unpacks.
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && kept != nil:
		_, _ = io.Copy(io.Discard, resp.Body)
		return ownCopies(kept), nil
	case resp.StatusCode >= 300:
		return nil, answerError(resp)
	}
	var list struct {
		Tasks []model.Task `json:"tasks"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		return nil, fmt.Errorf("decoding answer of GET %s: %w", path, err)
	}
	for i := range list.Tasks {
		t := &list.Tasks[i]
		if compact {
			t.ID, t.JobID = model.TaskID(jobID, t.Index), jobID
			t.AllowedActions = model.AllowedTaskActions(t.Status)
		}
	}
	if tag := resp.Header.Get("ETag"); tag != "" {
		c.lists.keep(key, tag, list.Tasks)
		return ownCopies(list.Tasks), nil
	}
	return pointers(list.Tasks), nil
}

// ownCopies copies kept tasks for a caller, who may change them: the copy
// kept stays as the manager sent it. Slices inside (allowed actions, failed
// by) are shared: callers replace them rather than change their elements.
func ownCopies(kept []model.Task) []*model.Task {
	return pointers(append([]model.Task(nil), kept...))
}

func pointers(tasks []model.Task) []*model.Task {
	out := make([]*model.Task, len(tasks))
	for i := range tasks {
		out[i] = &tasks[i]
	}
	return out
}
