package model

import (
	"slices"
	"testing"
)

// Every client reads tags the same: commas only, so that "big memory" is
// one tag (found by a fresh-eyes try: the Tags… dialog split at spaces too,
// where 'farmhand worker ID tags' did not).
func TestSplitTags(t *testing.T) {
	if got := SplitTags(" gpu, big memory,gpu ,"); !slices.Equal(got, []string{"gpu", "big memory"}) {
		t.Errorf("tags %q", got)
	}
	if got := SplitTags("  "); got == nil || len(got) != 0 {
		t.Errorf("no tags must be an empty list (clears them), got %#v", got)
	}
}
