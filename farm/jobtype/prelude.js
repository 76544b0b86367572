// Guards for the built-ins that could make a huge value in one step, run in
// each runtime before the job-type script. The authoring API (author.Task,
// job.addTask, …) is Go: see authoring.go.
"use strict";

(function () {
    // What one built-in call may make at once, from the memory budget (see
    // budget.go). The watcher can only interrupt between calls: without these,
    // "x".repeat(2 ** 40) or new Array(1e9).fill(0) would take the manager's
    // memory in a single step.
    // LIMITS comes from Go (script.go); scripts cannot reach it.
    const LIMITS = globalThis.__farmhandLimits;
    delete globalThis.__farmhandLimits;
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
})();
