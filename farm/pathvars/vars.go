package pathvars

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Variable is a named path with a value per platform, as Flamenco's two-way
// variables: Values[Windows] `P:\projects`, Values[Linux] `/mnt/projects`.
// A value for All is used on the platforms without a value of their own; it
// takes no part in rewriting (which needs a path in one platform's syntax),
// so it suits one-way values such as a storagePath every worker sees alike.
type Variable struct {
	Name   string              `json:"name"`
	Values map[Platform]string `json:"values"`
}

// Set is a farm's variables. Names are unique (Validate checks it, ignoring
// case, so that {Renders} and {renders} cannot both exist).
type Set []Variable

// maxNameLength bounds a variable's name, which appears in every path that
// uses it.
const maxNameLength = 64

// ValidName tells whether name may name a variable: 1 to 64 ASCII letters,
// digits, '_' or '-', so that `{name}` can never be part of a JSON object,
// a Python expression or a format string by accident of spelling.
func ValidName(name string) bool {
	if name == "" || len(name) > maxNameLength {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !isLetter(c) && !isDigit(c) && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// Validate checks v: a valid name, at least one value, known platforms, and
// each platform's value an absolute path of that platform (see Parse). A
// value for All must be non-empty, on one line, and hold no '{' or '}' (a
// variable's value is never expanded again). Errors name the variable and the
// platform, e.g. `variable "renders": windows value "renders" is not an
// absolute Windows path (P:\folder or \\server\share\folder)`.
func (v Variable) Validate() error {
	if !ValidName(v.Name) {
		return fmt.Errorf("variable %q: a name is 1 to %d letters, digits, '_' or '-'", v.Name, maxNameLength)
	}
	if len(v.Values) == 0 {
		return fmt.Errorf("variable %q: it has no value: give one for linux, windows, darwin or all", v.Name)
	}
	for _, platform := range slices.Sorted(maps.Keys(v.Values)) {
		if err := checkValue(platform, v.Values[platform]); err != nil {
			return fmt.Errorf("variable %q: %w", v.Name, err)
		}
	}
	return nil
}

func checkValue(platform Platform, value string) error {
	if strings.ContainsAny(value, "{}\n\r\x00") {
		return fmt.Errorf("%s value %q holds '{', '}', a line break or a NUL, which no path may", platform, value)
	}
	switch platform {
	case All:
		if strings.TrimSpace(value) == "" {
			return errors.New("the value for all platforms is empty")
		}
	case Windows:
		if _, ok := Parse(value, Windows); !ok {
			return fmt.Errorf(`windows value %q is not an absolute Windows path (P:\folder or \\server\share\folder)`, value)
		}
	case Linux, Darwin:
		if _, ok := Parse(value, platform); !ok {
			return fmt.Errorf("%s value %q is not an absolute path (it must start with a single /)", platform, value)
		}
	default:
		return fmt.Errorf("value %q is for unknown platform %q: use linux, windows, darwin or all", value, platform)
	}
	return nil
}

// Validate checks every variable (see Variable.Validate) and that no two
// names differ only in case. It returns the first problem found, in the
// set's order.
func (s Set) Validate() error {
	seen := map[string]string{}
	for _, v := range s {
		if err := v.Validate(); err != nil {
			return err
		}
		key := strings.ToLower(v.Name)
		if other, dup := seen[key]; dup {
			return fmt.Errorf("variable %q: the name is already taken by %q (names ignore case)", v.Name, other)
		}
		seen[key] = v.Name
	}
	return nil
}

// Lookup returns the variable named name, exactly as spelt.
func (s Set) Lookup(name string) (Variable, bool) {
	for _, v := range s {
		if v.Name == name {
			return v, true
		}
	}
	return Variable{}, false
}

// Value is v's value for platform p: its own value, else the value for All.
// A platform's value comes back normalised to that platform's notation
// (`P:/projects/` is `P:\projects`); a value for All as it was written.
func (v Variable) Value(p Platform) (string, bool) {
	if value, ok := v.Values[p]; ok && p != All {
		return trimTrailing(value, p), true
	}
	value, ok := v.Values[All]
	return value, ok
}

// trimTrailing drops the separators after a value's last component, as
// Flamenco does for two-way values, but never a root's own.
func trimTrailing(value string, p Platform) string {
	if parsed, ok := Parse(value, p); ok {
		parsed.Trailing = false
		return parsed.String()
	}
	return value
}

// Values returns every variable's value for platform p (see Value), by name;
// variables without one are left out. This is what a submitter on p needs to
// show or resolve `{name}` itself, as Flamenco's
// GET /configuration/variables/{audience}/{platform} answers.
func (s Set) Values(p Platform) map[string]string {
	out := make(map[string]string, len(s))
	for _, v := range s {
		if value, ok := v.Value(p); ok {
			out[v.Name] = value
		}
	}
	return out
}
