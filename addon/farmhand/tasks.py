"""The add-on's calls to the manager, run off Blender's main thread.

A button starts a call here (start); a bpy.app.timers callback, on the main
thread, hands each answer to its apply function, which alone touches Blender
data. While a call runs, its panel says so ("Refreshing…"); when an answer is
an error, the panel shows it in place until the next call of that kind.
"""

import bpy

from . import background, manager_api, state

runner = background.Runner()

# key → (text, kind): what the panels show under their buttons; kind is
# BUSY (a call runs), INFO or ERROR.
status = {}
BUSY, INFO, ERROR = "busy", "info", "error"
_ICONS = {BUSY: "SORTTIME", INFO: "INFO", ERROR: "ERROR"}

# How often the timer looks for finished calls (seconds): quick enough that
# an answer shows at once, slow enough to cost nothing.
TICK = 0.1


def start(key, busy_text, fn, apply, *args):
    """Runs fn(*args) in a thread (at most one call per key) and later, on
    the main thread, apply(value) for its answer. A ManagerError (or any
    other exception) from fn, or a string apply returns, is shown as the
    key's error. Returns False when a call of key is still running."""
    def done(value, error):
        status.pop(key, None)
        if error is None:
            try:
                message = apply(value)
            except manager_api.ManagerError as err:
                message = state.explain(err)
        elif isinstance(error, manager_api.ManagerError):
            message = state.explain(error)
        else:
            message = "%s failed: %s" % (busy_text.rstrip("…."), error)
        if message:
            status[key] = (message, ERROR)
        state.redraw()

    if not runner.start(key, fn, done, *args):
        return False
    status[key] = (busy_text, BUSY)
    if not bpy.app.timers.is_registered(_tick):
        bpy.app.timers.register(_tick, first_interval=TICK, persistent=True)
    state.redraw()
    return True


def run_operator(op, key, busy_text, fn, apply, args=(), wait=False, failed="Failed"):
    """What an operator does with a call to the manager: started in a thread
    and applied later when a person pressed the button, or, when wait is set
    (a script ran the operator: it wants the answer before it goes on),
    called and applied now, with the error reported so that the script gets
    a RuntimeError carrying it. apply(value) returns "" or an error message.
    Returns the operator's result set."""
    if not wait:
        if not start(key, busy_text, fn, apply, *args):
            op.report({"WARNING"}, busy_text + " still")
            return {"CANCELLED"}
        return {"FINISHED"}
    status.pop(key, None)
    try:
        message = apply(fn(*args))
    except manager_api.ManagerError as err:
        message = state.explain(err)
    if message:
        status[key] = (message, ERROR)
        op.report({"ERROR"}, "%s: %s" % (failed, message))
        return {"CANCELLED"}
    return {"FINISHED"}


def busy(key):
    return runner.busy(key)


def say(key, text, error=False):
    """Shows text under the key's buttons ("" clears it)."""
    if text:
        status[key] = (text, ERROR if error else INFO)
    else:
        status.pop(key, None)
    state.redraw()


def draw_status(layout, key):
    """The key's progress or error, in place, under its buttons."""
    text, kind = status.get(key, ("", INFO))
    if text:
        for i, line in enumerate(_wrap(text)):
            layout.label(text=line, icon=_ICONS[kind] if i == 0 else "BLANK1")


def _wrap(text, width=70):
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = (line + " " + w).strip()
    return lines + [line] if line else lines


def _tick():
    runner.deliver()
    # Keep ticking while calls run; stop when none does (start() restarts).
    return TICK if runner.pending() else None


def stop():
    if bpy.app.timers.is_registered(_tick):
        bpy.app.timers.unregister(_tick)
    status.clear()
