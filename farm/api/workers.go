package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/go-chi/chi/v5"

	"farmhand/farm/api/wire"
	"farmhand/farm/manager"
	"farmhand/farm/model"
	"farmhand/farm/rendered"
)

func (s *Server) listWorkers(w http.ResponseWriter, r *http.Request) {
	ws, err := s.m.Workers()
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	if ws == nil {
		ws = []*model.Worker{}
	}
	writeJSON(w, http.StatusOK, wire.WorkerList{Workers: ws})
}

func (s *Server) getWorker(w http.ResponseWriter, r *http.Request) {
	wk, err := s.m.Worker(chi.URLParam(r, "worker_id"))
	s.answer(w, http.StatusOK, wk, err)
}

func workerInfo(req wire.WorkerRegistration, r *http.Request) manager.WorkerInfo {
	return manager.WorkerInfo{Name: req.Name, Platform: req.Platform, Version: req.Version,
		TaskTypes: req.TaskTypes, Tags: req.Tags, Address: remoteHost(r), Blenders: req.Blenders, CyclesDevice: req.CyclesDevice}
}

func (s *Server) signOn(w http.ResponseWriter, r *http.Request) {
	var req wire.WorkerRegistration
	if err := readJSON(w, r, maxBody, &req); err != nil {
		writeError(w, s.log, err)
		return
	}
	wk, err := s.m.SignOn(chi.URLParam(r, "worker_id"), workerInfo(req, r))
	s.answer(w, http.StatusOK, wk, err)
}

func (s *Server) signOff(w http.ResponseWriter, r *http.Request) {
	if err := s.m.SignOff(chi.URLParam(r, "worker_id")); err != nil {
		writeError(w, s.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) heartbeat(w http.ResponseWriter, r *http.Request) {
	var req wire.Heartbeat
	if err := readJSON(w, r, maxBody, &req); err != nil {
		writeError(w, s.log, err)
		return
	}
	reply, err := s.m.Heartbeat(chi.URLParam(r, "worker_id"), req.TaskID, req.Stats)
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.HeartbeatReply{Status: reply.Status, StatusRequested: reply.StatusRequested,
		Lazy: reply.Lazy, MayKeepRunning: reply.MayKeepRunning, Reason: reply.Reason})
}

func (s *Server) scheduleTask(w http.ResponseWriter, r *http.Request) {
	a, err := s.m.Schedule(chi.URLParam(r, "worker_id"))
	var change *manager.StatusChangeError
	if errors.As(err, &change) {
		writeJSON(w, http.StatusLocked, wire.StatusChange{StatusRequested: change.Change.Status, Lazy: change.Change.Lazy})
		return
	}
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	if a == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, http.StatusOK, wire.AssignedTask{Task: a.Task, Job: &wire.AssignedJob{
		ID: a.Job.ID, Name: a.Job.Name, Type: a.Job.Type, Priority: a.Job.Priority, Settings: a.Job.Settings,
		Storage: a.Job.Storage}})
}

func (s *Server) updateTask(w http.ResponseWriter, r *http.Request) {
	var req wire.TaskUpdate
	if err := readJSON(w, r, maxUpdateBody, &req); err != nil {
		writeError(w, s.log, err)
		return
	}
	reply, err := s.m.UpdateTask(chi.URLParam(r, "worker_id"), chi.URLParam(r, "task_id"), manager.TaskUpdate{
		Status: req.Status, StepsCompleted: req.StepsCompleted, Activity: req.Activity, Log: req.Log})
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.TaskUpdateReply{MayKeepRunning: reply.MayKeepRunning, Reason: reply.Reason})
}

func (s *Server) applyWorkerAction(w http.ResponseWriter, r *http.Request) {
	var req wire.WorkerActionRequest
	if err := readJSON(w, r, maxBody, &req); err != nil {
		writeError(w, s.log, err)
		return
	}
	if req.Action == model.WorkerUpgrade {
		if err := s.checkUpgradeable(chi.URLParam(r, "worker_id")); err != nil {
			writeError(w, s.log, err)
			return
		}
	}
	wk, err := s.m.WorkerActionBy(actor(r), chi.URLParam(r, "worker_id"), req.Action, req.Now)
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	if wk == nil { // deleted
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, http.StatusOK, wk)
}

func (s *Server) updateWorker(w http.ResponseWriter, r *http.Request) {
	var req wire.WorkerChange
	if err := readJSON(w, r, maxBody, &req); err != nil {
		writeError(w, s.log, err)
		return
	}
	wk, err := s.m.UpdateWorkerBy(actor(r), chi.URLParam(r, "worker_id"), manager.WorkerChange{Name: req.Name, Tags: req.Tags})
	s.answer(w, http.StatusOK, wk, err)
}

func (s *Server) deleteWorker(w http.ResponseWriter, r *http.Request) {
	if err := s.m.DeleteWorkerBy(actor(r), chi.URLParam(r, "worker_id")); err != nil {
		writeError(w, s.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) reportWorkerStatus(w http.ResponseWriter, r *http.Request) {
	var req wire.WorkerStatusReport
	if err := readJSON(w, r, maxBody, &req); err != nil {
		writeError(w, s.log, err)
		return
	}
	wk, err := s.m.AckStatus(chi.URLParam(r, "worker_id"), req.Status)
	s.answer(w, http.StatusOK, wk, err)
}

func (s *Server) uploadRendered(w http.ResponseWriter, r *http.Request) {
	switch ct := r.Header.Get("Content-Type"); ct {
	case "image/png", "image/jpeg":
	default:
		writeJSON(w, http.StatusUnsupportedMediaType, wire.Error{Message: fmt.Sprintf("send image/png or image/jpeg, not %q", ct)})
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, rendered.MaxUpload))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeJSON(w, http.StatusRequestEntityTooLarge, wire.Error{Message: fmt.Sprintf("images may be at most %d MiB", rendered.MaxUpload>>20)})
		return
	}
	if err != nil {
		writeError(w, s.log, fmt.Errorf("%w: reading the image: %w", manager.ErrInvalid, err))
		return
	}
	img, err := s.m.PutRendered(chi.URLParam(r, "worker_id"), chi.URLParam(r, "task_id"), data)
	s.answer(w, http.StatusOK, img, err)
}
