package app

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"farmhand/farm/api/wire"
)

// A --set key the job type does not declare is most often a typo
// (--set chunk_sise=4), which the job would take silently and render with
// the default. Flamenco's manager passes every submitted setting to the job
// type's script as it is, declared or not, and scripts may read extra ones;
// so Farmhand warns rather than refuses, names the settings the type
// declares (the nearest first), and takes --set-extra for an extra setting
// given on purpose.

// mergeExtras adds the --set-extra settings to the --set ones; a key given
// with both, or a --set-extra key jt declares (nil jt: none), is an
// errUsage.
func mergeExtras(set, extra settingsFlag, jt *wire.JobType) (settingsFlag, error) {
	out := settingsFlag{}
	for k, v := range set {
		out[k] = v
	}
	for k, v := range extra {
		if _, twice := set[k]; twice {
			return nil, fmt.Errorf("%w: setting %s is given with both --set and --set-extra", errUsage, k)
		}
		if jt != nil && slices.ContainsFunc(jt.Settings, func(s wire.JobSetting) bool { return s.Key == k }) {
			return nil, fmt.Errorf("%w: --set-extra %s: job type %s declares %s: use --set %s=…", errUsage, k, jt.Name, k, k)
		}
		out[k] = v
	}
	return out, nil
}

// shownKeys returns the keys of the settings of jt that 'farmhand jobtypes'
// lists: all but the hidden ones, which the job type or the add-on fills.
func shownKeys(jt *wire.JobType) []string {
	var keys []string
	for _, s := range jt.Settings {
		if s.Visible != "hidden" {
			keys = append(keys, s.Key)
		}
	}
	return keys
}

// warnUndeclared writes to w a warning for each --set key jt does not
// declare, naming the nearest declared key and all of them, and how to pass
// an extra setting on purpose. Nothing when jt is nil (the manager names the
// job types it has).
func warnUndeclared(w io.Writer, set settingsFlag, jt *wire.JobType) {
	if jt == nil {
		return
	}
	keys := shownKeys(jt)
	var unknown []string
	for k := range set {
		if !slices.ContainsFunc(jt.Settings, func(s wire.JobSetting) bool { return s.Key == k }) {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	for _, k := range unknown {
		hint := ""
		if near := nearestKey(k, keys); near != "" {
			hint = fmt.Sprintf(" (did you mean %s?)", near)
		}
		fmt.Fprintf(w, "warning: job type %s declares no setting %q%s; it is passed on to the job type's script as an extra setting.\n"+
			"  Its settings: %s ('farmhand jobtypes' describes them).\n"+
			"  To pass an extra setting on purpose, without this warning: --set-extra %s=…\n",
			jt.Name, k, hint, orNone(strings.Join(keys, ", ")), k)
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// nearestKey returns the key of keys k likely stands for: the only one k
// starts ("sleep" for sleep_seconds, "chunk" for chunk_size), else the
// closest when it is a likely typo (at most two edits), case aside; else "".
func nearestKey(k string, keys []string) string {
	var starts []string
	for _, c := range keys {
		if strings.HasPrefix(strings.ToLower(c), strings.ToLower(k)) {
			starts = append(starts, c)
		}
	}
	if len(starts) == 1 {
		return starts[0]
	}
	best, bestD := "", 3
	for _, c := range keys {
		if d := editDistance(strings.ToLower(k), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur := make([]int, len(rb)+1)
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(rb)]
}
