package api

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"farmhand/farm/api/wire"
	"farmhand/farm/files"
	"farmhand/farm/manager"
	"farmhand/farm/model"
	"farmhand/farm/store"
)

// The routes of rendering without shared storage (issue 13): uploads of
// input files by content, their download by workers, and job outputs. Their
// raw bodies are bounded here, by route (see limitBodiesOrFiles).

// maxMissingBody bounds a POST /files/missing, which may name up to
// wire.MaxMissingEntries files (about 90 bytes each).
const maxMissingBody = maxAnyBody

// rawBodyRoutes are the routes whose bodies are files, bounded by their
// handlers (a chunk at wire.MaxChunk, an output file by the farm's limits)
// rather than by limitBodies.
func rawBodyRoute(r *http.Request) bool {
	if r.Method != http.MethodPut {
		return false
	}
	p := r.URL.Path
	return strings.HasPrefix(p, "/api/v1/files/") ||
		(strings.HasPrefix(p, "/api/v1/jobs/") && strings.HasSuffix(p, "/output/file"))
}

// limitBodiesOrFiles is limitBodies for every route but the file uploads.
func (s *Server) limitBodiesOrFiles(next http.Handler) http.Handler {
	limited := s.limitBodies(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rawBodyRoute(r) {
			next.ServeHTTP(w, r)
			return
		}
		limited.ServeHTTP(w, r)
	})
}

// fileStatus maps the file errors to statuses before writeError's kinds.
func (s *Server) writeFileError(w http.ResponseWriter, err error) {
	var off *files.OffsetError
	switch {
	case errors.As(err, &off):
		writeJSON(w, http.StatusConflict, wire.OffsetError{Message: err.Error(), Detail: wire.ChunkReply{Offset: off.Held}})
	case errors.Is(err, files.ErrChunkHash), errors.Is(err, files.ErrFileHash), errors.Is(err, manager.ErrOutputHash):
		writeJSON(w, http.StatusUnprocessableEntity, wire.Error{Message: err.Error()})
	case errors.Is(err, manager.ErrNoWaitingJob):
		writeJSON(w, http.StatusConflict, wire.Error{Message: err.Error()})
	default:
		writeError(w, s.log, err)
	}
}

func (s *Server) missingFiles(w http.ResponseWriter, r *http.Request) {
	var req wire.MissingRequest
	if err := readJSON(w, r, maxMissingBody, &req); err != nil {
		writeError(w, s.log, err)
		return
	}
	if len(req.Files) > wire.MaxMissingEntries {
		writeError(w, s.log, fmt.Errorf("%w: at most %d files per call, not %d", manager.ErrTooLarge, wire.MaxMissingEntries, len(req.Files)))
		return
	}
	refs := make([]manager.FileRef, len(req.Files))
	for i, f := range req.Files {
		refs[i] = manager.FileRef{SHA256: f.SHA256, Size: f.Size}
	}
	missing, err := s.m.MissingFiles(refs)
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	out := wire.MissingReply{Missing: make([]wire.FileRef, len(missing))}
	for i, f := range missing {
		out.Missing[i] = wire.FileRef{SHA256: f.SHA256, Size: f.Size, Offset: f.Offset}
	}
	writeJSON(w, http.StatusOK, out)
}

// queryInt reads a whole number of the query; a missing or bad one is ErrInvalid.
func queryInt(r *http.Request, name string) (int64, error) {
	v, err := strconv.ParseInt(r.URL.Query().Get(name), 10, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%w: the query needs %s, a whole number of bytes", manager.ErrInvalid, name)
	}
	return v, nil
}

func (s *Server) putChunk(w http.ResponseWriter, r *http.Request) {
	sha := chi.URLParam(r, "sha256")
	offset, err := queryInt(r, "offset")
	size, err2 := queryInt(r, "size")
	chunkSHA := r.Header.Get(wire.ChunkSHA256Header)
	switch {
	case errors.Join(err, err2) != nil:
		err = errors.Join(err, err2)
	case chunkSHA == "":
		err = fmt.Errorf("%w: send the chunk's SHA-256 in %s", manager.ErrInvalid, wire.ChunkSHA256Header)
	case r.ContentLength < 0:
		err = fmt.Errorf("%w: send the chunk with a Content-Length", manager.ErrInvalid)
	case r.ContentLength > wire.MaxChunk:
		err = tooLarge(wire.MaxChunk)
	}
	if err != nil {
		s.writeFileError(w, err)
		return
	}
	held, complete, err := s.m.PutChunk(sha, offset, size, chunkSHA, r.Body, r.ContentLength)
	if err != nil {
		s.writeFileError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.ChunkReply{Offset: held, Complete: complete})
}

func (s *Server) getFile(w http.ResponseWriter, r *http.Request) {
	sha := chi.URLParam(r, "sha256")
	path, err := s.m.BlobPath(sha)
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	s.serveFile(w, r, path, `"`+sha+`"`)
}

// serveFile answers with a file's bytes, Range requests included.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, path, etag string) {
	f, err := os.Open(path)
	if err != nil {
		writeError(w, s.log, fmt.Errorf("file %s: %w", etag, manager.ErrNotFound))
		return
	}
	defer f.Close()
	s.serveOpen(w, r, f, etag)
}

func (s *Server) serveOpen(w http.ResponseWriter, r *http.Request, f *os.File, etag string) {
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		writeError(w, s.log, fmt.Errorf("%w: not a file", manager.ErrNotFound))
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	if etag != "" {
		w.Header().Set("ETag", etag)
	}
	http.ServeContent(w, r, "", fi.ModTime(), f)
}

func (s *Server) getJobFiles(w http.ResponseWriter, r *http.Request) {
	storage, list, err := s.m.JobFiles(chi.URLParam(r, "job_id"))
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	out := wire.JobFiles{Storage: storage, Files: make([]wire.JobFile, len(list))}
	for i, f := range list {
		out.Files[i] = wire.JobFile{Path: f.Path, SHA256: f.SHA256, Size: f.Size}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) putOutput(w http.ResponseWriter, r *http.Request) {
	if caller(r).Role != model.RoleWorker {
		writeError(w, s.log, fmt.Errorf("%w: only workers send a job's output", manager.ErrForbidden))
		return
	}
	p, sha := r.URL.Query().Get("path"), r.Header.Get(wire.ContentSHA256Header)
	if sha == "" {
		writeError(w, s.log, fmt.Errorf("%w: send the file's SHA-256 in %s", manager.ErrInvalid, wire.ContentSHA256Header))
		return
	}
	size, err := s.m.PutOutput(caller(r).ID, chi.URLParam(r, "job_id"), p, sha, r.Body, r.ContentLength)
	if err != nil {
		s.writeFileError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.OutputStored{Path: p, Size: size})
}

func (s *Server) listOutput(w http.ResponseWriter, r *http.Request) {
	folder, list, err := s.m.Outputs(chi.URLParam(r, "job_id"))
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	out := wire.OutputList{Folder: folder, Files: make([]wire.OutputFile, len(list))}
	for i, f := range list {
		out.Files[i] = wire.OutputFile{Path: f.Path, Size: f.Size, SHA256: f.SHA256, Modified: f.Modified}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getOutput(w http.ResponseWriter, r *http.Request) {
	f, err := s.m.OpenOutput(chi.URLParam(r, "job_id"), r.URL.Query().Get("path"))
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	defer f.Close()
	s.serveOpen(w, r, f, "")
}

// manifestOf converts a submission's files for the manager.
func manifestOf(in []wire.JobFile) []store.ManifestEntry {
	if len(in) == 0 {
		return nil
	}
	out := make([]store.ManifestEntry, len(in))
	for i, f := range in {
		out[i] = store.ManifestEntry{Path: f.Path, SHA256: f.SHA256, Size: f.Size}
	}
	return out
}
