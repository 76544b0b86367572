package jobtype

import (
	"reflect"
	"strconv"

	"github.com/dop251/goja"
)

// Arrays iterate in Go. goja makes each step's result ({value, done}) a full
// JavaScript object with a property map of its own; a script that loops
// with for...of over its frame chunks and then twice over its tasks (as the
// built-in Blender one does) makes 300,000 of them for a 100,000-task job,
// some 10% of its compile time. The iterators here make each result a small
// Go struct instead (half the time, a quarter of the memory), and otherwise
// behave as the arrays' own: a prototype with next and the "Array Iterator"
// tag above %IteratorPrototype% (so iterators are iterable), a fresh result
// for every step, the length read at every step, holes as undefined, and
// Array.prototype.values is Array.prototype[Symbol.iterator]. keys() and
// entries() keep goja's iterators; so do arguments objects.

// arrayIter is the state of one iteration over an array (or array-like).
type arrayIter struct {
	over  *goja.Object // nil once done
	next  int64
	extra props
}

// iterResult is what next() returns.
type iterResult struct {
	value, done goja.Value
	extra       props
}

var (
	arrayIterType = reflect.TypeOf((*arrayIter)(nil))
	iterKeys      = []string{"value", "done"}
)

// installArrayIterator makes Array.prototype.values and
// Array.prototype[Symbol.iterator] the Go iterator.
func installArrayIterator(vm *goja.Runtime) error {
	arrayProto := vm.Get("Array").ToObject(vm).Get("prototype").ToObject(vm)
	original, _ := goja.AssertFunction(arrayProto.Get("values"))
	sample, err := original(vm.NewArray())
	if err != nil {
		return err
	}
	// %ArrayIteratorPrototype%'s own prototype, %IteratorPrototype%, makes
	// iterators iterable.
	iterProto := vm.CreateObject(sample.ToObject(vm).Prototype().Prototype())
	if err := iterProto.DefineDataProperty("next", vm.ToValue(func(call goja.FunctionCall) goja.Value {
		return iterNext(vm, call)
	}), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE); err != nil {
		return err
	}
	if err := iterProto.DefineDataPropertySymbol(goja.SymToStringTag, vm.ToValue("Array Iterator"),
		goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE); err != nil {
		return err
	}
	values := vm.ToValue(func(call goja.FunctionCall) goja.Value {
		it := vm.NewDynamicObject(&arrayIter{over: call.This.ToObject(vm)})
		if err := it.SetPrototype(iterProto); err != nil {
			panic(err)
		}
		return it
	}).ToObject(vm)
	if err := values.DefineDataProperty("name", vm.ToValue("values"), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE); err != nil {
		return err
	}
	if err := arrayProto.DefineDataProperty("values", values, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE); err != nil {
		return err
	}
	return arrayProto.DefineDataPropertySymbol(goja.SymIterator, values, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
}

// iterNext is the iterators' next(): {value, done: false} for the element
// at the iterator's position, or {value: undefined, done: true} once the
// position reaches the array's length, then ever after. It throws a
// TypeError when called on anything but such an iterator.
func iterNext(vm *goja.Runtime, call goja.FunctionCall) goja.Value {
	o, ok := call.This.(*goja.Object)
	if !ok || o.ExportType() != arrayIterType {
		panic(vm.NewTypeError("next method called on something that is not an Array Iterator"))
	}
	it := o.Export().(*arrayIter)
	res := &iterResult{value: goja.Undefined(), done: vm.ToValue(true)}
	if it.over != nil {
		if n := it.over.Get("length").ToInteger(); it.next < n {
			if v := it.over.Get(strconv.FormatInt(it.next, 10)); v != nil {
				res.value = v
			}
			res.done = vm.ToValue(false)
			it.next++
		} else {
			it.over = nil
		}
	}
	return vm.NewDynamicObject(res)
}

func (r *iterResult) Get(key string) goja.Value {
	switch key {
	case "value":
		return r.value
	case "done":
		return r.done
	}
	return r.extra.get(key)
}

func (r *iterResult) Set(key string, v goja.Value) bool {
	switch key {
	case "value":
		r.value = v
	case "done":
		r.done = v
	default:
		r.extra.set(key, v)
	}
	return true
}

func (r *iterResult) Has(key string) bool    { return r.extra.has(iterKeys, key) }
func (r *iterResult) Delete(key string) bool { return r.extra.delete(iterKeys, key, r.Set) }
func (r *iterResult) Keys() []string         { return r.extra.keys(iterKeys) }

// An iterator's state is its own: scripts see no properties of it but those
// they give it.
func (it *arrayIter) Get(key string) goja.Value         { return it.extra.get(key) }
func (it *arrayIter) Set(key string, v goja.Value) bool { it.extra.set(key, v); return true }
func (it *arrayIter) Has(key string) bool               { return it.extra.has(nil, key) }
func (it *arrayIter) Delete(key string) bool            { return it.extra.delete(nil, key, it.Set) }
func (it *arrayIter) Keys() []string                    { return it.extra.keys(nil) }
