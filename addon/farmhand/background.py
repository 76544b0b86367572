"""Calls that run off Blender's main thread, so that a manager that is slow
or down never freezes the interface.

No bpy here, so that it is tested in a plain python3: the add-on's timer
(tasks.py) calls Runner.deliver() on the main thread, which hands each
finished call's result to its callback there, the only thread where Blender
data may be touched.
"""

import threading


class CallTimeout(Exception):
    """wait() gave up on a call that has not finished; the call goes on in
    its thread and its result is dropped."""


class Call:
    """One function running in a daemon thread of its own. When done,
    value is what it returned or error the exception it raised."""

    def __init__(self, fn, args=()):
        self.value = None
        self.error = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(fn, args), daemon=True)
        self._thread.start()

    def _run(self, fn, args):
        try:
            self.value = fn(*args)
        except Exception as err:  # Handed to the caller, who says what went wrong.
            self.error = err
        finally:
            self._done.set()

    def done(self):
        return self._done.is_set()

    def wait(self, timeout):
        """The call's value, waiting at most timeout seconds; raises the
        call's exception, or CallTimeout when it is not done by then (the
        caller goes on; the call finishes in its thread unobserved)."""
        if not self._done.wait(timeout):
            raise CallTimeout("no answer within %g s" % timeout)
        if self.error is not None:
            raise self.error
        return self.value


def run(fn, timeout, *args):
    """fn(*args) in a thread, waited for at most timeout seconds: for
    scripts, which want the answer before they go on. Raises what fn raises,
    or CallTimeout."""
    return Call(fn, args).wait(timeout)


class Runner:
    """At most one call per key (e.g. "refresh", "submit") at a time, and
    the callbacks of finished ones, run by deliver() on the thread calling
    it."""

    def __init__(self):
        self._calls = {}  # key → (Call, on_done)
        self._lock = threading.Lock()

    def start(self, key, fn, on_done, *args):
        """Starts fn(*args) unless a call of key is still running; returns
        whether it started. on_done(value, error) runs later, in deliver(),
        with error None on success."""
        with self._lock:
            if key in self._calls and not self._calls[key][0].done():
                return False
            self._calls[key] = (Call(fn, args), on_done)
            return True

    def busy(self, key):
        """Whether a call of key was started and not yet delivered."""
        with self._lock:
            return key in self._calls

    def pending(self):
        """How many calls were started and not yet delivered."""
        with self._lock:
            return len(self._calls)

    def deliver(self):
        """Runs the callbacks of the calls that finished, on this thread,
        and forgets them; never waits for a running call. Returns how many
        it delivered. A callback's exception is printed, not raised, so that
        one bad callback does not keep the others from running."""
        with self._lock:
            ready = [(k, c) for k, c in self._calls.items() if c[0].done()]
            for k, _ in ready:
                del self._calls[k]
        for key, (call, on_done) in ready:
            try:
                on_done(call.value, call.error)
            except Exception as err:
                print("Farmhand: applying the answer of %s failed: %r" % (key, err))
        return len(ready)
