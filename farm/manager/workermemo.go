package manager

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"

	"farmhand/farm/model"
)

// workerMemo keeps every worker's record decoded, with the stored bytes it
// was decoded from. Every change to a job estimates its finish from the
// workers able to run it (ableWorkers), which read all worker records: with
// 64 workers, decoding them took half the manager's time under load. The
// memo decodes a record again only when its stored bytes changed, so the
// answer stays that of the transaction's own view. The zero value is ready to
// use; it holds one entry per worker, never per task.
type workerMemo struct {
	mu   sync.Mutex
	byID map[string]memoWorker
}

type memoWorker struct {
	raw []byte
	w   *model.Worker
}

// storedWorkers calls fn for every stored worker, in id order, until fn
// returns false, as tx.Workers does; the workers it passes are shared and
// must not be changed. Workers deleted from the store leave the memo on the
// next full pass.
func (o *op) storedWorkers(fn func(*model.Worker) bool) error {
	memo := &o.m.decoded
	memo.mu.Lock()
	defer memo.mu.Unlock()
	seen := make(map[string]memoWorker, len(memo.byID))
	var bad error
	complete := true
	o.tx.RawWorkers(func(id, raw []byte) bool {
		e, ok := memo.byID[string(id)]
		if !ok || !bytes.Equal(e.raw, raw) {
			var w model.Worker
			if err := json.Unmarshal(raw, &w); err != nil {
				bad = fmt.Errorf("decoding worker %s: %w", id, err)
				return false
			}
			e = memoWorker{raw: bytes.Clone(raw), w: &w}
		}
		seen[string(id)] = e
		if !fn(e.w) {
			complete = false
			return false
		}
		return true
	})
	if bad == nil && complete {
		memo.byID = seen
	}
	return bad
}
