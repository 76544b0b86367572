package pathvars

import "strings"

// Rewrite turns path, written on platform from, into `{name}/rest` when it
// starts with the variable name's value for from: `P:\shots\sh010.blend`
// with projects = `P:\` … on windows becomes `{projects}/shots/sh010.blend`.
// The rest is cleaned (see Parse) and uses forward slashes; a trailing
// separator is kept. Matching is by whole components, ignoring case for
// windows and darwin values; either slash matches on windows. When several
// values match, the longest (most components) wins, then the first name in
// alphabetical order. Only values for from itself take part, not values for
// All. A path that is not absolute on from (a Blender `//relative` path, a
// Windows path from a Linux submitter), or matches no value, comes back
// unchanged with false.
func (s Set) Rewrite(path string, from Platform) (string, bool) {
	p, ok := Parse(path, from)
	if !ok {
		return path, false
	}
	bestName, bestLen := "", -1
	for _, v := range s {
		value, ok := v.Values[from]
		if !ok || from == All {
			continue
		}
		prefix, ok := Parse(value, from)
		if !ok || !p.HasPrefix(prefix) {
			continue
		}
		if n := len(prefix.Parts); n > bestLen || n == bestLen && v.Name < bestName {
			bestName, bestLen = v.Name, n
		}
	}
	if bestLen < 0 {
		return path, false
	}
	var b strings.Builder
	b.WriteString("{" + bestName + "}")
	for _, part := range p.Parts[bestLen:] {
		b.WriteString("/" + part)
	}
	if p.Trailing {
		b.WriteByte('/')
	}
	return b.String(), true
}

// RewriteFrom rewrites path as Rewrite does for platform from first, then
// for the other platforms on which it is an absolute path: a path that
// matches no value of from's is taken as written where its form says (a
// drive letter or UNC path on windows; /mnt/… on linux, then darwin). So a
// Windows path typed on Linux (a TD's script, a Windows artist's path
// pasted into a Linux terminal) maps to its variable, as it must, since no
// Linux worker can open it as it is. from may be "" (the submitter did not
// say): every platform is tried, linux, windows, darwin.
func (s Set) RewriteFrom(path string, from Platform) (string, bool) {
	if from != "" {
		if out, ok := s.Rewrite(path, from); ok {
			return out, true
		}
	}
	for _, p := range Platforms {
		if p == from {
			continue
		}
		if out, ok := s.Rewrite(path, p); ok {
			return out, true
		}
	}
	return path, false
}

// RewriteSettings returns a copy of a job's settings in which every string
// that RewriteFrom changes, for a submitter on platform from ("" when not
// known), is rewritten: the settings' own strings and the strings inside
// their lists ([]any, []string) and objects (map[string]any), however deep.
// Only whole strings are paths here, as in Flamenco: a path inside a longer
// string ("--out P:\x") is left alone. Other values are copied as they are;
// settings is not changed, and nil gives nil.
func (s Set) RewriteSettings(settings map[string]any, from Platform) map[string]any {
	if settings == nil {
		return nil
	}
	out, _ := s.rewriteValue(settings, from).(map[string]any)
	return out
}

func (s Set) rewriteValue(v any, from Platform) any {
	switch v := v.(type) {
	case string:
		out, _ := s.RewriteFrom(v, from)
		return out
	case []string:
		out := make([]string, len(v))
		for i, e := range v {
			out[i], _ = s.RewriteFrom(e, from)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = s.rewriteValue(e, from)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = s.rewriteValue(e, from)
		}
		return out
	}
	return v
}
