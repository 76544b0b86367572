package shellwords

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestShellSplit(t *testing.T) {
	good := map[string]string{
		``:                           `[]`,
		`  -a   b  `:                 `["-a","b"]`,
		`--python-expr "import bpy"`: `["--python-expr","import bpy"]`,
		`'it''s' "a \"b\" \c"`:       `["its","a \"b\" c"]`,
		`a\ b c\\d`:                  `["a b","c\\d"]`,
		`x # comment "unclosed`:      `["x"]`,
		"a#b # c\nd":                 `["a#b","d"]`,
		`"" ''`:                      `["",""]`,
		"tab\tand\nnewline":          `["tab","and","newline"]`,
	}
	for in, want := range good {
		got, err := Split(in)
		if err != nil || mustJSON(got) != want {
			t.Errorf("Split(%q) = %q, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{`"open`, `'open`, `end\`, `"a\`} {
		if got, err := Split(in); err == nil {
			t.Errorf("Split(%q) = %q, want an error", in, got)
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// FuzzShellSplit checks that splitting never panics and that words without
// special characters come back as they were.
func FuzzShellSplit(f *testing.F) {
	for _, s := range []string{`-E CYCLES`, `"a b" 'c' d\ e`, `# x`, `"open`, `a\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words, err := Split(s)
		if err != nil {
			return
		}
		blank := func(r rune) bool { return strings.ContainsRune(" \t\r\n", r) }
		if !strings.ContainsAny(s, "\\'\"#") && fmt.Sprintf("%q", words) != fmt.Sprintf("%q", strings.FieldsFunc(s, blank)) {
			t.Fatalf("%q split into %q", s, words)
		}
	})
}
