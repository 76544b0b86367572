package model

import (
	"fmt"
	"testing"
	"time"
)

func TestQuartiles(t *testing.T) {
	for _, tc := range []struct {
		in                []float64
		median, low, high float64
	}{
		{nil, 0, 0, 0},
		{[]float64{7}, 7, 7, 7},
		{[]float64{300, 180}, 240, 210, 270},
		{[]float64{4, 1, 3, 2, 5}, 3, 2, 4},
		{[]float64{1, 2, 3, 4}, 2.5, 1.75, 3.25},
	} {
		m, lo, hi := Quartiles(tc.in)
		if m != tc.median || lo != tc.low || hi != tc.high {
			t.Errorf("Quartiles(%v) = %v %v %v, want %v %v %v", tc.in, m, lo, hi, tc.median, tc.low, tc.high)
		}
	}
}

// The record stays bounded however long the job: the last RecentPerJob
// samples, the last RecentPerWorker per worker, at most MaxTimedWorkers
// workers (the least recently heard-of goes).
func TestTimePerFrameIsBounded(t *testing.T) {
	var tpf *TimePerFrame
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	// Tasks 1…33 each by another worker, 34…200 all by w32; the seconds per
	// frame of task i are i.
	for i := 1; i <= 200; i++ {
		w := fmt.Sprint("w", min(i-1, 32))
		tpf = tpf.Added(UnitFrame, w, w, 2, float64(2*i), start.Add(time.Duration(i)*time.Second))
	}
	if tpf.Tasks != 200 || len(tpf.Recent) != RecentPerJob || tpf.Recent[0] != 137 || tpf.Recent[RecentPerJob-1] != 200 {
		t.Errorf("tasks %d, recent %d from %v to %v", tpf.Tasks, len(tpf.Recent), tpf.Recent[0], tpf.Recent[len(tpf.Recent)-1])
	}
	if tpf.MedianSeconds != 168.5 {
		t.Errorf("median of 137…200 is %v", tpf.MedianSeconds)
	}
	if len(tpf.Workers) != MaxTimedWorkers || tpf.Workers[0].WorkerID != "w1" {
		t.Fatalf("%d workers kept, the first %s; w0 was heard of least recently", len(tpf.Workers), tpf.Workers[0].WorkerID)
	}
	last := tpf.Workers[len(tpf.Workers)-1]
	if last.WorkerID != "w32" || last.Tasks != 168 || last.Frames != 336 || len(last.Recent) != RecentPerWorker ||
		last.MedianSeconds != 192.5 || last.LowSeconds != 188.75 || last.HighSeconds != 196.25 {
		t.Errorf("w32: %+v", last)
	}
}

func TestETASummary(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		e    ETA
		want string
	}{
		{ETA{Unit: UnitFrame, FramesTotal: 250, FramesLeft: 250}, "0 of 250 frames · ETA unknown"},
		{ETA{Unit: UnitFrame, FramesTotal: 250, FramesDone: 40, FramesLeft: 210, Known: true, Finish: now.Add(12 * time.Minute)}, "40 of 250 frames · ~12 min left"},
		{ETA{Unit: UnitFrame, FramesTotal: 250, FramesDone: 40, FramesLeft: 210, Known: true, Finish: now.Add(-time.Minute)}, "40 of 250 frames · <1 min left"},
		{ETA{Unit: UnitFrame, FramesTotal: 9, FramesDone: 1, FramesLeft: 8, Known: true, Finish: now.Add(130 * time.Minute)}, "1 of 9 frames · ~2 h 10 min left"},
		{ETA{Unit: UnitTask, FramesTotal: 9, FramesDone: 1, FramesLeft: 8, Known: true, Finish: now.Add(80 * time.Hour)}, "1 of 9 tasks · ~3 days left"},
		{ETA{Unit: UnitFrame, FramesTotal: 9, FramesDone: 9, Known: true, Finish: now}, "9 of 9 frames"},
	} {
		if got := tc.e.Summary(now); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.e, got, tc.want)
		}
	}
}

func TestFrames(t *testing.T) {
	cmds := []Command{{Name: "blender-render", TotalSteps: 5}, {Name: "echo"}, {Name: "blender-render"}}
	if got := Frames(cmds); got != 6 {
		t.Errorf("Frames = %d, want 6", got)
	}
	if got := Frames([]Command{{Name: "frames-to-video"}}); got != 0 {
		t.Errorf("a video task renders %d frames", got)
	}
}

// Added leaves its receiver as it was: job copies share their TimePerFrame.
func TestTimePerFrameAddedLeavesTheOriginal(t *testing.T) {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var first *TimePerFrame
	for i := range 3 {
		first = first.Added(UnitFrame, fmt.Sprint("w", i), "w", 1, 10, at)
	}
	before := fmt.Sprintf("%+v", *first)
	second := first.Added(UnitFrame, "w1", "w", 1, 20, at.Add(time.Minute))
	second = second.Added(UnitFrame, "w9", "w", 1, 30, at.Add(time.Minute))
	if after := fmt.Sprintf("%+v", *first); after != before {
		t.Errorf("adding to a copy changed the original:\n%s\nwas\n%s", after, before)
	}
	if second.Tasks != 5 || len(second.Workers) != 4 || second.Workers[1].Tasks != 2 || first.Unit != UnitFrame {
		t.Errorf("added: %+v", second)
	}
}
