package model

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// BlenderVersionSetting is the job setting that asks for a Blender version;
// the manager gives the job's tasks only to workers that have a matching
// Blender, and the worker renders them with it.
const BlenderVersionSetting = "blender_version"

// BlenderRequirement is a parsed blender_version setting: one or more
// comma-separated clauses that must all hold. A clause is a version with an
// optional operator: "3.4" (or "=3.4") means any 3.4.x, "4" any 4.x, "4.1.2"
// exactly that; ">=4.1", ">4.1", "<=4.2", "<4.2" compare, missing parts
// counting as 0 (">=4.1" takes 4.1.0 and later).
type BlenderRequirement struct {
	text    string
	clauses []versionClause
}

type versionClause struct {
	op    string // "=", ">=", ">", "<=", "<"
	parts []int  // 1 to 3 numbers
}

var versionClauseRE = regexp.MustCompile(`^(>=|<=|==|=|>|<)?\s*v?(\d+(?:\.\d+){0,2})$`)

// ParseBlenderRequirement parses a blender_version setting. An empty text is
// the zero requirement, which every Blender meets. A malformed one is an error
// saying what is wrong.
func ParseBlenderRequirement(text string) (BlenderRequirement, error) {
	r := BlenderRequirement{text: strings.TrimSpace(text)}
	if r.text == "" {
		return r, nil
	}
	for _, c := range strings.Split(r.text, ",") {
		m := versionClauseRE.FindStringSubmatch(strings.TrimSpace(c))
		if m == nil {
			return r, fmt.Errorf("%s %q: %q is not a version like 3.4, 4.1.2 or >=4.1", BlenderVersionSetting, text, strings.TrimSpace(c))
		}
		op := m[1]
		if op == "" || op == "==" {
			op = "="
		}
		parts, _ := versionParts(m[2])
		r.clauses = append(r.clauses, versionClause{op: op, parts: parts})
	}
	return r, nil
}

// String is the requirement as written.
func (r BlenderRequirement) String() string { return r.text }

// Any reports whether the requirement takes every Blender (none was given).
func (r BlenderRequirement) Any() bool { return len(r.clauses) == 0 }

// Matches reports whether a Blender of version (as BlenderVersionOf gives it,
// e.g. "4.1.1") meets the requirement. An unknown version ("") meets only the
// empty requirement.
func (r BlenderRequirement) Matches(version string) bool {
	if r.Any() {
		return true
	}
	v, ok := versionParts(version)
	if !ok {
		return false
	}
	for _, c := range r.clauses {
		if !c.holds(v) {
			return false
		}
	}
	return true
}

func (c versionClause) holds(v []int) bool {
	if c.op == "=" {
		for i, p := range c.parts {
			if part(v, i) != p {
				return false
			}
		}
		return true
	}
	cmp := 0
	for i := range 3 {
		if a, b := part(v, i), part(c.parts, i); a != b {
			cmp = 1
			if a < b {
				cmp = -1
			}
			break
		}
	}
	switch c.op {
	case ">=":
		return cmp >= 0
	case ">":
		return cmp > 0
	case "<=":
		return cmp <= 0
	}
	return cmp < 0 // "<"
}

func part(v []int, i int) int {
	if i < len(v) {
		return v[i]
	}
	return 0
}

func versionParts(s string) ([]int, bool) {
	fields := strings.Split(s, ".")
	if s == "" || len(fields) > 3 {
		return nil, false
	}
	parts := make([]int, len(fields))
	for i, f := range fields {
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 {
			return nil, false
		}
		parts[i] = n
	}
	return parts, true
}

var blenderVersionRE = regexp.MustCompile(`(?m)^Blender (\d+\.\d+(?:\.\d+)?)`)

// BlenderVersionOf finds the version in what `blender --version` printed
// ("Blender 4.1.1\n\tbuild date: …" gives "4.1.1"); "" when there is none.
func BlenderVersionOf(output string) string {
	if m := blenderVersionRE.FindStringSubmatch(output); m != nil {
		return m[1]
	}
	return ""
}

// JobBlenderRequirement is the job's blender_version setting, parsed; a job
// without one gets the zero requirement. A number is taken as written in
// the shortest form (4.1 is "4.1": the command line's --set
// blender_version=4.1 sends a number; Blender 2.80 must be given as text,
// as the number 2.80 reads as 2.8). Other kinds of value are an error, as is
// a malformed requirement.
func JobBlenderRequirement(j *Job) (BlenderRequirement, error) {
	switch v := j.Settings[BlenderVersionSetting].(type) {
	case nil:
		return BlenderRequirement{}, nil
	case string:
		return ParseBlenderRequirement(v)
	case float64:
		return ParseBlenderRequirement(strconv.FormatFloat(v, 'f', -1, 64))
	default:
		return BlenderRequirement{}, fmt.Errorf("%s must be text like \"3.4\" or \">=4.1\", not %v", BlenderVersionSetting, v)
	}
}
