package model

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Units of a job's progress, see ETA.Unit.
const (
	// UnitFrame: the job's tasks render frames (blender-render commands,
	// whose total steps are their frames, as Flamenco's job types set them).
	UnitFrame = "frame"
	// UnitTask: no task of the job renders frames; each task counts as one.
	UnitTask = "task"
)

// FrameCommand is the command whose total steps are frames rendered.
const FrameCommand = "blender-render"

// Frames is how many frames a task of the given commands renders: the total
// steps of its blender-render commands, 0 when it renders none (a video task).
func Frames(cmds []Command) int {
	n := 0
	for _, c := range cmds {
		if c.Name == FrameCommand {
			n += c.Steps()
		}
	}
	return n
}

// TimePerFrame is how long a job's frames took, in seconds per frame, from
// its completed tasks: each task timed from its assignment to its completion
// and divided by its frames is one sample. The manager keeps it in the job
// record, updated in the transaction that completes the task; it holds the
// recent samples only (RecentPerJob, RecentPerWorker), which bounds the
// record and lets the figures follow a shot whose frames get heavier.
type TimePerFrame struct {
	// Unit is what is timed: UnitFrame, or UnitTask (seconds per task).
	Unit string `json:"unit"`
	// MedianSeconds, LowSeconds and HighSeconds are the median and the
	// quartiles (25th and 75th percentile, linear interpolation) of Recent:
	// the spread is LowSeconds to HighSeconds.
	MedianSeconds float64 `json:"median_seconds"`
	LowSeconds    float64 `json:"low_seconds"`
	HighSeconds   float64 `json:"high_seconds"`
	// Tasks is how many of the job's tasks were timed, ever.
	Tasks int `json:"tasks"`
	// Recent is seconds per frame of the last RecentPerJob tasks timed,
	// oldest first.
	Recent []float64 `json:"recent_seconds"`
	// Workers are the same figures per worker, in the order they first
	// completed a task of the job; at most MaxTimedWorkers, the least
	// recently heard-of dropped first.
	Workers []WorkerTimePerFrame `json:"workers"`
}

// WorkerTimePerFrame is one worker's time per frame on one job.
type WorkerTimePerFrame struct {
	WorkerID   string `json:"worker_id"`
	WorkerName string `json:"worker_name"`
	// Tasks and Frames are what this worker completed of the job, ever.
	Tasks  int `json:"tasks"`
	Frames int `json:"frames"`
	// MedianSeconds, LowSeconds, HighSeconds: as TimePerFrame's, of Recent.
	MedianSeconds float64 `json:"median_seconds"`
	LowSeconds    float64 `json:"low_seconds"`
	HighSeconds   float64 `json:"high_seconds"`
	// Recent is seconds per frame of its last RecentPerWorker tasks, oldest first.
	Recent []float64 `json:"recent_seconds"`
	// Last is when it last completed a task of the job.
	Last time.Time `json:"last"`
}

// Bounds of the samples a job keeps.
const (
	RecentPerJob    = 64
	RecentPerWorker = 16
	MaxTimedWorkers = 32
)

// Added returns t with a sample more: worker (id, name) completed a task of
// frames frames in seconds, at when; frames must be above 0. A nil t starts
// the figures in unit (UnitFrame or UnitTask). t itself is left as it was:
// a TimePerFrame is never changed once made, so copies of a job share it
// (Job.Clone) rather than copy its samples on every task change.
func (t *TimePerFrame) Added(unit, workerID, workerName string, frames int, seconds float64, when time.Time) *TimePerFrame {
	c := &TimePerFrame{Unit: unit}
	if t != nil {
		*c = *t
		c.Workers = slices.Clone(t.Workers) // each one's Recent is replaced, never changed
	}
	perFrame := seconds / float64(frames)
	c.Tasks++
	c.Recent = appendRecent(c.Recent, perFrame, RecentPerJob)
	c.MedianSeconds, c.LowSeconds, c.HighSeconds = Quartiles(c.Recent)
	i := slices.IndexFunc(c.Workers, func(w WorkerTimePerFrame) bool { return w.WorkerID == workerID })
	if i < 0 {
		if len(c.Workers) >= MaxTimedWorkers {
			oldest := 0
			for k, w := range c.Workers {
				if w.Last.Before(c.Workers[oldest].Last) {
					oldest = k
				}
			}
			c.Workers = slices.Delete(c.Workers, oldest, oldest+1)
		}
		c.Workers = append(c.Workers, WorkerTimePerFrame{WorkerID: workerID})
		i = len(c.Workers) - 1
	}
	w := &c.Workers[i]
	w.WorkerName = workerName
	w.Tasks++
	w.Frames += frames
	w.Last = when
	w.Recent = appendRecent(w.Recent, perFrame, RecentPerWorker)
	w.MedianSeconds, w.LowSeconds, w.HighSeconds = Quartiles(w.Recent)
	return c
}

// appendRecent appends v to a window of at most size values, dropping the
// oldest; it copies, so that a job record handed out is never changed.
func appendRecent(window []float64, v float64, size int) []float64 {
	out := make([]float64, 0, min(len(window)+1, size))
	if len(window) >= size {
		window = window[len(window)-size+1:]
	}
	return append(append(out, window...), v)
}

// Quartiles returns the median and the 25th and 75th percentiles of values,
// interpolating linearly between the nearest ranks (as numpy's default does);
// zeros for no values.
func Quartiles(values []float64) (median, low, high float64) {
	if len(values) == 0 {
		return 0, 0, 0
	}
	s := slices.Clone(values)
	slices.Sort(s)
	return quantile(s, 0.5), quantile(s, 0.25), quantile(s, 0.75)
}

func quantile(sorted []float64, p float64) float64 {
	h := p * float64(len(sorted)-1)
	lo := int(math.Floor(h))
	if lo+1 >= len(sorted) {
		return sorted[lo]
	}
	return sorted[lo] + (h-float64(lo))*(sorted[lo+1]-sorted[lo])
}

// ETA is how far a job is and when it will be done. The manager computes it
// in every transaction that changes the job (a task assigned, a frame
// rendered, a task completed), so it is as of AsOf: Finish stays right
// between changes, and workers that come or go count from the job's next
// change.
type ETA struct {
	// Unit is what the counts count: UnitFrame or UnitTask.
	Unit string `json:"unit"`
	// TaskType is the type of the job's tasks that render frames (of its
	// first task when none does); the workers offering it count.
	TaskType    string `json:"task_type"`
	FramesTotal int    `json:"frames_total"`
	// FramesDone are the frames of the job's completed tasks.
	FramesDone int `json:"frames_done"`
	FramesLeft int `json:"frames_left"`
	// Known says whether SecondsLeft and Finish mean anything; when not,
	// Reason says why (no task completed yet, no worker can run the job now,
	// the job is paused…).
	Known  bool   `json:"known"`
	Reason string `json:"reason,omitempty"`
	// SecondsLeft is FramesLeft × the median seconds per frame ÷ Workers, as
	// of AsOf; Finish is AsOf plus that.
	SecondsLeft float64   `json:"seconds_left"`
	Finish      time.Time `json:"finish,omitzero"`
	// Workers counts the workers that could run the job's tasks at AsOf:
	// awake and staying so, offering TaskType, carrying the job's required
	// tags, not blocklisted from it. Busy ones count: they take the job's
	// tasks when they finish theirs.
	Workers int       `json:"workers"`
	AsOf    time.Time `json:"as_of"`
}

// Left is the time left at now (Finish − now, at least 0); ok is false when
// the ETA is unknown.
func (e *ETA) Left(now time.Time) (left time.Duration, ok bool) {
	if e == nil || !e.Known {
		return 0, false
	}
	return max(e.Finish.Sub(now), 0), true
}

// Summary says how far the job is and how long it has left, for people:
// "40 of 100 frames · ~12 min left", "0 of 100 frames · ETA unknown",
// "100 of 100 frames". Frames are tasks for UnitTask jobs.
func (e *ETA) Summary(now time.Time) string {
	noun := e.Unit + "s"
	if e.Unit == "" {
		noun = "frames"
	}
	s := fmt.Sprintf("%d of %d %s", e.FramesDone, e.FramesTotal, noun)
	if e.FramesLeft == 0 {
		return s
	}
	left, ok := e.Left(now)
	if !ok {
		return s + " · ETA unknown"
	}
	return s + " · " + FormatLeft(left)
}

// FormatLeft says a time left the way people round it: "<1 min left",
// "~12 min left", "~2 h 10 min left", "~3 days left".
func FormatLeft(d time.Duration) string {
	mins := int(math.Round(d.Minutes()))
	switch {
	case d < 30*time.Second:
		return "<1 min left"
	case mins < 90:
		return fmt.Sprintf("~%d min left", mins)
	case d < 48*time.Hour:
		return fmt.Sprintf("~%d h %d min left", mins/60, mins%60)
	}
	return fmt.Sprintf("~%d days left", int(math.Round(d.Hours()/24)))
}

// FormatSeconds says a time per frame to the second, or to the tenth below
// ten seconds: "1m20s", "4.2s".
func FormatSeconds(s float64) string {
	if s < 10 {
		return fmt.Sprintf("%.1fs", s)
	}
	return (time.Duration(math.Round(s)) * time.Second).String()
}

// Summary says the median and spread for people: "1m20s per frame
// (1m10s–1m30s)".
func (t *TimePerFrame) Summary() string {
	return fmt.Sprintf("%s per %s (%s–%s)", FormatSeconds(t.MedianSeconds), t.Unit,
		FormatSeconds(t.LowSeconds), FormatSeconds(t.HighSeconds))
}

// Summary says a worker's median and spread: "1m20s (1m10s–1m30s)".
func (w *WorkerTimePerFrame) Summary() string {
	return fmt.Sprintf("%s (%s–%s)", FormatSeconds(w.MedianSeconds), FormatSeconds(w.LowSeconds), FormatSeconds(w.HighSeconds))
}
