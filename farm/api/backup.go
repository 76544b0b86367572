package api

import "net/http"

// getBackup streams a consistent copy of the farm's database (admin only): the
// bbolt file 'farmhand restore' takes, read in one read transaction, so the
// farm goes on meanwhile. Task logs and rendered images are not in it. The
// download is in the audit log before it starts (the copy holds the farm's
// tokens' hashes): a farm that cannot record it does not send it.
func (s *Server) getBackup(w http.ResponseWriter, r *http.Request) {
	if err := s.m.RecordAudit(actor(r), "backup.download", "the farm's database"); err != nil {
		writeError(w, s.log, err)
		return
	}
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
