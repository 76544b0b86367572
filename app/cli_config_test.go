package app

import (
	"flag"
	"io"
	"slices"
	"testing"
)

// TestSplitSetPairs: the values of 'config set' are taken as they are, also
// when they look like flags, and the command's own flags still parse.
func TestSplitSetPairs(t *testing.T) {
	fs := flag.NewFlagSet("config", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.String("manager", "", "")
	fs.Bool("json", false, "")
	for _, c := range []struct {
		args, pairs, rest []string
	}{
		{[]string{"set", "task-timeout", "-5m"}, []string{"task-timeout", "-5m"}, []string{"set"}},
		{[]string{"set", "--manager", "http://x", "farm-name", "--json", "--json"},
			[]string{"farm-name", "--json"}, []string{"set", "--manager", "http://x", "--json"}},
		{[]string{"set", "a", "1", "--manager=http://x", "b", "-2"}, []string{"a", "1", "b", "-2"}, []string{"set", "--manager=http://x"}},
		{[]string{"--json"}, nil, []string{"--json"}},
		{[]string{"set", "lonely"}, []string{"lonely"}, []string{"set"}},
	} {
		pairs, rest := splitSetPairs(fs, c.args)
		if !slices.Equal(pairs, c.pairs) || !slices.Equal(rest, c.rest) {
			t.Errorf("%q: pairs %q rest %q, want %q and %q", c.args, pairs, rest, c.pairs, c.rest)
		}
	}
}
