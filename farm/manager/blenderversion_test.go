package manager

import (
	"strings"
	"testing"

	"farmhand/farm/model"
)

// withBlenders records the Blenders a worker reported, as its sign-on does.
func withBlenders(t *testing.T, m *Manager, workerID string, versions ...string) {
	t.Helper()
	err := m.update(func(o *op) error {
		w, err := o.worker(workerID)
		if err != nil {
			return err
		}
		w.Blenders = nil
		for _, v := range versions {
			w.Blenders = append(w.Blenders, model.BlenderInstall{Path: "/opt/blender-" + v + "/blender", Version: v})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func versionJob(t *testing.T, m *Manager, name, version string) *model.Job {
	t.Helper()
	return versionJobAt(t, m, name, version, DefaultPriority)
}

func versionJobAt(t *testing.T, m *Manager, name, version string, prio int) *model.Job {
	t.Helper()
	settings := map[string]any{"frames": "1-2", "chunk_size": 1.0, "blendfile": "/mnt/shots/scene.blend",
		"render_output_root": "/mnt/renders", "format": "PNG", "fps": 24.0}
	if version != "" {
		settings[model.BlenderVersionSetting] = version
	}
	j, err := m.Submit(Submission{Name: name, Type: "simple-blender-render", SubmitterPlatform: "linux", Settings: settings, Priority: &prio})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// TestSchedulerMatchesBlenderVersions gives each worker, by the Blenders it
// reported, only the jobs whose blender_version it meets, and hands the
// requirement to the worker in the blender-render command.
func TestSchedulerMatchesBlenderVersions(t *testing.T) {
	for _, c := range []struct {
		name     string
		job      string   // the job's blender_version
		blenders []string // the worker's
		gets     bool
	}{
		{"no requirement, no Blender reported", "", nil, true},
		{"3.4 takes 3.4.1", "3.4", []string{"3.4.1"}, true},
		{"3.4 refuses 3.6.5", "3.4", []string{"3.6.5"}, false},
		{"3.4 finds it among several", "3.4", []string{"4.1.1", "3.4.0"}, true},
		{">=4.1 takes 4.2.0", ">=4.1", []string{"4.2.0"}, true},
		{">=4.1 takes 4.1.0", ">=4.1", []string{"4.1.0"}, true},
		{">=4.1 refuses 4.0.2", ">=4.1", []string{"4.0.2"}, false},
		{"a range", ">=3.6, <4.2", []string{"4.2.1", "3.6.9"}, true},
		{"a requirement, no Blender reported", "4.1", nil, false},
		{"exact 4.1.2 refuses 4.1.1", "4.1.2", []string{"4.1.1"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := openManager(t)
			w := register(t, m, "w", "blender", "ffmpeg", "misc")
			withBlenders(t, m, w.ID, c.blenders...)
			versionJob(t, m, "shot", c.job)
			a, err := m.Schedule(w.ID)
			if err != nil {
				t.Fatal(err)
			}
			if (a != nil) != c.gets {
				t.Fatalf("worker with Blenders %v, job asking %q: got task %v, want one: %v", c.blenders, c.job, a, c.gets)
			}
			if a == nil {
				return
			}
			got, has := a.Task.Commands[0].Parameters["blender_version"]
			if c.job == "" && has || c.job != "" && got != c.job {
				t.Errorf("the blender-render command carries blender_version %v (%v), want %q", got, has, c.job)
			}
		})
	}
}

// TestSchedulerPassesOverJobsItsBlenderLacks checks that a worker is not
// stuck behind a higher-priority job it cannot run: it gets the next job,
// and the passed-over job's tasks stay for a worker that has its Blender.
func TestSchedulerPassesOverJobsItsBlenderLacks(t *testing.T) {
	m := openManager(t)
	old := register(t, m, "old", "blender", "ffmpeg")
	recent := register(t, m, "recent", "blender", "ffmpeg")
	withBlenders(t, m, old.ID, "3.4.1")
	withBlenders(t, m, recent.ID, "4.2.0")
	needs42 := versionJobAt(t, m, "needs 4.2", "4.2", 90)
	any := versionJob(t, m, "any", "")
	if a := mustSchedule(t, m, old.ID); a.Job.ID != any.ID {
		t.Fatalf("the 3.4 worker got a task of %s, want one of %s", a.Job.Name, any.Name)
	}
	if a := mustSchedule(t, m, recent.ID); a.Job.ID != needs42.ID {
		t.Fatalf("the 4.2 worker got a task of %s, want one of %s (higher priority)", a.Job.Name, needs42.Name)
	}
}

// TestWhySaysNoWorkerHasTheBlender checks task why's messages: per worker
// which Blender it lacks, and for the farm that nobody has it.
func TestWhySaysNoWorkerHasTheBlender(t *testing.T) {
	m := openManager(t)
	w := register(t, m, "box", "blender", "ffmpeg")
	withBlenders(t, m, w.ID, "3.6.2", "4.0.1")
	j := versionJob(t, m, "shot", ">=4.1")
	r, err := m.Why(model.TaskID(j.ID, 0))
	if err != nil {
		t.Fatal(err)
	}
	var farm string
	for _, reason := range r.Reasons {
		if reason.Code == WhyNoWorkerBlender {
			farm = reason.Message
		}
	}
	if !strings.Contains(farm, "no worker has Blender >=4.1, which the job requires") {
		t.Errorf("farm reasons %+v; want one saying no worker has Blender >=4.1", r.Reasons)
	}
	if len(r.Workers) != 1 || r.Workers[0].WouldRun || len(r.Workers[0].Reasons) != 1 ||
		r.Workers[0].Reasons[0].Code != WhyLacksBlender ||
		r.Workers[0].Reasons[0].Message != "box has no Blender >=4.1, which the job requires (it has: 3.6.2, 4.0.1)" {
		t.Errorf("worker verdicts %+v", r.Workers)
	}
	// Once a worker has it, the farm-wide reason is gone and the worker would run it.
	withBlenders(t, m, w.ID, "4.1.0")
	if r, err = m.Why(model.TaskID(j.ID, 0)); err != nil || len(r.Reasons) != 0 || !r.Workers[0].WouldRun {
		t.Errorf("with Blender 4.1.0: %+v %v", r, err)
	}
	// A malformed requirement is said as such.
	bad := versionJob(t, m, "bad", "newest")
	if r, err = m.Why(model.TaskID(bad.ID, 0)); err != nil || r.Workers[0].Reasons[0].Code != WhyBadBlenderVersion ||
		!strings.Contains(r.Workers[0].Reasons[0].Message, `"newest" is not a version like 3.4`) {
		t.Errorf("with blender_version newest: %+v %v", r, err)
	}
}
