package ui

import (
	"slices"
	"testing"

	"fyne.io/fyne/v2/test"

	"farmhand/farm/model"
)

// projectJobs is farmJobs with projects: two of Spring, one of Autumn, the
// rest of none.
func projectJobs() []*model.Job {
	jobs := farmJobs()
	jobs[0].Metadata[projectKey] = "Spring"
	jobs[2].Metadata[projectKey] = "Spring"
	jobs[5].Metadata[projectKey] = "Autumn"
	return jobs
}

// The project filter appears once a job has a project, lists the projects,
// filters by one exactly, adds to the status chips and the text, and is kept
// in a saved filter.
func TestJobsByProject(t *testing.T) {
	a := test.NewTempApp(t)
	v := newJobsView(newTipLayer(), newJobActions(nil))
	v.setAll(farmJobs())
	if v.projRow.Visible() {
		t.Error("the project filter shows while no job has a project")
	}
	v.setAll(projectJobs())
	if !v.projRow.Visible() {
		t.Fatal("the project filter is hidden though jobs have projects")
	}
	if want := []string{allProjects, "Autumn", "Spring"}; !slices.Equal(v.project.Options, want) {
		t.Errorf("project entries %q, want %q", v.project.Options, want)
	}
	v.project.SetSelected("Spring")
	if got, want := rowNames(v.list, jobName), []string{"shot 030 fx sim", "shot 010 lighting"}; !slices.Equal(got, want) {
		t.Errorf("Spring's jobs %q, want %q", got, want)
	}
	v.toggleGroup(jobGroupRank(model.JobPaused))
	if got, want := rowNames(v.list, jobName), []string{"shot 030 fx sim"}; !slices.Equal(got, want) {
		t.Errorf("Spring's paused jobs %q, want %q", got, want)
	}
	v.saveFilter(a.Preferences(), "spring paused")
	v.toggleGroup(jobGroupRank(model.JobPaused))
	v.project.SetSelected(allProjects)
	if n := v.list.Len(); n != 7 {
		t.Fatalf("all projects lists %d jobs, want 7", n)
	}
	v.search.SetText("autumn") // the text matches projects too
	if got, want := rowNames(v.list, jobName), []string{"shot 060 anim"}; !slices.Equal(got, want) {
		t.Errorf("text autumn lists %q, want %q", got, want)
	}
	v.search.SetText("")

	saved := loadSavedFilters(a.Preferences())
	if len(saved) != 1 || saved[0].Project != "Spring" {
		t.Fatalf("saved %+v", saved)
	}
	// Applied in a new view before any job arrived: the project is listed
	// and filters the jobs that come.
	w := newJobsView(newTipLayer(), newJobActions(nil))
	w.applyFilter(saved[0])
	if w.project.Selected != "Spring" || w.filter.project != "Spring" {
		t.Errorf("applied saved filter: selected %q, filter %q", w.project.Selected, w.filter.project)
	}
	w.setAll(projectJobs())
	if got, want := rowNames(w.list, jobName), []string{"shot 030 fx sim"}; !slices.Equal(got, want) {
		t.Errorf("saved filter lists %q, want %q", got, want)
	}
}
