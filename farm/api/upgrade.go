package api

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"farmhand/farm/api/wire"
	"farmhand/farm/manager"
	"farmhand/farm/upgrade"
)

// BinariesDir is the folder of a manager's data directory where an admin puts
// the binaries of other platforms for workers to upgrade from:
// farmhand-<os>-<arch>[.exe] (upgrade.FileName).
const BinariesDir = "binaries"

// catalog is what this manager hands out: its own executable, and the
// binaries in, first, its data directory's BinariesDir, then the binaries/
// folder beside its executable (the tarballs' layout), then
// ../lib/farmhand/binaries from it (the .deb's: /usr/lib/farmhand/binaries).
func (s *Server) catalog() upgrade.Catalog {
	c := upgrade.Catalog{Dirs: []string{filepath.Join(s.m.Config().DataDir, BinariesDir)}}
	if exe, err := upgrade.Executable(); err == nil {
		dir := filepath.Dir(exe)
		c.Dirs = append(c.Dirs, filepath.Join(dir, "binaries"), filepath.Join(dir, "..", "lib", "farmhand", "binaries"))
		c.Self = upgrade.Binary{OS: runtime.GOOS, Arch: runtime.GOARCH, Version: s.version, Path: exe}
	}
	return c
}

func toWire(b upgrade.Binary) wire.Binary {
	return wire.Binary{Platform: b.Platform(), OS: b.OS, Arch: b.Arch, Version: b.Version, SHA256: b.SHA256, Size: b.Size}
}

// listBinaries answers the binaries this manager hands out, and its own version.
func (s *Server) listBinaries(w http.ResponseWriter, r *http.Request) {
	bins, skipped, err := s.catalog().List()
	for _, e := range skipped {
		s.log.Warn("not handing out a binary", "err", e)
	}
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	list := wire.BinaryList{ManagerVersion: s.version, Binaries: []wire.Binary{}}
	for _, b := range bins {
		list.Binaries = append(list.Binaries, toWire(b))
	}
	writeJSON(w, http.StatusOK, list)
}

// getBinary sends the binary for {platform} ("linux-amd64"), with Range
// requests for resuming, its SHA-256 as ETag and in BinarySHA256Header, and
// its version in BinaryVersionHeader.
func (s *Server) getBinary(w http.ResponseWriter, r *http.Request) {
	goos, goarch, ok := strings.Cut(chi.URLParam(r, "platform"), "-")
	if !ok {
		writeJSON(w, http.StatusBadRequest, wire.Error{Message: fmt.Sprintf("platform %q: want os-arch, e.g. linux-amd64", chi.URLParam(r, "platform"))})
		return
	}
	b, err := s.catalog().Find(goos, goarch)
	if errors.Is(err, upgrade.ErrNoBinary) {
		writeJSON(w, http.StatusNotFound, wire.Error{Message: "this manager has " + err.Error()})
		return
	}
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	f, err := os.Open(b.Path)
	if err != nil {
		writeError(w, s.log, fmt.Errorf("opening the %s binary: %w", b.Platform(), err))
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("ETag", strconv.Quote(b.SHA256))
	w.Header().Set(wire.BinarySHA256Header, b.SHA256)
	w.Header().Set(wire.BinaryVersionHeader, b.Version)
	http.ServeContent(w, r, upgrade.FileName(goos, goarch), time.Time{}, f) // the ETag is what If-Range compares
}

// reportUpgrade is a worker ending the upgrade it was asked for: done (it
// restarts now) or not, and why.
func (s *Server) reportUpgrade(w http.ResponseWriter, r *http.Request) {
	var req wire.UpgradeReport
	if err := readJSON(w, r, maxBody, &req); err != nil {
		writeError(w, s.log, err)
		return
	}
	wk, err := s.m.EndUpgrade(chi.URLParam(r, "worker_id"), req.From, req.To, req.Problem)
	s.answer(w, http.StatusOK, wk, err)
}

// checkAPI refuses a client whose API version (wire.APIVersionHeader) this
// manager cannot work with, saying which side to upgrade (wire.CheckAPI). A
// request without the header (a browser, curl) is served.
func (s *Server) checkAPI(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := r.Header.Get(wire.APIVersionHeader)
		if v == "" {
			next.ServeHTTP(w, r)
			return
		}
		theirs, err := strconv.Atoi(v)
		if err == nil {
			err = wire.CheckAPI(theirs, fmt.Sprintf("this manager (Farmhand %s)", s.version), "the client")
		}
		if err != nil {
			if ie := (*wire.IncompatibleError)(nil); !errors.As(err, &ie) {
				err = fmt.Errorf("%s %q is not an API version: %w", wire.APIVersionHeader, v, err)
			}
			writeJSON(w, http.StatusBadRequest, wire.Error{Message: err.Error()})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// checkUpgradeable refuses (409) to ask worker id to upgrade when no binary
// this manager hands out for its system is of another version than the one
// it runs: the worker would only say so and carry on.
func (s *Server) checkUpgradeable(id string) error {
	wk, err := s.m.Worker(id)
	if err != nil {
		return err
	}
	bins, _, err := s.catalog().List()
	if err != nil {
		return err
	}
	for _, b := range bins {
		if b.OS == wk.Platform && b.Version != wk.Version {
			return nil
		}
	}
	return fmt.Errorf("%w: worker %s already runs %s, the version this manager hands out for %s",
		manager.ErrInvalid, wk.Name, wk.Version, wk.Platform)
}
