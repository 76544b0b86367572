package manager

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"farmhand/farm/model"
	"farmhand/internal/farmtest"
)

// blenderJob submits simple-blender-render from a Windows workstation with
// paths on the studio's P: drive.
func blenderJob(t *testing.T, m *Manager, platform string) *model.Job {
	t.Helper()
	j, err := m.Submit(Submission{Name: "sh010", Type: "simple-blender-render", SubmitterPlatform: platform,
		Settings: map[string]any{
			"frames": "1-2", "chunk_size": 2.0, "blendfile": `P:\shots\scene.blend`, "render_output_root": `p:/renders`,
			"format": "PNG", "fps": 24.0,
		}})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func setProjects(t *testing.T, m *Manager) {
	t.Helper()
	if _, err := m.PutVariable(model.Variable{Name: "projects", Values: map[string]string{
		model.PlatformWindows: `P:\`, model.PlatformLinux: "/mnt/projects"}}); err != nil {
		t.Fatal(err)
	}
}

// commandText is a task's commands as a worker of that platform gets them.
func commandText(t *testing.T, m *Manager, platform string) (string, *model.Task) {
	t.Helper()
	w := register(t, m, "on-"+platform, "blender", "ffmpeg")
	if platform != "linux" {
		mustWorkerPlatform(t, m, w.ID, platform)
	}
	a, err := m.Schedule(w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a == nil {
		return "", nil
	}
	b, _ := json.Marshal(a.Task.Commands)
	return string(b), a.Task
}

func mustWorkerPlatform(t *testing.T, m *Manager, id, platform string) {
	t.Helper()
	w, err := m.Worker(id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.SignOn(id, WorkerInfo{Name: w.Name, Platform: platform, Version: "test", TaskTypes: w.TaskTypes}); err != nil {
		t.Fatal(err)
	}
}

// Case 08: a Windows submitter's P:\ paths are stored as {projects}/… and
// reach a Linux worker as /mnt/projects/…, a Windows worker as P:\….
func TestTwoWayPathVariables(t *testing.T) {
	m := openManager(t)
	setProjects(t, m)
	j := blenderJob(t, m, "windows")
	if got := j.Settings["blendfile"]; got != "{projects}/shots/scene.blend" {
		t.Fatalf("stored blendfile %q", got)
	}
	linux, task := commandText(t, m, "linux")
	if task == nil || !strings.Contains(linux, "/mnt/projects/shots/scene.blend") || !strings.Contains(linux, "/mnt/projects/renders/sh010/") ||
		strings.Contains(linux, "{projects}") || strings.Contains(linux, `P:`) {
		t.Fatalf("a linux worker got %s", linux)
	}
	// The same task, given back, reaches a Windows worker in its own form.
	if _, err := m.UpdateTask(task.WorkerID, task.ID, TaskUpdate{Status: model.ReportStopped}); err != nil {
		t.Fatal(err)
	}
	windows, _ := commandText(t, m, "windows")
	if !strings.Contains(windows, `"blendfile":"P:\\shots\\scene.blend"`) {
		t.Fatalf("a windows worker got %s", windows)
	}
}

// A worker of a platform the variable has no value for cannot run the task:
// it fails there, naming the variable and the platform, and waits for others.
func TestVariableWithoutValueFailsOnThatWorker(t *testing.T) {
	m := openManager(t)
	setProjects(t, m)
	j := blenderJob(t, m, "windows")
	register(t, m, "spare", "blender") // so that one failure is not the last worker
	text, task := commandText(t, m, "darwin")
	if task != nil {
		t.Fatalf("a darwin worker got the task: %s", text)
	}
	tasks, err := m.Tasks(j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := tasks[0]; got.Status != model.TaskSoftFailed || !strings.Contains(got.Activity, "projects") || !strings.Contains(got.Activity, "darwin") {
		t.Fatalf("task %s: %q", got.Status, got.Activity)
	}
}

// Without a platform, or from a submitter on another platform, a path is
// read as its form says (case 08: a Windows path typed on Linux, or sent by
// a client that names no platform, reaches Linux workers in their form); a
// bad platform is refused.
func TestSubmitterPlatformIsOptionalAndChecked(t *testing.T) {
	m := openManager(t)
	setProjects(t, m)
	for _, from := range []string{"", "linux", "darwin"} {
		if j := blenderJob(t, m, from); j.Settings["blendfile"] != "{projects}/shots/scene.blend" {
			t.Errorf("platform %q: a Windows path stays %q", from, j.Settings["blendfile"])
		}
	}
	_, err := m.Submit(Submission{Name: "x", Type: "echo-sleep-test", SubmitterPlatform: "amiga",
		Settings: map[string]any{"frames": "1"}})
	if err == nil || !strings.Contains(err.Error(), "submitter_platform") {
		t.Errorf("unknown platform: %v", err)
	}
}

// The "renders" storage location gives render_output_root when a job leaves
// it blank, and a .blend outside every storage location is warned about.
func TestStorageLocations(t *testing.T) {
	m := openManager(t)
	if _, err := m.PutVariable(model.Variable{Name: "renders", Storage: true, Values: map[string]string{model.PlatformAll: "/srv/renders"}}); err != nil {
		t.Fatal(err)
	}
	j, err := m.Submit(Submission{Name: "sh020", Type: "simple-blender-render", SubmitterPlatform: "linux",
		Settings: map[string]any{"frames": "1", "blendfile": "/home/ann/sh020.blend", "render_output_root": "", "format": "PNG", "fps": 24.0}})
	if err != nil {
		t.Fatal(err)
	}
	if j.Settings["render_output_root"] != "{renders}" {
		t.Errorf("render_output_root %q", j.Settings["render_output_root"])
	}
	farmtest.Eventually(t, "the warning in the first task's log", 10*time.Second, func() bool {
		tail, _ := m.TaskLogTail(model.TaskID(j.ID, 0), 10)
		return strings.Contains(tail, "lies outside every storage location (renders)")
	})
}
