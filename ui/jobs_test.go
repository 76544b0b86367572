package ui

import (
	"slices"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"farmhand/farm/model"
)

func TestJobsTable(t *testing.T) {
	u := newTestUI(t, nil)
	w := test.NewTempWindow(t, u.jobs.object())
	w.Resize(fyne.NewSize(1100, 420))
	u.jobs.setAll(timedFarmJobs())

	want := []string{"shot 060 anim", "shot 050 layout", "shot 040 crowd", "shot 030 fx sim", "shot 020 comp", "shot 010 lighting", "turntable"}
	if got := rowNames(u.jobs.list, jobName); !slices.Equal(got, want) {
		t.Errorf("newest first: got %q", got)
	}
	if got := u.jobs.counts.Text; got != "7 jobs: 1 active, 1 queued, 1 paused, 1 failed, 1 canceled, 1 completed, 1 archived" {
		t.Errorf("counts: %q", got)
	}
	test.AssertRendersToMarkup(t, "jobs_view.xml", w.Canvas())
	test.AssertRendersToImage(t, "jobs_view.png", w.Canvas())

	// A click on a header sorts by it; a second click reverses.
	u.jobs.table.sort(3) // priority
	if got := u.jobs.list.Row(0).Name; got != "shot 010 lighting" {
		t.Errorf("lowest priority first: %q", got)
	}
	u.jobs.table.sort(3)
	if got := u.jobs.list.Row(0).Name; got != "turntable" {
		t.Errorf("highest priority first: %q", got)
	}
}

func TestJobFilters(t *testing.T) {
	u := newTestUI(t, nil)
	w := test.NewTempWindow(t, u.jobs.object())
	w.Resize(fyne.NewSize(1100, 420))
	u.jobs.setAll(farmJobs())

	for _, tc := range []struct {
		name   string
		chips  []string // groups turned on
		text   string
		expect []string
	}{
		{"no filter", nil, "", []string{"shot 060 anim", "shot 050 layout", "shot 040 crowd", "shot 030 fx sim", "shot 020 comp", "shot 010 lighting", "turntable"}},
		{"failed chip", []string{"failed"}, "", []string{"shot 040 crowd"}},
		{"two chips", []string{"active", "paused"}, "", []string{"shot 030 fx sim", "shot 020 comp"}},
		{"text", nil, "SHOT 0", []string{"shot 060 anim", "shot 050 layout", "shot 040 crowd", "shot 030 fx sim", "shot 020 comp", "shot 010 lighting"}},
		{"chip and text", []string{"completed", "archived"}, "turn", []string{"turntable"}},
		{"nothing matches", []string{"queued"}, "crowd", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, c := range tc.chips {
				tapChip(t, u, c)
			}
			test.Type(u.jobs.search, tc.text)
			if got := rowNames(u.jobs.list, jobName); !slices.Equal(got, tc.expect) {
				t.Errorf("rows %q, want %q", got, tc.expect)
			}
			if tc.name == "two chips" {
				test.AssertRendersToMarkup(t, "jobs_filtered.xml", w.Canvas())
			}
			if tc.expect == nil && !u.jobs.empty.Visible() {
				t.Error("an empty result must say that nothing matches")
			}
			for _, c := range tc.chips {
				tapChip(t, u, c) // off again
			}
			u.jobs.search.SetText("")
		})
	}
}

func tapChip(t *testing.T, u *UI, group string) {
	t.Helper()
	for i, g := range jobGroups {
		if g.name == group {
			test.Tap(u.jobs.chips[i])
			return
		}
	}
	t.Fatalf("no chip %q", group)
}

// TestJobActionButtons checks that exactly the actions the manager allows
// for the selection show, in every status.
func TestJobActionButtons(t *testing.T) {
	u := newTestUI(t, nil)
	for i, s := range model.JobStatuses {
		t.Run(string(s), func(t *testing.T) {
			j := job(i, "job", s, 0, 1, 1)
			u.jobs.setAll([]*model.Job{j})
			u.jobs.table.apply(u.jobs.list.click(0, clickOne))
			u.jobs.selectionChanged()
			var want []model.JobAction
			for _, spec := range jobActionSpecs {
				if slices.Contains(model.AllowedJobActions(s), spec.action) {
					want = append(want, spec.action)
				}
			}
			if got := u.jobs.actions.visibleActions(); !slices.Equal(got, want) {
				t.Errorf("buttons %v, want %v", got, want)
			}
		})
	}
}

func TestJobActionButtonsForSeveralJobs(t *testing.T) {
	u := newTestUI(t, nil)
	w := test.NewTempWindow(t, u.jobs.actions.bar)
	w.Resize(fyne.NewSize(940, 60))
	u.jobs.setAll(farmJobs())
	// The active and the paused job: cancel and set-priority apply to both,
	// pause only to the active one, resume, requeue, archive and delete only
	// to the paused one.
	u.jobs.list.selectIDs("job-02", "job-03")
	u.jobs.selectionChanged()
	want := []model.JobAction{model.JobPause, model.JobResume, model.JobCancel, model.JobRequeue,
		model.JobSetPriority, model.JobArchive, model.JobDelete}
	if got := u.jobs.actions.visibleActions(); !slices.Equal(got, want) {
		t.Errorf("buttons %v, want %v", got, want)
	}
	test.AssertRendersToMarkup(t, "job_actions_two.xml", w.Canvas())

	u.jobs.list.clearSelection()
	u.jobs.selectionChanged()
	if got := u.jobs.actions.visibleActions(); len(got) != 0 {
		t.Errorf("no selection, yet buttons %v", got)
	}
}

// TestJobEventsUpdateRows applies job events as the live stream would.
func TestJobEventsUpdateRows(t *testing.T) {
	u := newTestUI(t, nil)
	u.jobs.setAll(farmJobs())
	u.jobs.selectJob("job-02")

	done := *u.jobs.list.all["job-02"]
	done.Status, done.StepsCompleted, done.Updated = model.JobCompleted, 40, done.Updated.Add(time.Minute)
	done.AllowedActions = model.AllowedJobActions(model.JobCompleted)
	u.applyEvents([]model.Event{
		{Type: model.EventJob, Job: &done},
		{Type: model.EventJob, Job: &model.Job{ID: "job-05"}, Deleted: true},
	})
	if got, _ := u.jobs.list.Get("job-02"); got.Status != model.JobCompleted {
		t.Errorf("status after event: %s", got.Status)
	}
	if _, ok := u.jobs.list.Get("job-05"); ok {
		t.Error("deleted job still listed")
	}
	if got := u.jobs.actions.visibleActions(); !slices.Contains(got, model.JobRequeue) || slices.Contains(got, model.JobPause) {
		t.Errorf("the buttons must follow the selected job's new status: %v", got)
	}
	if u.panel.job == nil || u.panel.job.Status != model.JobCompleted {
		t.Error("the side panel must follow the selected job")
	}
}

func TestSavedFilters(t *testing.T) {
	a := test.NewTempApp(t)
	v := newJobsView(newTipLayer(), newJobActions(nil))
	v.toggleGroup(3)
	v.search.SetText("sh050")
	v.saveFilter(a.Preferences(), "mine")
	v.toggleGroup(3)
	v.search.SetText("")
	if len(v.filter.groups) != 0 || v.filter.text != "" {
		t.Fatal("filter not cleared")
	}
	fs := loadSavedFilters(a.Preferences())
	if len(fs) != 1 || fs[0].Name != "mine" || fs[0].Text != "sh050" || len(fs[0].Groups) != 1 {
		t.Fatalf("saved %+v", fs)
	}
	v.applyFilter(fs[0])
	if !v.filter.groups[3] || v.filter.text != "sh050" {
		t.Fatalf("applied filter %+v", v.filter)
	}
	v.saveFilter(a.Preferences(), "mine") // same name: replaced, not added
	if n := len(loadSavedFilters(a.Preferences())); n != 1 {
		t.Fatalf("%d saved filters", n)
	}
}

// TestLongJobNameIsReadable checks that a job's whole name can be read: the
// Name cell and the panel's head cut a long one short, so the cell's tip and
// the job's Settings tab give it whole.
func TestLongJobNameIsReadable(t *testing.T) {
	u := newTestUI(t, nil)
	name := "Épisode 12 — séquence 042 — plan 0170 — lumière finale après retours du réalisateur (version 17) 長いジョブ名"
	j := job(2, name, model.JobActive, 1, 4, 10)
	u.jobs.setAll([]*model.Job{j})
	u.jobs.selectJob(j.ID)
	var tip string
	for _, c := range u.jobs.table.cols {
		if c.title == "Name" && c.tip != nil {
			tip = c.tip(j)
		}
	}
	if tip != name {
		t.Errorf("Name cell's tip %q, want the whole name", tip)
	}
	var shown string
	for _, it := range u.panel.settings.Items {
		if it.Text == "Name" {
			shown = it.Widget.(*widget.Label).Text
		}
	}
	if shown != name {
		t.Errorf("Settings tab's Name %q, want the whole name", shown)
	}
}

// TestWindowFitsHalfAScreen checks that the main window can be made as
// narrow as half a 1920 px screen, with a job selected (its action buttons
// and panel shown): the rows of status chips, action buttons and the job
// counts kept it at 1,170 px or more, and a click on a job made it wider.
func TestWindowFitsHalfAScreen(t *testing.T) {
	u := newTestUI(t, nil)
	u.setMe(admin)
	u.jobs.setAll(farmJobs())
	u.jobs.selectJob("job-02")
	if !u.jobs.actions.bar.Visible() || len(u.jobs.actions.bar.Objects) < 3 {
		t.Fatal("the selected job shows no action buttons")
	}
	if w := u.win.Content().MinSize().Width; w > 960 {
		t.Errorf("the window is at least %v px wide, more than half a 1920 px screen", w)
	}
}

// TestJobChipsShowWholeAtFirstSize checks that at the window's first size
// the status chips show whole, now that their row scrolls rather than set
// the window's least width.
func TestJobChipsShowWholeAtFirstSize(t *testing.T) {
	u := newTestUI(t, nil)
	u.setMe(admin)
	u.jobs.setAll(farmJobs())
	u.win.Resize(fyne.NewSize(1260, 780)) // as New sizes it
	for _, o := range test.LaidOutObjects(u.win.Content()) {
		s, ok := o.(*container.Scroll)
		if !ok || !slices.Contains(test.LaidOutObjects(s.Content), fyne.CanvasObject(u.jobs.chips[0])) {
			continue
		}
		if s.Size().Width < s.Content.MinSize().Width {
			t.Errorf("the chips need %v px and get %v", s.Content.MinSize().Width, s.Size().Width)
		}
		return
	}
	t.Fatal("no scrolling row of chips")
}
