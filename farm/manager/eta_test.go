package manager

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"farmhand/farm/model"
)

// renderJob submits simple-blender-render for frames 1-8 in chunks of 2:
// four render tasks of 2 frames each (type blender), then a video task.
func renderJob(t *testing.T, m *Manager) *model.Job {
	t.Helper()
	j, err := m.Submit(Submission{Name: "sh010", Type: "simple-blender-render", SubmitterPlatform: "linux",
		Settings: map[string]any{"frames": "1-8", "chunk_size": 2.0, "blendfile": "/mnt/shots/scene.blend",
			"render_output_root": "/mnt/renders", "format": "PNG", "fps": 24.0}})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func complete(t *testing.T, m *Manager, workerID, taskID string) {
	t.Helper()
	if _, err := m.UpdateTask(workerID, taskID, TaskUpdate{Status: model.ReportCompleted}); err != nil {
		t.Fatal(err)
	}
}

// Two workers render 2-frame tasks in 6 and 10 minutes: 180 and 300 seconds
// per frame. The median is 240 s, the quartiles 210 and 270 s; 4 frames are
// left, and 2 workers can run them: 4 × 240 ÷ 2 = 480 s. Two more workers
// halve it; one without the blender task type, one asleep and one lacking the
// job's tag do not count.
func TestETAFromKnownTaskDurations(t *testing.T) {
	m, c := openWithClock(t, time.Hour)
	j := renderJob(t, m)
	w1 := register(t, m, "w1", "blender", "ffmpeg")
	w2 := register(t, m, "w2", "blender", "ffmpeg")
	register(t, m, "misc-only", "misc")
	a1 := mustSchedule(t, m, w1.ID)
	a2 := mustSchedule(t, m, w2.ID)

	// Before a first completion the frames are counted and the ETA is unknown.
	e := mustJob(t, m, j.ID).ETA
	if e == nil || e.Known || e.FramesTotal != 8 || e.FramesDone != 0 || e.FramesLeft != 8 || e.Unit != model.UnitFrame ||
		e.TaskType != "blender" || e.Workers != 2 || e.Reason != "no task has completed yet" {
		t.Fatalf("ETA before a first completion: %+v", e)
	}
	if got := e.Summary(c.Now()); got != "0 of 8 frames · ETA unknown" {
		t.Errorf("summary %q", got)
	}

	c.advance(6 * time.Minute)
	complete(t, m, w1.ID, a1.Task.ID)
	first := mustJob(t, m, j.ID)
	if first.ETA.FramesDone != 2 || !first.ETA.Known || first.ETA.SecondsLeft != 6*180.0/2 {
		t.Errorf("after one task: %+v", first.ETA)
	}
	c.advance(4 * time.Minute)
	complete(t, m, w2.ID, a2.Task.ID)

	got := mustJob(t, m, j.ID)
	tpf := got.TimePerFrame
	if tpf == nil || tpf.Unit != model.UnitFrame || tpf.Tasks != 2 || tpf.MedianSeconds != 240 || tpf.LowSeconds != 210 ||
		tpf.HighSeconds != 270 || mustJSON(tpf.Recent) != "[180,300]" {
		t.Fatalf("time per frame %s", mustJSON(tpf))
	}
	if len(tpf.Workers) != 2 || tpf.Workers[0].WorkerName != "w1" || tpf.Workers[0].MedianSeconds != 180 ||
		tpf.Workers[0].Frames != 2 || tpf.Workers[1].WorkerName != "w2" || tpf.Workers[1].MedianSeconds != 300 ||
		tpf.Workers[1].Tasks != 1 {
		t.Errorf("per worker %s", mustJSON(tpf.Workers))
	}
	e = got.ETA
	now := c.Now()
	if !e.Known || e.FramesDone != 4 || e.FramesLeft != 4 || e.Workers != 2 || e.SecondsLeft != 480 ||
		!e.Finish.Equal(now.Add(8*time.Minute)) || !e.AsOf.Equal(now) {
		t.Fatalf("ETA %s", mustJSON(e))
	}
	if s := e.Summary(now); s != "4 of 8 frames · ~8 min left" {
		t.Errorf("summary %q", s)
	}
	if s := tpf.Summary(); s != "4m0s per frame (3m30s–4m30s)" {
		t.Errorf("time per frame summary %q", s)
	}
	// The job's JSON carries both, as the API and the add-on get it.
	var wire map[string]json.RawMessage
	if err := json.Unmarshal([]byte(mustJSON(got)), &wire); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(wire["eta"]), `"seconds_left":480`) || !strings.Contains(string(wire["time_per_frame"]), `"median_seconds":240`) {
		t.Errorf("job JSON eta %s time_per_frame %s", wire["eta"], wire["time_per_frame"])
	}

	// More workers that can run the job: the ETA falls at the job's next change.
	w3 := register(t, m, "w3", "blender")
	register(t, m, "w4", "blender")
	sleepy := register(t, m, "sleepy", "blender")
	if _, err := m.WorkerAction(sleepy.ID, model.WorkerSleep, true); err != nil {
		t.Fatal(err)
	}
	a3 := mustSchedule(t, m, w3.ID)
	e = mustJob(t, m, j.ID).ETA
	if !e.Known || e.Workers != 4 || e.SecondsLeft != 240 || e.Summary(c.Now()) != "4 of 8 frames · ~4 min left" {
		t.Errorf("with 4 workers: %s", mustJSON(e))
	}
	// A frame rendered changes the job but not the estimate: the finish
	// stays, and the time left counts down.
	c.advance(30 * time.Second)
	one := 1
	if _, err := m.UpdateTask(w3.ID, a3.Task.ID, TaskUpdate{StepsCompleted: &one}); err != nil {
		t.Fatal(err)
	}
	if after := mustJob(t, m, j.ID).ETA; !after.Finish.Equal(e.Finish) || !after.AsOf.Equal(e.AsOf) ||
		after.Summary(c.Now()) != "4 of 8 frames · ~4 min left" {
		t.Errorf("after a frame rendered: %s, before %s", mustJSON(after), mustJSON(e))
	}
	if left, _ := mustJob(t, m, j.ID).ETA.Left(c.Now()); left != 210*time.Second {
		t.Errorf("left %v, want 3m30s", left)
	}

	// A requeued completed task takes its frames back; its time stays known.
	if _, err := m.TaskAction(model.TaskRequeue, []string{a1.Task.ID}); err != nil {
		t.Fatal(err)
	}
	e = mustJob(t, m, j.ID).ETA
	if e.FramesDone != 2 || e.FramesLeft != 6 || e.SecondsLeft != 6*240.0/4 {
		t.Errorf("after a requeue: %s", mustJSON(e))
	}
	c.advance(30 * time.Second)
	complete(t, m, w3.ID, a3.Task.ID) // 30 s per frame: samples 180, 300, 30
	if tpf := mustJob(t, m, j.ID).TimePerFrame; tpf.MedianSeconds != 180 || tpf.Tasks != 3 || len(tpf.Workers) != 3 {
		t.Errorf("third sample: %s", mustJSON(tpf))
	}
}

// The ETA is unknown while no worker can run the job, and says so.
func TestETAUnknownWithoutAbleWorkers(t *testing.T) {
	m, c := openWithClock(t, time.Hour)
	j := renderJob(t, m)
	w := register(t, m, "w1", "blender", "ffmpeg")
	a := mustSchedule(t, m, w.ID)
	c.advance(2 * time.Minute)
	complete(t, m, w.ID, a.Task.ID)
	if e := mustJob(t, m, j.ID).ETA; !e.Known || e.SecondsLeft != 6*60 {
		t.Fatalf("one worker at 60 s per frame: %s", mustJSON(e))
	}
	if _, err := m.WorkerAction(w.ID, model.WorkerSleep, true); err != nil {
		t.Fatal(err)
	}
	// A job change after the worker went to sleep: the priority.
	if _, err := m.JobAction(j.ID, model.JobSetPriority, 60); err != nil {
		t.Fatal(err)
	}
	e := mustJob(t, m, j.ID).ETA
	if e.Known || e.Workers != 0 || e.Reason != "no worker can run its blender tasks now" || e.FramesLeft != 6 {
		t.Errorf("no able worker: %s", mustJSON(e))
	}
}

// A job whose tasks render no frames counts tasks: echo-sleep-test's.
func TestETACountsTasksOfJobsWithoutFrames(t *testing.T) {
	m, c := openWithClock(t, time.Hour)
	j := submit(t, m, "1-3")
	w := register(t, m, "w1")
	a := mustSchedule(t, m, w.ID)
	c.advance(90 * time.Second)
	complete(t, m, w.ID, a.Task.ID)
	got := mustJob(t, m, j.ID)
	e := got.ETA
	if e.Unit != model.UnitTask || e.FramesTotal != 3 || e.FramesDone != 1 || e.TaskType != "misc" || e.SecondsLeft != 180 {
		t.Fatalf("ETA %s", mustJSON(e))
	}
	if s := e.Summary(c.Now()); s != "1 of 3 tasks · ~3 min left" {
		t.Errorf("summary %q", s)
	}
	if s := got.TimePerFrame.Summary(); s != "1m30s per task (1m30s–1m30s)" {
		t.Errorf("time per task %q", s)
	}
	for range 2 {
		a := mustSchedule(t, m, w.ID)
		complete(t, m, w.ID, a.Task.ID)
	}
	done := mustJob(t, m, j.ID)
	if done.Status != model.JobCompleted || !done.ETA.Known || done.ETA.FramesLeft != 0 || done.ETA.Summary(c.Now()) != "3 of 3 tasks" {
		t.Errorf("completed job: %s %s", done.Status, mustJSON(done.ETA))
	}
}

// A worker blocklisted from the job's frame tasks does not count.
func TestETALeavesOutBlocklistedWorkers(t *testing.T) {
	m, c := openWithClock(t, time.Hour)
	j := renderJob(t, m)
	good := register(t, m, "good", "blender")
	bad := register(t, m, "bad", "blender")
	a := mustSchedule(t, m, good.ID)
	c.advance(4 * time.Minute)
	complete(t, m, good.ID, a.Task.ID)
	if e := mustJob(t, m, j.ID).ETA; e.Workers != 2 || e.SecondsLeft != 6*120.0/2 {
		t.Fatalf("two workers: %s", mustJSON(e))
	}
	for range model.DefaultBlocklistThreshold {
		b := mustSchedule(t, m, bad.ID)
		if _, err := m.UpdateTask(bad.ID, b.Task.ID, TaskUpdate{Status: model.ReportFailed, Activity: "crash"}); err != nil {
			t.Fatal(err)
		}
	}
	if j := mustJob(t, m, j.ID); !j.Blocked(bad.ID, "blender") || j.ETA.Workers != 1 || j.ETA.SecondsLeft != 6*120 {
		t.Errorf("blocklisted worker counted: blocked %v, %s", j.Blocked(bad.ID, "blender"), mustJSON(j.ETA))
	}
}

// What Submit can store with a new job: its frames, counted from the tasks'
// blender-render commands, and why its time left is not known yet.
func TestSetNewETA(t *testing.T) {
	render := func(frames int) []model.Command {
		return []model.Command{{Name: "blender-render", TotalSteps: frames}}
	}
	created := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	tasks := []*model.Task{{Type: "blender", Commands: render(3)}, {Type: "blender", Commands: render(2)},
		{Type: "ffmpeg", Commands: []model.Command{{Name: "frames-to-video"}}}}
	j := &model.Job{Status: model.JobQueued, Created: created}
	setNewETA(j, tasks)
	want := model.ETA{Unit: model.UnitFrame, TaskType: "blender", FramesTotal: 5, FramesLeft: 5,
		Reason: "no task has completed yet", AsOf: created}
	if *j.ETA != want {
		t.Errorf("render job: %+v", j.ETA)
	}
	paused := &model.Job{Status: model.JobPaused, Created: created}
	setNewETA(paused, []*model.Task{{Type: "misc", Commands: []model.Command{{Name: "echo"}}}})
	want = model.ETA{Unit: model.UnitTask, TaskType: "misc", FramesTotal: 1, FramesLeft: 1, Reason: "the job is paused", AsOf: created}
	if *paused.ETA != want {
		t.Errorf("paused echo job: %+v", paused.ETA)
	}
}
