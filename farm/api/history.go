package api

import (
	"fmt"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"farmhand/farm/manager"
)

// getWorkerHistory answers a worker's host samples (manager.History) from the
// since query parameter on (RFC 3339; default: the whole 24 hours kept). An
// unknown worker is a 404, a since that is not a time a 400.
func (s *Server) getWorkerHistory(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "worker_id")
	var since time.Time
	if v := r.URL.Query().Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			writeError(w, s.log, fmt.Errorf("%w: since %q is not an RFC 3339 time", manager.ErrInvalid, v))
			return
		}
		since = t
	}
	if _, err := s.m.Worker(id); err != nil {
		writeError(w, s.log, fmt.Errorf("reading the history of worker %s: %w", id, err))
		return
	}
	writeJSON(w, http.StatusOK, s.history.Since(id, since))
}
