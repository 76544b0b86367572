package wire

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckAPIAcceptsAdjacentVersionsAndNamesTheSideToUpgrade(t *testing.T) {
	// A build of API 3 that still speaks 2.
	const oldest, current = 2, 3
	for _, c := range []struct {
		theirs  int
		upgrade string // "" when they work together
	}{
		{3, ""},             // the same release
		{2, ""},             // the previous release: adjacent, works
		{1, "the worker"},   // two releases older: the peer upgrades
		{4, "this manager"}, // newer than this build and not speaking down: this side upgrades
		{0, "the worker"},
	} {
		err := checkAPI(oldest, current, c.theirs, "this manager", "the worker")
		if c.upgrade == "" {
			if err != nil {
				t.Errorf("API %d with %d-%d: %v, want them to work together", c.theirs, oldest, current, err)
			}
			continue
		}
		var ie *IncompatibleError
		if !errors.As(err, &ie) || ie.Upgrade != c.upgrade || !strings.Contains(err.Error(), "upgrade "+c.upgrade) {
			t.Errorf("API %d with %d-%d: %v, want it to say upgrade %s", c.theirs, oldest, current, err, c.upgrade)
		}
	}
	if err := CheckAPI(APIVersion, "x", "y"); err != nil {
		t.Errorf("this build refuses its own API version: %v", err)
	}
}
