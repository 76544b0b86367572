package model

import (
	"encoding/json"
	stdmaps "maps" // settings.go has a maps of its own
	"slices"
)

// Clones are deep: the copy shares no map, slice or pointer with the
// original (but for what is never changed in place: a job's TimePerFrame),
// so one goroutine may change it while others read the original.
// The manager copies the job and worker records it keeps decoded on every
// change (a job record on every task change), which a reflective copy made a
// tenth of its CPU with 64 workers. TestClonesShareNothing fills every field
// of these types, so a field added without its line here fails it.

// Clone returns a deep copy of j; nil for nil.
func (j *Job) Clone() *Job {
	if j == nil {
		return nil
	}
	c := *j
	c.Settings = CloneSettings(j.Settings)
	c.Metadata = stdmaps.Clone(j.Metadata)
	c.RequiredTags = slices.Clone(j.RequiredTags)
	c.TaskCounts = stdmaps.Clone(j.TaskCounts)
	c.Blocklist = slices.Clone(j.Blocklist)
	c.Failures = stdmaps.Clone(j.Failures)
	c.AllowedActions = slices.Clone(j.AllowedActions)
	if j.ETA != nil {
		eta := *j.ETA
		c.ETA = &eta
	}
	// Shared: a TimePerFrame is never changed once made (Added returns a
	// new one), and copying its samples on every task change cost more than
	// the rest of the job.
	c.TimePerFrame = j.TimePerFrame
	return &c
}

// Clone returns a deep copy of w; nil for nil.
func (w *Worker) Clone() *Worker {
	if w == nil {
		return nil
	}
	c := *w
	c.TaskTypes = slices.Clone(w.TaskTypes)
	c.Tags = slices.Clone(w.Tags)
	c.AllowedActions = slices.Clone(w.AllowedActions)
	if w.Stats != nil {
		s := *w.Stats
		s.GPUs = slices.Clone(w.Stats.GPUs)
		c.Stats = &s
	}
	c.Blenders = slices.Clone(w.Blenders)
	if w.Availability != nil {
		a := *w.Availability
		c.Availability = &a
	}
	c.MACs = slices.Clone(w.MACs)
	return &c
}

// CloneSettings returns a deep copy of job settings: JSON's values (objects,
// lists, strings, numbers, booleans, null) are copied directly; any other Go
// value a caller put in (an int, a []string) through a JSON round trip, which
// is how the store would give it back. nil for nil.
func CloneSettings(s map[string]any) map[string]any {
	if s == nil {
		return nil
	}
	c := make(map[string]any, len(s))
	for k, v := range s {
		c[k] = cloneValue(v)
	}
	return c
}

func cloneValue(v any) any {
	switch v := v.(type) {
	case nil, string, float64, bool, int, int64:
		return v
	case map[string]any:
		return CloneSettings(v)
	case []any:
		c := make([]any, len(v))
		for i, e := range v {
			c[i] = cloneValue(e)
		}
		return c
	}
	b, err := json.Marshal(v)
	if err != nil {
		return v // not storable either; the store refuses it when writing
	}
	var c any
	if json.Unmarshal(b, &c) != nil {
		return v
	}
	return c
}
