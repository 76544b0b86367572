// The authoring half of Flamenco's job-compiler API: author.Task,
// author.Command, task.addCommand, task.addDependency and job.addTask. It is
// written in JavaScript and runs in each runtime before the job-type script,
// because Go objects cost goja a reflection call on every property and method
// access: authoring in JavaScript compiles big jobs about twice as fast. When
// compileJob returns, Go reads the tasks off collect(job).
//
// What scripts see matches Flamenco: tasks have name, type, priority (50),
// commands and dependencies; commands have name, parameters and
// totalStepCount. Errors are thrown as strings, so they read like the
// script's own `throw "message"`.
"use strict";

(function () {
    // Hidden properties (symbols: scripts cannot name them, JSON skips them),
    // rather than WeakMaps, which cost goja far more per task.
    const TASKS = Symbol("tasks"); // of a job, in order
    const INDEXES = Symbol("indexes"); // of a job: task → its index, a Map
    const ORIGINALS = Symbol("originals"); // the Go maps a job was made with

    // Plain constructor functions rather than classes: goja builds an
    // instance of a class several times slower, and a big job makes 300,000.
    function Task(name, type) {
        this.name = name;
        this.type = type;
        this.priority = 50;
        this.commands = [];
        this.dependencies = [];
    }
    Task.prototype.addCommand = function addCommand(command) {
        if (!(command instanceof Command)) {
            throw `task "${this.name}": addCommand(command) takes what author.Command returns, not ${command}`;
        }
        this.commands.push(command);
    };
    Task.prototype.addDependency = function addDependency(task) {
        if (!(task instanceof Task)) {
            throw `task "${this.name}": addDependency(task) takes what author.Task returns, not ${task}`;
        }
        this.dependencies.push(task);
    };

    function Command(name, parameters, totalStepCount) {
        this.name = name;
        this.parameters = parameters;
        this.totalStepCount = totalStepCount;
    }

    // What one built-in call may make at once, from the memory budget (see
    // budget.go). The watcher can only interrupt between calls: without these,
    // "x".repeat(2 ** 40) or new Array(1e9).fill(0) would take the manager's
    // memory in a single step.
    // SETUP comes from Go (script.go): the limits, and taskAuthored, which
    // tells the budget watcher that the script earned more time and memory.
    // Scripts cannot reach it.
    const SETUP = globalThis.__farmhandSetup;
    delete globalThis.__farmhandSetup;
    const LIMITS = SETUP.limits;
    const tooBig = (what, max) =>
        new RangeError(`${what}, more than the memory budget lets one call make (${max}); ` +
            "a job type should build tasks, not hold data");
    const guard = (proto, name, check) => {
        const original = proto[name];
        const guarded = {
            [name](...args) {
                check(this, args);
                return original.apply(this, args);
            },
        }[name];
        Object.defineProperty(proto, name, { value: guarded, writable: true, configurable: true });
    };
    const count = (v) => Math.max(0, Math.min(Number(v) || 0, Number.MAX_SAFE_INTEGER));
    const strLength = (s) => (s === undefined || s === null ? 0 : String(s).length);
    guard(String.prototype, "repeat", (s, [n]) => {
        const chars = strLength(s) * Math.trunc(count(n));
        if (chars > LIMITS.chars) throw tooBig(`String.prototype.repeat would make ${chars} characters`, LIMITS.chars);
    });
    for (const name of ["padStart", "padEnd"]) {
        guard(String.prototype, name, (s, [n]) => {
            if (count(n) > LIMITS.chars) throw tooBig(`String.prototype.${name} would make ${count(n)} characters`, LIMITS.chars);
        });
    }
    guard(Array.prototype, "join", (a) => {
        const n = count(Object(a).length);
        if (n > LIMITS.elements) throw tooBig(`Array.prototype.join would join ${n} elements`, LIMITS.elements);
    });
    guard(Array.prototype, "fill", (a, [, start, end]) => {
        const len = count(Object(a).length);
        const at = (v, dflt) => {
            const i = v === undefined ? dflt : Math.trunc(Number(v)) || 0;
            return i < 0 ? Math.max(len + i, 0) : Math.min(i, len);
        };
        const n = at(end, len) - at(start, 0);
        if (n > LIMITS.elements) throw tooBig(`Array.prototype.fill would fill ${n} elements`, LIMITS.elements);
    });
    guard(Array, "from", (C, [items]) => {
        if (items === undefined || items === null || typeof items[Symbol.iterator] === "function") return;
        const n = count(Object(items).length);
        if (n > LIMITS.elements) throw tooBig(`Array.from would make ${n} elements`, LIMITS.elements);
    });
    // Binary buffers are allocated whole by their constructors; subclasses
    // keep instanceof, from, of and the prototypes' methods working.
    for (const name of ["ArrayBuffer", "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array",
        "Int32Array", "Uint32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array"]) {
        const Base = globalThis[name];
        if (typeof Base !== "function") continue;
        const size = Base.BYTES_PER_ELEMENT || 1;
        const Guarded = {
            [name]: class extends Base {
                constructor(...args) {
                    // A buffer argument is viewed, not copied; a list or a
                    // length makes new elements.
                    const a = args[0];
                    const isObject = a !== null && typeof a === "object";
                    const n = isObject ? ("length" in a ? count(a.length) : 0) : count(a);
                    if (n * size > LIMITS.bytes) throw tooBig(`new ${name} would make ${n * size} bytes`, LIMITS.bytes);
                    super(...args);
                }
            },
        }[name];
        Object.defineProperty(globalThis, name, { value: Guarded, writable: true, configurable: true });
    }

    const text = (v) => (v === undefined || v === null ? "" : String(v).trim());

    globalThis.author = Object.freeze({
        Task(name, type) {
            name = text(name);
            type = text(type);
            if (name === "") throw "author.Task(name, type): name is required";
            if (type === "") throw "author.Task(name, type): type is required";
            SETUP.taskAuthored();
            return new Task(name, type);
        },
        // Left out, totalStepCount is 0: the command counts as one step,
        // reported when it finishes.
        Command(name, parameters, totalStepCount) {
            const steps = Math.trunc(Number(totalStepCount)) || 0;
            if (steps < 0) throw `author.Command("${name}"): totalStepCount cannot be negative (${totalStepCount})`;
            return new Command(String(name ?? ""), parameters ?? {}, steps);
        },
    });

    // newJob makes the `job` compileJob receives. settings and metadata are
    // the submitted job's own Go maps, so what the script changes in them is
    // stored with the job, as in Flamenco.
    function newJob(name, jobType, priority, created, settings, metadata, maxTasks) {
        const job = {
            name: name,
            jobType: jobType,
            priority: priority,
            created: created,
            settings: settings,
            metadata: metadata,
            addTask(task) {
                if (!(task instanceof Task)) throw `job.addTask(task) takes what author.Task returns, not ${task}`;
                const indexes = job[INDEXES];
                if (indexes.has(task)) throw `job.addTask: task "${task.name}" was already added to the job`;
                const tasks = job[TASKS];
                if (tasks.length >= maxTasks) throw `job.addTask: a job may have at most ${maxTasks} tasks`;
                indexes.set(task, tasks.length);
                tasks.push(task);
            },
            [TASKS]: [],
            // One map for the job, not a hidden property on each task: goja
            // gives every object with a symbol property a map of its own.
            [INDEXES]: new Map(),
            [ORIGINALS]: { settings, metadata },
        };
        return job;
    }

    // collect returns what Go reads of the authored job: the tasks, and job
    // fields the script may have changed. dependencies holds, per task, null
    // or the indexes of the tasks it depends on (-1: never added to the job).
    function collect(job) {
        const was = job[ORIGINALS];
        const indexes = job[INDEXES];
        const dependencies = job[TASKS].map((t) =>
            t.dependencies.length === 0 ? null : t.dependencies.map((d) => indexes.get(d) ?? -1));
        return {
            dependencies: dependencies,
            name: job.name,
            priority: job.priority,
            // A script may replace the maps outright (job.settings = {...}).
            settings: job.settings !== was.settings ? job.settings : undefined,
            metadata: job.metadata !== was.metadata ? job.metadata : undefined,
            tasks: job[TASKS],
        };
    }

    Object.defineProperty(globalThis, "__farmhand", { value: Object.freeze({ newJob, collect }) });
})();
