package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"farmhand/farm/api/wire"
	"farmhand/farm/model"
)

// The calls in this file are a worker's; they need AsWorker.

func (c *Client) workerPath(rest string) string {
	return "/api/v1/worker/" + url.PathEscape(c.workerID) + rest
}

// SignOn tells the manager the worker is up, with what it can do now.
func (c *Client) SignOn(ctx context.Context, reg wire.WorkerRegistration) (*model.Worker, error) {
	var v model.Worker
	_, err := c.do(ctx, http.MethodPost, c.workerPath("/sign-on"), reg, &v)
	return &v, err
}

// SignOff tells the manager the worker is going away.
func (c *Client) SignOff(ctx context.Context) error {
	_, err := c.do(ctx, http.MethodPost, c.workerPath("/sign-off"), nil, nil)
	return err
}

// Heartbeat tells the manager the worker is alive, and asks whether its task
// (if taskID is not empty) may go on.
func (c *Client) Heartbeat(ctx context.Context, taskID string, stats ...*model.HostStats) (*wire.HeartbeatReply, error) {
	var v wire.HeartbeatReply
	hb := wire.Heartbeat{TaskID: taskID}
	if len(stats) > 0 {
		hb.Stats = stats[0]
	}
	_, err := c.do(ctx, http.MethodPost, c.workerPath("/heartbeat"), hb, &v)
	return &v, err
}

// Schedule asks for the next task; nil when there is none. When the manager
// asks the worker to change status first, it returns that change instead.
func (c *Client) Schedule(ctx context.Context) (*wire.AssignedTask, *wire.StatusChange, error) {
	var v wire.AssignedTask
	status, err := c.do(ctx, http.MethodPost, c.workerPath("/schedule"), nil, &v)
	var apiErr *Error
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusLocked {
		var change wire.StatusChange
		if jerr := json.Unmarshal([]byte(apiErr.raw), &change); jerr != nil {
			return nil, nil, fmt.Errorf("reading the status change asked of this worker: %w", jerr)
		}
		return nil, &change, nil
	}
	if err != nil || status == http.StatusNoContent {
		return nil, nil, err
	}
	return &v, nil, nil
}

// ReportStatus tells the manager the worker is now awake, asleep or paused.
func (c *Client) ReportStatus(ctx context.Context, s model.WorkerStatus) (*model.Worker, error) {
	var v model.Worker
	_, err := c.do(ctx, http.MethodPost, c.workerPath("/status"), wire.WorkerStatusReport{Status: s}, &v)
	return &v, err
}

// UpdateTask reports on the worker's task.
func (c *Client) UpdateTask(ctx context.Context, taskID string, u wire.TaskUpdate) (*wire.TaskUpdateReply, error) {
	var v wire.TaskUpdateReply
	_, err := c.do(ctx, http.MethodPost, c.workerPath("/tasks/"+url.PathEscape(taskID)+"/update"), u, &v)
	return &v, err
}

// UploadRendered sends the image a task rendered last (PNG or JPEG).
func (c *Client) UploadRendered(ctx context.Context, taskID, contentType string, image []byte) (*model.RenderedImage, error) {
	var v model.RenderedImage
	_, err := c.doRaw(ctx, http.MethodPost, c.workerPath("/tasks/"+url.PathEscape(taskID)+"/output"), contentType, image, &v)
	return &v, err
}
