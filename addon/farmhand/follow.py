"""Following the job submitted last: its status, "X of Y frames" and its
last-rendered thumbnail, in the Farmhand panel.

The manager's live events come over a websocket, which Python's standard
library does not speak; the add-on asks for the job every POLL_SECONDS
instead, from a worker thread (tasks.py), until the job ends.
"""

import os
import tempfile

import bpy

from . import desktop, manager_api, state, tasks

POLL_SECONDS = 3.0

# What the panel shows of the job being followed (memory only: a new
# Blender session follows nothing until the next submission or ⟳).
job = {"id": "", "status": "", "progress": "", "frames": 0, "steps_seen": -1, "icon": 0}

_previews = None  # bpy.utils.previews collection holding the thumbnail


def frames_text(j, frames):
    """"X of Y frames" for a job of frames frames (the render tasks' steps are
    frames; a preview video's step comes last, so it is capped), else the
    steps."""
    done, total = j.get("steps_completed", 0), j.get("steps_total", 0)
    if frames:
        return "%d of %d frames" % (min(done, frames), frames)
    return "%d of %d steps" % (done, total)


def start(job_id, status, frames):
    """Follows job_id from now on."""
    job.update(id=job_id, status=status, progress="", frames=frames, steps_seen=-1, icon=0)
    if not bpy.app.timers.is_registered(_tick):
        bpy.app.timers.register(_tick, first_interval=0.5, persistent=True)


def fetch(mgr, job_id, steps_seen):
    """On the worker thread: the job, and its thumbnail when more steps
    completed since the last one (None when there is none yet)."""
    j = mgr.job(job_id)
    thumb = None
    if j.get("steps_completed", 0) != steps_seen and j.get("steps_completed", 0) > 0:
        thumb = mgr.job_thumbnail(job_id)
    return j, thumb


def apply(answer):
    j, thumb = answer
    if j.get("id") != job["id"]:
        return ""  # Another job was submitted meanwhile.
    job["status"] = j.get("status", "?")
    job["progress"] = frames_text(j, job["frames"])
    if thumb:
        job["steps_seen"] = j.get("steps_completed", 0)
        _show_thumbnail(thumb)
    scene = bpy.context.scene
    if scene is not None and scene.farmhand_last_job_id == job["id"]:
        scene.farmhand_last_job_status = "%s, %s" % (job["status"], job["progress"])
    return ""


def _show_thumbnail(data):
    global _previews
    import bpy.utils.previews
    folder = os.path.join(tempfile.gettempdir(), "farmhand-blender")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "%s-%d.jpg" % (job["id"], job["steps_seen"]))
    with open(path, "wb") as f:
        f.write(data)
    if _previews is None:
        _previews = bpy.utils.previews.new()
    _previews.clear()
    job["icon"] = _previews.load("thumb", path, "IMAGE").icon_id


FINAL = ("completed", "failed", "canceled", "archived")


def _tick():
    if not job["id"]:
        return None
    if job["status"] in FINAL:
        return None  # Done: the last answer stays shown.
    try:
        mgr = state.manager(timeout=5)
    except manager_api.ManagerError:
        return POLL_SECONDS
    tasks.start("follow", "Following…", fetch, apply, mgr, job["id"], job["steps_seen"])
    return POLL_SECONDS


def stop():
    global _previews
    if bpy.app.timers.is_registered(_tick):
        bpy.app.timers.unregister(_tick)
    if _previews is not None:
        bpy.utils.previews.remove(_previews)
        _previews = None


def draw(layout, scene):
    """The followed job: status and frames, the thumbnail."""
    if not scene.farmhand_last_job_id:
        return
    box = layout.box()
    row = box.row()
    row.label(text="Job %s: %s" % (scene.farmhand_last_job_id, scene.farmhand_last_job_status), icon="RENDER_RESULT")
    row.operator("farmhand.job_status", text="", icon="FILE_REFRESH")
    tasks.draw_status(box, "follow")
    if desktop.door() is not None:
        box.operator("farmhand.open_in_farmhand", icon="WINDOW")
        tasks.draw_status(box, "open")
    if job["icon"] and job["id"] == scene.farmhand_last_job_id:
        box.template_icon(icon_value=job["icon"], scale=8.0)


def _ask_app(job_id):
    """On the worker thread: the desktop app shows the job; "" or why not."""
    try:
        desktop.show_job(job_id)
    except (desktop.NotRunning, RuntimeError) as err:
        return str(err)
    return ""


class FARMHAND_OT_open_in_farmhand(bpy.types.Operator):
    """Show this job in the Farmhand window running on this computer"""
    bl_idname = "farmhand.open_in_farmhand"
    bl_label = "Open in Farmhand"

    @classmethod
    def poll(cls, context):
        # Offered only while the app runs here (its door file exists); the
        # panel shows the job either way.
        return bool(context.scene and context.scene.farmhand_last_job_id) and desktop.door() is not None

    def invoke(self, context, event):
        return self._run(context, wait=False)

    def execute(self, context):
        return self._run(context, wait=True)  # from a script: it wants the answer

    def _run(self, context, wait):
        return tasks.run_operator(self, "open", "Opening in Farmhand…", _ask_app, lambda why: why,
                                  (context.scene.farmhand_last_job_id,), wait=wait, failed="Open in Farmhand")


classes = (FARMHAND_OT_open_in_farmhand,)
