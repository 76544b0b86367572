package manager

import (
	"fmt"
	"strings"

	"farmhand/farm/model"
)

// Every job change counts the workers able to run the job, for its ETA
// (ableWorkers), and with many workers the ops of one group commit are
// mostly task changes of the same job by different workers: the count is the
// same for all of them unless a worker's eligibility changed. So the ops of a
// transaction share the counts (store.Tx.Shared), keyed by what of the job
// the count depends on, and any op that changes what of a worker the count
// depends on clears them.

// ableCounts are the counts the ops of one transaction share, by job id.
type ableCounts map[string]ableCount

type ableCount struct {
	key string // ableKey of the job when counted
	n   int
}

type ableCountsKey struct{}

func (o *op) ableCounts() ableCounts {
	return o.tx.Shared(ableCountsKey{}, func() any { return ableCounts{} }).(ableCounts)
}

// ableKey is what of job j the count of its able workers depends on: the task
// type counted, required tags, blocklist and Blender version.
func ableKey(j *model.Job) string {
	var b strings.Builder
	if j.ETA != nil {
		b.WriteString(j.ETA.TaskType)
	}
	for _, t := range j.RequiredTags {
		b.WriteString("\x00t")
		b.WriteString(t)
	}
	for _, e := range j.Blocklist {
		b.WriteString("\x00b")
		b.WriteString(e.WorkerID)
		b.WriteString("/")
		b.WriteString(e.TaskType)
	}
	if v, ok := j.Settings[model.BlenderVersionSetting]; ok {
		fmt.Fprintf(&b, "\x00v%v", v)
	}
	return b.String()
}

// eligibility is what of worker w checkWorker looks at, but for the task it
// runs (ableWorkers counts busy workers).
func eligibility(w *model.Worker) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\x00%s\x00%v\x00%v\x00%v", w.Status, w.StatusRequested, w.TaskTypes, w.Tags, w.Blenders)
	if d := w.Availability; d != nil {
		fmt.Fprintf(&b, "\x00%t", d.Available)
	}
	return b.String()
}

// noteLoaded remembers the eligibility of a worker as the op read it.
func (o *op) noteLoaded(w *model.Worker) {
	if o.loaded == nil {
		o.loaded = map[string]string{}
	}
	o.loaded[w.ID] = eligibility(w)
}

// changedEligibility says whether the op changed what the counts depend on:
// a worker's eligibility, a worker it added or one it deleted.
func (o *op) changedEligibility() bool {
	if len(o.deletedWorkers) > 0 {
		return true
	}
	for id, w := range o.workers {
		if was, ok := o.loaded[id]; !ok || was != eligibility(w) {
			return true
		}
	}
	return false
}

// forgetAbleCounts drops the transaction's counts when this op changed
// what they depend on; flush calls it as it writes the op's workers.
func (o *op) forgetAbleCounts() {
	if o.changedEligibility() {
		clear(o.ableCounts())
	}
}
