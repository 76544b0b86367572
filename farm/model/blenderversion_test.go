package model

import "testing"

func TestBlenderRequirementMatches(t *testing.T) {
	for _, c := range []struct {
		req, version string
		want         bool
	}{
		{"", "", true}, {"", "4.1.1", true},
		{"3.4", "3.4.0", true}, {"3.4", "3.4.12", true}, {"3.4", "3.40.0", false}, {"3.4", "3.5.0", false},
		{"=3.4", "3.4.1", true}, {"==3.4", "3.4.1", true}, {"4", "4.2.1", true}, {"4", "5.0.0", false},
		{"4.1.2", "4.1.2", true}, {"4.1.2", "4.1.3", false},
		{">=4.1", "4.1.0", true}, {">=4.1", "4.0.99", false}, {">=4.1", "5.0", true},
		{">4.1", "4.1.0", false}, {">4.1", "4.1.1", true},
		{"<4.2", "4.1.9", true}, {"<4.2", "4.2.0", false}, {"<=4.2", "4.2.0", true}, {"<=4.2", "4.2.1", false},
		{">=3.6, <4.2", "3.6.0", true}, {">=3.6, <4.2", "4.2.0", false}, {">=3.6,<4.2", "3.5.9", false},
		{"3.4", "", false}, {">=1", "garbage", false},
	} {
		r, err := ParseBlenderRequirement(c.req)
		if err != nil {
			t.Fatalf("parsing %q: %v", c.req, err)
		}
		if got := r.Matches(c.version); got != c.want {
			t.Errorf("%q matches %q: %v, want %v", c.req, c.version, got, c.want)
		}
	}
	for _, bad := range []string{"newest", "4.x", ">=", "4.1.2.3", "~4.1", "4.1,"} {
		if _, err := ParseBlenderRequirement(bad); err == nil {
			t.Errorf("%q parsed; want an error", bad)
		}
	}
	// The command line's --set blender_version=4.1 sends a number.
	if r, err := JobBlenderRequirement(&Job{Settings: map[string]any{BlenderVersionSetting: 4.1}}); err != nil ||
		r.String() != "4.1" || !r.Matches("4.1.2") || r.Matches("4.10.0") {
		t.Errorf("blender_version 4.1 as a number: %q %v", r, err)
	}
	if _, err := JobBlenderRequirement(&Job{Settings: map[string]any{BlenderVersionSetting: true}}); err == nil {
		t.Error("blender_version true was taken")
	}
}

func TestBlenderVersionOf(t *testing.T) {
	for out, want := range map[string]string{
		"Blender 4.1.1\n\tbuild date: 2024-04-16\n": "4.1.1",
		"Blender 3.4.1 (hash 55485cb379f7)\n":       "3.4.1",
		"Read prefs: …\nBlender 2.93\n":             "2.93",
		"not blender":                               "",
	} {
		if got := BlenderVersionOf(out); got != want {
			t.Errorf("BlenderVersionOf(%q) = %q, want %q", out, got, want)
		}
	}
}
