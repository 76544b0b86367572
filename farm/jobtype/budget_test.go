package jobtype

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"farmhand/farm/model"
)

// heapObjects is the bytes of heap objects, live or not yet collected: what
// the manager's heap holds.
func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// peakHeap samples the heap every millisecond until the returned function is
// called, which returns the most the heap grew by meanwhile.
func peakHeap() func() uint64 {
	runtime.GC()
	base := heapObjects()
	peak := base
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			peak = max(peak, heapObjects())
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 {
		close(stop)
		<-stopped
		return peak - base
	}
}

// TestHoardingScriptsAreStopped runs scripts that hold ever more memory, with
// a 32 MiB budget, and wants each stopped by the memory budget, saying so,
// while the heap grows by at most the budget and a margin: the watcher looks
// every 10 ms and confirms with a collection, during which the script runs on.
// The time budget is generous, so that only memory can stop them (under the
// race detector too).
func TestHoardingScriptsAreStopped(t *testing.T) {
	const budget = 32 << 20
	const margin = 64 << 20
	for name, body := range map[string]string{
		"strings in a loop":   `const held = []; for (let i = 0; ; i++) held.push("x".repeat(1000) + i);`,
		"one huge array":      `const a = []; for (let i = 0; ; i++) a.push(i);`,
		"objects in a map":    `const m = new Map(); for (let i = 0; ; i++) m.set(i, {i, name: "task " + i});`,
		"at the script's top": ``, // see below
		"tasks never added":   `const ts = []; for (let i = 0; ; i++) ts.push(author.Task("t" + i, "misc"), "x".repeat(4000) + i);`,
		"earning to the cap":  `const ts = []; for (let i = 0; ; i++) ts.push(author.Task("t" + i, "misc"), "x".repeat(9000) + i);`,
	} {
		t.Run(name, func(t *testing.T) {
			src := testScript(body)
			if name == "at the script's top" {
				src = `const held = []; for (let i = 0; ; i++) held.push("x".repeat(1000) + i);` + src
			}
			dir := folder(t, map[string]string{"hog.js": src})
			peak := peakHeap()
			// At most 500 tasks earn memory: 2.9 MiB.
			r := Open(dir, quiet, WithTimeout(2*time.Minute), WithMemoryBudget(budget), WithMaxTasks(500))
			var err error
			if p := r.Problems(); len(p) == 1 {
				err = &budgetError{msg: p[0].Error}
			} else {
				_, err = r.Compile(&model.Job{Name: "hog", Type: "hog", Settings: map[string]any{"name": "a"}})
				if !errors.Is(err, ErrInvalid) {
					t.Errorf("err = %v, want it to wrap ErrInvalid", err)
				}
			}
			grown := peak()
			t.Logf("heap grew by at most %d MiB: %v", grown>>20, err)
			says := `job type "hog": script stopped: it used more than 32 MiB of memory (memory budget; the manager's heap grew by `
			if strings.Contains(body, "author.Task") {
				says = `job type "hog": script stopped: it used more than 34.9 MiB of memory (memory budget: 32 MiB, ` +
					`and 6 KiB more for each of the 500 tasks authored since it started; the manager's heap grew by `
			}
			if !errors.Is(err, ErrOverBudget) || !strings.Contains(err.Error(), says) ||
				!regexp.MustCompile(`MiB\); a job type should build tasks, not hold data \(at \S*hog\.js:\d+:\d+\)$`).MatchString(err.Error()) {
				t.Errorf("err = %v, want the memory budget", err)
			}
			if grown > budget+3<<20+margin {
				t.Errorf("the heap grew by %d MiB while the script ran; the budget is %d MiB", grown>>20, budget>>20)
			}
		})
	}
}

// TestDoublingStringIsStopped: goja checks for an interrupt only between
// steps, and a string that doubles grows by the whole string in one step, so
// it overshoots the budget by the few doublings it makes while the watcher
// samples (every 10 ms), confirms with a collection and interrupts. The bound
// is looser than for other hoarders (on a loaded machine the watcher runs
// late, and each step it misses doubles the string), but a bound: without the
// budget it would run until the manager ran out of memory.
func TestDoublingStringIsStopped(t *testing.T) {
	const budget = 16 << 20
	peak := peakHeap()
	_, err := compileScript(t, testScript(`let s = "x"; for (;;) s += s;`), map[string]any{"name": "a"},
		WithTimeout(2*time.Minute), WithMemoryBudget(budget))
	grown := peak()
	t.Logf("heap grew by at most %d MiB: %v", grown>>20, err)
	if !errors.Is(err, ErrOverBudget) || !strings.Contains(err.Error(), "it used more than 16 MiB of memory (memory budget") {
		t.Errorf("err = %v, want the memory budget", err)
	}
	if grown > 128*budget {
		t.Errorf("the heap grew by %d MiB while the script ran; the budget is %d MiB", grown>>20, budget>>20)
	}
}

// TestBigAllocationsInOneCall are built-ins that would make a huge value in
// one step, which no watcher can interrupt: they are refused before they run,
// and the heap does not grow.
func TestBigAllocationsInOneCall(t *testing.T) {
	for name, body := range map[string]string{
		"repeat":        `"abc".repeat(2 ** 40);`,
		"padEnd":        `"".padEnd(1e12, "ab");`,
		"padStart":      `"x".padStart(2 ** 30);`,
		"fill":          `new Array(1e9).fill(0);`,
		"fill a range":  `const a = []; a.length = 2 ** 32 - 1; a.fill(1, 5, -1);`,
		"join":          `new Array(1e9).join("--");`,
		"from":          `Array.from({length: 1e9});`,
		"ArrayBuffer":   `new ArrayBuffer(2 ** 40);`,
		"typed array":   `new Float64Array(1e10);`,
		"from a length": `new Uint8Array({length: 1e12});`,
	} {
		t.Run(name, func(t *testing.T) {
			peak := peakHeap()
			_, err := compileScript(t, testScript(body), map[string]any{"name": "a"}, WithMemoryBudget(64<<20))
			grown := peak()
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "more than the memory budget lets one call make") {
				t.Errorf("err = %v", err)
			}
			if grown > 64<<20 {
				t.Errorf("the heap grew by %d MiB", grown>>20)
			}
		})
	}
}

func jsonValue(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// The guarded built-ins still work as JavaScript says for what scripts make.
func TestGuardedBuiltinsStillWork(t *testing.T) {
	tasks, err := compileScript(t, testScript(`
		const b = new Uint8Array(new ArrayBuffer(8), 2, 3);
		const f = Float32Array.from([1, 2]);
		const out = [
			"ab".repeat(3), "7".padStart(3, "0"), "x".padEnd(3), [1, 2, 3].join("-"), [1, 2, 3].join(),
			new Array(3).fill(7), [1, 2, 3, 4].fill(0, 1, -1), Array.from({length: 3}, (_, i) => i * 2),
			Array.from("abc"), b.length, b instanceof Uint8Array, f instanceof Float32Array, Array.from(f.map((v) => v * 2)),
			new Int16Array([5, 6]).length, typeof ArrayBuffer, Uint8Array.name, String.prototype.repeat.name,
			Object.keys(String.prototype).length,
		];
		const t = author.Task("out", "misc");
		t.addCommand(author.Command("echo", {out}));
		job.addTask(t);
	`), map[string]any{"name": "a"})
	if err != nil {
		t.Fatal(err)
	}
	want := `["ababab","007","x  ","1-2-3","1,2,3",[7,7,7],[1,0,0,4],[0,2,4],["a","b","c"],3,true,true,[2,4],2,` +
		`"function","Uint8Array","repeat",0]`
	if got := tasks[0].Commands[0].Parameters["out"]; !sameJSON(got, jsonValue(t, want)) {
		t.Errorf("got  %v\nwant %s", got, want)
	}
}

// TestEndlessLoopWithoutAllocating is stopped by the time budget, saying so,
// and its heap stays put.
func TestEndlessLoopWithoutAllocating(t *testing.T) {
	peak := peakHeap()
	_, err := compileScript(t, testScript(`let n = 0; for (;;) { n = (n + 1) % 7; }`), map[string]any{"name": "a"},
		WithTimeout(300*time.Millisecond))
	grown := peak()
	if !errors.Is(err, ErrInvalid) || !errors.Is(err, ErrOverBudget) ||
		!strings.Contains(err.Error(), `job type "test-type": script stopped: it ran longer than 300ms (time budget); look for an endless loop (at `) ||
		!strings.Contains(err.Error(), "test_type.js:5:") {
		t.Errorf("err = %v", err)
	}
	if grown > 16<<20 {
		t.Errorf("the heap grew by %d MiB", grown>>20)
	}
}

// A script that authors tasks earns time and memory for them; the error says
// how the allowance came about.
func TestTasksEarnTime(t *testing.T) {
	_, err := compileScript(t, testScript(`for (let i = 0; i < 500; i++) author.Task("t" + i, "misc"); for (;;) {}`),
		map[string]any{"name": "a"}, WithTimeout(100*time.Millisecond), WithMaxTasks(200))
	want := "it ran longer than 160ms (time budget: 100ms, and 300µs more for each of the 200 tasks authored since it started)"
	if !errors.Is(err, ErrOverBudget) || !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v\nwant it to say %q (tasks past the maximum earn nothing)", err, want)
	}
}

// TestHonestBigJobsCompile compiles 20,000-task jobs with the default budgets:
// the built-in Blender script (which authors every task before adding them),
// and echo-sleep-test as JavaScript. BenchmarkCompile100000Tasks does 100,000.
func TestHonestBigJobsCompile(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes goja ten times slower: 20,000 tasks would take minutes, and say nothing about the budgets")
	}
	for _, typ := range []string{"simple-blender-render", "echo-sleep-test"} {
		t.Run(typ, func(t *testing.T) {
			tasks, grown, err := compileBig(t.TempDir(), typ, 20_000)
			if err != nil || len(tasks) != 20_000 {
				t.Fatalf("%d tasks, %v", len(tasks), err)
			}
			t.Logf("heap grew by at most %d MiB", grown>>20)
		})
	}
}

// compileBig compiles a job of n tasks of typ, run as JavaScript, with the
// default budgets, and says how much the heap grew by meanwhile.
func compileBig(dir, typ string, n int) ([]TaskSpec, uint64, error) {
	r := Open(dir, quiet)
	if _, err := r.Export("echo-sleep-test"); err != nil { // a customised copy runs as JavaScript
		return nil, 0, err
	}
	frames := fmt.Sprintf("1-%d", n)
	if typ == "simple-blender-render" {
		frames = fmt.Sprintf("1-%d", n-1) // and a video task
	}
	settings := blenderSettings("frames", frames)
	settings["chunk_size"] = 1.0
	peak := peakHeap()
	tasks, err := r.Compile(&model.Job{Name: "big", Type: typ, Settings: settings, Created: created})
	return tasks, peak(), err
}

func BenchmarkCompile100000Tasks(b *testing.B) {
	for _, typ := range []string{"simple-blender-render", "echo-sleep-test"} {
		b.Run(typ, func(b *testing.B) {
			for b.Loop() {
				tasks, grown, err := compileBig(b.TempDir(), typ, 100_000)
				if err != nil || len(tasks) != 100_000 {
					b.Fatalf("%d tasks, %v", len(tasks), err)
				}
				b.ReportMetric(float64(grown>>20), "MiB-heap-peak")
			}
		})
	}
}

// The run stopped for a heap grown by several runs is the one whose growth the
// tasks authored since it started explain least.
func TestCulpritIsTheLeastExplainedRun(t *testing.T) {
	s := &runSet{runs: map[*watch]struct{}{}}
	honestEarly := &watch{heap0: 100 << 20, authored: 1000}
	// Started after the honest run had authored 10,000 tasks and grown the
	// heap by 40 MiB for them (they earned 58.6 MiB).
	hoarderLate := &watch{heap0: 140 << 20, authored: 11000}
	var wg sync.WaitGroup
	for _, w := range []*watch{honestEarly, hoarderLate} {
		wg.Go(func() { s.add(w) })
	}
	wg.Wait()
	if got := s.culprit(); got != hoarderLate {
		t.Errorf("culprit is the honest run")
	}
	// A hoarder that started first, on a smaller heap.
	s.remove(hoarderLate)
	hoarderEarly := &watch{heap0: 90 << 20, authored: 1000}
	s.add(hoarderEarly)
	if got := s.culprit(); got != hoarderEarly {
		t.Errorf("culprit is the honest run")
	}
}
