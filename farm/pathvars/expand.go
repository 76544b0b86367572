package pathvars

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// The kinds of ExpandError, for errors.Is.
var (
	ErrUnknownVariable = errors.New("unknown variable")
	ErrNoValue         = errors.New("variable without a value for the platform")
)

// ExpandError says which `{name}` could not be expanded for which platform.
type ExpandError struct {
	Name     string
	Platform Platform
	Err      error // ErrUnknownVariable or ErrNoValue
	// Has lists the platforms the variable has values for (ErrNoValue), or
	// the declared name that differs only in case (ErrUnknownVariable).
	Has     []Platform
	Similar string
}

func (e *ExpandError) Error() string {
	if errors.Is(e.Err, ErrNoValue) {
		return fmt.Sprintf("variable {%s} has no value for %s (it has values for %s only)", e.Name, e.Platform,
			joinPlatforms(e.Has))
	}
	msg := fmt.Sprintf("unknown variable {%s} (expanding for %s): no variable of that name is declared", e.Name, e.Platform)
	if e.Similar != "" {
		msg += fmt.Sprintf("; did you mean {%s}?", e.Similar)
	}
	return msg
}

func (e *ExpandError) Unwrap() error { return e.Err }

func joinPlatforms(ps []Platform) string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = string(p)
	}
	return strings.Join(names, ", ")
}

// WorkerVariables are the names a worker expands itself when the farm
// declares no variable of that name: `{blender}` (the Blender it found) and
// `{blenderArgs}` ("-b -y"), as farm/worker's blender-render does, and an
// upload job's `{job_files}` and `{job_output}` (the worker's own folders of
// the job; see package files). Expand leaves them as they are. Matched
// ignoring case, as the worker does.
var WorkerVariables = []string{"blender", "blenderArgs", "job_files", "job_output"}

// Expand replaces every `{name}` in str, for a worker on platform to, with
// the variable's value for to (or for All), and gives the rest of that path
// to's separators: with renders = `\\fs\renders` on windows,
// `--render-output={renders}/sh010/######` becomes
// `--render-output=\\fs\renders\sh010\######`.
//
// The rules, chosen so that command lines and Python code survive:
//   - A reference is '{', a valid variable name (see ValidName), '}'. Other
//     braces (`{'a': 1}`, `{C.scene.name}`, `%{n}` of FFmpeg) are not.
//   - A reference to a declared variable is expanded wherever it is, as in
//     Flamenco. A variable without a value for to (nor for All) is an
//     ExpandError wrapping ErrNoValue.
//   - An undeclared name is an ExpandError wrapping ErrUnknownVariable when
//     it stands where a path starts: at the start of str, or right after '='
//     (`--out={renders}/x`). Elsewhere (a Python f-string `f'{x}'`, a
//     job-type's own `{timestamp}` deep in a path) it is left as it is, as
//     are WorkerVariables.
//   - The rest of the path runs to the end of str, or, when the reference
//     directly follows a quote (`'{projects}/x.blend'`), to the next such
//     quote; in it both '/' and '\' become to's separator. A root value
//     (`P:\`, `/`) takes no second separator. Blender's '#' padding and
//     anything else passes through unchanged.
//
// Known limit, shared with Flamenco: a folder whose own name is `{name}` of a
// declared variable is expanded too.
func (s Set) Expand(str string, to Platform) (string, error) {
	if !strings.Contains(str, "{") {
		return str, nil
	}
	var b strings.Builder
	inPath, closer := false, byte(0)
	for i := 0; i < len(str); {
		c := str[i]
		if c == '{' {
			value, end, found, err := s.reference(str, i, to)
			if err != nil {
				return "", err
			}
			if found {
				if !inPath {
					inPath, closer = true, 0
					if i > 0 && (str[i-1] == '"' || str[i-1] == '\'') {
						closer = str[i-1]
					}
				}
				b.WriteString(value)
				i = end
				if value != "" && isSlash(value[len(value)-1]) && i < len(str) && isSlash(str[i]) {
					i++
				}
				continue
			}
		}
		if inPath {
			switch {
			case closer != 0 && c == closer:
				inPath = false
			case isSlash(c):
				c = to.separator()
			}
		}
		b.WriteByte(c)
		i++
	}
	return b.String(), nil
}

func isSlash(c byte) bool { return c == '/' || c == '\\' }

// reference reads a `{name}` at str[i]: found tells whether it is one to
// expand, value is its value and end the index after its '}'.
func (s Set) reference(str string, i int, to Platform) (value string, end int, found bool, err error) {
	j := strings.IndexByte(str[i+1:], '}')
	if j < 0 {
		return "", 0, false, nil
	}
	name := str[i+1 : i+1+j]
	if !ValidName(name) {
		return "", 0, false, nil
	}
	end = i + j + 2
	v, ok := s.Lookup(name)
	if !ok {
		atPathStart := i == 0 || str[i-1] == '='
		if !atPathStart || slices.ContainsFunc(WorkerVariables, func(w string) bool { return strings.EqualFold(w, name) }) {
			return "", 0, false, nil
		}
		e := &ExpandError{Name: name, Platform: to, Err: ErrUnknownVariable}
		for _, other := range s {
			if strings.EqualFold(other.Name, name) {
				e.Similar = other.Name
			}
		}
		return "", 0, false, e
	}
	value, ok = v.Value(to)
	if !ok {
		has := slices.Sorted(maps.Keys(v.Values))
		return "", 0, false, &ExpandError{Name: name, Platform: to, Err: ErrNoValue, Has: has}
	}
	return value, end, true, nil
}

// ExpandCommand returns a copy of a task command's parameters with Expand
// applied, for a worker on platform to, to every string: the parameters'
// own, those in string lists ([]string, []any) and in nested objects
// (map[string]any). Numbers, booleans and nil are copied. params is not
// changed. The error is the first ExpandError, wrapped with where it was:
// `parameter "args" item 3: unknown variable {renders} (expanding for windows): …`.
func (s Set) ExpandCommand(params map[string]any, to Platform) (map[string]any, error) {
	if params == nil {
		return nil, nil
	}
	out := make(map[string]any, len(params))
	for _, key := range slices.Sorted(maps.Keys(params)) {
		v, err := s.expandValue(params[key], to)
		if err != nil {
			return nil, fmt.Errorf("parameter %q%w", key, err)
		}
		out[key] = v
	}
	return out, nil
}

// expandValue's errors start with where in v the failing string was
// (" item 3", " key \"x\""), then ": " and the ExpandError.
func (s Set) expandValue(v any, to Platform) (any, error) {
	switch v := v.(type) {
	case string:
		out, err := s.Expand(v, to)
		if err != nil {
			return nil, fmt.Errorf(": %w", err)
		}
		return out, nil
	case []string:
		out := make([]string, len(v))
		for i, e := range v {
			x, err := s.Expand(e, to)
			if err != nil {
				return nil, fmt.Errorf(" item %d: %w", i, err)
			}
			out[i] = x
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			x, err := s.expandValue(e, to)
			if err != nil {
				return nil, fmt.Errorf(" item %d%w", i, err)
			}
			out[i] = x
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for _, k := range slices.Sorted(maps.Keys(v)) {
			x, err := s.expandValue(v[k], to)
			if err != nil {
				return nil, fmt.Errorf(" key %s%w", strconv.Quote(k), err)
			}
			out[k] = x
		}
		return out, nil
	}
	return v, nil
}
