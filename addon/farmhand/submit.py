"""The Farmhand panel in Properties → Output, and its operators: refresh the
job types, pick one, fill in its settings, submit."""

import bpy
from bpy.app.handlers import persistent

from . import jobtypes, manager_api, settings_props, state

STALE = ("The job type changed on the manager: Refresh from manager, check the settings "
         "and submit again")


def selected(scene):
    """The cached job type the scene has picked, or None."""
    return state.cache().find(scene.farmhand_job_type_name) if scene else None


def ensure_settings(scene):
    """Generates the scene's settings properties for its job type, when they
    are missing or from another job type (a file just opened, a refresh)."""
    jt = selected(scene)
    if jt is not None and not settings_props.built_for(jt):
        settings_props.build(jt)
    return jt


# The job type dropdown. Its items come from the cache; the choice is kept by
# name (farmhand_job_type_name), so refreshing never makes it jump to another
# job type. Blender needs the item strings kept alive: _items holds them.
_items = []
NONE = "NONE"  # "No job type": job type names come from script file names, like simple-blender-render.


def _entries():
    """(name, label, description, number) per cached job type; 0 is none."""
    return [(NONE, "Pick a job type", "", 0)] + [
        (jt["name"], jt.get("label") or jt["name"], jt.get("description", ""), i + 1)
        for i, jt in enumerate(state.cache().job_types)]


def _job_type_items(scene, context):
    _items[:] = _entries()
    return _items


def _get_job_type(scene):
    for name, _, _, number in _entries():
        if name == scene.farmhand_job_type_name:
            return number
    return 0


def _set_job_type(scene, number):
    for name, _, _, n in _entries():
        if n == number:
            scene.farmhand_job_type_name = "" if name == NONE else name


def _job_type_changed(scene, context):
    jt = ensure_settings(scene)
    if jt is not None:
        settings_props.prefill(jt, scene)


class FARMHAND_OT_refresh(bpy.types.Operator):
    bl_idname = "farmhand.refresh"
    bl_label = "Refresh from manager"
    bl_description = "Fetch the job types and their settings from the manager"

    def execute(self, context):
        mgr = state.manager()
        try:
            answer = mgr.job_types()
        except manager_api.ManagerError as err:
            self.report({"ERROR"}, "Refreshing failed: " + state.explain(err))
            return {"CANCELLED"}
        state.remember(mgr)
        cache = state.cache()
        cache.update(mgr.url, answer.get("job_types") or [])
        ensure_settings(context.scene)
        for problem in answer.get("problems") or []:
            self.report({"WARNING"}, "Job type %s is broken on the manager: %s" % (problem.get("name"), problem.get("error")))
        name = context.scene.farmhand_job_type_name
        if name and cache.find(name) is None:
            self.report({"WARNING"}, "The manager no longer has job type %s: pick another" % name)
        self.report({"INFO"}, "%d job types from %s" % (len(cache.job_types), mgr.url))
        return {"FINISHED"}


class FARMHAND_OT_load_settings(bpy.types.Operator):
    bl_idname = "farmhand.load_settings"
    bl_label = "Show settings"
    bl_description = "Show the settings of this scene's job type"

    def execute(self, context):
        ensure_settings(context.scene)
        return {"FINISHED"}


class FARMHAND_OT_eval_setting(bpy.types.Operator):
    bl_idname = "farmhand.eval_setting"
    bl_label = "Set to automatic value"
    bl_description = "Compute this setting from the scene, as the job type suggests"

    key: bpy.props.StringProperty()

    def execute(self, context):
        jt = ensure_settings(context.scene)
        setting = next((s for s in (jt or {}).get("settings", []) if s.get("key") == self.key), None)
        if setting is None or not setting.get("eval"):
            return {"CANCELLED"}
        group = getattr(context.scene, settings_props.ATTR)
        try:
            setattr(group, self.key, jobtypes.coerce(setting, settings_props.evaluate(setting, group, context.scene)))
        except jobtypes.SettingError as err:
            self.report({"ERROR"}, str(err))
            return {"CANCELLED"}
        return {"FINISHED"}


class FARMHAND_OT_submit(bpy.types.Operator):
    bl_idname = "farmhand.submit"
    bl_label = "Submit to Farmhand"
    bl_description = "Save the blend file and submit it to the farm as a job"

    def execute(self, context):
        scene = context.scene
        p = state.prefs()
        problem = self._refusal(scene, p)
        if problem:
            self.report({"ERROR"}, problem)
            return {"CANCELLED"}
        if bpy.data.is_dirty:
            # Workers render the file on disk: it must hold what the artist sees.
            bpy.ops.wm.save_mainfile()
        jt = ensure_settings(scene)
        try:
            settings = settings_props.collect(jt, scene)
        except jobtypes.SettingError as err:
            self.report({"ERROR"}, str(err))
            return {"CANCELLED"}
        job = {
            "name": settings_props.job_name(scene),
            "type": jt["name"],
            "priority": scene.farmhand_priority,
            "settings": settings,
            "metadata": {"blender": bpy.app.version_string},
            "type_etag": jt.get("etag", ""),
        }
        mgr = state.manager()
        try:
            stored = mgr.submit(job)
        except manager_api.StaleJobType:
            self.report({"ERROR"}, STALE)
            return {"CANCELLED"}
        except manager_api.ManagerError as err:
            self.report({"ERROR"}, "The manager refused the job: " + state.explain(err))
            return {"CANCELLED"}
        state.remember(mgr)
        scene.farmhand_last_job_id = stored.get("id", "")
        scene.farmhand_last_job_status = stored.get("status", "")
        self.report({"INFO"}, "Submitted %s as job %s (%d tasks)" % (job["name"], scene.farmhand_last_job_id,
                                                                      stored.get("task_count", 0)))
        return {"FINISHED"}

    @staticmethod
    def _refusal(scene, p):
        """Why the job cannot be submitted yet, or ""."""
        if not p.token:
            return "Join the farm first: Preferences → Add-ons → Farmhand"
        if not bpy.data.filepath:
            return "Save the blend file first: the farm renders a saved file"
        cache = state.cache()
        if not cache.job_types:
            return "Refresh from manager first, to get its job types"
        if manager_api.normalise_url(p.manager_url) != cache.manager_url:
            return "The job types are from %s, not %s: Refresh from manager" % (cache.manager_url, p.manager_url)
        if selected(scene) is None:
            return "Pick a job type"
        return ""


class FARMHAND_OT_job_status(bpy.types.Operator):
    bl_idname = "farmhand.job_status"
    bl_label = "Check job"
    bl_description = "Ask the manager how the last submitted job is doing"

    def execute(self, context):
        scene = context.scene
        mgr = state.manager()
        try:
            job = mgr.job(scene.farmhand_last_job_id)
        except manager_api.ManagerError as err:
            self.report({"ERROR"}, "Checking the job failed: " + state.explain(err))
            return {"CANCELLED"}
        state.remember(mgr)
        counts = job.get("task_counts") or {}
        scene.farmhand_last_job_status = "%s, %d of %d tasks completed" % (
            job.get("status", "?"), counts.get("completed", 0), job.get("task_count", 0))
        self.report({"INFO"}, "Job %s: %s" % (job.get("name"), scene.farmhand_last_job_status))
        return {"FINISHED"}


class FARMHAND_PT_submit(bpy.types.Panel):
    bl_label = "Farmhand"
    bl_space_type = "PROPERTIES"
    bl_region_type = "WINDOW"
    bl_context = "output"

    def draw(self, context):
        layout = self.layout
        layout.use_property_split = True
        scene = context.scene
        if not state.prefs().token:
            layout.label(text="Join the farm first: Preferences → Add-ons → Farmhand", icon="ERROR")
        layout.prop(scene, "farmhand_job_name", text="Job Name")
        layout.prop(scene, "farmhand_priority")
        row = layout.row(align=True)
        row.prop(scene, "farmhand_job_type", text="Job Type")
        row.operator(FARMHAND_OT_refresh.bl_idname, text="", icon="FILE_REFRESH")
        jt = selected(scene)
        if not state.cache().job_types:
            layout.label(text="Refresh from manager to get its job types", icon="INFO")
        elif jt is not None and settings_props.built_for(jt):
            self._draw_settings(layout.box(), jt, getattr(scene, settings_props.ATTR))
        elif jt is not None:
            layout.operator(FARMHAND_OT_load_settings.bl_idname)
        layout.operator(FARMHAND_OT_submit.bl_idname, icon="RENDER_ANIMATION")
        if scene.farmhand_last_job_id:
            row = layout.row()
            row.label(text="Last job %s: %s" % (scene.farmhand_last_job_id, scene.farmhand_last_job_status))
            row.operator(FARMHAND_OT_job_status.bl_idname, text="", icon="FILE_REFRESH")

    @staticmethod
    def _draw_settings(box, jt, group):
        for s in jt.get("settings", []):
            if not (jobtypes.shown(s) and settings_props.usable(s) and hasattr(group, s["key"])):
                continue
            row = box.row(align=True)
            if jobtypes.linkable(s):
                linked = getattr(group, "autoeval_" + s["key"])
                if linked:
                    # The value is computed at submission; say from what.
                    split = row.split(factor=0.4, align=True)
                    split.alignment = "RIGHT"
                    split.label(text=jobtypes.label(s))
                    split.label(text=s["evalInfo"].get("description") or "Automatic")
                else:
                    row.prop(group, s["key"])
                row.prop(group, "autoeval_" + s["key"], text="", icon="LINKED" if linked else "UNLINKED")
            elif s.get("eval") and not jobtypes.read_only(s):
                row.prop(group, s["key"])
                row.operator(FARMHAND_OT_eval_setting.bl_idname, text="", icon="AUTO").key = s["key"]
            else:
                row.prop(group, s["key"])


@persistent
def _after_load(_):
    """Files remember their job type by name: show its settings again, and
    name the job after the file when it has no name yet."""
    scene = bpy.context.scene
    if scene is None:
        return
    ensure_settings(scene)
    if not scene.farmhand_job_name and bpy.data.filepath:
        scene.farmhand_job_name = settings_props.job_name(scene)


def register_scene_props():
    S = bpy.types.Scene
    S.farmhand_job_name = bpy.props.StringProperty(
        name="Job Name", description="The job's name on the farm; empty means the blend file's name")
    S.farmhand_priority = bpy.props.IntProperty(
        name="Priority", default=50, min=0, max=100, description="Jobs with a higher priority run first")
    S.farmhand_job_type_name = bpy.props.StringProperty(name="Job Type")
    S.farmhand_job_type = bpy.props.EnumProperty(
        name="Job Type", description="What the farm does with the file",
        items=_job_type_items, get=_get_job_type, set=_set_job_type, update=_job_type_changed)
    S.farmhand_last_job_id = bpy.props.StringProperty(name="Last Job")
    S.farmhand_last_job_status = bpy.props.StringProperty(name="Last Job Status")
    bpy.app.handlers.load_post.append(_after_load)
    bpy.app.handlers.save_post.append(_after_load)


def unregister_scene_props():
    for handlers in (bpy.app.handlers.load_post, bpy.app.handlers.save_post):
        if _after_load in handlers:
            handlers.remove(_after_load)
    for name in ("farmhand_job_name", "farmhand_priority", "farmhand_job_type", "farmhand_job_type_name",
                 "farmhand_last_job_id", "farmhand_last_job_status"):
        delattr(bpy.types.Scene, name)
    settings_props.clear()


classes = (FARMHAND_OT_refresh, FARMHAND_OT_load_settings, FARMHAND_OT_eval_setting, FARMHAND_OT_submit,
           FARMHAND_OT_job_status, FARMHAND_PT_submit)
