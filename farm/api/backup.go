package api

import "net/http"

// getBackup streams a consistent copy of the farm's database (admin only): the
// bbolt file 'farmhand restore' takes, read in one read transaction, so the
// farm goes on meanwhile. Task logs and rendered images are not in it.
func (s *Server) getBackup(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="farmhand.db"`)
	n, err := s.m.Backup(w)
	if err == nil {
		return
	}
	if n == 0 {
		writeError(w, s.log, err)
		return
	}
	s.log.Warn("backup broke off", "bytes", n, "err", err)
	// The status is sent: abort the connection, so that the client sees a
	// broken download rather than a short file.
	panic(http.ErrAbortHandler)
}
