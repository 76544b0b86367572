package app

import (
	"flag"
	"io"
	"slices"
	"strings"
	"testing"

	"farmhand/farm/api/wire"
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

// TestSizeSettings: upload limits are written as people write sizes, 0 takes
// the default, and they are shown in the unit they were given.
func TestSizeSettings(t *testing.T) {
	key := func(name string) configKey {
		i := slices.IndexFunc(configKeys, func(k configKey) bool { return k.key == name })
		if i < 0 {
			t.Fatalf("no config key %s", name)
		}
		return configKeys[i]
	}
	for in, want := range map[string]int64{"2GiB": 2 << 30, "0": 0, "1536MiB": 1536 << 20} {
		var u wire.ConfigUpdate
		if err := key("max-file-size").set(&u, in); err != nil || u.MaxFileSize == nil || *u.MaxFileSize != want {
			t.Errorf("max-file-size %q: %v, %v; want %d", in, u.MaxFileSize, err, want)
		}
	}
	var u wire.ConfigUpdate
	if err := key("max-job-size").set(&u, "12 parsecs"); err == nil || !strings.Contains(err.Error(), "max-job-size") {
		t.Errorf("a size that is not one: %v", err)
	}
}
