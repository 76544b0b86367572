package pathvars

import (
	"strings"
	"testing"
)

// studio is a mixed farm: the same file server seen as P:\ on Windows,
// /mnt/projects on Linux and /Volumes/Projects on macOS; a UNC renders share;
// a variable whose Linux value is a prefix of another's folder name.
var studio = Set{
	{Name: "projects", Values: map[Platform]string{Windows: `P:\`, Linux: "/mnt/projects", Darwin: "/Volumes/Projects"}},
	{Name: "shots", Values: map[Platform]string{Windows: `P:\shots`, Linux: "/mnt/projects/shots/", Darwin: "/Volumes/Projects/shots"}},
	{Name: "proj", Values: map[Platform]string{Windows: `Q:/proj`, Linux: "/mnt/proj"}},
	{Name: "renders", Values: map[Platform]string{Windows: `\\fileserver\renders`, Linux: "/srv/renders", Darwin: "/Volumes/renders"}},
	{Name: "storagePath", Values: map[Platform]string{All: "/shared/storage", Windows: `//nas/storage`}},
}

func TestValidate(t *testing.T) {
	if err := studio.Validate(); err != nil {
		t.Fatalf("the studio's variables: %v", err)
	}
	cases := []struct {
		set  Set
		want []string // in the error, besides the variable's name
	}{
		{Set{{Name: "", Values: map[Platform]string{Linux: "/x"}}}, []string{"1 to 64"}},
		{Set{{Name: "a b", Values: map[Platform]string{Linux: "/x"}}}, []string{`"a b"`, "letters"}},
		{Set{{Name: strings.Repeat("x", 65), Values: map[Platform]string{Linux: "/x"}}}, []string{"1 to 64"}},
		{Set{{Name: "r", Values: nil}}, []string{`"r"`, "no value"}},
		{Set{{Name: "r", Values: map[Platform]string{Windows: "renders"}}}, []string{`"r"`, "windows", `"renders"`, "absolute Windows path"}},
		{Set{{Name: "r", Values: map[Platform]string{Windows: `\\server`}}}, []string{"windows", "absolute Windows path"}},
		{Set{{Name: "r", Values: map[Platform]string{Linux: `P:\renders`}}}, []string{"linux", `P:\\renders`, "absolute path"}},
		{Set{{Name: "r", Values: map[Platform]string{Darwin: "//relative"}}}, []string{"darwin", "absolute path"}},
		{Set{{Name: "r", Values: map[Platform]string{"macos": "/x"}}}, []string{`"macos"`, "unknown platform"}},
		{Set{{Name: "r", Values: map[Platform]string{All: " "}}}, []string{"empty"}},
		{Set{{Name: "r", Values: map[Platform]string{Linux: "/x/{y}"}}}, []string{"linux", "'{'"}},
		{Set{{Name: "r", Values: map[Platform]string{All: "a\nb"}}}, []string{"all", "line break"}},
		{Set{{Name: "Renders", Values: map[Platform]string{All: "/a"}}, {Name: "renders", Values: map[Platform]string{All: "/b"}}},
			[]string{`"renders"`, `"Renders"`, "ignore case"}},
	}
	for _, c := range cases {
		err := c.set.Validate()
		if err == nil {
			t.Errorf("%+v: no error", c.set)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%+v: error %q does not say %q", c.set, err, w)
			}
		}
	}
}

func TestValues(t *testing.T) {
	for _, c := range []struct {
		on   Platform
		want map[string]string
	}{
		{Windows, map[string]string{"projects": `P:\`, "shots": `P:\shots`, "proj": `Q:\proj`,
			"renders": `\\fileserver\renders`, "storagePath": `\\nas\storage`}},
		{Linux, map[string]string{"projects": "/mnt/projects", "shots": "/mnt/projects/shots", "proj": "/mnt/proj",
			"renders": "/srv/renders", "storagePath": "/shared/storage"}},
		{Darwin, map[string]string{"projects": "/Volumes/Projects", "shots": "/Volumes/Projects/shots",
			"renders": "/Volumes/renders", "storagePath": "/shared/storage"}},
	} {
		got := studio.Values(c.on)
		if len(got) != len(c.want) {
			t.Errorf("%s: %q, want %q", c.on, got, c.want)
		}
		for k, v := range c.want {
			if got[k] != v {
				t.Errorf("%s: %s = %q, want %q", c.on, k, got[k], v)
			}
		}
	}
}
