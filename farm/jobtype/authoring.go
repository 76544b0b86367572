package jobtype

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"

	"github.com/dop251/goja"
)

// The authoring half of Flamenco's job-compiler API: author.Task,
// author.Command, task.addCommand, task.addDependency and job.addTask, in Go.
// Tasks and commands are Go structs that goja shows as objects
// (goja.DynamicObject), and the methods are native functions: a task costs
// a few hundred bytes rather than the kilobyte or more of a JavaScript object
// with its arrays, and nothing is left to walk when compileJob returns
// (measured with BenchmarkCompile100k: a 100,000-task job compiles about
// twice as fast, in half the memory, as with JavaScript constructors).
//
// What scripts see matches Flamenco: tasks have name, type, priority (50),
// commands and dependencies; commands have name, parameters and
// totalStepCount. Errors are thrown as strings, so they read like the
// script's own `throw "message"`.
//
// When the authored job is read: a task is read when compileJob returns, so
// what a script changes in it after job.addTask counts (its name, commands
// and dependencies added later). A command's parameters are read when
// author.Command is called, as Flamenco's author.Command does (it takes a Go
// map, which goja copies the object into): changing the object passed in
// afterwards changes nothing, while changing command.parameters does, as it
// is the command's own map.
type authoring struct {
	vm        *goja.Runtime
	authored  func() // tells the budget watcher a task was authored
	maxTasks  int
	taskProto *goja.Object // holds addCommand and addDependency
	priority  goja.Value   // a new task's, 50
	tasks     []*task      // added to the job, in order
	plain     *plainer     // of command parameters
}

// jsProp is a property a script gave a task or command besides the API's.
type jsProp struct {
	key   string
	value goja.Value
}

var (
	taskType    = reflect.TypeOf((*task)(nil))
	commandType = reflect.TypeOf((*command)(nil))
)

// installAuthoring sets the global `author` of vm (frozen, as a module's
// exports) and returns what makes jobs and reads them back. authored is
// called for every task author.Task makes; maxTasks bounds job.addTask.
func installAuthoring(vm *goja.Runtime, authored func(), maxTasks int) (*authoring, error) {
	a := &authoring{vm: vm, authored: authored, maxTasks: maxTasks, priority: vm.ToValue(50), plain: newPlainer()}
	a.taskProto = vm.NewObject()
	for name, fn := range map[string]func(goja.FunctionCall) goja.Value{
		"addCommand": a.addCommand, "addDependency": a.addDependency,
	} {
		if err := a.taskProto.DefineDataProperty(name, vm.ToValue(fn), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE); err != nil {
			return nil, err
		}
	}
	author := vm.NewObject()
	if err := author.Set("Task", a.newTask); err != nil {
		return nil, err
	}
	if err := author.Set("Command", a.newCommand); err != nil {
		return nil, err
	}
	freeze, _ := goja.AssertFunction(vm.Get("Object").ToObject(vm).Get("freeze"))
	if _, err := freeze(goja.Undefined(), author); err != nil {
		return nil, err
	}
	return a, vm.Set("author", author)
}

// throw stops the script with a string exception, as its own `throw` would.
func (a *authoring) throw(format string, args ...any) {
	panic(a.vm.ToValue(fmt.Sprintf(format, args...)))
}

// text is a name argument as Flamenco's Go functions take it: null or
// undefined is empty, anything else its string form, trimmed.
func text(v goja.Value) string {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return ""
	}
	return strings.TrimSpace(v.String())
}

// newTask is author.Task(name, type): a task of priority 50, no commands and
// no dependencies. Name and type are required.
func (a *authoring) newTask(call goja.FunctionCall) goja.Value {
	name, typ := text(call.Argument(0)), text(call.Argument(1))
	if name == "" {
		a.throw("author.Task(name, type): name is required")
	}
	if typ == "" {
		a.throw("author.Task(name, type): type is required")
	}
	a.authored()
	t := &task{a: a, name: a.str(call.Argument(0), name), typ: a.str(call.Argument(1), typ), priority: a.priority, index: -1}
	t.obj = a.vm.NewDynamicObject(t)
	if err := t.obj.SetPrototype(a.taskProto); err != nil {
		panic(err)
	}
	return t.obj
}

// str is s as a JavaScript value, reusing v when it is that string already.
func (a *authoring) str(v goja.Value, s string) goja.Value {
	if goja.IsString(v) && v.String() == s {
		return v
	}
	return a.vm.ToValue(s)
}

// newCommand is author.Command(name, parameters, totalStepCount). Left out,
// totalStepCount is 0: the command counts as one step, reported when it
// finishes. The parameters are copied now (see authoring); what cannot be
// stored is reported when the task holding the command is read, naming both.
func (a *authoring) newCommand(call goja.FunctionCall) goja.Value {
	nameArg, stepsArg := call.Argument(0), call.Argument(2)
	steps := math.Trunc(stepsArg.ToFloat())
	if math.IsNaN(steps) {
		steps = 0
	}
	if steps < 0 {
		a.throw(`author.Command("%s"): totalStepCount cannot be negative (%s)`, nameArg.String(), stepsArg.String())
	}
	name := jsString(nameArg)
	c := &command{a: a, name: a.str(nameArg, name), steps: a.vm.ToValue(steps)}
	c.setParameters(call.Argument(1))
	c.obj = a.vm.NewDynamicObject(c)
	return c.obj
}

// taskOf returns the task v is, or nil.
func taskOf(v goja.Value) *task {
	if o, ok := v.(*goja.Object); ok && o.ExportType() == taskType {
		return o.Export().(*task)
	}
	return nil
}

func commandOf(v goja.Value) *command {
	if o, ok := v.(*goja.Object); ok && o.ExportType() == commandType {
		return o.Export().(*command)
	}
	return nil
}

// this is the task a method was called on.
func (a *authoring) this(call goja.FunctionCall, method string) *task {
	t := taskOf(call.This)
	if t == nil {
		panic(a.vm.NewTypeError("%s must be called on a task, as task.%s(...)", method, method))
	}
	return t
}

// addCommand is task.addCommand(command): it takes what author.Command returns.
func (a *authoring) addCommand(call goja.FunctionCall) goja.Value {
	t := a.this(call, "addCommand")
	c := commandOf(call.Argument(0))
	if c == nil {
		a.throw(`task "%s": addCommand(command) takes what author.Command returns, not %s`, t.name.String(), call.Argument(0).String())
	}
	if t.commandsJS == nil {
		t.commands = append(t.commands, c)
	} else {
		a.push(t.commandsJS, "commands", c.obj)
	}
	return goja.Undefined()
}

// addDependency is task.addDependency(task): the task waits for the other to
// complete. It takes what author.Task returns; the other task must be added
// to the job too, before or after.
func (a *authoring) addDependency(call goja.FunctionCall) goja.Value {
	t := a.this(call, "addDependency")
	dep := taskOf(call.Argument(0))
	if dep == nil {
		a.throw(`task "%s": addDependency(task) takes what author.Task returns, not %s`, t.name.String(), call.Argument(0).String())
	}
	if t.dependenciesJS == nil {
		t.dependencies = append(t.dependencies, dep)
	} else {
		a.push(t.dependenciesJS, "dependencies", dep.obj)
	}
	return goja.Undefined()
}

// push appends v to a list the script has seen or replaced, as
// `list.push(v)` would.
func (a *authoring) push(list goja.Value, what string, v goja.Value) {
	if o, ok := list.(*goja.Object); ok {
		if push, ok := goja.AssertFunction(o.Get("push")); ok {
			if _, err := push(o, v); err != nil {
				panic(err)
			}
			return
		}
	}
	panic(a.vm.NewTypeError("task.%s is %s, not a list", what, list.String()))
}

// addTask is job.addTask(task): it takes what author.Task returns, once, up
// to the registry's maximum tasks for a job.
func (a *authoring) addTask(call goja.FunctionCall) goja.Value {
	t := taskOf(call.Argument(0))
	switch {
	case t == nil:
		a.throw("job.addTask(task) takes what author.Task returns, not %s", call.Argument(0).String())
	case t.index >= 0:
		a.throw(`job.addTask: task "%s" was already added to the job`, t.name.String())
	case len(a.tasks) >= a.maxTasks:
		a.throw("job.addTask: a job may have at most %d tasks", a.maxTasks)
	}
	t.index = len(a.tasks)
	a.tasks = append(a.tasks, t)
	return goja.Undefined()
}

// task is what author.Task returns. Its commands and dependencies are Go
// lists until the script looks at task.commands or task.dependencies (or
// replaces them); from then on the JavaScript array it got is the list.
type task struct {
	a                   *authoring
	obj                 *goja.Object
	name, typ, priority goja.Value
	commands            []*command
	commandsJS          goja.Value // nil while commands is the list
	dependencies        []*task
	dependenciesJS      goja.Value // nil while dependencies is the list
	extra               props
	index               int // in the job, -1 until job.addTask
}

func (t *task) Get(key string) goja.Value {
	switch key {
	case "name":
		return t.name
	case "type":
		return t.typ
	case "priority":
		return t.priority
	case "commands":
		if t.commandsJS == nil {
			t.commandsJS = t.a.array(len(t.commands), func(i int) goja.Value { return t.commands[i].obj })
			t.commands = nil
		}
		return t.commandsJS
	case "dependencies":
		if t.dependenciesJS == nil {
			t.dependenciesJS = t.a.array(len(t.dependencies), func(i int) goja.Value { return t.dependencies[i].obj })
			t.dependencies = nil
		}
		return t.dependenciesJS
	}
	return t.extra.get(key)
}

func (a *authoring) array(n int, item func(int) goja.Value) goja.Value {
	items := make([]any, n)
	for i := range items {
		items[i] = item(i)
	}
	return a.vm.NewArray(items...)
}

func (t *task) Set(key string, v goja.Value) bool {
	switch key {
	case "name":
		t.name = v
	case "type":
		t.typ = v
	case "priority":
		t.priority = v
	case "commands":
		t.commandsJS, t.commands = v, nil
	case "dependencies":
		t.dependenciesJS, t.dependencies = v, nil
	default:
		t.extra.set(key, v)
	}
	return true
}

var taskKeys = []string{"name", "type", "priority", "commands", "dependencies"}

func (t *task) Has(key string) bool { return t.extra.has(taskKeys, key) }

// Delete leaves the API's properties undefined; a task without a name or
// commands is refused when read.
func (t *task) Delete(key string) bool { return t.extra.delete(taskKeys, key, t.Set) }

func (t *task) Keys() []string { return t.extra.keys(taskKeys) }

// command is what author.Command returns.
type command struct {
	a           *authoring
	obj         *goja.Object
	name, steps goja.Value
	params      map[string]any
	paramsErr   error      // why the parameters cannot be stored
	paramsJS    goja.Value // what the script sees as command.parameters, once it looked
	read        bool       // params went to a task
	extra       props
}

// setParameters copies v into the command's parameters.
func (c *command) setParameters(v goja.Value) {
	c.params, c.paramsErr = c.a.plain.parameters(v)
	c.paramsJS = nil
	if c.paramsErr != nil {
		c.paramsJS = v // the script still sees what it gave
	}
}

// parameters returns the command's parameters as the worker gets them.
// Every call returns a map of its own: a command added to several tasks
// must not share its parameters between them.
func (c *command) parameters() (map[string]any, error) {
	if c.paramsErr != nil {
		return nil, c.paramsErr
	}
	if c.paramsJS == nil && !c.read {
		c.read = true
		return c.params, nil
	}
	// The script had the map and may have put JavaScript values in it, or
	// another task has this map.
	return plainParameters(c.params)
}

func (c *command) Get(key string) goja.Value {
	switch key {
	case "name":
		return c.name
	case "totalStepCount":
		return c.steps
	case "parameters":
		if c.paramsJS == nil {
			c.paramsJS = c.a.vm.ToValue(c.params)
		}
		return c.paramsJS
	}
	return c.extra.get(key)
}

func (c *command) Set(key string, v goja.Value) bool {
	switch key {
	case "name":
		c.name = v
	case "totalStepCount":
		c.steps = v
	case "parameters":
		c.setParameters(v)
	default:
		c.extra.set(key, v)
	}
	return true
}

var commandKeys = []string{"name", "parameters", "totalStepCount"}

func (c *command) Has(key string) bool { return c.extra.has(commandKeys, key) }

func (c *command) Delete(key string) bool { return c.extra.delete(commandKeys, key, c.Set) }

func (c *command) Keys() []string { return c.extra.keys(commandKeys) }

// props are the properties a script gave a Go-backed object besides its own.
type props []jsProp

func (p props) get(key string) goja.Value {
	for _, e := range p {
		if e.key == key {
			return e.value
		}
	}
	return nil
}

func (p *props) set(key string, v goja.Value) {
	for i := range *p {
		if (*p)[i].key == key {
			(*p)[i].value = v
			return
		}
	}
	*p = append(*p, jsProp{key, v})
}

// delete removes key unless it is one of fixed, which becomes undefined
// through set, as deleting it from an object would leave it.
func (p *props) delete(fixed []string, key string, set func(string, goja.Value) bool) bool {
	if slices.Contains(fixed, key) {
		return set(key, goja.Undefined())
	}
	for i := range *p {
		if (*p)[i].key == key {
			*p = slices.Delete(*p, i, i+1)
			break
		}
	}
	return true
}

func (p props) has(fixed []string, key string) bool {
	return slices.Contains(fixed, key) || p.get(key) != nil
}

func (p props) keys(fixed []string) []string {
	out := slices.Clone(fixed)
	for _, e := range p {
		out = append(out, e.key)
	}
	return out
}
