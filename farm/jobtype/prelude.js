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
    const INDEX = Symbol("index"); // of a task in its job
    const ORIGINALS = Symbol("originals"); // the Go maps a job was made with

    class Task {
        constructor(name, type) {
            this.name = name;
            this.type = type;
            this.priority = 50;
            this.commands = [];
            this.dependencies = [];
        }
        addCommand(command) {
            if (!(command instanceof Command)) {
                throw `task "${this.name}": addCommand(command) takes what author.Command returns, not ${command}`;
            }
            this.commands.push(command);
        }
        addDependency(task) {
            if (!(task instanceof Task)) {
                throw `task "${this.name}": addDependency(task) takes what author.Task returns, not ${task}`;
            }
            this.dependencies.push(task);
        }
    }

    class Command {
        constructor(name, parameters, totalStepCount) {
            this.name = name;
            this.parameters = parameters;
            this.totalStepCount = totalStepCount;
        }
    }

    const text = (v) => (v === undefined || v === null ? "" : String(v).trim());

    globalThis.author = Object.freeze({
        Task(name, type) {
            name = text(name);
            type = text(type);
            if (name === "") throw "author.Task(name, type): name is required";
            if (type === "") throw "author.Task(name, type): type is required";
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
                if (INDEX in task) throw `job.addTask: task "${task.name}" was already added to the job`;
                const tasks = job[TASKS];
                if (tasks.length >= maxTasks) throw `job.addTask: a job may have at most ${maxTasks} tasks`;
                task[INDEX] = tasks.length;
                tasks.push(task);
            },
            [TASKS]: [],
            [ORIGINALS]: { settings, metadata },
        };
        return job;
    }

    // collect returns what Go reads of the authored job: the tasks, and job
    // fields the script may have changed.
    function collect(job) {
        const was = job[ORIGINALS];
        return {
            name: job.name,
            priority: job.priority,
            // A script may replace the maps outright (job.settings = {...}).
            settings: job.settings !== was.settings ? job.settings : undefined,
            metadata: job.metadata !== was.metadata ? job.metadata : undefined,
            tasks: job[TASKS],
        };
    }

    Object.defineProperty(globalThis, "__farmhand", { value: Object.freeze({ newJob, collect, INDEX }) });
})();
