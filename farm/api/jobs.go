package api

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"farmhand/farm/api/wire"
	"farmhand/farm/manager"
	"farmhand/farm/model"
)

func (s *Server) listJobTypes(w http.ResponseWriter, r *http.Request) {
	types, problems := s.m.JobTypes()
	out := wire.JobTypeList{JobTypes: []wire.JobType{}}
	for _, jt := range types {
		t := wire.JobType{Name: jt.Name, Label: jt.Label, Description: jt.Description, Etag: jt.Etag, Source: jt.Source,
			Settings: []wire.JobSetting{}}
		t.Settings = append(t.Settings, jt.Settings...)
		out.JobTypes = append(out.JobTypes, t)
	}
	for _, p := range problems {
		out.Problems = append(out.Problems, wire.JobTypeProblem(p))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) exportJobType(w http.ResponseWriter, r *http.Request) {
	path, err := s.m.ExportJobType(chi.URLParam(r, "name"))
	s.answer(w, http.StatusOK, wire.Exported{Path: path}, err)
}

func (s *Server) listJobs(w http.ResponseWriter, r *http.Request) {
	filter, err := jobFilter(r.URL.Query())
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	jobs, err := s.m.JobsMatching(filter)
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	if jobs == nil {
		jobs = []*model.Job{}
	}
	writeJSON(w, http.StatusOK, wire.JobList{Jobs: jobs})
}

// metadataParam starts the query parameters that filter jobs by metadata:
// ?metadata.project=Spring.
const metadataParam = "metadata."

// jobFilter reads listJobs' query: ?status=a,b and any number of
// ?metadata.KEY=VALUE. An unknown status or an empty key is a
// manager.ErrInvalid naming it.
func jobFilter(q url.Values) (manager.JobFilter, error) {
	var f manager.JobFilter
	if v := q.Get("status"); v != "" {
		for _, part := range strings.Split(v, ",") {
			st := model.JobStatus(strings.TrimSpace(part))
			if !st.Valid() {
				return f, fmt.Errorf("%w: unknown job status %q", manager.ErrInvalid, st)
			}
			f.Statuses = append(f.Statuses, st)
		}
	}
	for name, values := range q {
		key, ok := strings.CutPrefix(name, metadataParam)
		if !ok {
			continue
		}
		if key == "" {
			return f, fmt.Errorf("%w: %q names no metadata key: write ?metadata.project=NAME", manager.ErrInvalid, name)
		}
		if f.Metadata == nil {
			f.Metadata = map[string][]string{}
		}
		f.Metadata[key] = append(f.Metadata[key], values...)
	}
	return f, nil
}

// maxSubmitBody bounds a submission: an upload job's manifest names every
// file of the scene (about 150 bytes each), so it takes more than maxBody —
// room for some 150,000 files.
const maxSubmitBody = 24 << 20

func (s *Server) submitJob(w http.ResponseWriter, r *http.Request) {
	var req wire.SubmitJob
	if err := readJSON(w, r, maxSubmitBody, &req); err != nil {
		writeError(w, s.log, err)
		return
	}
	submitter := req.Submitter
	if submitter == "" {
		submitter = caller(r).Name
	}
	job, err := s.m.Submit(manager.Submission{
		Name: req.Name, Type: req.Type, Priority: req.Priority, Settings: req.Settings,
		Metadata: req.Metadata, RequiredTags: req.RequiredTags, Submitter: submitter, SubmitterID: caller(r).ID,
		PythonOverrides: req.PythonOverrides, TypeEtag: req.TypeEtag, Paused: req.Paused,
		SubmitterPlatform: req.SubmitterPlatform, Storage: req.Storage, Files: manifestOf(req.Files),
	})
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	writeJSON(w, http.StatusCreated, job)
}

func (s *Server) getJob(w http.ResponseWriter, r *http.Request) {
	job, err := s.m.Job(chi.URLParam(r, "job_id"))
	s.answer(w, http.StatusOK, job, err)
}

func (s *Server) deleteJob(w http.ResponseWriter, r *http.Request) {
	if _, err := s.m.JobActions(actor(r), model.JobDelete, []string{chi.URLParam(r, "job_id")}, 0); err != nil {
		writeError(w, s.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) applyJobAction(w http.ResponseWriter, r *http.Request) {
	var req wire.JobActionRequest
	if err := readJSON(w, r, maxBody, &req); err != nil {
		writeError(w, s.log, err)
		return
	}
	prio, err := actionPriority(req.Action, req.Priority)
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	jobs, err := s.m.JobActions(actor(r), req.Action, []string{chi.URLParam(r, "job_id")}, prio)
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, jobs[0])
}

// actionPriority is the priority a set-priority action carries, 0 for other
// actions; set-priority without one is a manager.ErrInvalid.
func actionPriority(a model.JobAction, priority *int) (int, error) {
	if a != model.JobSetPriority {
		return 0, nil
	}
	if priority == nil {
		return 0, fmt.Errorf("%w: set-priority needs a priority", manager.ErrInvalid)
	}
	return *priority, nil
}

// applyJobActions applies one action to several jobs, all or nothing, with
// the caller's ownership checked in the same transaction.
func (s *Server) applyJobActions(w http.ResponseWriter, r *http.Request) {
	var req wire.JobActionsRequest
	if err := readJSON(w, r, maxBody, &req); err != nil {
		writeError(w, s.log, err)
		return
	}
	prio, err := actionPriority(req.Action, req.Priority)
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	jobs, err := s.m.JobActions(actor(r), req.Action, req.JobIDs, prio)
	s.answer(w, http.StatusOK, wire.JobList{Jobs: jobs}, err)
}

// listJobTasks answers a job's task list, whole or compact (?fields=compact,
// see Manager.TasksCompactJSON), with an ETag from the list's version: a
// client that sends it back in If-None-Match gets 304 Not Modified, without
// the list being read, while no task of the job changed.
func (s *Server) listJobTasks(w http.ResponseWriter, r *http.Request) {
	jobID := chi.URLParam(r, "job_id")
	fields := r.URL.Query().Get("fields")
	build := s.m.TasksJSON
	switch fields {
	case "", "all":
		fields = "all"
	case "compact":
		build = s.m.TasksCompactJSON
	default:
		writeError(w, s.log, fmt.Errorf("%w: fields must be all or compact, not %q", manager.ErrInvalid, fields))
		return
	}
	// Weak: the same list goes out compressed or not (compressed).
	etag := `W/"` + s.m.TaskListVersion(jobID) + "-" + fields + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "no-cache")
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	raw, err := build(jobID)
	if err != nil {
		w.Header().Del("ETag")
		writeError(w, s.log, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	writeBody(w, raw)
}

func (s *Server) applyTaskAction(w http.ResponseWriter, r *http.Request) {
	var req wire.TaskActionRequest
	if err := readJSON(w, r, maxBody, &req); err != nil {
		writeError(w, s.log, err)
		return
	}
	tasks, err := s.m.TaskActions(actor(r), req.Action, req.TaskIDs)
	s.answer(w, http.StatusOK, wire.TaskList{Tasks: tasks}, err)
}

func (s *Server) getTask(w http.ResponseWriter, r *http.Request) {
	task, err := s.m.Task(chi.URLParam(r, "task_id"))
	s.answer(w, http.StatusOK, task, err)
}

func (s *Server) getTaskLog(w http.ResponseWriter, r *http.Request) {
	log, err := s.m.TaskLog(chi.URLParam(r, "task_id"))
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	defer log.Close()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	// The status is out once the copy starts: a failure can only be logged
	// (a read error is ours; a write error means the client has gone).
	if _, err := io.Copy(w, log); err != nil {
		s.log.Warn("sending a task log", "task", chi.URLParam(r, "task_id"), "err", err)
	}
}

// maxTailLines bounds a tail request; the full log has its own route.
const maxTailLines = 10000

func (s *Server) getTaskLogTail(w http.ResponseWriter, r *http.Request) {
	n := 100
	if q := r.URL.Query().Get("lines"); q != "" {
		v, err := strconv.Atoi(q)
		if err != nil || v < 1 || v > maxTailLines {
			writeError(w, s.log, fmt.Errorf("%w: lines must be a number from 1 to %d, not %q", manager.ErrInvalid, maxTailLines, q))
			return
		}
		n = v
	}
	tail, err := s.m.TaskLogTail(chi.URLParam(r, "task_id"), n)
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	writeBody(w, []byte(tail))
}

func (s *Server) getJobBlocklist(w http.ResponseWriter, r *http.Request) {
	job, err := s.m.Job(chi.URLParam(r, "job_id"))
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	list := job.Blocklist
	if list == nil {
		list = []model.BlockEntry{}
	}
	writeJSON(w, http.StatusOK, wire.Blocklist{Blocklist: list})
}

func (s *Server) clearJobBlocklist(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	job, err := s.m.ClearBlocklist(actor(r), chi.URLParam(r, "job_id"), q.Get("worker_id"), q.Get("task_type"))
	s.answer(w, http.StatusOK, job, err)
}

func (s *Server) getTaskWhy(w http.ResponseWriter, r *http.Request) {
	why, err := s.m.Why(chi.URLParam(r, "task_id"))
	s.answer(w, http.StatusOK, why, err)
}

func (s *Server) updateJob(w http.ResponseWriter, r *http.Request) {
	var req wire.JobChange
	if err := readJSON(w, r, maxBody, &req); err != nil {
		writeError(w, s.log, err)
		return
	}
	id := chi.URLParam(r, "job_id")
	var job *model.Job
	var err error
	if req.PythonOverrides != nil {
		job, err = s.m.SetPythonOverrides(actor(r), id, *req.PythonOverrides)
	} else {
		job, err = s.m.Job(id) // nothing to change
	}
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, job)
}

func (s *Server) getJobLastRendered(w http.ResponseWriter, r *http.Request) {
	size := r.URL.Query().Get("size")
	if size == "" {
		size = "full"
	}
	path, err := s.m.RenderedPath(chi.URLParam(r, "job_id"), size)
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Cache-Control", "no-cache") // it changes with every frame
	http.ServeFile(w, r, path)
}

func (s *Server) getLastRendered(w http.ResponseWriter, r *http.Request) {
	img, err := s.m.LatestRendered()
	s.answer(w, http.StatusOK, img, err)
}
