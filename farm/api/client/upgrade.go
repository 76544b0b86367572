package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"farmhand/farm/api/wire"
	"farmhand/farm/model"
)

// Binaries lists the Farmhand binaries the manager hands out to upgrading
// workers, and the manager's own version (GET /api/v1/binaries).
func (c *Client) Binaries(ctx context.Context) (*wire.BinaryList, error) {
	var v wire.BinaryList
	_, err := c.do(ctx, http.MethodGet, "/api/v1/binaries", nil, &v)
	return &v, err
}

// OpenBinary starts the download of the binary for platform ("linux-amd64")
// from byte offset on (a Range request when offset > 0, so that a broken
// download resumes). The caller closes the body. Errors: an *Error for an
// answer other than 200 or 206 (404: no binary for the platform), or a 206
// that does not start at offset.
func (c *Client) OpenBinary(ctx context.Context, platform string, offset int64) (io.ReadCloser, error) {
	path := "/api/v1/binaries/" + url.PathEscape(platform)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.BaseURL()+path, nil)
	if err != nil {
		return nil, fmt.Errorf("building GET %s: %w", path, err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	req.Header.Set(wire.APIVersionHeader, strconv.Itoa(wire.APIVersion))
	if offset > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", offset))
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", path, err)
	}
	want := http.StatusOK
	if offset > 0 {
		want = http.StatusPartialContent
	}
	if resp.StatusCode != want {
		defer resp.Body.Close()
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		apiErr := &Error{Status: resp.StatusCode, raw: string(raw), Message: strings.TrimSpace(string(raw))}
		var e wire.Error
		if json.Unmarshal(raw, &e) == nil && e.Message != "" {
			apiErr.Message = e.Message
		}
		return nil, apiErr
	}
	if offset > 0 && !strings.HasPrefix(resp.Header.Get("Content-Range"), fmt.Sprintf("bytes %d-", offset)) {
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s from byte %d: the manager sent %q", path, offset, resp.Header.Get("Content-Range"))
	}
	return resp.Body, nil
}

// ReportUpgrade ends the upgrade the manager asked of this worker: done (it
// restarts next) or not, with r.Problem saying why (POST
// /api/v1/worker/{id}/upgrade; needs AsWorker).
func (c *Client) ReportUpgrade(ctx context.Context, r wire.UpgradeReport) (*model.Worker, error) {
	var v model.Worker
	_, err := c.do(ctx, http.MethodPost, c.workerPath("/upgrade"), r, &v)
	return &v, err
}
