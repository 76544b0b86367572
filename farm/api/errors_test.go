package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"farmhand/farm/api/wire"
	"farmhand/farm/manager"
	"farmhand/farm/model"
)

// Every error kind gets its status, wrapped or not; a limit says when to
// retry; anything else is a 500 that names an id and nothing internal.
func TestWriteError(t *testing.T) {
	cases := []struct {
		err        error
		status     int
		retryAfter string
	}{
		{fmt.Errorf("%w: bad frames", manager.ErrInvalid), 400, ""},
		{manager.ErrUnauthorized, 401, ""},
		{fmt.Errorf("%w: not your job", manager.ErrForbidden), 403, ""},
		{fmt.Errorf("job x: %w", manager.ErrNotFound), 404, ""},
		{manager.ErrNotYours, 409, ""},
		{manager.ErrNotAwake, 409, ""},
		{&model.ActionError{Kind: "job", ID: "j", Status: "active", Action: "delete"}, 409, ""},
		{manager.ErrStaleEtag, 412, ""},
		{fmt.Errorf("%w: 2 MiB", manager.ErrTooLarge), 413, ""},
		{&manager.LimitError{Reason: "too many pending", RetryAfter: 1500 * time.Millisecond}, 429, "2"},
		{fmt.Errorf("storing: %w", manager.ErrClosed), 503, ""},
	}
	for _, c := range cases {
		rec := httptest.NewRecorder()
		writeError(rec, slog.New(slog.DiscardHandler), c.err)
		if rec.Code != c.status || rec.Header().Get("Retry-After") != c.retryAfter {
			t.Errorf("%v: %d (Retry-After %q), want %d (%q)", c.err, rec.Code, rec.Header().Get("Retry-After"), c.status, c.retryAfter)
		}
		var body wire.Error
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Message != c.err.Error() {
			t.Errorf("%v: body %q (%v)", c.err, rec.Body.String(), err)
		}
	}

	var logged bytes.Buffer
	rec := httptest.NewRecorder()
	writeError(rec, slog.New(slog.NewTextHandler(&logged, nil)), fmt.Errorf("opening /srv/farm/secret.db: input/output error"))
	var body wire.Error
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("the 500 answer is not an error body: %v\n%s", err, rec.Body)
	}
	if rec.Code != http.StatusInternalServerError || strings.Contains(body.Message, "/srv/farm") || !strings.HasPrefix(body.Message, "internal error ") {
		t.Fatalf("500 answer %d %q", rec.Code, body.Message)
	}
	id := strings.Fields(body.Message)[2]
	id = strings.TrimSuffix(id, ":")
	if !strings.Contains(logged.String(), "id="+id) || !strings.Contains(logged.String(), "/srv/farm/secret.db") {
		t.Errorf("the log does not hold the error under id %s: %s", id, logged.String())
	}
}
