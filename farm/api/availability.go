package api

import (
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"

	"farmhand/farm/api/wire"
	"farmhand/farm/availability"
	"farmhand/farm/manager"
	"farmhand/farm/model"
)

// mayReadAvailability refuses a worker-role member reading another worker's
// rules: a workstation's person reads its own, artists and admins anyone's.
func mayReadAvailability(r *http.Request, workerID string) error {
	c := caller(r)
	if c.ID == workerID || c.Role.AtLeast(model.RoleArtist) {
		return nil
	}
	return fmt.Errorf("%w: a worker may only read its own availability", manager.ErrForbidden)
}

func (s *Server) workerAvailability(id string) (wire.WorkerAvailability, error) {
	rules, err := s.m.WorkerAvailability(id)
	if err != nil {
		return wire.WorkerAvailability{}, err
	}
	w, err := s.m.Worker(id)
	if err != nil {
		return wire.WorkerAvailability{}, err
	}
	return wire.WorkerAvailability{WorkerID: id, Rules: rules, Decision: w.Availability}, nil
}

func (s *Server) getWorkerAvailability(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "worker_id")
	if err := mayReadAvailability(r, id); err != nil {
		writeError(w, s.log, err)
		return
	}
	a, err := s.workerAvailability(id)
	s.answer(w, http.StatusOK, a, err)
}

func (s *Server) putWorkerAvailability(w http.ResponseWriter, r *http.Request) {
	var rules availability.Rules
	if err := readJSON(w, r, maxBody, &rules); err != nil {
		writeError(w, s.log, err)
		return
	}
	id := chi.URLParam(r, "worker_id")
	if _, err := s.m.SetWorkerAvailabilityBy(actor(r), id, rules); err != nil {
		writeError(w, s.log, err)
		return
	}
	a, err := s.workerAvailability(id)
	s.answer(w, http.StatusOK, a, err)
}

func (s *Server) reportAvailability(w http.ResponseWriter, r *http.Request) {
	var rep wire.AvailabilityReport
	if err := readJSON(w, r, maxBody, &rep); err != nil {
		writeError(w, s.log, err)
		return
	}
	rules, err := s.m.ReportAvailability(chi.URLParam(r, "worker_id"), rep.Decision, rep.MACs, rep.IdleUnreadable)
	s.answer(w, http.StatusOK, rules, err)
}

func (s *Server) wakeWorker(w http.ResponseWriter, r *http.Request) {
	res, err := s.waker.WakeBy(r.Context(), actor(r), chi.URLParam(r, "worker_id"))
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	packets := res.Packets
	if packets == nil {
		packets = []string{}
	}
	writeJSON(w, http.StatusOK, wire.WakeResult{Worker: res.Worker, Packets: packets, StatusChanged: res.StatusChanged})
}
