package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"farmhand/farm/model"
)

// look is how a status shows: an icon in a colour, so that a column of
// statuses reads at a glance without words, and the word for hover texts and
// details.
type look struct {
	iconName fyne.ThemeIconName
	color    fyne.ThemeColorName
	word     string
}

func newLook(icon fyne.ThemeIconName, color fyne.ThemeColorName, word string) look {
	return look{iconName: icon, color: color, word: word}
}

// icon returns the look's icon in its colour.
func (l look) icon() fyne.Resource { return coloredIcon(l.iconName, l.color) }

// coloredIcons caches coloured theme icons, so that repainting a cell does not
// make a new resource. Icons are looked up on first use, not when the package
// loads: the theme needs a running app, which the command line never starts.
// Used on the UI goroutine only.
var coloredIcons = map[[2]string]fyne.Resource{}

func coloredIcon(name fyne.ThemeIconName, color fyne.ThemeColorName) fyne.Resource {
	key := [2]string{string(name), string(color)}
	r, ok := coloredIcons[key]
	if !ok {
		r = theme.NewColoredResource(theme.Icon(name), color)
		coloredIcons[key] = r
	}
	return r
}

// Colours by meaning; the theme decides the actual shade.
const (
	colorRunning = theme.ColorNamePrimary // blue in the default theme
	colorGood    = theme.ColorNameSuccess
	colorHeld    = theme.ColorNameWarning
	colorBad     = theme.ColorNameError
	colorIdle    = theme.ColorNamePlaceHolder // grey
)

// jobGroup is a set of job statuses that users think of as one: a job that
// is "pause-requested" is, to an artist, being paused. The groups are the
// status filter chips and the counts above the jobs table.
type jobGroup struct {
	name     string // plural noun for the counts: "3 active"
	look     look
	statuses []model.JobStatus
}

var jobGroups = []jobGroup{
	{"active", newLook(theme.IconNameMediaPlay, colorRunning, "active"), []model.JobStatus{model.JobActive, model.JobRequeueing}},
	{"queued", newLook(theme.IconNameHistory, colorIdle, "queued"), []model.JobStatus{model.JobQueued, model.JobUnderConstruction}},
	{"paused", newLook(theme.IconNameMediaPause, colorHeld, "paused"), []model.JobStatus{model.JobPauseRequested, model.JobPaused}},
	{"failed", newLook(theme.IconNameError, colorBad, "failed"), []model.JobStatus{model.JobFailRequested, model.JobFailed, model.JobConstructionFailed}},
	{"canceled", newLook(theme.IconNameCancel, colorIdle, "canceled"), []model.JobStatus{model.JobCancelRequested, model.JobCanceled}},
	{"completed", newLook(theme.IconNameConfirm, colorGood, "completed"), []model.JobStatus{model.JobCompleted}},
	{"archived", newLook(theme.IconNameStorage, colorIdle, "archived"), []model.JobStatus{model.JobArchiving, model.JobArchived}},
}

// groupOf maps each job status to its index in jobGroups.
var groupOf = func() map[model.JobStatus]int {
	m := map[model.JobStatus]int{}
	for i, g := range jobGroups {
		for _, s := range g.statuses {
			m[s] = i
		}
	}
	return m
}()

// jobLook returns how a job status shows; the word is the exact status, since
// the hover text is where the difference between "paused" and
// "pause-requested" matters.
func jobLook(s model.JobStatus) look {
	i, ok := groupOf[s]
	if !ok {
		return newLook(theme.IconNameQuestion, colorIdle, string(s))
	}
	l := jobGroups[i].look
	l.word = string(s)
	return l
}

// jobGroupRank orders job statuses for sorting: by group, then by status.
func jobGroupRank(s model.JobStatus) int {
	i, ok := groupOf[s]
	if !ok {
		i = len(jobGroups)
	}
	return i
}

var taskLooks = map[model.TaskStatus]look{
	model.TaskActive:          newLook(theme.IconNameMediaPlay, colorRunning, "active"),
	model.TaskQueued:          newLook(theme.IconNameHistory, colorIdle, "queued"),
	model.TaskSoftFailed:      newLook(theme.IconNameWarning, colorHeld, "soft-failed (will be retried)"),
	model.TaskPaused:          newLook(theme.IconNameMediaPause, colorHeld, "paused"),
	model.TaskCancelRequested: newLook(theme.IconNameCancel, colorHeld, "cancel-requested"),
	model.TaskCanceled:        newLook(theme.IconNameCancel, colorIdle, "canceled"),
	model.TaskFailed:          newLook(theme.IconNameError, colorBad, "failed"),
	model.TaskCompleted:       newLook(theme.IconNameConfirm, colorGood, "completed"),
}

func taskLook(s model.TaskStatus) look {
	if l, ok := taskLooks[s]; ok {
		return l
	}
	return newLook(theme.IconNameQuestion, colorIdle, string(s))
}

// taskRank orders task statuses for sorting, in the order users read them
// (model.TaskStatuses). A switch, since sorting 100,000 tasks calls it
// millions of times.
func taskRank(s model.TaskStatus) int {
	switch s {
	case model.TaskQueued:
		return 0
	case model.TaskActive:
		return 1
	case model.TaskSoftFailed:
		return 2
	case model.TaskPaused:
		return 3
	case model.TaskCancelRequested:
		return 4
	case model.TaskCanceled:
		return 5
	case model.TaskFailed:
		return 6
	case model.TaskCompleted:
		return 7
	}
	return 8
}

var workerLooks = map[model.WorkerStatus]look{
	model.WorkerAwake:   newLook(theme.IconNameComputer, colorGood, "awake"),
	model.WorkerAsleep:  newLook(theme.IconNameComputer, colorHeld, "asleep"),
	model.WorkerOffline: newLook(theme.IconNameComputer, colorIdle, "offline"),
	model.WorkerLost:    newLook(theme.IconNameError, colorBad, "lost (stopped answering)"),
}

var workerRendering = newLook(theme.IconNameMediaPlay, colorRunning, "rendering")

// workerLook tells a busy worker from an idle one, which the status alone
// does not.
func workerLook(w *model.Worker) look {
	if w.Status == model.WorkerAwake && w.TaskID != "" {
		return workerRendering
	}
	if l, ok := workerLooks[w.Status]; ok {
		return l
	}
	return newLook(theme.IconNameQuestion, colorIdle, string(w.Status))
}
