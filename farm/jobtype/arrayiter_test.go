package jobtype

import (
	"testing"

	"github.com/dop251/goja"
)

// Arrays iterate as JavaScript says with the Go iterator: every way of
// iterating, holes, changes during the loop, array-likes, and what an
// iterator and its results are.
func TestArrayIterationIsUnchanged(t *testing.T) {
	ours, theirs := goja.New(), goja.New()
	if err := installArrayIterator(ours); err != nil {
		t.Fatal(err)
	}
	for src, want := range map[string]string{
		`const out = []; for (const x of [1, 2, 3]) out.push(x * 2); out.join()`:                                      "2,4,6",
		`[...["a", "b"], ..."cd"].join()`:                                                                             "a,b,c,d",
		`const [a, , c = 9, ...rest] = [1, 2, undefined, 4, 5]; [a, c, rest].join("|")`:                               "1|9|4,5",
		`Array.from([1, 2], (x) => x + 1).join()`:                                                                     "2,3",
		`const out = []; for (const x of [1, , 3]) out.push(String(x)); out.join()`:                                   "1,undefined,3",
		`const a = [1, 2]; const out = []; for (const x of a) { out.push(x); if (x < 4) a.push(x + 2); } out.join()`:  "1,2,3,4,5",
		`const a = [1, 2, 3]; const out = []; for (const x of a) { out.push(x); a.length = 1; } out.join()`:           "1",
		`Array.prototype.values.call({length: 2, 0: "x", 1: "y"}).next().value`:                                       "x",
		`[].values === [][Symbol.iterator] && Array.prototype.values.name === "values"`:                               "true",
		`Object.prototype.toString.call([][Symbol.iterator]())`:                                                       "[object Array Iterator]",
		`const it = [7][Symbol.iterator](); it[Symbol.iterator]() === it`:                                             "true",
		`const it = [7][Symbol.iterator](); const r = it.next(); [r.value, r.done, Object.keys(r)].join("|")`:         "7|false|value,done",
		`const it = [7][Symbol.iterator](); it.next(); const r = it.next(); [r.value, r.done, it.next().done].join()`: ",true,true",
		`const it = [7, 8][Symbol.iterator](); it.next() !== it.next()`:                                               "true",
		`JSON.stringify([5][Symbol.iterator]().next())`:                                                               `{"value":5,"done":false}`,
		`(function () { return [...arguments].join(); })(1, 2)`:                                                       "1,2",
		`[...new Uint8Array([3, 4])].join()`:                                                                          "3,4",
		`[...new Set([1, 1, 2])].join() + [...new Map([["k", 1]]).keys()].join()`:                                     "1,2k",
		`const it = [1][Symbol.iterator](); it.mine = 1; Object.keys(it).join()`:                                      "mine",
		`try { [].values().next.call({}); "no error" } catch (e) { e instanceof TypeError }`:                          "true",
	} {
		// goja's own iterator answers the same.
		for name, vm := range map[string]*goja.Runtime{"Go iterator": ours, "goja's": theirs} {
			v, err := vm.RunString("{" + src + "}")
			if err != nil {
				t.Errorf("%s: %s: %v", name, src, err)
			} else if v.String() != want {
				t.Errorf("%s: %s = %s, want %s", name, src, v, want)
			}
		}
	}
}
