package api

import (
	"fmt"
	"net/http"
	"strconv"

	"farmhand/farm/api/wire"
	"farmhand/farm/manager"
)

// DefaultAuditLimit is how many audit entries getAudit returns without a
// limit parameter.
const DefaultAuditLimit = 100

// getAudit answers the audit log (admin only), newest first: ?limit=N entries
// (1–manager.MaxAuditPage, DefaultAuditLimit without it) older than the entry
// ?before=CURSOR names (the Next of the page before). A bad limit or cursor
// is a 400.
func (s *Server) getAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := DefaultAuditLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > manager.MaxAuditPage {
			writeError(w, s.log, fmt.Errorf("%w: limit must be a number from 1 to %d, not %q", manager.ErrInvalid, manager.MaxAuditPage, v))
			return
		}
		limit = n
	}
	entries, next, err := s.m.Audit(limit, q.Get("before"))
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.AuditPage{Entries: entries, Next: next})
}
