// Package api serves the manager's HTTP API: the routes described by
// openapi.yaml, the document itself, a docs page and the websocket event stream.
// The Go client for the same API is in package client; the bodies both use are
// in package wire.
package api

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"farmhand/farm/api/wire"
	"farmhand/farm/manager"
	"farmhand/farm/model"
	"farmhand/farm/trust"
)

// Body size limits. Task updates carry log text, so they get more room.
const (
	maxBody       = 1 << 20
	maxUpdateBody = 8 << 20
)

// Server answers the API for one manager.
type Server struct {
	m           *manager.Manager
	log         *slog.Logger
	version     string
	farmName    string
	fingerprint trust.Fingerprint
	router      chi.Router

	// streams counts the event streams being served: http.Server.Shutdown
	// does not wait for them (they are hijacked connections), WaitStreams does.
	streamsMu sync.Mutex
	streams   int
	noStreams chan struct{} // closed when streams drops to 0; nil while nobody waits

	limits *limiters // per-caller rate limits of the expensive routes (ratelimit.go)

	history *manager.History // the workers' last 24 h of host stats (history.go)

	waker *manager.Waker // Wake-on-LAN, by hand and for queued work (availability.go)
}

// WithFingerprint sets the manager's certificate fingerprint that the
// version, config and join-code routes report.
func (s *Server) WithFingerprint(f trust.Fingerprint) *Server {
	s.fingerprint = f
	return s
}

// WithFarmName sets the farm's name the version route reports.
func (s *Server) WithFarmName(name string) *Server {
	s.farmName = name
	return s
}

// New returns the API server of m. version is the application version it reports.
func New(m *manager.Manager, version string, log *slog.Logger) *Server {
	s := &Server{m: m, log: log, version: version, limits: newLimiters(DefaultRateLimits), history: manager.FollowHistory(m),
		waker: manager.FollowQueue(m, manager.WakeConfig{})}
	r := chi.NewRouter()
	r.Use(middleware.Recoverer)
	r.Use(s.limitBodiesOrFiles)
	r.Get("/", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/api/docs", http.StatusFound) })
	r.Mount("/api/docs", docsHandler())
	r.Route("/api/v1", func(r chi.Router) {
		r.Use(s.checkAPI) // upgrade.go: adjacent versions work together
		// Public: enough to find and join a farm, and read its contract.
		r.Get("/version", s.getVersion)
		r.Get("/openapi.json", serveSpecJSON)
		r.Get("/openapi.yaml", serveSpecYAML)
		r.With(s.perAddress(s.limits.join)).Post("/join", s.join)
		r.Get("/join", s.joinStatus)
		r.Get("/addon.zip", s.getAddonZip)
		r.Group(s.workerRoutes)
		r.Group(s.artistRoutes)
		r.Group(s.adminRoutes)
	})
	s.router = r
	return s
}

// workerRoutes are the routes of every member, workers included.
func (s *Server) workerRoutes(r chi.Router) {
	r.Use(s.require(model.RoleWorker))
	r.Get("/whoami", s.whoami)
	r.Get("/events", s.streamEvents) // workers wake on it when work arrives
	// A worker's own member (a workstation's person) edits its rules;
	// the handlers let admins (and artists, reading) at anyone's.
	r.Get("/workers/{worker_id}/availability", s.getWorkerAvailability)
	r.Put("/workers/{worker_id}/availability", s.putWorkerAvailability)
	r.Post("/files/missing", s.missingFiles)
	r.Get("/files/{sha256}", s.getFile)
	r.Get("/jobs/{job_id}/files", s.getJobFiles)
	r.Get("/jobs/{job_id}/output", s.listOutput)
	r.Get("/jobs/{job_id}/output/file", s.getOutput)
	r.Put("/jobs/{job_id}/output/file", s.putOutput)
	r.Route("/worker/{worker_id}", func(r chi.Router) {
		r.Use(s.ownWorker)
		r.Post("/sign-on", s.signOn)
		r.Post("/sign-off", s.signOff)
		r.Post("/heartbeat", s.heartbeat)
		r.Post("/schedule", s.scheduleTask)
		r.Post("/status", s.reportWorkerStatus)
		r.Post("/availability", s.reportAvailability)
		r.Post("/tasks/{task_id}/update", s.updateTask)
		r.With(s.perMember(s.limits.upload)).Post("/tasks/{task_id}/output", s.uploadRendered)
		r.Post("/upgrade", s.reportUpgrade) // upgrade.go
	})
	r.Get("/binaries", s.listBinaries)
	r.Get("/binaries/{platform}", s.getBinary)
}

// artistRoutes are the routes of people: artists and admins.
func (s *Server) artistRoutes(r chi.Router) {
	r.Use(s.require(model.RoleArtist))
	r.Get("/status", s.getFarmStatus)
	r.Get("/config", s.getConfig)
	r.Get("/variables", s.listVariables)
	r.Get("/variables/{name}", s.getVariable)
	r.Get("/jobtypes", s.listJobTypes)
	r.Get("/last-rendered", s.getLastRendered)
	r.Get("/jobs", s.listJobs)
	r.With(s.perMember(s.limits.submit)).Post("/jobs", s.submitJob)
	r.Put("/files/{sha256}", s.putChunk)
	r.Get("/jobs/{job_id}", s.getJob)
	r.Patch("/jobs/{job_id}", s.updateJob)
	r.Delete("/jobs/{job_id}", s.deleteJob)
	r.Post("/jobs/{job_id}/actions", s.applyJobAction)
	r.With(s.perMember(s.limits.taskList), compressed).Get("/jobs/{job_id}/tasks", s.listJobTasks)
	r.Get("/jobs/{job_id}/last-rendered", s.getJobLastRendered)
	r.Get("/jobs/{job_id}/blocklist", s.getJobBlocklist)
	r.Delete("/jobs/{job_id}/blocklist", s.clearJobBlocklist)
	r.Post("/tasks/actions", s.applyTaskAction)
	r.Post("/jobs/actions", s.applyJobActions)
	r.Get("/tasks/{task_id}", s.getTask)
	r.Get("/tasks/{task_id}/log", s.getTaskLog)
	r.Get("/tasks/{task_id}/log/tail", s.getTaskLogTail)
	r.Get("/tasks/{task_id}/why", s.getTaskWhy)
	r.Get("/workers", s.listWorkers)
	r.Get("/workers/{worker_id}", s.getWorker)
	r.Get("/workers/{worker_id}/history", s.getWorkerHistory)
}

// adminRoutes steer workers and members and change the farm's settings.
func (s *Server) adminRoutes(r chi.Router) {
	r.Use(s.require(model.RoleAdmin))
	r.Patch("/workers/{worker_id}", s.updateWorker)
	r.Delete("/workers/{worker_id}", s.deleteWorker)
	r.Post("/workers/{worker_id}/actions", s.applyWorkerAction)
	r.Post("/workers/{worker_id}/wake", s.wakeWorker)
	r.Get("/members", s.listMembers)
	r.Post("/members/{member_id}/approve", s.approveMember)
	r.Post("/members/{member_id}/reject", s.rejectMember)
	r.Post("/members/{member_id}/revoke", s.revokeMember)
	r.Post("/jobtypes/{name}/export", s.exportJobType)
	r.Put("/config", s.updateConfig)
	r.Put("/variables/{name}", s.putVariable)
	r.Delete("/variables/{name}", s.deleteVariable)
	r.Get("/joincode", s.getJoinCode)
	r.Post("/joincode", s.newJoinCode)
	r.Get("/backup", s.getBackup)
	r.Get("/audit", s.getAudit)
}

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

// Routes returns the router, for tests that walk the routes.
func (s *Server) Routes() chi.Routes { return s.router }

func bearer(r *http.Request) (string, bool) {
	const prefix = "Bearer "
	h := r.Header.Get("Authorization")
	if len(h) <= len(prefix) || h[:len(prefix)] != prefix {
		return "", false
	}
	return h[len(prefix):], true
}

// readJSON decodes a request body of at most limit bytes, refusing unknown
// fields so that a misspelt field is an error rather than silently ignored.
// A larger body is a manager.ErrTooLarge (413), refused unread when its
// Content-Length says so.
func readJSON(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	if r.ContentLength > limit {
		return tooLarge(limit)
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return tooLarge(limit)
		}
		return fmt.Errorf("%w: reading JSON body: %w", manager.ErrInvalid, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: request body holds more than one JSON value", manager.ErrInvalid)
	}
	return nil
}

// writeJSON answers with status and v as JSON. A value that cannot be encoded
// (a NaN in a float, say) is the manager's fault: it is logged and answered
// with a 500 before any header goes out, rather than as a cut-off 200.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		slog.Error("encoding a response", "type", fmt.Sprintf("%T", v), "err", err)
		http.Error(w, "internal error: the response could not be encoded; the manager's log says more", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	writeBody(w, append(b, '\n'))
}

// writeBody sends b after the header. A failed write means the client has
// gone: the status is out already and nobody is left to tell, so the error
// is dropped.
func writeBody(w http.ResponseWriter, b []byte) {
	_, _ = w.Write(b)
}

func (s *Server) getVersion(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, wire.Version{Name: "Farmhand", Version: s.version, APIVersion: wire.APIVersion,
		ManagerID: s.m.ID(), FarmName: cmp.Or(s.m.Settings().FarmName, s.farmName), Fingerprint: string(s.fingerprint)})
}

func (s *Server) getFarmStatus(w http.ResponseWriter, r *http.Request) {
	fs, err := s.m.Status()
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	out := wire.FarmStatus{Jobs: map[string]int{}, Workers: map[string]int{}}
	for k, v := range fs.Jobs {
		out.Jobs[string(k)] = v
	}
	for k, v := range fs.Workers {
		out.Workers[string(k)] = v
	}
	writeJSON(w, http.StatusOK, out)
}

// writeTimeout bounds how long one event may take to reach a slow client.
const writeTimeout = 10 * time.Second
