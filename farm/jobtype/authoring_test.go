package jobtype

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// compileBody compiles a job of testScript(body) and returns its tasks.
func compileBody(t *testing.T, body string) ([]TaskSpec, error) {
	t.Helper()
	return compileScript(t, testScript(body), map[string]any{"name": "a"})
}

// Tasks are read when compileJob returns: what the script changes in a task
// after job.addTask counts, as before tasks were Go-backed.
func TestTasksAreReadWhenCompileJobReturns(t *testing.T) {
	tasks, err := compileBody(t, twoTasks+`
		job.addTask(a); job.addTask(b);
		a.name = "renamed"; a.type = "blender"; a.priority = 70;
		a.addCommand(author.Command("sleep", {duration_in_seconds: 1}));
		b.addDependency(a);
	`)
	if err != nil {
		t.Fatal(err)
	}
	a, b := tasks[0], tasks[1]
	if a.Name != "renamed" || a.Type != "blender" || a.Priority != 70 || len(a.Commands) != 2 || a.Commands[1].Name != "sleep" {
		t.Errorf("task a %+v", a)
	}
	if fmt.Sprint(b.DependsOn) != "[0]" {
		t.Errorf("task b depends on %v, want [0]", b.DependsOn)
	}
}

// A script may look at a task's lists, push onto them, replace them with its
// own arrays, even of its own command objects; the task has what the lists
// hold when compileJob returns.
func TestTaskListsTheScriptTouched(t *testing.T) {
	tasks, err := compileBody(t, `
		const a = author.Task("a", "misc");
		a.addCommand(author.Command("echo", {message: "1"}));
		const seen = a.commands;
		a.addCommand(author.Command("echo", {message: "2"}));
		seen.push(author.Command("echo", {message: "3"}));
		if (a.commands !== seen || seen.length !== 3) throw "commands are not one list: " + seen.length;

		const b = author.Task("b", "misc");
		b.addCommand(author.Command("echo", {message: "dropped"}));
		b.commands = [author.Command("sleep", {duration_in_seconds: 2}, 4),
			{name: "echo", parameters: {message: "own"}, totalStepCount: 1}];
		b.addCommand(author.Command("echo", {message: "after"}));
		b.dependencies = [a];
		b.dependencies.push(a);

		const c = author.Task("c", "misc");
		c.addCommand(author.Command("echo", {}));
		c.addDependency(a);
		const deps = c.dependencies;
		c.addDependency(b);
		if (deps.length !== 2 || deps[1] !== b) throw "dependencies are not one list";
		job.addTask(a); job.addTask(b); job.addTask(c);
	`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, task := range tasks {
		for _, c := range task.Commands {
			got = append(got, fmt.Sprintf("%s:%s%v%d", task.Name, c.Name, c.Parameters, c.TotalSteps))
		}
	}
	want := []string{"a:echomap[message:1]0", "a:echomap[message:2]0", "a:echomap[message:3]0",
		"b:sleepmap[duration_in_seconds:2]4", "b:echomap[message:own]1", "b:echomap[message:after]0", "c:echomap[]0"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("commands\n%q\nwant\n%q", got, want)
	}
	if fmt.Sprint(tasks[1].DependsOn, tasks[2].DependsOn) != "[0] [0 1]" {
		t.Errorf("dependencies %v %v", tasks[1].DependsOn, tasks[2].DependsOn)
	}
}

// A command's parameters are read when author.Command is called, as
// Flamenco's author.Command copies them into a Go map: changing the object
// afterwards changes nothing. command.parameters is the command's own copy:
// changing it counts, as in Flamenco; so does replacing it.
func TestCommandParametersAreCopiedWhenAuthored(t *testing.T) {
	tasks, err := compileBody(t, `
		const t = author.Task("t", "misc");
		const p = {message: "as authored", args: ["-a", 1]};
		const first = author.Command("exec", p);
		p.message = "changed later"; p.args.push("-b"); p.extra = true;
		const second = author.Command("exec", {exe: "x"});
		second.parameters.args = ["-n", 2];
		second.parameters.exe = "y";
		const third = author.Command("exec", {exe: "x"});
		third.parameters = {exe: "z", args: [3]};
		third.name = "exec";
		t.addCommand(first); t.addCommand(second); t.addCommand(third);
		job.addTask(t);
	`)
	if err != nil {
		t.Fatal(err)
	}
	c := tasks[0].Commands
	want := []map[string]any{
		{"message": "as authored", "args": []any{"-a", "1"}},
		{"exe": "y", "args": []any{"-n", "2"}},
		{"exe": "z", "args": []any{"3"}},
	}
	for i, w := range want {
		if !reflect.DeepEqual(c[i].Parameters, w) {
			t.Errorf("command %d parameters %#v, want %#v", i, c[i].Parameters, w)
		}
	}
}

// Parameters that cannot be stored are reported when the task holding the
// command is read, naming both, also when the script put them in the
// command's own map later; a command never added to a task is not read.
func TestUnstorableParametersNameTheirTask(t *testing.T) {
	for name, c := range map[string]struct{ body, says string }{
		"set through command.parameters": {`const c = author.Command("sleep", {}); c.parameters.d = 0/0;
			const t = author.Task("x", "misc"); t.addCommand(c); job.addTask(t);`, `task "x": command "sleep": d: NaN cannot be stored`},
		"in a list the script made": {`const t = author.Task("x", "misc"); t.commands = [{name: "echo", parameters: {f: Infinity}}];
			job.addTask(t);`, `task "x": command "echo": f: +Inf cannot be stored`},
		"not a list": {`const t = author.Task("x", "misc"); t.commands = "echo"; job.addTask(t);`, `task "x"'s commands are not a list`},
		"sparse list": {`const t = author.Task("x", "misc"); const a = []; a.length = 2 ** 32 - 1;
			t.addCommand(author.Command("exec", {args: a})); job.addTask(t);`, `args: a list of 4294967295 elements is longer than a command may hold`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := compileBody(t, c.body)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.says) {
				t.Fatalf("err = %v\nwant ErrInvalid saying %q", err, c.says)
			}
		})
	}
	if _, err := compileBody(t, twoTasks+`author.Command("echo", {bad: 0/0}); job.addTask(a);`); err != nil {
		t.Errorf("a command never added stopped the job: %v", err)
	}
}

// Tasks and commands behave as the objects scripts had before: their
// properties are listed, serialised and deleted, scripts may add their own,
// and the methods refuse to run on anything but a task.
func TestTasksAreObjects(t *testing.T) {
	tasks, err := compileBody(t, `
		const t = author.Task("t", "misc");
		const c = author.Command("echo", {message: "m"}, 2);
		t.note = "mine";
		const checks = [
			[Object.keys(t).join(), "name,type,priority,commands,dependencies,note"],
			[JSON.stringify(c), '{"name":"echo","parameters":{"message":"m"},"totalStepCount":2}'],
			["addCommand" in t && !t.hasOwnProperty("addCommand"), true],
			[t.note, "mine"],
			[typeof author.Task, "function"],
			[Object.isFrozen(author), true],
		];
		for (const [got, want] of checks) if (got !== want) throw "got " + got + ", want " + want;
		delete t.note;
		if ("note" in t) throw "note not deleted";
		try { t.addCommand.call({}, c); throw "no TypeError"; } catch (e) { if (!(e instanceof TypeError)) throw e; }
		t.addCommand(c);
		job.addTask(t);
		const d = author.Task("d", "misc");
		d.addCommand(c);
		delete d.name;
		job.addTask(d);
	`)
	if err == nil || !strings.Contains(err.Error(), "task #2 has no name") {
		t.Fatalf("tasks %+v, err %v; want task #2 refused for having no name", tasks, err)
	}
}

// A command added to several tasks gives each its own parameters: the
// manager may change one task's without touching the other's.
func TestSharedCommandGivesEachTaskItsOwnParameters(t *testing.T) {
	tasks, err := compileBody(t, `
		const c = author.Command("exec", {exe: "x", args: ["-a"]});
		for (const name of ["one", "two"]) {
			const t = author.Task(name, "misc");
			t.addCommand(c);
			job.addTask(t);
		}
	`)
	if err != nil {
		t.Fatal(err)
	}
	one, two := tasks[0].Commands[0].Parameters, tasks[1].Commands[0].Parameters
	if !reflect.DeepEqual(one, two) {
		t.Fatalf("parameters differ: %v, %v", one, two)
	}
	one["exe"] = "changed"
	one["args"].([]any)[0] = "changed"
	if two["exe"] != "x" || two["args"].([]any)[0] != "-a" {
		t.Errorf("changing one task's parameters changed the other's: %v", two)
	}
}
