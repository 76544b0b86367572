package main

import (
	"fmt"
	"log/slog"
	"os"
	"time"

	"farmhand/farm/jobtype"
	"farmhand/farm/manager"
	"farmhand/farm/model"
)

// Schema 5 (commit 132fd75): the farm's settings are in the database, with
// the audit log; the last build before the blobs and jobfiles buckets.
func main() {
	dir := os.Args[1]
	m, err := manager.Open(manager.Config{DataDir: dir, JobTypes: jobtype.Builtin(), WorkerTimeout: time.Hour,
		MaxTaskFailures: 3, FailThreshold: 0.5, Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))})
	must(err)
	shot10, err := m.Submit(manager.Submission{Name: "shot 010", Type: "echo-sleep-test", Submitter: "ana",
		Settings: map[string]any{"frames": "1-4", "chunk_size": 1, "sleep_seconds": 0.0, "message": "hello"}})
	must(err)
	shot20, err := m.Submit(manager.Submission{Name: "shot 020", Type: "echo-sleep-test", Submitter: "ben",
		Settings: map[string]any{"frames": "1-2", "chunk_size": 1, "sleep_seconds": 0.0, "message": "bye"}})
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
	_, err = m.SignOn(w2.ID, manager.WorkerInfo{Name: "render-02", Platform: "windows", Version: "0.1.0-dev"})
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
	man := manifest{Schema: 5, Commit: "132fd75", FarmID: m.ID()}
	for _, id := range []string{shot10.ID, shot20.ID} {
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
