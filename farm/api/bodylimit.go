package api

import (
	"fmt"
	"net/http"

	"farmhand/farm/files"
	"farmhand/farm/manager"
	"farmhand/farm/rendered"
)

// Request body limits, in bytes. Each route that reads a body bounds it: JSON
// bodies at maxBody (maxUpdateBody for task updates, which carry log text, see
// server.go), last-rendered images at rendered.MaxUpload. limitBodies bounds
// every other body too, so a route that forgets cannot be made to buffer
// gigabytes.

// maxAnyBody is the largest body any route accepts: a last-rendered image.
const maxAnyBody = rendered.MaxUpload

// tooLarge says which limit a body broke, in bytes and in the unit people read.
func tooLarge(limit int64) error {
	return fmt.Errorf("%w: it is larger than %d bytes (%s), the most this route accepts",
		manager.ErrTooLarge, limit, files.SizeText(limit))
}

// limitBodies refuses a body whose Content-Length is over maxAnyBody before
// anything reads it, and cuts any body off at maxAnyBody.
func (s *Server) limitBodies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxAnyBody {
			writeError(w, s.log, tooLarge(maxAnyBody))
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, maxAnyBody)
		}
		next.ServeHTTP(w, r)
	})
}
