package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"farmhand/farm/api/wire"
)

// Audit reads a page of the farm's audit log (admin only), newest first: up
// to limit entries (0 takes the manager's default, 100; at most 1000) older
// than the entry before names (a page's Next; "" for the newest). Errors: an
// *Error with status 403 for a member who is not an admin, 400 for a bad
// limit or cursor.
func (c *Client) Audit(ctx context.Context, limit int, before string) (*wire.AuditPage, error) {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if before != "" {
		q.Set("before", before)
	}
	path := "/api/v1/audit"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var v wire.AuditPage
	if _, err := c.do(ctx, http.MethodGet, path, nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}
