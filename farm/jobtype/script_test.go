package jobtype

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"farmhand/farm/model"
)

// testScript makes a job type script: a declaration with one int32 setting "n" and
// a compileJob with the given body.
func testScript(body string) string {
	return `const JOB_TYPE = { label: "Test", settings: [
	    { key: "n", type: "int32", default: 2 },
	    { key: "name", type: "string", required: true, choices: ["a", "b"] },
	]};
	function compileJob(job) {` + body + `}`
}

const twoTasks = `
	const a = author.Task("a", "misc");
	a.addCommand(author.Command("echo", {message: "a"}));
	const b = author.Task("b", "misc");
	b.addCommand(author.Command("echo", {message: "b"}));
`

func TestScriptsThatAreRefused(t *testing.T) {
	cases := map[string]struct {
		body     string
		settings map[string]any
		says     string
	}{
		"throws a string":       {`throw "Frames must be positive";`, nil, "Frames must be positive (at "},
		"throws an Error":       {`if (job.settings.n < 5) throw new Error("n is too small");`, nil, "Error: n is too small"},
		"TypeError":             {`job.nothing.here();`, nil, "TypeError"},
		"missing required":      {``, map[string]any{}, `setting "name" is required`},
		"wrong type":            {``, map[string]any{"name": "a", "n": "two"}, `setting "n" must be a int32`},
		"not a choice":          {``, map[string]any{"name": "c"}, `setting "name" is "c"; choose one of [a b]`},
		"empty task name":       {`author.Task(" ", "misc");`, nil, "author.Task(name, type): name is required"},
		"empty task type":       {`author.Task("x", "");`, nil, "author.Task(name, type): type is required"},
		"malformed task type":   {`const t = author.Task("x", "Sparkle GPU"); t.addCommand(author.Command("echo", {})); job.addTask(t);`, nil, `task "x": task type "Sparkle GPU" has 'S'; use only a-z, 0-9, '-', '_' and '.'`},
		"no commands":           {`job.addTask(author.Task("x", "misc"));`, nil, `task "x" has no commands`},
		"no tasks":              {``, nil, "added no tasks"},
		"unnamed command":       {`const t = author.Task("x", "misc"); t.addCommand(author.Command("", {})); job.addTask(t);`, nil, "command #1 has no name"},
		"NaN parameter":         {`const t = author.Task("x", "misc"); t.addCommand(author.Command("sleep", {duration_in_seconds: 0/0})); job.addTask(t);`, nil, `task "x": command "sleep": duration_in_seconds: NaN cannot be stored`},
		"parameters in a cycle": {`const p = {a: [1]}; p.a.push(p); const t = author.Task("x", "misc"); t.addCommand(author.Command("echo", p)); job.addTask(t);`, nil, "does an object contain itself?"},
		"function parameter":    {`const t = author.Task("x", "misc"); t.addCommand(author.Command("echo", {f: () => 1})); job.addTask(t);`, nil, `command "echo": f: func values cannot be stored`},
		"parameters not object": {`const t = author.Task("x", "misc"); t.addCommand(author.Command("echo", "hi")); job.addTask(t);`, nil, "parameters must be an object"},
		"settings in a cycle":   {twoTasks + `job.addTask(a); job.settings = {}; job.settings.me = job.settings;`, nil, "settings that cannot be stored"},
		"negative steps":        {`author.Command("echo", {}, -1);`, nil, "totalStepCount cannot be negative"},
		"task added twice":      {twoTasks + `job.addTask(a); job.addTask(a);`, nil, `task "a" was already added`},
		"dependency on a task never added": {twoTasks + `a.addDependency(b); job.addTask(a);`, nil,
			`task "a" depends on task "b", which was never added`},
		"dependency on nothing": {twoTasks + `a.addDependency(null);`, nil, "addDependency(task) takes what author.Task returns, not null"},
		"cycle of two": {twoTasks + `a.addDependency(b); b.addDependency(a); job.addTask(a); job.addTask(b);`, nil,
			`tasks wait for each other in a cycle and would never run: "a" → "b" → "a"`},
		"depends on itself":        {twoTasks + `a.addDependency(a); job.addTask(a);`, nil, `cycle and would never run: "a" → "a"`},
		"settings made unstorable": {twoTasks + `job.addTask(a); job.settings.bad = 0/0;`, nil, "settings that cannot be stored"},
		"bad frame range":          {`frameChunker("1-", 1);`, nil, `frames "1-": not a frame range; use forms like`},
		"bad chunk size":           {`frameChunker("1-10", 0);`, nil, "invalid chunk size 0"},
		"bad shell text":           {`shellSplit("a 'b");`, nil, "ends inside ' quotes"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			settings := c.settings
			if settings == nil {
				settings = map[string]any{"name": "a"}
			}
			_, err := compileScript(t, testScript(c.body), settings)
			t.Log(err)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.says) {
				t.Fatalf("err = %v\nwant ErrInvalid saying %q", err, c.says)
			}
		})
	}
}

func TestEndlessLoopIsInterrupted(t *testing.T) {
	for name, body := range map[string]string{
		"in compileJob":      `for (;;) {}`,
		"in a callback":      `[1, 2].forEach(() => { while (true) {} });`,
		"recursing for ever": `function f(n) { return f(n + 1) + 1; } f(0);`,
	} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			_, err := compileScript(t, testScript(body), map[string]any{"name": "a"}, WithTimeout(200*time.Millisecond))
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v", err)
			}
			if !strings.Contains(err.Error(), "ran longer than 200ms (time budget)") && !strings.Contains(err.Error(), "endless recursion") {
				t.Errorf("err = %v, want it to say the script ran too long", err)
			}
			if took := time.Since(start); took > 3*time.Second {
				t.Errorf("took %v", took)
			}
		})
	}
}

func TestLoopAtTopLevelIsAProblem(t *testing.T) {
	dir := folder(t, map[string]string{"spin.js": `while (true) {}`, "ok.js": testScript(twoTasks + `job.addTask(a);`)})
	r := Open(dir, quiet, WithTimeout(100*time.Millisecond))
	p := r.Problems()
	if len(p) != 1 || p[0].Name != "spin" || !strings.Contains(p[0].Error, `job type "spin": script stopped: it ran longer than 100ms (time budget)`) {
		t.Fatalf("problems %+v", p)
	}
	if _, err := r.Get("ok"); err != nil {
		t.Fatal(err)
	}
}

func TestDependenciesMayPointForward(t *testing.T) {
	tasks, err := compileScript(t, testScript(twoTasks+`
		const c = author.Task("c", "misc");
		c.addCommand(author.Command("echo", {message: "c"}));
		a.addDependency(c); a.addDependency(b); a.addDependency(b);
		job.addTask(a); job.addTask(b); job.addTask(c);
		c.addDependency(b); // after addTask: still counts
	`), map[string]any{"name": "a"})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(tasks[0].DependsOn, tasks[1].DependsOn, tasks[2].DependsOn) != "[1 2] [] [1]" {
		t.Errorf("dependencies %v %v %v", tasks[0].DependsOn, tasks[1].DependsOn, tasks[2].DependsOn)
	}
}

func TestLongCycleIsNamed(t *testing.T) {
	_, err := compileScript(t, testScript(`
		const tasks = [];
		for (let i = 0; i < 30; i++) {
			const t = author.Task("t" + i, "misc");
			t.addCommand(author.Command("echo", {}));
			if (i > 0) t.addDependency(tasks[i - 1]);
			tasks.push(t);
			job.addTask(t);
		}
		const free = author.Task("free", "misc");
		free.addCommand(author.Command("echo", {}));
		job.addTask(free);
		tasks[0].addDependency(tasks[29]);
	`), map[string]any{"name": "a"})
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "… 20 more") || strings.Contains(err.Error(), "free") {
		t.Fatalf("err = %v", err)
	}
}

func TestTaskCap(t *testing.T) {
	_, err := compileScript(t, testScript(`
		for (let i = 0; ; i++) {
			const t = author.Task("t" + i, "misc");
			t.addCommand(author.Command("echo", {}));
			job.addTask(t);
		}
	`), map[string]any{"name": "a"}, WithMaxTasks(50))
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "at most 50 tasks") {
		t.Fatalf("err = %v", err)
	}
}

func TestEachCompileHasAFreshRuntime(t *testing.T) {
	src := `let compiled = 0;
	const JOB_TYPE = { label: "Counter", settings: [] };
	function compileJob(job) {
		compiled++;
		globalThis.leak = (globalThis.leak || 0) + 1;
		const t = author.Task("run-" + compiled + "-" + globalThis.leak, "misc");
		t.addCommand(author.Command("echo", {message: job.name}));
		job.addTask(t);
	}`
	r := Open(folder(t, map[string]string{"counter.js": src}), quiet)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			job := &model.Job{Name: fmt.Sprint("job ", i), Type: "counter"}
			tasks, err := r.Compile(job)
			if err == nil && (tasks[0].Name != "run-1-1" || tasks[0].Commands[0].Parameters["message"] != job.Name) {
				err = fmt.Errorf("job %d got %+v", i, tasks[0])
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func TestSettingsChangesAreKept(t *testing.T) {
	job := &model.Job{Name: "j", Type: "test-type", Settings: map[string]any{"name": "b", "extra": "passes through"},
		Metadata: map[string]string{"project": "film"}}
	r := Open(folder(t, map[string]string{"test_type.js": testScript(twoTasks + `
		job.addTask(a);
		job.settings.resolved = job.settings.name + "-" + job.settings.n + "-" + job.settings.extra;
		job.metadata["seen"] = job.metadata["project"];
		job.name = " " + job.name + " (resolved) ";
		job.priority = 80;
	`)}), quiet)
	if _, err := r.Compile(job); err != nil {
		t.Fatal(err)
	}
	if job.Settings["resolved"] != "b-2-passes through" || job.Settings["n"] != 2 || job.Metadata["seen"] != "film" ||
		job.Name != "j (resolved)" || job.Priority != 80 {
		t.Errorf("job %+v", job)
	}
	job.Type = "test-type"
	for body, says := range map[string]string{`job.priority = 101;`: "priority to 101", `job.name = "  ";`: "job name to"} {
		r := Open(folder(t, map[string]string{"test_type.js": testScript(twoTasks + `job.addTask(a);` + body)}), quiet)
		if _, err := r.Compile(job); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), says) {
			t.Errorf("%s: %v", body, err)
		}
	}
}

func TestBrokenDeclarations(t *testing.T) {
	cases := map[string]struct{ src, says string }{
		"syntax error":       {`const JOB_TYPE = {;`, "SyntaxError"},
		"no JOB_TYPE":        {`function compileJob(job) {}`, "does not define a JOB_TYPE object"},
		"no compileJob":      {`const JOB_TYPE = {label: "x", settings: []};`, "does not define a compileJob(job) function"},
		"throws at load":     {`throw "not today";`, "not today"},
		"unknown type":       {`const JOB_TYPE = {settings: [{key: "a", type: "list"}]}; function compileJob() {}`, `setting "a" has type "list"`},
		"no key":             {`const JOB_TYPE = {settings: [{type: "bool"}]}; function compileJob() {}`, "setting #1 has no key"},
		"same key twice":     {`const JOB_TYPE = {settings: [{key: "a", type: "bool"}, {key: "a", type: "bool"}]}; function compileJob() {}`, `"a" is declared twice`},
		"bad default":        {`const JOB_TYPE = {settings: [{key: "a", type: "int32", default: 1.5}]}; function compileJob() {}`, `default of setting "a" must be a whole number`},
		"default not chosen": {`const JOB_TYPE = {settings: [{key: "a", type: "string", choices: ["x"], default: "y"}]}; function compileJob() {}`, `choose one of [x]`},
		"choices on an int":  {`const JOB_TYPE = {settings: [{key: "a", type: "int32", choices: ["1"]}]}; function compileJob() {}`, "only string settings have choices"},
		"bad visible":        {`const JOB_TYPE = {settings: [{key: "a", type: "bool", visible: "sometimes"}]}; function compileJob() {}`, `visible is "sometimes"`},
		"label not a string": {`const JOB_TYPE = {label: 3, settings: []}; function compileJob() {}`, "JOB_TYPE: label is a number"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			dir := folder(t, map[string]string{"broken.js": c.src})
			r := Open(dir, quiet)
			p := r.Problems()
			t.Log(p)
			if len(p) != 1 || p[0].Name != "broken" || !strings.HasSuffix(p[0].File, "broken.js") || !strings.Contains(p[0].Error, c.says) {
				t.Fatalf("problems %+v, want one saying %q", p, c.says)
			}
			if len(r.List()) != 2 {
				t.Errorf("a broken script hid the built-ins: %v", r.List())
			}
			_, err := r.Compile(&model.Job{Type: "broken"})
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "is broken") {
				t.Errorf("compiling a broken type: %v", err)
			}
		})
	}
}

func TestLegacyVisibleBool(t *testing.T) {
	dir := folder(t, map[string]string{"old.js": `const JOB_TYPE = {label: "Old", settings: [
		{key: "a", type: "string", visible: false}, {key: "b", type: "string", visible: true}]};
		function compileJob(job) {}`})
	jt, err := Open(dir, quiet).Get("old")
	if err != nil {
		t.Fatal(err)
	}
	if jt.Settings[0].Visible != "hidden" || jt.Settings[1].Visible != "visible" {
		t.Errorf("settings %+v", jt.Settings)
	}
}

func TestScriptFilesTooSmallOrHiddenAreIgnored(t *testing.T) {
	dir := folder(t, map[string]string{"tiny.js": "//", ".#editing.js": "garbage", "notes.txt": "garbage"})
	if err := os.Mkdir(dir+"/folder.js", 0o755); err != nil {
		t.Fatal(err)
	}
	r := Open(dir, quiet)
	if len(r.Problems()) != 0 || len(r.List()) != 2 {
		t.Errorf("problems %v, types %v", r.Problems(), r.List())
	}
}

func TestDeclarationTypeErrorsAreReadable(t *testing.T) {
	for src, says := range map[string]string{
		`{label: 3, settings: []}`:                               "label is a number; it must be a string",
		`{settings: [{key: "a", type: "bool", required: 1}]}`:    "settings.required is a number; it must be a boolean",
		`{settings: [{key: "a", type: "string", choices: "x"}]}`: "settings.choices is a string; it must be a list of strings",
		`{settings: {}}`: "settings is an object; it must be a list of objects",
		`3`:              "JOB_TYPE: it is a number; it must be an object",
	} {
		dir := folder(t, map[string]string{"broken.js": "const JOB_TYPE = " + src + "; function compileJob() {}"})
		if p := Open(dir, quiet).Problems(); len(p) != 1 || !strings.Contains(p[0].Error, says) {
			t.Errorf("%s: problems %v, want %q", src, p, says)
		}
	}
}
