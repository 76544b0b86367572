package app

import (
	"bytes"
	"testing"
	"text/tabwriter"
	"time"

	"farmhand/farm/model"
)

// farmhand job ID shows frames done and left, the ETA and the time per frame
// overall and per worker, from the job's eta and time_per_frame.
func TestPrintTiming(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var tpf *model.TimePerFrame
	tpf = tpf.Added(model.UnitFrame, "id1", "w1", 2, 360, now.Add(-4*time.Minute))
	tpf = tpf.Added(model.UnitFrame, "id2", "w2", 2, 600, now)
	for _, tc := range []struct {
		name string
		job  model.Job
		want string
	}{
		{"never changed", model.Job{}, ""},
		{"unknown", model.Job{ETA: &model.ETA{Unit: model.UnitFrame, FramesTotal: 8, FramesLeft: 8, Reason: "no task has completed yet"}},
			"Frames  0 of 8 frames · ETA unknown: no task has completed yet\n"},
		{"known", model.Job{ETA: &model.ETA{Unit: model.UnitFrame, FramesTotal: 8, FramesDone: 4, FramesLeft: 4, Known: true,
			SecondsLeft: 480, Finish: now.Add(8 * time.Minute), Workers: 2}, TimePerFrame: tpf},
			"Frames          4 of 8 frames · ~8 min left, done around " + now.Add(8*time.Minute).Local().Format(time.DateTime) + " (2 workers)\n" +
				"Time per frame  4m0s per frame (3m30s–4m30s), 2 tasks timed\n" +
				"  w1            3m0s (3m0s–3m0s), 1 task, 2 frames\n" +
				"  w2            5m0s (5m0s–5m0s), 1 task, 2 frames\n"},
		{"done", model.Job{ETA: &model.ETA{Unit: model.UnitTask, FramesTotal: 3, FramesDone: 3, Known: true, Finish: now}},
			"Done  3 of 3 tasks\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			tw := tabwriter.NewWriter(&b, 2, 4, 2, ' ', 0)
			printTiming(tw, &tc.job, now)
			tw.Flush()
			if b.String() != tc.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), tc.want)
			}
		})
	}
}
