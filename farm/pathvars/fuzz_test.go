package pathvars

import (
	"strings"
	"testing"
)

// FuzzRewriteExpand: Rewrite and Expand never panic, and a path rewritten on
// one platform expands on that same platform to the path itself, cleaned as
// Parse cleans it (separators, ".", ".."), and up to case where the
// platform ignores it.
func FuzzRewriteExpand(f *testing.F) {
	for _, seed := range []struct {
		path string
		on   uint8
	}{
		{`P:\shots\sh010\a.blend`, 1}, {`//FileServer/Renders/sh010/`, 1}, {`p:`, 1}, {`P:\..\x`, 1},
		{"/mnt/projects/shots/x", 0}, {"/mnt/proj", 0}, {"/mnt/projects2/x", 0}, {"//rel/x", 0},
		{"/Volumes/projects/a/../b/", 2}, {"{shots}/x", 2}, {"--out={renders}/a'b\"c{d}", 1},
	} {
		f.Add(seed.path, seed.on)
	}
	f.Fuzz(func(t *testing.T, path string, on uint8) {
		platform := Platforms[int(on)%len(Platforms)]
		rewritten, ok := studio.Rewrite(path, platform)
		for _, to := range append(Platforms, All) {
			studio.Expand(path, to)      //nolint:errcheck // only must not panic
			studio.Expand(rewritten, to) //nolint:errcheck // only must not panic
		}
		if !ok {
			if rewritten != path {
				t.Fatalf("Rewrite(%q, %s) changed it without a match: %q", path, platform, rewritten)
			}
			return
		}
		p, _ := Parse(path, platform)
		// Braces in the path's own names have a meaning for
		// Expand (see there); a backslash in a Linux or macOS name is taken
		// for a separator typed on Windows.
		special := "{}"
		if platform != Windows {
			special += `\`
		}
		if strings.ContainsAny(strings.Join(p.Parts, "/"), special) {
			return
		}
		got, err := studio.Expand(rewritten, platform)
		if err != nil {
			t.Fatalf("Rewrite(%q, %s) = %q, which does not expand: %v", path, platform, rewritten, err)
		}
		want := p.String()
		if same := got == want || platform.foldsCase() && strings.EqualFold(got, want); !same {
			t.Fatalf("%q on %s → %q → %q, want %q", path, platform, rewritten, got, want)
		}
	})
}
