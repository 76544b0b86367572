package main

import (
	"fmt"
	"log"
	"log/slog"
	"os"
	"time"

	"farmhand/farm/jobtype"
	"farmhand/farm/manager"
	"farmhand/farm/model"
)

// Schema 6 (commit 1d75656): upload jobs' manifests and the blobs' reference
// counts; the last build whose job step counts included failed tasks' steps.
// Besides what schema 5's program makes, shot 030 fails: render-02 reports
// one of its task's two steps done, then the task failed (one failure fails
// a task on this farm), which this build left counted in the job's steps.
func main() {
	dir := os.Args[1]
	m, err := manager.Open(manager.Config{DataDir: dir, JobTypes: jobtype.Builtin(), WorkerTimeout: time.Hour,
		MaxTaskFailures: 1, FailThreshold: 0.5, Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))})
	must(err)
	shot10, err := m.Submit(manager.Submission{Name: "shot 010", Type: "echo-sleep-test", Submitter: "ana",
		Settings: map[string]any{"frames": "1-4", "chunk_size": 1, "sleep_seconds": 0.0, "message": "hello"}})
	must(err)
	shot20, err := m.Submit(manager.Submission{Name: "shot 020", Type: "echo-sleep-test", Submitter: "ben",
		Settings: map[string]any{"frames": "1-2", "chunk_size": 1, "sleep_seconds": 0.0, "message": "bye"}})
	must(err)
	urgent := 80
	shot30, err := m.Submit(manager.Submission{Name: "shot 030", Type: "echo-sleep-test", Submitter: "ana", Priority: &urgent,
		Settings: map[string]any{"frames": "1", "chunk_size": 1, "sleep_seconds": 0.0, "message": "crash"}})
	must(err)
	code, err := m.JoinCode()
	must(err)
	w, _, err := m.Join(manager.JoinRequest{Name: "render-01", Platform: "linux", Wants: model.RoleWorker, Code: code})
	must(err)
	info := manager.WorkerInfo{Name: "render-01", Platform: "linux", Version: "0.1.0-dev", TaskTypes: []string{"misc"}}
	_, err = m.SignOn(w.ID, info)
	must(err)
	w2, _, err := m.Join(manager.JoinRequest{Name: "render-02", Platform: "windows", Wants: model.RoleWorker, Code: code})
	must(err)
	_, err = m.SignOn(w2.ID, manager.WorkerInfo{Name: "render-02", Platform: "windows", Version: "0.1.0-dev", TaskTypes: []string{"misc"}})
	must(err)
	// render-02 takes shot 030's task first (its priority is higher) and fails it.
	a, err := m.Schedule(w2.ID)
	must(err)
	if a == nil || a.Task.JobID != shot30.ID {
		log.Fatalf("render-02 was given %+v, want shot 030's task", a)
	}
	one := 1
	_, err = m.UpdateTask(w2.ID, a.Task.ID, manager.TaskUpdate{Status: model.ReportActive, StepsCompleted: &one,
		Log: "task " + a.Task.Name + ": first step done"})
	must(err)
	_, err = m.UpdateTask(w2.ID, a.Task.ID, manager.TaskUpdate{Status: model.ReportFailed, Activity: "blender crashed"})
	must(err)
	ana, _, err := m.Join(manager.JoinRequest{Name: "ana-workstation", Platform: "linux", Wants: model.RoleArtist})
	must(err)
	_, err = m.Approve(ana.ID, model.RoleArtist)
	must(err)
	_, _, err = m.Join(manager.JoinRequest{Name: "ben-laptop", Platform: "darwin", Wants: model.RoleArtist})
	must(err)
	// Three tasks of shot 010 run: two complete, the third stays active.
	for i := range 3 {
		a, err := m.Schedule(w.ID)
		must(err)
		_, err = m.UpdateTask(w.ID, a.Task.ID, manager.TaskUpdate{Status: model.ReportActive, Log: fmt.Sprintf("task %s: starting", a.Task.Name)})
		must(err)
		if i < 2 {
			steps := 2
			_, err = m.UpdateTask(w.ID, a.Task.ID, manager.TaskUpdate{Status: model.ReportCompleted, StepsCompleted: &steps,
				Log: fmt.Sprintf("task %s: hello\ntask %s: done", a.Task.Name, a.Task.Name)})
			must(err)
		}
	}
	_, err = m.JobAction(shot20.ID, model.JobCancel, 0)
	must(err)
	man := manifest{Schema: 6, Commit: "1d75656", FarmID: m.ID()}
	for _, id := range []string{shot10.ID, shot20.ID, shot30.ID} {
		j, err := m.Job(id)
		must(err)
		rec := jobRec{ID: j.ID, Name: j.Name, Type: j.Type, Status: string(j.Status)}
		tasks, err := m.Tasks(id)
		must(err)
		for _, t := range tasks {
			rec.Tasks = append(rec.Tasks, taskRec{Index: t.Index, Name: t.Name, Status: string(t.Status), Log: readAll(m.TaskLog(t.ID))})
		}
		man.Jobs = append(man.Jobs, rec)
	}
	ws, err := m.Workers()
	must(err)
	for _, w := range ws {
		man.Workers = append(man.Workers, workerRec{ID: w.ID, Name: w.Name, Platform: w.Platform})
	}
	ms, err := m.Members("")
	must(err)
	for _, mb := range ms {
		man.Members = append(man.Members, memberRec{ID: mb.ID, Name: mb.Name, Role: string(mb.Role), Status: string(mb.Status)})
	}
	must(m.Close())
	writeManifest(dir, man)
}
