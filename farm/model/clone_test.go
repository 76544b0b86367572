package model

import (
	"fmt"
	"reflect"
	"testing"
	"time"
)

// TestClonesShareNothing fills every exported field of the cloned types
// (recursively, with lists and maps of two elements) and checks that the
// clone is equal and reaches no map, slice or pointer of the original. A
// field added to Job or Worker without its line in Clone fails here.
func TestClonesShareNothing(t *testing.T) {
	// A job's TimePerFrame is shared: it is never changed in place (Added).
	for _, orig := range []any{filled[Job](), filled[Worker]()} {
		var c any
		switch o := orig.(type) {
		case *Job:
			c = o.Clone()
		case *Worker:
			c = o.Clone()
		}
		name := reflect.TypeOf(orig).Elem().Name()
		if !reflect.DeepEqual(orig, c) {
			t.Errorf("%s: the clone differs:\n%+v\n%+v", name, orig, c)
		}
		if path := shared(reflect.ValueOf(orig), reflect.ValueOf(c), name); path != "" {
			t.Errorf("the clone shares %s with the original", path)
		}
	}
	var nilJob *Job
	if nilJob.Clone() != nil {
		t.Error("a nil job's clone is not nil")
	}
}

func TestCloneSettingsKeepsValuesApart(t *testing.T) {
	s := map[string]any{"frames": "1-10", "chunk": 4, "nested": map[string]any{"list": []any{1.5, "x"}},
		"words": []string{"a", "b"}}
	c := CloneSettings(s)
	c["nested"].(map[string]any)["list"].([]any)[0] = 9.0
	if s["nested"].(map[string]any)["list"].([]any)[0] != 1.5 {
		t.Error("changing the clone's nested list changed the original")
	}
	if got := fmt.Sprint(c["words"]); got != "[a b]" {
		t.Errorf("a Go list became %s", got)
	}
	if c["chunk"] != 4 || c["frames"] != "1-10" {
		t.Errorf("scalars changed: %v", c)
	}
}

// neverChanged are the paths clones share on purpose: values never changed
// in place.
var neverChanged = map[string]bool{"Job.TimePerFrame": true}

func filled[T any]() *T {
	v := new(T)
	fill(reflect.ValueOf(v).Elem(), 0)
	return v
}

// fill gives v a non-zero value of its type, two elements in lists and maps.
func fill(v reflect.Value, n int) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d", n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(int64(n + 1))
	case reflect.Uint64, reflect.Uint, reflect.Uint32:
		v.SetUint(uint64(n + 1))
	case reflect.Float64:
		v.SetFloat(float64(n) + 0.5)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), n+1)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(v.Index(i), n+i+1)
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		for i := range 2 {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			fill(k, n+i+1)
			fill(e, n+i+1)
			v.SetMapIndex(k, e)
		}
	case reflect.Interface: // settings' values: a nested object
		v.Set(reflect.ValueOf(map[string]any{"k": []any{"x", 1.5}}))
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2026, 12, 1, 0, 0, n, 0, time.UTC)))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), n+i)
			}
		}
	}
}

// shared returns the path of the first map, slice or pointer a and b both
// reach, or "", passing over what clones share by design (neverChanged).
func shared(a, b reflect.Value, path string) string {
	if neverChanged[path] {
		return ""
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice:
		if a.IsNil() {
			return ""
		}
		if a.UnsafePointer() == b.UnsafePointer() {
			return path
		}
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		return shared(a.Elem(), b.Elem(), path)
	case reflect.Slice:
		for i := range a.Len() {
			if p := shared(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i)); p != "" {
				return p
			}
		}
	case reflect.Map:
		for it := a.MapRange(); it.Next(); {
			if p := shared(it.Value(), b.MapIndex(it.Key()), fmt.Sprintf("%s[%v]", path, it.Key())); p != "" {
				return p
			}
		}
	case reflect.Struct:
		for i := range a.NumField() {
			if a.Type().Field(i).IsExported() {
				if p := shared(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); p != "" {
					return p
				}
			}
		}
	}
	return ""
}
