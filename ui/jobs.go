package ui

import (
	"cmp"
	"fmt"
	"math"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"farmhand/farm/model"
)

// newJobList returns the jobs view-model: newest first until the user sorts,
// and a job update is taken unless it is older than what is shown.
func newJobList() *rowList[*model.Job] {
	l := newRowList(func(j *model.Job) string { return j.ID }, func(a, b *model.Job) int {
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Seq, a.Seq); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	l.newer = func(old, cur *model.Job) bool { return !cur.Updated.Before(old.Updated) }
	return l
}

// jobColumns are the jobs table's columns.
func jobColumns() []column[*model.Job] {
	return []column[*model.Job]{
		{title: "", width: 34, kind: iconCell,
			icon: func(j *model.Job) fyne.Resource { return jobLook(j.Status).icon() },
			tip:  jobStatusTip,
			cmp:  func(a, b *model.Job) int { return cmp.Compare(jobGroupRank(a.Status), jobGroupRank(b.Status)) }},
		{title: "Name", kind: textCell,
			text: func(j *model.Job) string { return j.Name },
			tip:  func(j *model.Job) string { return j.Name }, // the cell cuts a long name short
			cmp:  func(a, b *model.Job) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) }},
		{title: "Type", width: 100, kind: textCell,
			text: func(j *model.Job) string { return j.Type },
			cmp:  func(a, b *model.Job) int { return strings.Compare(a.Type, b.Type) }},
		{title: "Priority", width: 64, kind: textCell, align: fyne.TextAlignTrailing,
			text: func(j *model.Job) string { return fmt.Sprint(j.Priority) },
			cmp:  func(a, b *model.Job) int { return cmp.Compare(a.Priority, b.Priority) }},
		{title: "Progress", width: 110, kind: progressCell,
			done: func(j *model.Job) (int, int) { return j.StepsCompleted, j.StepsTotal },
			tip:  jobProgressTip,
			cmp: func(a, b *model.Job) int {
				return cmp.Compare(fraction(a.StepsCompleted, a.StepsTotal), fraction(b.StepsCompleted, b.StepsTotal))
			}},
		{title: "Frames", width: 224, kind: textCell,
			text: jobFramesText,
			tip:  jobTimingTip,
			cmp:  func(a, b *model.Job) int { return cmp.Compare(jobTimeLeft(a), jobTimeLeft(b)) }},
		{title: "Submitter", width: 90, kind: textCell,
			text: func(j *model.Job) string { return j.Submitter },
			cmp:  func(a, b *model.Job) int { return strings.Compare(a.Submitter, b.Submitter) }},
		{title: "Submitted", width: 82, kind: textCell,
			text: func(j *model.Job) string { return shortTime(j.Created) },
			tip:  func(j *model.Job) string { return "Submitted " + longTime(j.Created) },
			cmp:  func(a, b *model.Job) int { return a.Created.Compare(b.Created) }},
		{title: "Updated", width: 74, kind: textCell,
			text: func(j *model.Job) string { return shortTime(j.Updated) },
			tip:  func(j *model.Job) string { return "Last change " + longTime(j.Updated) },
			cmp:  func(a, b *model.Job) int { return a.Updated.Compare(b.Updated) }},
	}
}

func jobStatusTip(j *model.Job) string {
	if j.StatusReason != "" {
		return string(j.Status) + ": " + j.StatusReason
	}
	return string(j.Status)
}

func jobProgressTip(j *model.Job) string {
	done := j.TaskCounts[model.TaskCompleted]
	return fmt.Sprintf("%d of %d steps · %d of %d tasks done", j.StepsCompleted, j.StepsTotal, done, j.TaskCount)
}

// jobFramesText says how far the job is and how long it has left: "40 of
// 100 frames · ~12 min left" (see model.ETA.Summary); tasks done for a job
// the manager has not timed (unchanged since submission, or an older manager).
func jobFramesText(j *model.Job) string {
	if j.ETA == nil {
		return fmt.Sprintf("%d of %d tasks", j.TaskCounts[model.TaskCompleted], j.TaskCount)
	}
	if jobEnded(j) {
		// A failed or canceled job has no time left to estimate: say how
		// far it got, not "ETA unknown".
		e := *j.ETA
		e.FramesLeft = 0
		return e.Summary(now())
	}
	return j.ETA.Summary(now())
}

// jobEnded reports whether j ended, for good or not, and will not run again
// unless someone requeues it (a paused job waits to be resumed).
func jobEnded(j *model.Job) bool { return j.Status.Final() && j.Status != model.JobPaused }

// jobTimingTip adds why the time left is unknown, or when the job should be
// done and by how many workers, and the time per frame overall and per
// worker: "… · 4m0s per frame (3m30s–4m30s), 2 tasks timed · w1 3m0s (…)".
func jobTimingTip(j *model.Job) string {
	lines := []string{jobFramesText(j)}
	if e := j.ETA; e != nil && e.FramesLeft > 0 && !jobEnded(j) {
		if e.Known {
			lines = append(lines, fmt.Sprintf("Done around %s with %s", longTime(e.Finish), plural(e.Workers, "worker")))
		} else if e.Reason != "" {
			lines[0] += ": " + e.Reason
		}
	}
	if tpf := j.TimePerFrame; tpf != nil {
		lines = append(lines, fmt.Sprintf("%s, %s timed", tpf.Summary(), plural(tpf.Tasks, "task")))
		for _, w := range tpf.Workers {
			lines = append(lines, fmt.Sprintf("%s %s", w.WorkerName, w.Summary()))
		}
	}
	// One line: the hover text is a single canvas.Text.
	return strings.Join(lines, " · ")
}

// jobTimeLeft orders jobs by time left, the unknown last.
func jobTimeLeft(j *model.Job) time.Duration {
	if left, ok := j.ETA.Left(now()); ok {
		return left
	}
	return time.Duration(math.MaxInt64)
}

// jobFilter is what the user filters the jobs table by.
type jobFilter struct {
	groups  map[int]bool // indexes into jobGroups; none: every status
	text    string       // lower case; matched against name, type, submitter, id and project
	project string       // the jobs' metadata "project" exactly (the Blender add-on sets it); "": any
}

// projectKey is the metadata key that says which project a job belongs to, as
// the Blender add-on and 'farmhand submit --meta project=X' set it.
const projectKey = "project"

func (f jobFilter) match(j *model.Job) bool {
	if len(f.groups) > 0 && !f.groups[jobGroupRank(j.Status)] {
		return false
	}
	if f.project != "" && j.Metadata[projectKey] != f.project {
		return false
	}
	if f.text == "" {
		return true
	}
	for _, s := range []string{j.Name, j.Type, j.Submitter, j.ID, j.Metadata[projectKey]} {
		if strings.Contains(strings.ToLower(s), f.text) {
			return true
		}
	}
	return false
}

// jobCounts counts jobs per group, in jobGroups order.
func jobCounts(l *rowList[*model.Job]) []int {
	n := make([]int, len(jobGroups))
	for _, j := range l.all {
		if g, ok := groupOf[j.Status]; ok {
			n[g]++
		}
	}
	return n
}

// countsText says "12 jobs: 3 active, 2 queued, 1 failed", naming only the
// groups that have jobs.
func countsText(total int, n []int) string {
	if total == 0 {
		return "No jobs yet"
	}
	var parts []string
	for i, c := range n {
		if c > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c, jobGroups[i].name))
		}
	}
	return plural(total, "job") + ": " + strings.Join(parts, ", ")
}

// jobsView is the main window's default view: the counts, the filters, the
// actions for the selected jobs and the jobs table.
type jobsView struct {
	list    *rowList[*model.Job]
	table   *table[*model.Job]
	counts  *widget.Label
	chips   []*widget.Button
	search  *widget.Entry
	saved   *widget.Select
	project *widget.Select // shown once some job has a project
	projRow fyne.CanvasObject
	actions *jobActions
	filter  jobFilter
	empty   *widget.Label

	// onSelect runs when the selected jobs change.
	onSelect func(selected []*model.Job)
}

func newJobsView(tips *tipLayer, actions *jobActions) *jobsView {
	v := &jobsView{list: newJobList(), actions: actions, filter: jobFilter{groups: map[int]bool{}}}
	v.table = newTable(v.list, jobColumns(), tips)
	v.table.onSelect = v.selectionChanged
	v.counts = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.counts.Truncation = fyne.TextTruncateEllipsis // a long count is cut short rather than widen the window
	v.search = widget.NewEntry()
	v.search.SetPlaceHolder("Filter by name, type or submitter")
	v.search.ActionItem = widget.NewIcon(theme.SearchIcon())
	v.search.OnChanged = func(s string) {
		v.filter.text = strings.ToLower(strings.TrimSpace(s))
		v.refilter()
	}
	for i, g := range jobGroups {
		b := widget.NewButtonWithIcon(capitalize(g.name), g.look.icon(), nil)
		b.Importance = widget.LowImportance
		b.OnTapped = func() { v.toggleGroup(i) }
		v.chips = append(v.chips, b)
	}
	v.saved = v.newSavedFilters()
	v.project = v.newProjectFilter()
	v.projRow = container.NewHBox(widget.NewLabel("Project"),
		container.NewGridWrap(fyne.NewSize(220, v.project.MinSize().Height), v.project))
	v.projRow.Hide()
	v.empty = widget.NewLabel("")
	v.empty.Alignment = fyne.TextAlignCenter
	v.update(change{all: true})
	return v
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// object lays the view out: counts, chips and filter, actions, table.
func (v *jobsView) object() fyne.CanvasObject {
	chips := container.NewHBox()
	for _, c := range v.chips {
		chips.Add(c)
	}
	search := container.NewGridWrap(fyne.NewSize(280, v.search.MinSize().Height), v.search)
	saved := container.NewGridWrap(fyne.NewSize(150, v.saved.MinSize().Height), v.saved)
	// The status chips and the action buttons scroll sideways rather than
	// set the window's least width: with them in a row, the window could
	// not be made narrower than some 1,170 px (half a 1920 px screen is 960),
	// and selecting a job made it wider still.
	top := container.NewVBox(container.NewBorder(nil, nil, nil, search, v.counts),
		container.NewBorder(nil, nil, nil, saved, container.NewHScroll(chips)), v.projRow,
		container.NewHScroll(v.actions.bar))
	return container.NewBorder(top, nil, nil, nil, container.NewStack(v.table.object(), container.NewCenter(v.empty)))
}

// toggleGroup turns a status chip on or off.
func (v *jobsView) toggleGroup(i int) {
	if v.filter.groups[i] {
		delete(v.filter.groups, i)
		v.chips[i].Importance = widget.LowImportance
	} else {
		v.filter.groups[i] = true
		v.chips[i].Importance = widget.HighImportance
	}
	v.chips[i].Refresh()
	v.refilter()
}

func (v *jobsView) refilter() {
	v.update(v.list.filter(v.filter.match))
	v.selectionChanged()
}

// setAll replaces the jobs, as after a (re)load.
func (v *jobsView) setAll(jobs []*model.Job) {
	before := v.list.selectedCount()
	v.update(v.list.setAll(jobs))
	if v.list.selectedCount() != before {
		v.selectionChanged()
	}
}

// apply takes job events: changed jobs and deleted ids.
func (v *jobsView) apply(changed []*model.Job, deleted []string) {
	before := v.list.selectedCount()
	ch := v.list.upsert(changed)
	ch.merge(v.list.remove(deleted...))
	v.update(ch)
	// The actions allowed for the selection follow the selected jobs' status.
	if v.list.selectedCount() != before || v.touchesSelection(changed) {
		v.selectionChanged()
	}
}

func (v *jobsView) touchesSelection(jobs []*model.Job) bool {
	for _, j := range jobs {
		if v.list.sel[j.ID] {
			return true
		}
	}
	return false
}

// update repaints after a change, with the counts and the empty-table text.
func (v *jobsView) update(ch change) {
	v.table.apply(ch)
	v.counts.SetText(countsText(v.list.Total(), jobCounts(v.list)))
	v.updateProjects()
	switch {
	case v.list.Len() > 0:
		v.empty.Hide()
	case v.list.Total() == 0:
		v.empty.SetText("No jobs yet.\nSubmit one with \"farmhand submit\".")
		v.empty.Show()
	default:
		v.empty.SetText("No job matches the filter.")
		v.empty.Show()
	}
}

func (v *jobsView) selectionChanged() {
	sel := v.list.selected()
	v.actions.update(sel)
	if v.onSelect != nil {
		v.onSelect(sel)
	}
}

// selectJob selects exactly the job with id, and scrolls to it.
func (v *jobsView) selectJob(id string) {
	v.table.apply(v.list.selectIDs(id))
	if r, ok := v.list.rowOfID(id); ok {
		v.table.scrollToRow(r)
	}
	v.selectionChanged()
}
