package client

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"farmhand/farm/model"
)

// WorkerHistory returns worker id's host samples (CPU, memory, GPU use; one
// per 30 s step, oldest first) from since on; a zero since asks for all the
// manager keeps (24 hours). An unknown worker is an *Error with status 404.
func (c *Client) WorkerHistory(ctx context.Context, id string, since time.Time) (*model.HostHistory, error) {
	path := "/api/v1/workers/" + url.PathEscape(id) + "/history"
	if !since.IsZero() {
		path += "?since=" + url.QueryEscape(since.UTC().Format(time.RFC3339Nano))
	}
	var v model.HostHistory
	if _, err := c.do(ctx, http.MethodGet, path, nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}
