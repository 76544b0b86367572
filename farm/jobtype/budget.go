package jobtype

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dop251/goja"
)

// Every script run (loading a job type, compiling a job) has two budgets: time
// and memory. goja has neither a memory limit nor allocation hooks (its author
// leaves memory to the Go runtime, goja issue #6), so a watcher goroutine
// samples the Go heap and the clock and interrupts the runtime when a budget is
// spent. Both budgets guard against loops and hoarding, not against size: each
// task a script authors (author.Task) earns it taskTime more time and
// taskMemory more heap, up to the registry's maximum tasks for a job, so a job
// of DefaultMaxTasks honest tasks compiles (it needs under 2 s and 1–2 KiB of
// heap a task), while a script that loops or holds data without authoring
// tasks is stopped at the base budget, and none gets more than the base budget
// plus what the maximum number of tasks earns. Tasks earn when authored, not
// when added to the job, because scripts (the built-in Blender one too) build
// their tasks first and add them at the end.
const (
	// DefaultMemoryBudget is how much the heap may grow while a script runs,
	// besides taskMemory for each task authored.
	DefaultMemoryBudget = 256 << 20
	// taskTime is the time a script earns for each task it adds to its job: a
	// 100,000-task job gets 30 s more than the base budget, twice what one took
	// on a 2-core machine at a load average of 12.
	taskTime = 300 * time.Microsecond
	// taskMemory is the heap a script earns for each task it authors. An
	// authored task of two commands and the copy the registry reads off it
	// hold some 1.5 KiB together (measured: 146 MiB live for 100,000
	// echo-sleep tasks, 110 MiB for Blender ones, with both copies alive);
	// the rest leaves room for tasks of more commands and bigger parameters.
	// So no script may hold more than the budget plus what a generous job of
	// the maximum size needs (256 MiB + 586 MiB by default).
	taskMemory = 6 << 10
	// sampleEvery is how often the watcher looks at the clock and the heap;
	// goja runs some 10 MB of allocations in that time.
	sampleEvery = 10 * time.Millisecond
)

// WithMemoryBudget bounds how many bytes the manager's heap may grow while one
// script runs (loading a job type or compiling a job), besides 6 KiB for each
// task the script authors (up to the maximum tasks of a job); over it, the script is stopped with an
// error wrapping ErrOverBudget. It also bounds what one built-in call may make
// at once: strings of budget/8 characters, arrays of budget/64 elements,
// binary buffers of budget/4 bytes. bytes ≤ 0 means DefaultMemoryBudget.
func WithMemoryBudget(bytes int64) Option {
	return func(r *Registry) {
		if bytes <= 0 {
			bytes = DefaultMemoryBudget
		}
		r.memBudget = uint64(bytes)
	}
}

// ErrOverBudget marks a script stopped because it ran out of time or memory;
// Compile's error wraps it as well as ErrInvalid.
var ErrOverBudget = errors.New("script over budget")

// budgetError says which budget a script spent. It is what the watcher
// interrupts the runtime with, and what run returns.
type budgetError struct {
	msg string
}

func (e *budgetError) Error() string { return e.msg }
func (e *budgetError) Unwrap() error { return ErrOverBudget }

// authoredTasks counts the tasks every script run has authored, ever (each
// run's up to its maximum tasks for a job):
// a run's memory allowance covers the tasks authored by all runs since it
// started, because their heap shows in its measurement too.
var authoredTasks atomic.Int64

// watch is the budget of one script run.
type watch struct {
	vm       *goja.Runtime
	jobType  string
	timeout  time.Duration
	budget   uint64
	start    time.Time
	heap0    uint64 // heap objects (live and not yet collected) at the start
	authored int64  // authoredTasks at the start
	maxTasks int64
	tasks    atomic.Int64 // authored by this run
	stop     chan struct{}
	stopped  chan struct{}
}

// scriptGCPercent is the garbage collector's target while scripts run (Go's
// GOGC; 100 by default). A big job's script makes its tasks, which stay live
// until it ends, among many times their size of short-lived JavaScript
// values, so the live heap only grows and every collection marks all the
// tasks so far: at 1000 a 100,000-task Blender job compiles with 10% less CPU
// and 20% less time than at 400, for some 15% more peak heap (measured:
// BenchmarkCompile100k, about 320 MiB). The memory budget still bounds what
// a script may hold (its watcher collects before it blames a script, see
// heapOver), and a memory limit (GOMEMLIMIT) still applies.
const scriptGCPercent = 1000

// gcWhileScripts raises the collector's target while at least one script
// runs, and puts the operator's back when the last one ends; a target set
// higher (or off) is left alone.
var gcWhileScripts struct {
	sync.Mutex
	running int
	saved   int
	raised  bool
}

func scriptStarted() {
	g := &gcWhileScripts
	g.Lock()
	defer g.Unlock()
	g.running++
	if g.running > 1 {
		return
	}
	g.saved = debug.SetGCPercent(scriptGCPercent)
	g.raised = g.saved >= 0 && g.saved < scriptGCPercent
	if !g.raised {
		debug.SetGCPercent(g.saved)
	}
}

func scriptEnded() {
	g := &gcWhileScripts
	g.Lock()
	defer g.Unlock()
	g.running--
	if g.running == 0 && g.raised {
		debug.SetGCPercent(g.saved)
		g.raised = false
	}
}

// watchRun starts the watcher of a run in vm; call done when the run ends.
func (r *Registry) watchRun(vm *goja.Runtime, jobType string) *watch {
	w := &watch{vm: vm, jobType: jobType, timeout: r.timeout, budget: r.memBudget, maxTasks: int64(r.maxTasks), start: time.Now(),
		heap0: readHeap().objects, authored: authoredTasks.Load(),
		stop: make(chan struct{}), stopped: make(chan struct{})}
	running.add(w)
	scriptStarted()
	go w.loop()
	return w
}

// taskAuthored is called by author.Task (authoring.go) for every task.
func (w *watch) taskAuthored() {
	if w.tasks.Add(1) <= w.maxTasks {
		authoredTasks.Add(1)
	}
}

func (w *watch) done() {
	close(w.stop)
	<-w.stopped
	running.remove(w)
	scriptEnded()
}

func (w *watch) loop() {
	defer close(w.stopped)
	tick := time.NewTicker(sampleEvery)
	defer tick.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-tick.C:
		}
		if err := w.check(); err != nil {
			w.vm.Interrupt(err)
			return
		}
	}
}

// check returns the error to stop the script with, or nil.
func (w *watch) check() error {
	tasks := min(w.tasks.Load(), w.maxTasks)
	if allowed := w.timeout + time.Duration(tasks)*taskTime; time.Since(w.start) > allowed {
		return w.over(fmt.Sprintf("it ran longer than %v (time budget%s); look for an endless loop",
			allowed.Round(time.Millisecond), w.earned(tasks, w.timeout, taskTime)))
	}
	earned := authoredTasks.Load() - w.authored
	allowed := w.budget + uint64(earned)*taskMemory
	if grown, over := w.heapOver(allowed); over && running.culprit() == w {
		return w.over(fmt.Sprintf("it used more than %s of memory (memory budget%s; the manager's heap grew by %s); "+
			"a job type should build tasks, not hold data", mib(allowed), w.earned(earned, mib(w.budget), mib(taskMemory)), mib(grown)))
	}
	return nil
}

func (w *watch) over(why string) error {
	return &budgetError{msg: fmt.Sprintf("job type %q: script stopped: %s", w.jobType, why)}
}

// earned explains an allowance that tasks raised above the base budget.
func (w *watch) earned(tasks int64, base, each any) string {
	if tasks == 0 {
		return ""
	}
	return fmt.Sprintf(": %v, and %v more for each of the %d tasks authored since it started", base, each, tasks)
}

// heapOver reports whether the heap grew by more than allowed since the run
// started, and by how much. Heap objects include garbage not yet collected, so
// a first sight over the allowance is confirmed with the live heap, collecting
// first unless a collection ran after most of the allocations: garbage never
// stops a script, and a hoarding one gets at most a quarter budget past its
// allowance before it is seen.
func (w *watch) heapOver(allowed uint64) (uint64, bool) {
	h := readHeap()
	if h.objects <= w.heap0+allowed {
		return 0, false
	}
	if h.objects-h.live > w.budget/4 {
		runtime.GC()
		h = readHeap()
	}
	if h.live <= w.heap0+allowed {
		return 0, false
	}
	return h.live - w.heap0, true
}

type heapSample struct {
	objects uint64 // bytes of heap objects, live or not yet collected
	live    uint64 // bytes of heap objects live at the end of the last collection
}

func readHeap() heapSample {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return heapSample{objects: s[0].Value.Uint64(), live: s[1].Value.Uint64()}
}

func mib(n uint64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	if n < 1<<20 {
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// running are the script runs under way in the process. The heap is the
// process's: while a hoarding script runs, every run's measurement grows with
// it. Only one run is stopped for it, the one whose growth is least explained
// by the tasks authored since it started: run i's unexplained growth is
// live − heap0ᵢ − taskMemory·(authored now − authoredᵢ), so it is the run with
// the least heap0ᵢ − taskMemory·authoredᵢ. A hoarder started after an honest
// run started on a heap grown by no more than the honest run's tasks earned,
// and one started before saw less heap: either way the hoarder is chosen.
var running = &runSet{runs: map[*watch]struct{}{}}

type runSet struct {
	mu   sync.Mutex
	runs map[*watch]struct{}
}

func (s *runSet) add(w *watch) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runs[w] = struct{}{}
}

func (s *runSet) remove(w *watch) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.runs, w)
}

func (s *runSet) culprit() *watch {
	s.mu.Lock()
	defer s.mu.Unlock()
	var best *watch
	var bestKey float64
	for w := range s.runs {
		key := float64(w.heap0) - float64(taskMemory)*float64(w.authored)
		if best == nil || key < bestKey {
			best, bestKey = w, key
		}
	}
	return best
}
