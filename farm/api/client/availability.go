package client

// Availability rules and Wake-on-LAN: a workstation's person and admins edit
// a worker's rules; a worker reports what they say; admins wake workers.

import (
	"context"
	"net/http"
	"net/url"

	"farmhand/farm/api/wire"
	"farmhand/farm/availability"
)

// WorkerAvailability fetches worker id's availability rules and what they
// said at its last report.
func (c *Client) WorkerAvailability(ctx context.Context, id string) (*wire.WorkerAvailability, error) {
	var v wire.WorkerAvailability
	_, err := c.do(ctx, http.MethodGet, "/api/v1/workers/"+url.PathEscape(id)+"/availability", nil, &v)
	return &v, err
}

// SetWorkerAvailability replaces worker id's availability rules (the zero
// Rules: always available). The worker's own member and admins may.
func (c *Client) SetWorkerAvailability(ctx context.Context, id string, r availability.Rules) (*wire.WorkerAvailability, error) {
	var v wire.WorkerAvailability
	_, err := c.do(ctx, http.MethodPut, "/api/v1/workers/"+url.PathEscape(id)+"/availability", r, &v)
	return &v, err
}

// WakeWorker wakes worker id (admins): a magic packet for an offline one, a
// wake request for an asleep one.
func (c *Client) WakeWorker(ctx context.Context, id string) (*wire.WakeResult, error) {
	var v wire.WakeResult
	_, err := c.do(ctx, http.MethodPost, "/api/v1/workers/"+url.PathEscape(id)+"/wake", nil, &v)
	return &v, err
}

// ReportAvailability tells the manager what this worker's rules say now and
// its MAC addresses, and returns its rules. A worker's call: needs AsWorker.
func (c *Client) ReportAvailability(ctx context.Context, rep wire.AvailabilityReport) (availability.Rules, error) {
	var v availability.Rules
	_, err := c.do(ctx, http.MethodPost, c.workerPath("/availability"), rep, &v)
	return v, err
}
