package ui

import (
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"farmhand/farm/api/wire"
	"farmhand/farm/model"
)

// TestNotifications: a job I submitted that completes or fails is announced
// once; others' jobs and repeated events are not.
func TestNotifications(t *testing.T) {
	u := newTestUI(t, nil)
	u.setMe(&model.Member{ID: "m-mira", Name: "mira", Role: model.RoleArtist})
	jobs := farmJobs()
	jobs[1].SubmitterID = "m-mira" // shot 020 comp, active
	jobs[5].SubmitterID = "m-other"
	u.jobs.setAll(jobs)

	next := func(j *model.Job, s model.JobStatus) *model.Job {
		c := *j
		c.Status, c.Updated = s, c.Updated.Add(time.Minute)
		return &c
	}
	done := next(jobs[1], model.JobCompleted)
	test.AssertNotificationSent(t, fyne.NewNotification("Job completed: shot 020 comp", "All 40 tasks done."), func() {
		u.applyEvents([]model.Event{{Type: model.EventJob, Job: done}})
	})
	test.AssertNotificationSent(t, nil, func() {
		u.applyEvents([]model.Event{{Type: model.EventJob, Job: next(done, model.JobCompleted)}})
	})
	test.AssertNotificationSent(t, nil, func() {
		u.applyEvents([]model.Event{{Type: model.EventJob, Job: next(jobs[5], model.JobFailed)}})
	})
	failed := next(done, model.JobFailed)
	failed.StatusReason = "3 tasks failed on every worker"
	test.AssertNotificationSent(t, fyne.NewNotification("Job failed: shot 020 comp", "3 tasks failed on every worker"), func() {
		u.applyEvents([]model.Event{{Type: model.EventJob, Job: failed}})
	})
}

func TestOutputFolder(t *testing.T) {
	u := newTestUI(t, nil)
	root := t.TempDir()
	shot := filepath.Join(root, "sh010", "2026-11-27_1500")
	if err := os.MkdirAll(shot, 0o755); err != nil {
		t.Fatal(err)
	}
	var opened []string
	saved := openFolder
	openFolder = func(dir string) error { opened = append(opened, dir); return nil }
	t.Cleanup(func() { openFolder = saved })

	j := job(2, "shot 020 comp", model.JobActive, 1, 4, 10)
	j.Settings = map[string]any{"render_output_root": root, "render_output_path": filepath.Join(shot, "######")}
	u.jobs.setAll([]*model.Job{j})
	u.jobs.selectJob(j.ID)
	out := u.panel.output
	if out.dir != shot || !out.open.Visible() {
		t.Fatalf("folder %q (button shown %v), want %q", out.dir, out.open.Visible(), shot)
	}
	test.Tap(out.open)
	if len(opened) != 1 || opened[0] != shot {
		t.Errorf("opened %q", opened)
	}

	// A path that is not on this computer, or a job without one: no button.
	j2 := job(3, "elsewhere", model.JobActive, 1, 4, 5)
	j2.Settings = map[string]any{"render_output_path": "/nonexistent/render/######"}
	if got := outputFolder(j2); got != "" {
		t.Errorf("a missing folder offered: %q", got)
	}
	u.jobs.setAll([]*model.Job{j, j2})
	u.jobs.selectJob(j2.ID)
	if out.open.Visible() {
		t.Error("the button shows for a folder this computer cannot reach")
	}
}

// TestOutputFolderFollowsTheJob checks that a job opened before its first
// frame, when only the root of all renders exists, offers its own folder
// once the folder is written, not the root for as long as it stays open.
func TestOutputFolderFollowsTheJob(t *testing.T) {
	u := newTestUI(t, nil)
	root := t.TempDir()
	shot := filepath.Join(root, "sh010", "2026-11-27_1500")
	j := job(2, "shot 020 comp", model.JobActive, 0, 4, 10)
	j.Settings = map[string]any{"render_output_root": root, "render_output_path": filepath.Join(shot, "######")}
	u.jobs.setAll([]*model.Job{j})
	u.jobs.selectJob(j.ID)
	out := u.panel.output
	if out.dir != root {
		t.Fatalf("before the first frame: folder %q, want the root %q", out.dir, root)
	}
	if err := os.MkdirAll(shot, 0o755); err != nil {
		t.Fatal(err)
	}
	done := *j
	done.StepsCompleted, done.Seq = 1, j.Seq+1
	u.applyEvents([]model.Event{{Type: model.EventJob, Job: &done}})
	if out.dir != shot || out.folder.Text != shot {
		t.Errorf("after the first frame: folder %q (label %q), want %q", out.dir, out.folder.Text, shot)
	}
}

func TestPythonOverrides(t *testing.T) {
	u := newTestUI(t, nil)
	j := job(2, "shot 020 comp", model.JobActive, 1, 4, 10)
	j.PythonOverrides = "import bpy"
	u.jobs.setAll([]*model.Job{j})
	u.jobs.selectJob(j.ID)
	o := u.panel.overrides
	if o.entry.Text != "import bpy" || !o.save.Disabled() {
		t.Fatalf("loaded %q, save enabled %v", o.entry.Text, !o.save.Disabled())
	}
	if o.requeue.Visible() {
		t.Error("an active job cannot be requeued: no Save and requeue")
	}
	o.entry.SetText("import bpy\nbpy.context.scene.cycles.samples = 16")
	if o.save.Disabled() {
		t.Error("an edit must enable Save")
	}
	// A job event while editing keeps the edit, and shows the requeue button
	// once the job allows it.
	c := *j
	c.Status, c.AllowedActions, c.Updated = model.JobCompleted, model.AllowedJobActions(model.JobCompleted), j.Updated.Add(time.Minute)
	u.applyEvents([]model.Event{{Type: model.EventJob, Job: &c}})
	if o.entry.Text != "import bpy\nbpy.context.scene.cycles.samples = 16" {
		t.Errorf("the edit was lost: %q", o.entry.Text)
	}
	if !o.requeue.Visible() {
		t.Error("a completed job can be requeued")
	}
}

func TestSettingsView(t *testing.T) {
	u := newTestUI(t, nil)
	w := test.NewTempWindow(t, u.settings.object())
	w.Resize(fyne.NewSize(900, 640))
	u.setMe(admin)
	u.settings.showCode("KX7-P2Q")
	u.settings.list = &wire.JobTypeList{
		JobTypes: []wire.JobType{
			{Name: "simple-blender-render", Label: "Simple Blender Render", Source: "built-in", Settings: make([]wire.JobSetting, 9)},
			{Name: "echo-sleep-test", Label: "Echo Sleep Test", Source: "customised", Settings: make([]wire.JobSetting, 3)},
			{Name: "studio-playblast", Label: "Studio Playblast", Source: "custom", Settings: make([]wire.JobSetting, 2)},
		},
		Problems: []wire.JobTypeProblem{{Name: "broken", File: "broken.js", Error: "SyntaxError: Unexpected token (3:4)"}},
	}
	u.settings.showTypes()
	test.AssertRendersToMarkup(t, "settings_view.xml", w.Canvas())
}

func TestLastRenderedView(t *testing.T) {
	u := newTestUI(t, nil)
	u.jobs.setAll(farmJobs())
	w := test.NewTempWindow(t, u.rendered.object())
	w.Resize(fyne.NewSize(600, 400))
	if !u.rendered.note.Visible() {
		t.Error("without a frame the view must say so")
	}
	img := image.NewRGBA(image.Rect(0, 0, 64, 36))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	img.Set(0, 0, color.White)
	r := &model.RenderedImage{JobID: "job-02", TaskID: "job-02.3", Width: 1920, Height: 1080, Updated: testNow}
	u.rendered.gen++
	u.rendered.show(u.rendered.gen, r, img, nil)
	if u.rendered.note.Visible() || u.rendered.title.Text != "shot 020 comp" {
		t.Errorf("title %q, note shown %v", u.rendered.title.Text, u.rendered.note.Visible())
	}
	if got := u.rendered.about.Text; got != "1920 × 1080 · rendered Fri 27 Nov 2026, 15:00:00" {
		t.Errorf("about %q", got)
	}
	// An answer to an older request is dropped.
	u.rendered.show(u.rendered.gen-1, &model.RenderedImage{JobID: "job-01"}, img, nil)
	if u.rendered.title.Text != "shot 020 comp" {
		t.Error("a stale answer replaced the newest frame")
	}
}

func TestSettingsShowsTheManagersConfig(t *testing.T) {
	u := newTestUI(t, nil)
	u.settings.showConfig(&wire.FarmConfig{DataDir: "/srv/farmhand", ScriptsDir: "/srv/farmhand/scripts",
		TaskTimeout: "10m0s", WorkerTimeout: "1m0s", MaxTaskFailures: 3, BlocklistThreshold: 3, FailThreshold: 0.1,
		ForgetWorkersAfter: "0s", MaxFileSize: 50 << 30, MaxJobSize: 200 << 30})
	var rows []string
	for _, it := range u.settings.config.Items {
		rows = append(rows, it.Text+": "+it.Widget.(*widget.Label).Text)
	}
	got := strings.Join(rows, "\n")
	for _, want := range []string{"Data folder: /srv/farmhand", "Job-type scripts: /srv/farmhand/scripts",
		"Task timeout: 10m0s", "Job fails: when more than 10%", "Forget workers: offline for never",
		"Uploads: at most 50 GiB a file, 200 GiB an upload job"} {
		if !strings.Contains(got, want) {
			t.Errorf("settings lack %q:\n%s", want, got)
		}
	}
}
