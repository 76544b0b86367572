package jobtype

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"

	"github.com/dop251/goja"
)

// Command parameters, copied out of a runtime into what the store keeps and
// the worker gets.

// plainer copies values out of a runtime. It shares the boxes of the strings
// it has seen among the values it makes: the same words recur in the
// parameters of every task of a job, and a big job's parameters are most of
// what the manager holds while it compiles.
type plainer struct {
	boxes map[string]any
}

// maxBoxes bounds the strings a plainer remembers; the words that recur are
// met first.
const maxBoxes = 1024

func newPlainer() *plainer { return &plainer{boxes: make(map[string]any)} }

// str returns s as an any.
func (pl *plainer) str(s string) any {
	if b, ok := pl.boxes[s]; ok {
		return b
	}
	var b any = s
	if len(pl.boxes) < maxBoxes {
		pl.boxes[s] = b
	}
	return b
}

// parameters copies command parameters out of the runtime into what
// JSON decoding would give (maps, lists, strings, float64 numbers, booleans,
// nil), which is what the store keeps and the worker gets, in one pass. null
// or undefined is no parameters. It refuses what JSON cannot carry, like NaN
// or a function, rather than store a job that cannot be run, and word lists
// that are not (see wordLists).
func (pl *plainer) parameters(v goja.Value) (map[string]any, error) {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return map[string]any{}, nil
	}
	p, err := pl.value(v, 0)
	if err != nil {
		return nil, err
	}
	params, ok := p.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("parameters must be an object, not %v", v)
	}
	return params, wordLists(params)
}

// plainParameters is plainer.parameters for parameters already in Go, such as
// a command's own map after the script had it.
func plainParameters(v map[string]any) (map[string]any, error) {
	p, err := plain(v, 0)
	if err != nil {
		return nil, err
	}
	params := p.(map[string]any)
	return params, wordLists(params)
}

// maxNesting bounds how deep parameters may nest; deeper is surely a cycle
// (`p.self = p`), which would otherwise recurse until the manager crashed.
const maxNesting = 100

// maxListLength bounds the lists in parameters. Go code cannot be
// interrupted, so a sparse array of length 2³² - 1 must not be copied; no
// command needs anywhere near a million words.
const maxListLength = 1 << 20

var (
	exportsMap  = reflect.TypeOf(map[string]any(nil))
	exportsList = reflect.TypeOf([]any(nil))
)

// value is plain for a value in the runtime: objects and arrays (the
// script's, and Go maps and slices it was given) are read element by
// element; other objects (a Date, a Go value like job.created, a function)
// go through Export and plain.
func (pl *plainer) value(v goja.Value, depth int) (any, error) {
	if depth > maxNesting {
		return nil, fmt.Errorf("nested more than %d deep (does an object contain itself?)", maxNesting)
	}
	o, ok := v.(*goja.Object)
	if !ok {
		if v == nil {
			return nil, nil
		}
		if goja.IsString(v) {
			return pl.str(v.String()), nil
		}
		return plain(v.Export(), depth)
	}
	switch o.ExportType() {
	case exportsMap:
		keys := o.Keys()
		out := make(map[string]any, len(keys))
		for _, k := range keys {
			p, err := pl.value(o.Get(k), depth+1)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = p
		}
		return out, nil
	case exportsList:
		n := o.Get("length").ToInteger()
		if n > maxListLength {
			return nil, fmt.Errorf("a list of %d elements is longer than a command may hold (%d)", n, maxListLength)
		}
		out := make([]any, n)
		for i := range out {
			p, err := pl.value(o.Get(strconv.Itoa(i)), depth+1)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = p
		}
		return out, nil
	}
	return plain(o.Export(), depth)
}

func plain(v any, depth int) (any, error) {
	if depth > maxNesting {
		return nil, fmt.Errorf("nested more than %d deep (does an object contain itself?)", maxNesting)
	}
	switch v := v.(type) {
	case nil, string, bool:
		return v, nil
	case int64:
		return float64(v), nil
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%v cannot be stored", v)
		}
		return v, nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			p, err := plain(e, depth+1)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = p
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			p, err := plain(e, depth+1)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = p
		}
		return out, nil
	}
	// Go values a script passed on, like what frameChunker returned: JSON decides.
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("%s values cannot be stored", reflect.ValueOf(v).Kind())
	}
	var out any
	err = json.Unmarshal(b, &out)
	return out, err
}

// wordListParams are the command parameters that are lists of command-line
// words: exec's args, and argsBefore and args of blender-render and
// frames-to-video. Every command's parameters of these names are treated so,
// as Flamenco's worker reads them.
var wordListParams = []string{"args", "argsBefore"}

// wordLists turns the numbers and booleans in params' word lists into their
// plain text, as Flamenco's worker does, since scripts commonly pass numeric
// settings straight into argument lists: 24 → "24" (not "24.0"), 0.5 → "0.5",
// true → "true". Values with no text form (objects, lists, null or undefined)
// are refused, naming the parameter and the position: a command line would
// get nonsense like "map[...]" or "<nil>" instead. A word list that is not a
// list is refused too.
func wordLists(params map[string]any) error {
	for _, key := range wordListParams {
		v, ok := params[key]
		if !ok || v == nil {
			continue
		}
		list, ok := v.([]any)
		if !ok {
			return fmt.Errorf("parameter %s must be a list of command-line words, not %s", key, jsKindOf(v))
		}
		for i, w := range list {
			switch w := w.(type) {
			case string:
			case float64:
				list[i] = fmt.Sprint(w) // shortest form that reads back the same: 24, 0.5, 1e+21
			case bool:
				list[i] = strconv.FormatBool(w)
			default:
				return fmt.Errorf("parameter %s[%d] is %s, which has no text form for a command line; "+
					"give a string, number or boolean", key, i, jsKindOf(w))
			}
		}
	}
	return nil
}

// jsKindOf names a plain value the way a script's author knows it.
func jsKindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null (or undefined)"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	}
	return "an object"
}
