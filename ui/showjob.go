package ui

import "fyne.io/fyne/v2/widget"

// ShowJob brings the window forward with job id selected and its tasks open,
// as the Blender add-on's "Open in Farmhand" and `farmhand open` ask (through
// the app's desktop door). A job the window has not heard of yet — one
// submitted a moment ago — is selected when it arrives. Call it on Fyne's
// goroutine.
func (u *UI) ShowJob(id string) {
	u.showWindow()
	u.tabs.SelectIndex(0)
	u.pendingJob = id
	u.showPendingJob()
}

// showPendingJob selects the job ShowJob asked for once the jobs list has it.
// A filter that hides it is cleared: the person asked for this very job.
func (u *UI) showPendingJob() {
	id := u.pendingJob
	if id == "" {
		return
	}
	if _, known := u.jobs.list.all[id]; !known {
		return
	}
	u.pendingJob = ""
	if _, shown := u.jobs.list.rowOfID(id); !shown {
		u.jobs.clearFilter()
	}
	u.panel.tasks.autoOpen = true
	u.jobs.selectJob(id)
}

// clearFilter shows every job: no status chip, no text, any project.
func (v *jobsView) clearFilter() {
	for i := range v.filter.groups {
		v.chips[i].Importance = widget.LowImportance
		v.chips[i].Refresh()
	}
	v.filter.groups = map[int]bool{}
	v.filter.text = ""
	v.search.SetText("") // its OnChanged refilters
	v.setProject("")
}
