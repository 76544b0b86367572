package client

// The farm's workers as admins and windows see and steer them (a worker's
// own calls are in worker.go).

import (
	"context"
	"net/http"
	"net/url"

	"farmhand/farm/api/wire"
	"farmhand/farm/model"
)

// Workers lists the farm's workers.
func (c *Client) Workers(ctx context.Context) ([]*model.Worker, error) {
	var v wire.WorkerList
	_, err := c.do(ctx, http.MethodGet, "/api/v1/workers", nil, &v)
	return v.Workers, err
}

// Worker fetches one worker.
func (c *Client) Worker(ctx context.Context, id string) (*model.Worker, error) {
	var v model.Worker
	_, err := c.do(ctx, http.MethodGet, "/api/v1/workers/"+url.PathEscape(id), nil, &v)
	return &v, err
}

// WorkerAction asks a worker to sleep, wake, pause, shut down or restart
// (after its current task, or now), or deletes it (the answer is then nil).
func (c *Client) WorkerAction(ctx context.Context, id string, action model.WorkerAction, now bool) (*model.Worker, error) {
	var v model.Worker
	status, err := c.do(ctx, http.MethodPost, "/api/v1/workers/"+url.PathEscape(id)+"/actions",
		wire.WorkerActionRequest{Action: action, Now: now}, &v)
	if err != nil || status == http.StatusNoContent {
		return nil, err
	}
	return &v, nil
}

// UpdateWorker renames a worker or replaces its tags.
func (c *Client) UpdateWorker(ctx context.Context, id string, change wire.WorkerChange) (*model.Worker, error) {
	var v model.Worker
	_, err := c.do(ctx, http.MethodPatch, "/api/v1/workers/"+url.PathEscape(id), change, &v)
	return &v, err
}

// DeleteWorker forgets a worker; its task is requeued.
func (c *Client) DeleteWorker(ctx context.Context, id string) error {
	_, err := c.do(ctx, http.MethodDelete, "/api/v1/workers/"+url.PathEscape(id), nil, nil)
	return err
}
