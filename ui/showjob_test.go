package ui

import (
	"testing"

	"farmhand/farm/model"
)

// TestShowJobSelectsItEvenWhenFilteredOut: the add-on's "Open in Farmhand"
// selects the job the person asked for, clearing a filter that hides it.
func TestShowJobSelectsItEvenWhenFilteredOut(t *testing.T) {
	u := newTestUI(t, nil)
	u.jobs.setAll(farmJobs())
	u.jobs.search.SetText("lighting") // only job-01 shows
	if _, shown := u.jobs.list.rowOfID("job-03"); shown {
		t.Fatal("the filter should hide job-03")
	}
	u.tabs.SelectIndex(1)

	u.ShowJob("job-03")

	if got := u.tabs.SelectedIndex(); got != 0 {
		t.Errorf("tab %d shown, want the jobs tab", got)
	}
	if sel := u.jobs.list.selected(); len(sel) != 1 || sel[0].ID != "job-03" {
		t.Errorf("selected %v, want job-03 alone", sel)
	}
	if u.jobs.search.Text != "" || u.jobs.filter.text != "" {
		t.Errorf("filter %q kept though it hides the job asked for", u.jobs.search.Text)
	}
	if u.pendingJob != "" {
		t.Errorf("job %q still pending", u.pendingJob)
	}
}

// TestShowJobWaitsForAJobNotYetKnown: a job submitted a moment ago is selected
// when its event arrives.
func TestShowJobWaitsForAJobNotYetKnown(t *testing.T) {
	u := newTestUI(t, nil)
	u.jobs.setAll(farmJobs())

	u.ShowJob("job-08")
	if u.pendingJob != "job-08" {
		t.Fatalf("pending %q before the job exists, want job-08", u.pendingJob)
	}
	u.applyEvents([]model.Event{{Type: model.EventJob, Job: job(8, "shot 080", model.JobQueued, 0, 10, 0)}})

	if sel := u.jobs.list.selected(); len(sel) != 1 || sel[0].ID != "job-08" {
		t.Errorf("selected %v after the job arrived, want job-08", sel)
	}
	if !u.panel.tasks.autoOpen {
		t.Error("the job's tasks should open")
	}
}
