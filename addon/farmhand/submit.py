"""The Farmhand panel in Properties → Output, and its operators: refresh the
job types and the farm's settings, pick a job type, fill in its settings and
the project metadata, submit, and follow the job.

Buttons never wait for the manager (tasks.py runs the calls in a thread);
scripts calling the operators get the answer before they go on."""

import bpy
from bpy.app.handlers import persistent

from . import follow, jobtypes, manager_api, project, settings_props, state, tasks, upload

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


def _fetch_farm(mgr):
    """On the worker thread: the job types and the farm's settings. A
    manager without GET /config for artists (an older one) gives {}."""
    types = mgr.job_types()
    try:
        config = mgr.config()
    except manager_api.ManagerError as err:
        if err.status == 0:
            raise
        config = {}
    return types, config


def _refreshed(mgr):
    """The apply function of a refresh: keeps the answers, says what is
    wrong with them in the panel, and returns "" (or the cache's error)."""
    def apply(answer):
        types, config = answer
        state.remember(mgr)
        problem = state.save_cache(mgr.url, types.get("job_types") or [], config or {})
        scene = bpy.context.scene
        ensure_settings(scene)
        notes = ["Job type %s is broken on the manager: %s" % (p.get("name"), p.get("error"))
                 for p in types.get("problems") or []]
        name = scene.farmhand_job_type_name if scene else ""
        if name and state.cache().find(name) is None:
            notes.append("The manager no longer has job type %s: pick another" % name)
        if problem:
            return problem
        tasks.say("refresh", "; ".join(notes), error=bool(notes))
        return ""
    return apply


class FARMHAND_OT_refresh(bpy.types.Operator):
    bl_idname = "farmhand.refresh"
    bl_label = "Refresh from manager"
    bl_description = "Fetch the job types, the storage locations and the path variables from the manager"

    @classmethod
    def poll(cls, context):
        return not tasks.busy("refresh")

    def invoke(self, context, event):
        return self._run(wait=False)

    def execute(self, context):
        result = self._run(wait=True)
        if result == {"FINISHED"}:
            self.report({"INFO"}, "%d job types from %s" % (len(state.cache().job_types), state.cache().manager_url))
        return result

    def _run(self, wait):
        try:
            mgr = state.manager()
        except manager_api.ManagerError as err:
            self.report({"ERROR"}, "Refreshing failed: " + err.message)
            return {"CANCELLED"}
        return tasks.run_operator(self, "refresh", "Refreshing…", _fetch_farm, _refreshed(mgr), (mgr,), wait=wait,
                                  failed="Refreshing failed")


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


def storage_warning():
    """The panel's warning when the blend file lies outside every storage
    location the farm declares, else "" (and "" when its files are uploaded)."""
    scene = bpy.context.scene
    if scene is not None and scene.farmhand_upload:
        return ""
    return outside_storage()


def outside_storage():
    roots = project.storage_roots(state.cache().config, manager_api.platform_name())
    return project.outside_storage(bpy.data.filepath, roots, manager_api.platform_name())


# The upload toggle: on by itself when the file lies outside every storage
# location the farm declares; a click overrides that for the scene (kept in
# the scene's "farmhand_upload_choice": 1 on, 0 off).
def _get_upload(scene):
    choice = scene.get("farmhand_upload_choice")
    return bool(choice) if choice is not None else bool(outside_storage())


def _set_upload(scene, value):
    scene["farmhand_upload_choice"] = 1 if value else 0


def prefill_metadata(scene, force=False):
    """Fills the empty project metadata fields from the file's path and the
    user (all of them when force)."""
    roots = project.storage_roots(state.cache().config, manager_api.platform_name())
    guess = project.guess_metadata(bpy.data.filepath, roots, manager_api.platform_name())
    for key in META_KEYS:
        attr = "farmhand_meta_" + key
        if force or not getattr(scene, attr):
            setattr(scene, attr, guess[key])


META_KEYS = ("project", "shot", "task", "artist")


def frame_count(scene):
    return len(range(scene.frame_start, scene.frame_end + 1, max(1, scene.frame_step)))


def build_job(scene, jt):
    """The submission (wire.SubmitJob's JSON) for the scene. Raises
    jobtypes.SettingError with a message for the artist."""
    settings = settings_props.collect(jt, scene)
    metadata = {"blender": bpy.app.version_string, "platform": manager_api.platform_name()}
    for key in META_KEYS:
        value = getattr(scene, "farmhand_meta_" + key).strip()
        if value:
            metadata[key] = value
    job = {
        "name": settings_props.job_name(scene),
        "type": jt["name"],
        "priority": scene.farmhand_priority,
        "settings": settings,
        "metadata": metadata,
        "type_etag": jt.get("etag", ""),
        "paused": scene.farmhand_paused,
    }
    # Paths in the settings are this computer's: the manager maps them to
    # the farm's path variables, for workers on every system (case 08).
    if metadata["platform"] in ("linux", "windows", "darwin"):
        job["submitter_platform"] = metadata["platform"]
    tags = [t.strip() for t in scene.farmhand_tags.split(",") if t.strip()]
    if tags:
        job["required_tags"] = tags
    return job


class FARMHAND_OT_submit(bpy.types.Operator):
    bl_idname = "farmhand.submit"
    bl_label = "Submit to Farmhand"
    bl_description = "Save the blend file and submit it to the farm as a job"

    @classmethod
    def poll(cls, context):
        return context.scene is not None and not tasks.busy("submit")

    def invoke(self, context, event):
        return self._run(context, wait=False)

    def execute(self, context):
        return self._run(context, wait=True)

    def _run(self, context, wait):
        scene = context.scene
        problem = self._refusal(scene, state.prefs())
        if not problem and bpy.data.is_dirty:
            # Workers render the file on disk: it must hold what the artist sees.
            problem = self._save()
        jt = ensure_settings(scene) if not problem else None
        try:
            mgr = state.manager()
            if not problem:
                prefill_metadata(scene)
                job = build_job(scene, jt)
        except (jobtypes.SettingError, manager_api.ManagerError) as err:
            problem = getattr(err, "message", None) or str(err)
        if problem:
            tasks.say("submit", problem, error=True)
            self.report({"ERROR"}, problem)
            return {"CANCELLED"}
        warning = storage_warning()
        if warning:
            self.report({"WARNING"}, warning)
        frames = frame_count(scene)
        fn, args = _submit, (mgr, job)
        if scene.farmhand_upload:
            # The saved file is what the collector reads, in a Blender of its own.
            fn, args = upload.submit_with_files, (mgr, job, bpy.app.binary_path, bpy.data.filepath,
                                                  scene.farmhand_allow_missing, _submit)
            if not wait and not bpy.app.timers.is_registered(_show_upload):
                bpy.app.timers.register(_show_upload, first_interval=0.5)

        def apply(stored):
            state.remember(mgr)
            scene.farmhand_last_job_id = stored.get("id", "")
            scene.farmhand_last_job_status = "%s, %s" % (stored.get("status", ""), follow.frames_text(stored, frames))
            follow.start(scene.farmhand_last_job_id, stored.get("status", ""), frames)
            sent = stored.get("uploaded")
            tasks.say("submit", "Submitted %s as job %s (%d tasks%s%s)" % (
                job["name"], scene.farmhand_last_job_id, stored.get("task_count", 0),
                ", paused: resume it in Farmhand" if stored.get("status") == "paused" else "",
                ", %d files uploaded (%.1f MB)" % (sent["files"], sent["bytes"] / 1e6) if sent else ""))
            return ""
        return tasks.run_operator(self, "submit", "Submitting…", fn, apply, args, wait=wait,
                                  failed="The manager refused the job")

    @staticmethod
    def _save():
        """Saves the file; "" or a message (a read-only folder, a full disk)."""
        try:
            result = bpy.ops.wm.save_mainfile()
        except RuntimeError as err:
            return "Cannot save the blend file before submitting: %s" % " ".join(str(err).split())
        if "FINISHED" not in result:
            return "The blend file was not saved, so nothing was submitted: save it, then submit"
        return ""

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


def _show_upload():
    """Timer: the panel shows the upload's progress, which changes on the
    worker thread where no redraw can be asked for."""
    state.redraw()
    return 0.5 if tasks.busy("submit") else None


def _submit(mgr, job):
    """On the worker thread: the submission, with the stale job type's 412
    said the way the artist can act on."""
    try:
        return mgr.submit(job)
    except manager_api.StaleJobType:
        raise manager_api.ManagerError(412, STALE) from None


class FARMHAND_OT_job_status(bpy.types.Operator):
    bl_idname = "farmhand.job_status"
    bl_label = "Check job"
    bl_description = "Ask the manager how the last submitted job is doing"

    @classmethod
    def poll(cls, context):
        return context.scene is not None and bool(context.scene.farmhand_last_job_id) and not tasks.busy("follow")

    def invoke(self, context, event):
        return self._run(context, wait=False)

    def execute(self, context):
        return self._run(context, wait=True)

    def _run(self, context, wait):
        scene = context.scene
        try:
            mgr = state.manager()
        except manager_api.ManagerError as err:
            self.report({"ERROR"}, err.message)
            return {"CANCELLED"}
        if follow.job["id"] != scene.farmhand_last_job_id:
            follow.start(scene.farmhand_last_job_id, "", frame_count(scene))

        def apply(answer):
            state.remember(mgr)
            return follow.apply(answer)
        return tasks.run_operator(self, "follow", "Asking…", follow.fetch, apply,
                                  (mgr, scene.farmhand_last_job_id, follow.job["steps_seen"]), wait=wait,
                                  failed="Checking the job failed")


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
        layout.prop(scene, "farmhand_tags")
        layout.prop(scene, "farmhand_paused")
        row = layout.row(align=True)
        row.prop(scene, "farmhand_job_type", text="Job Type")
        row.operator(FARMHAND_OT_refresh.bl_idname, text="", icon="FILE_REFRESH")
        tasks.draw_status(layout, "refresh")
        jt = selected(scene)
        if not state.cache().job_types:
            layout.label(text="Refresh from manager to get its job types", icon="INFO")
        elif jt is not None and settings_props.built_for(jt):
            self._draw_settings(layout.box(), jt, getattr(scene, settings_props.ATTR))
        elif jt is not None:
            layout.operator(FARMHAND_OT_load_settings.bl_idname)
        box = layout.box()
        box.label(text="Project", icon="FILE_FOLDER")
        for key in META_KEYS:
            box.prop(scene, "farmhand_meta_" + key)
        warning = storage_warning()
        if warning:
            layout.label(text=warning, icon="ERROR")
        layout.prop(scene, "farmhand_upload")
        if scene.farmhand_upload:
            layout.prop(scene, "farmhand_allow_missing")
        layout.operator(FARMHAND_OT_submit.bl_idname, icon="RENDER_ANIMATION")
        if upload.progress_text():
            layout.label(text=upload.progress_text(), icon="EXPORT")
        tasks.draw_status(layout, "submit")
        follow.draw(layout, scene)

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
    if bpy.data.filepath:
        prefill_metadata(scene)


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
    S.farmhand_tags = bpy.props.StringProperty(
        name="Required Tags", description="Only workers with all these tags (comma-separated) render the job")
    S.farmhand_paused = bpy.props.BoolProperty(
        name="Submit Paused", description="The job waits, paused, until someone resumes it in Farmhand")
    for key, what in (("project", "The project the job belongs to: Farmhand lists and filters jobs by it"),
                      ("shot", "The shot, e.g. sh010"), ("task", "The task, e.g. lighting"),
                      ("artist", "Who made the file")):
        setattr(S, "farmhand_meta_" + key, bpy.props.StringProperty(
            name=key.title(), description=what + " (filled in from the file's path and your user name)"))
    S.farmhand_upload = bpy.props.BoolProperty(
        name="Upload files (no shared storage)", get=_get_upload, set=_set_upload,
        description="Send the blend file and every file it uses to the manager, for farms whose workers do not see "
                    "this computer's files; on by itself when the file is outside the farm's storage locations")
    S.farmhand_allow_missing = bpy.props.BoolProperty(
        name="Submit with Missing Files", description="Upload even when the blend file uses files that do not exist")
    S.farmhand_last_job_id = bpy.props.StringProperty(name="Last Job")
    S.farmhand_last_job_status = bpy.props.StringProperty(name="Last Job Status")
    bpy.app.handlers.load_post.append(_after_load)
    bpy.app.handlers.save_post.append(_after_load)


def unregister_scene_props():
    for handlers in (bpy.app.handlers.load_post, bpy.app.handlers.save_post):
        if _after_load in handlers:
            handlers.remove(_after_load)
    for name in ("farmhand_job_name", "farmhand_priority", "farmhand_job_type", "farmhand_job_type_name",
                 "farmhand_last_job_id", "farmhand_last_job_status", "farmhand_tags", "farmhand_paused",
                 "farmhand_upload", "farmhand_allow_missing") + tuple(
                     "farmhand_meta_" + key for key in META_KEYS):
        delattr(bpy.types.Scene, name)
    settings_props.clear()


classes = follow.classes + (FARMHAND_OT_refresh, FARMHAND_OT_load_settings, FARMHAND_OT_eval_setting,
                            FARMHAND_OT_submit, FARMHAND_OT_job_status, FARMHAND_PT_submit)
