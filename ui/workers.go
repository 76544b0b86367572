package ui

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"farmhand/farm/model"
)

// newWorkerList returns the workers view-model, by name until the user sorts.
func newWorkerList() *rowList[*model.Worker] {
	return newRowList(func(w *model.Worker) string { return w.ID }, func(a, b *model.Worker) int {
		if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// workersView is the farm's workers: what each does now and when it was last
// heard from.
type workersView struct {
	u       *UI
	list    *rowList[*model.Worker]
	table   *table[*model.Worker]
	info    *widget.Label
	empty   *widget.Label
	actions *workerActions
	join    *joinPanel

	// load keeps each worker's recent CPU and memory use for the graphs;
	// the manager keeps only the latest sample.
	load map[string]*history

	mver managerVersion // workerupgrade.go: which workers are out of date

	hist *historyPanel // historyplot.go: the selected worker's last 24 hours

	avail *availabilityBar // availability.go: rules editor, Wake-on-LAN
}

func newWorkersView(u *UI, tips *tipLayer) *workersView {
	v := &workersView{u: u, list: newWorkerList(), load: map[string]*history{}}
	v.table = newTable(v.list, v.columns(), tips)
	v.actions = newWorkerActions(u)
	v.hist = newHistoryPanel(u)
	v.avail = newAvailabilityBar(u, v.actions.bar)
	v.table.onSelect = v.selectionMayHaveChanged
	v.join = newJoinPanel(u)
	v.info = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.empty = widget.NewLabel("No workers yet.\nStart Farmhand on a render computer and it joins this farm.")
	v.empty.Alignment = fyne.TextAlignCenter
	v.update(change{all: true})
	return v
}

func (v *workersView) columns() []column[*model.Worker] {
	return []column[*model.Worker]{
		{title: "", width: 34, kind: iconCell,
			icon: func(w *model.Worker) fyne.Resource { return workerLook(w).icon() },
			tip:  func(w *model.Worker) string { return workerLook(w).word },
			cmp:  func(a, b *model.Worker) int { return strings.Compare(workerLook(a).word, workerLook(b).word) }},
		{title: "Name", width: 130, kind: textCell,
			text: v.nameText, tip: v.nameTip, // workerupgrade.go: "out of date"
			cmp: func(a, b *model.Worker) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) }},
		{title: "Status", width: 215, kind: textCell,
			text: workerStatusText,
			tip:  workerStatusTip,
			cmp:  func(a, b *model.Worker) int { return strings.Compare(workerStatusText(a), workerStatusText(b)) }},
		availabilityColumn(),
		{title: "Current task", kind: textCell,
			text: v.currentTask,
			cmp:  func(a, b *model.Worker) int { return strings.Compare(v.currentTask(a), v.currentTask(b)) }},
		{title: "CPU", width: 130, kind: graphCell,
			graph: v.cpuGraph,
			tip:   v.statsTip,
			cmp:   func(a, b *model.Worker) int { return compareStats(a, b, cpuOf) }},
		{title: "Memory", width: 150, kind: graphCell,
			graph: v.memGraph,
			tip:   v.statsTip,
			cmp:   func(a, b *model.Worker) int { return compareStats(a, b, memOf) }},
		{title: "Platform", width: 80, kind: textCell,
			text: func(w *model.Worker) string { return w.Platform },
			cmp:  func(a, b *model.Worker) int { return strings.Compare(a.Platform, b.Platform) }},
		{title: "Tags", width: 110, kind: textCell,
			text: func(w *model.Worker) string { return strings.Join(w.Tags, ", ") },
			cmp: func(a, b *model.Worker) int {
				return strings.Compare(strings.Join(a.Tags, ","), strings.Join(b.Tags, ","))
			}},
		{title: "Last seen", width: 90, kind: textCell,
			text: func(w *model.Worker) string { return ago(w.LastSeen) },
			tip:  func(w *model.Worker) string { return longTime(w.LastSeen) },
			cmp:  func(a, b *model.Worker) int { return a.LastSeen.Compare(b.LastSeen) }},
	}
}

// currentTask names a worker's task and its job: "frames 1-10 of shot 12".
// The worker record carries both ids and the task's name.
func (v *workersView) currentTask(w *model.Worker) string {
	if w.TaskID == "" {
		return ""
	}
	task := cmp.Or(w.TaskName, "a task")
	if j, ok := v.u.jobs.list.Get(w.TaskJobID); ok {
		return task + " of " + j.Name
	}
	return task
}

func (v *workersView) object() fyne.CanvasObject {
	top := container.NewVBox(v.info, v.actions.bar)
	split := container.NewVSplit(container.NewStack(v.table.object(), container.NewCenter(v.empty)), v.hist.object())
	split.Offset = 0.6
	root := container.NewBorder(top, v.join.object(), nil, nil, split)
	v.join.relayout = root.Refresh
	return root
}

// setAll replaces the workers, as after a (re)load.
func (v *workersView) setAll(ws []*model.Worker) {
	v.record(ws)
	for id := range v.load {
		if _, ok := v.list.all[id]; !ok && !slices.ContainsFunc(ws, func(w *model.Worker) bool { return w.ID == id }) {
			delete(v.load, id)
		}
	}
	v.update(v.list.setAll(ws))
	v.selectionMayHaveChanged()
}

// apply takes worker events: changed workers and deleted ids.
func (v *workersView) apply(ws []*model.Worker, deleted []string) {
	if len(ws) == 0 && len(deleted) == 0 {
		return
	}
	for i, w := range ws {
		// A worker's record comes without its load (the manager stores none);
		// it keeps the load its last worker-load event gave.
		if old, ok := v.list.Get(w.ID); ok && w.Stats == nil && old.Stats != nil {
			c := *w
			c.Stats = old.Stats
			ws[i] = &c
		}
	}
	v.record(ws)
	ch := v.list.upsert(ws)
	ch.merge(v.list.remove(deleted...))
	for _, id := range deleted {
		delete(v.load, id)
	}
	v.update(ch)
	v.selectionMayHaveChanged()
}

// setLoads takes worker-load events: the workers' latest host stats. The
// manager sends one only as it hears a worker's heartbeat, and the worker's
// record (with its LastSeen) only when the record changes, so the event is
// what tells that the worker was just seen: without it, Last seen of a
// healthy idle worker would age for ever ("5 min ago" under a 1 min worker
// timeout). The time is this computer's, as the event arrives (the events
// are applied within a fraction of a second), not the sample's, which is the
// worker's clock.
func (v *workersView) setLoads(loads []*model.WorkerLoad) {
	var ws []*model.Worker
	seen := now()
	for _, l := range loads {
		if old, ok := v.list.Get(l.WorkerID); ok && l.Stats != nil {
			c := *old
			c.Stats = l.Stats
			if seen.After(c.LastSeen) {
				c.LastSeen = seen
			}
			ws = append(ws, &c)
		}
	}
	v.apply(ws, nil)
}

// selectionMayHaveChanged keeps the action buttons in step with the selected
// workers' (possibly new) status.
func (v *workersView) selectionMayHaveChanged() {
	v.actions.update(v.list.selected())
	v.hist.show(v.list.selected())
	v.avail.update(v.list.selected())
}

// record adds the workers' latest load samples to their graphs.
func (v *workersView) record(ws []*model.Worker) {
	for _, w := range ws {
		if w.Stats == nil {
			continue
		}
		h := v.load[w.ID]
		if h == nil {
			h = &history{}
			v.load[w.ID] = h
		}
		h.add(w.Stats.Sampled.UnixNano(), cpuOf(w.Stats), memOf(w.Stats))
	}
}

func cpuOf(s *model.HostStats) float64 { return s.CPUPercent / 100 }

func memOf(s *model.HostStats) float64 {
	if s.MemTotalMB == 0 {
		return 0
	}
	return float64(s.MemUsedMB) / float64(s.MemTotalMB)
}

// compareStats orders workers by a load measure; those without stats first.
func compareStats(a, b *model.Worker, of func(*model.HostStats) float64) int {
	switch {
	case a.Stats == nil && b.Stats == nil:
		return 0
	case a.Stats == nil:
		return -1
	case b.Stats == nil:
		return 1
	}
	fa, fb := of(a.Stats), of(b.Stats)
	switch {
	case fa < fb:
		return -1
	case fa > fb:
		return 1
	}
	return 0
}

// loadOf returns a worker's graph history, or nil when it sent no stats
// (an older worker, or a manager that restarted since its last heartbeat).
func (v *workersView) loadOf(w *model.Worker) *history {
	if w.Stats == nil || !workerAnswers(w) {
		return nil
	}
	return v.load[w.ID]
}

// workerAnswers reports whether a worker's stats are current: an offline or
// lost worker's last sample says nothing about its computer now.
func workerAnswers(w *model.Worker) bool {
	return w.Status != model.WorkerOffline && w.Status != model.WorkerLost
}

func (v *workersView) cpuGraph(w *model.Worker) ([]float64, fyne.ThemeColorName, string) {
	h := v.loadOf(w)
	if h == nil {
		return nil, colorRunning, "—"
	}
	return h.cpu, loadColor(cpuOf(w.Stats)), fmt.Sprintf("%d%%", int(w.Stats.CPUPercent+0.5))
}

func (v *workersView) memGraph(w *model.Worker) ([]float64, fyne.ThemeColorName, string) {
	h := v.loadOf(w)
	if h == nil {
		return nil, colorRunning, "—"
	}
	return h.mem, loadColor(memOf(w.Stats)), memText(w.Stats)
}

// loadColor warns when a computer is nearly full.
func loadColor(f float64) fyne.ThemeColorName {
	if f >= 0.9 {
		return colorHeld
	}
	return colorRunning
}

// memText says "5.2/16 GB".
func memText(s *model.HostStats) string {
	if s.MemTotalMB < 1024 {
		return fmt.Sprintf("%d/%d MB", s.MemUsedMB, s.MemTotalMB)
	}
	return fmt.Sprintf("%.1f/%.0f GB", float64(s.MemUsedMB)/1024, float64(s.MemTotalMB)/1024)
}

func (v *workersView) statsTip(w *model.Worker) string {
	if v.loadOf(w) == nil {
		if w.Stats != nil {
			return "No current figures: the worker is " + string(w.Status)
		}
		return "No figures yet: they come with the worker's heartbeats"
	}
	s := w.Stats
	cpus := ""
	if s.CPUs > 0 {
		cpus = fmt.Sprintf(" of %d cores", s.CPUs)
	}
	return fmt.Sprintf("CPU %.0f%%%s · memory %s (%.0f%%) · sampled %s",
		s.CPUPercent, cpus, memText(s), 100*memOf(s), longTime(s.Sampled))
}

// requestedWords names a requested worker status as it reads after "→".
var requestedWords = map[model.WorkerStatus]string{
	model.WorkerAwake:            "awake",
	model.WorkerAsleep:           "asleep",
	model.WorkerPaused:           "paused",
	model.WorkerOffline:          "shut down",
	model.WorkerRestartRequested: "restart",
}

// workerStatusText is the status column: what the worker does, and what it
// was asked to do next ("rendering → asleep after task").
func workerStatusText(w *model.Worker) string {
	s := workerLook(w).word
	if w.Status == model.WorkerLost {
		s = "lost"
	}
	if w.StatusRequested == "" || w.StatusRequested == w.Status {
		return s
	}
	word, ok := requestedWords[w.StatusRequested]
	if !ok {
		word = string(w.StatusRequested)
	}
	if w.Lazy {
		return s + " → " + word + " after task"
	}
	return s + " → " + word + " now"
}

func workerStatusTip(w *model.Worker) string {
	tip := workerLook(w).word
	if w.StatusRequested != "" && w.StatusRequested != w.Status {
		when := "at once"
		if w.Lazy {
			when = "when its current task ends"
		}
		tip += fmt.Sprintf("; asked to become %s %s", w.StatusRequested, when)
	}
	if w.Address != "" {
		tip += " · " + w.Address
	}
	if w.Version != "" {
		tip += " · Farmhand " + w.Version
	}
	return tip
}

// update repaints after a change, with the head count.
func (v *workersView) update(ch change) {
	v.table.apply(ch)
	var busy, awake int
	for _, w := range v.list.all {
		if w.Status == model.WorkerAwake {
			awake++
			if w.TaskID != "" {
				busy++
			}
		}
	}
	text := plural(v.list.Total(), "worker")
	if v.list.Total() > 0 {
		text += fmt.Sprintf(": %d awake, %d rendering", awake, busy)
	}
	v.info.SetText(text)
	v.empty.Hidden = v.list.Total() > 0
	v.empty.Refresh()
	v.u.trayAvailability()
}
