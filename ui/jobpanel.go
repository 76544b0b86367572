package ui

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"farmhand/farm/model"
)

// jobPanel is the side of the jobs view: the selected job's status and
// progress, its tasks with the log of the clicked one, and its settings.
type jobPanel struct {
	u   *UI
	job *model.Job // nil: no single job selected

	icon      *widget.Icon
	name      *widget.Label
	status    *widget.Label
	reason    *widget.Label // why the job is in its status, when the manager said
	progress  *widget.ProgressBar
	steps     *widget.Label
	counts    *fyne.Container
	settings  *widget.Form
	tabs      *container.AppTabs
	tasks     *tasksView
	log       *logView
	output    *outputView
	overrides *overridesView

	head        *fyne.Container
	content     fyne.CanvasObject
	placeholder *widget.Label
}

func newJobPanel(u *UI, tips *tipLayer) *jobPanel {
	p := &jobPanel{u: u, tasks: newTasksView(u, tips), log: newLogView(u), output: newOutputView(u),
		overrides: newOverridesView(u)}
	p.icon = widget.NewIcon(nil)
	p.name = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	p.name.Truncation = fyne.TextTruncateEllipsis
	p.name.SizeName = theme.SizeNameSubHeadingText
	p.status = widget.NewLabel("")
	p.reason = widget.NewLabel("")
	p.reason.Wrapping = fyne.TextWrapWord
	p.progress = widget.NewProgressBar()
	p.steps = widget.NewLabel("")
	p.counts = container.NewHBox()
	p.settings = widget.NewForm()
	p.tasks.onOpen = p.log.open

	tasksAndLog := container.NewVSplit(p.tasks.object(), p.log.object())
	tasksAndLog.Offset = 0.6
	p.tabs = container.NewAppTabs(
		container.NewTabItem("Tasks", tasksAndLog),
		container.NewTabItem("Output", p.output.object()),
		container.NewTabItem("Python", p.overrides.object()),
		container.NewTabItem("Settings", container.NewVScroll(p.settings)),
	)
	p.head = container.NewVBox(
		container.NewBorder(nil, nil, p.icon, p.status, p.name),
		p.reason,
		container.NewBorder(nil, nil, nil, p.steps, p.progress),
		p.counts,
	)
	p.content = container.NewBorder(p.head, nil, nil, nil, p.tabs)
	p.placeholder = widget.NewLabel("")
	p.placeholder.Alignment = fyne.TextAlignCenter // not wrapped: in a Center, wrapping makes a column one letter wide
	p.showSelection(nil)
	return p
}

func (p *jobPanel) object() fyne.CanvasObject {
	return container.NewStack(p.content, container.NewCenter(p.placeholder))
}

// showSelection shows the one selected job, or says what to do. The
// thumbnail and overrides follow the job; the tab the user chose stays.
func (p *jobPanel) showSelection(sel []*model.Job) {
	if len(sel) != 1 {
		p.job = nil
		p.output.jobID = ""
		p.tasks.show("")
		p.log.clear()
		p.content.Hide()
		if len(sel) == 0 {
			p.placeholder.SetText("Click a job to see its tasks, logs and settings.")
		} else {
			p.placeholder.SetText(fmt.Sprintf("%d jobs selected.\nThe buttons above act on all of them.", len(sel)))
		}
		p.placeholder.Show()
		return
	}
	opened := p.job == nil || p.job.ID != sel[0].ID
	p.job = sel[0]
	p.placeholder.Hide()
	p.content.Show()
	if opened {
		p.log.clear()
		p.tasks.show(p.job.ID)
		p.fillSettings()
		p.output.show(p.job)
	}
	p.overrides.show(p.job)
	p.refresh()
}

// jobsChanged follows the shown job after job events: its status, progress
// and counts; a deleted job closes the panel.
func (p *jobPanel) jobsChanged() {
	if p.job == nil {
		return
	}
	j, ok := p.u.jobs.list.Get(p.job.ID)
	if !ok {
		p.showSelection(nil)
		return
	}
	if j != p.job {
		prio := j.Priority != p.job.Priority
		p.job = j
		p.refresh()
		p.overrides.show(j)
		if prio {
			p.fillSettings()
		}
	}
}

// refresh shows the job's status, progress and task counts.
func (p *jobPanel) refresh() {
	j := p.job
	l := jobLook(j.Status)
	p.icon.SetResource(l.icon())
	p.name.SetText(j.Name)
	p.status.SetText(string(j.Status))
	p.reason.SetText(j.StatusReason)
	if j.StatusReason == "" {
		p.reason.Hide()
	} else {
		p.reason.Show()
	}
	p.output.followFolder(j)
	p.progress.SetValue(fraction(j.StepsCompleted, j.StepsTotal))
	p.steps.SetText(fmt.Sprintf("%d of %d steps", j.StepsCompleted, j.StepsTotal))
	p.counts.RemoveAll()
	for _, s := range model.TaskStatuses {
		if n := j.TaskCounts[s]; n > 0 {
			tl := taskLook(s)
			p.counts.Add(widget.NewIcon(tl.icon()))
			p.counts.Add(widget.NewLabel(fmt.Sprintf("%d %s", n, s)))
		}
	}
	p.head.Refresh()
}

// fillSettings lists the job's identity, settings and metadata.
func (p *jobPanel) fillSettings() {
	j := p.job
	f := p.settings
	f.Items = nil
	add := func(label, value string) {
		l := widget.NewLabel(value)
		l.Wrapping = fyne.TextWrapBreak
		f.Append(label, l)
	}
	add("Name", j.Name) // whole: the table and the panel's head cut a long one short
	add("Job", j.ID)
	add("Type", j.Type)
	add("Priority", fmt.Sprint(j.Priority))
	add("Submitter", orDash(j.Submitter))
	add("Submitted", longTime(j.Created))
	add("Tasks", fmt.Sprint(j.TaskCount))
	add("Storage", storageText(j))
	add("Needs tags", orDash(strings.Join(j.RequiredTags, ", ")))
	for _, k := range slices.Sorted(maps.Keys(j.Settings)) {
		add(k, fmt.Sprint(j.Settings[k]))
	}
	for _, k := range slices.Sorted(maps.Keys(j.Metadata)) {
		add(k, j.Metadata[k])
	}
	f.Refresh()
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
