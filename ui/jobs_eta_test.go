package ui

import (
	"testing"
	"time"

	"farmhand/farm/model"
)

// timedFarmJobs is farmJobs with the active job timed by the manager: 12 of
// 40 frames done at 4 minutes a frame on two workers, 56 minutes left; and
// the queued one counted but not timed yet.
func timedFarmJobs() []*model.Job {
	jobs := farmJobs()
	active, queued := jobs[1], jobs[5]
	var tpf *model.TimePerFrame
	tpf = tpf.Added(model.UnitFrame, "w1", "w1", 2, 360, testNow.Add(-10*time.Minute))
	tpf = tpf.Added(model.UnitFrame, "w2", "w2", 2, 600, testNow.Add(-time.Minute))
	active.TimePerFrame = tpf
	active.ETA = &model.ETA{Unit: model.UnitFrame, TaskType: "blender", FramesTotal: 40, FramesDone: 12, FramesLeft: 28,
		Known: true, SecondsLeft: 28 * 240 / 2, Finish: testNow.Add(56 * time.Minute), Workers: 2, AsOf: testNow}
	queued.ETA = &model.ETA{Unit: model.UnitFrame, TaskType: "blender", FramesTotal: 100, FramesLeft: 100,
		Reason: "no task has completed yet", AsOf: testNow}
	return jobs
}

// The jobs view's Frames column says "X of Y frames · ~N min left", and its
// hover text when the job should be done and its time per frame per worker.
func TestJobFramesColumn(t *testing.T) {
	jobs := timedFarmJobs()
	failed := jobs[3]
	failed.ETA = &model.ETA{Unit: model.UnitFrame, TaskType: "blender", FramesTotal: 10, FramesDone: 3, FramesLeft: 7,
		Reason: "no worker can run its tasks", AsOf: testNow}
	for _, tc := range []struct {
		job       *model.Job
		text, tip string
	}{
		{jobs[1], "12 of 40 frames · ~56 min left",
			"12 of 40 frames · ~56 min left · Done around Fri 27 Nov 2026, 15:56:00 with 2 workers · " +
				"4m0s per frame (3m30s–4m30s), 2 tasks timed · w1 3m0s (3m0s–3m0s) · w2 5m0s (5m0s–5m0s)"},
		{jobs[5], "0 of 100 frames · ETA unknown",
			"0 of 100 frames · ETA unknown: no task has completed yet"},
		{jobs[0], "40 of 40 tasks", "40 of 40 tasks"}, // not timed by the manager
		// A job that failed or was canceled has no time left to estimate.
		{failed, "3 of 10 frames", "3 of 10 frames"},
	} {
		if got := jobFramesText(tc.job); got != tc.text {
			t.Errorf("%s: text %q, want %q", tc.job.Name, got, tc.text)
		}
		if got := jobTimingTip(tc.job); got != tc.tip {
			t.Errorf("%s: tip %q, want %q", tc.job.Name, got, tc.tip)
		}
	}
	// Sorting by the column: the least time left first, the unknown last.
	if jobTimeLeft(jobs[1]) >= jobTimeLeft(jobs[5]) || jobTimeLeft(jobs[5]) != jobTimeLeft(jobs[0]) {
		t.Errorf("time left: %v %v %v", jobTimeLeft(jobs[1]), jobTimeLeft(jobs[5]), jobTimeLeft(jobs[0]))
	}
}
