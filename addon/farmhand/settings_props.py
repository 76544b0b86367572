"""A job type's settings as Blender properties, and their values at submission.

As in Flamenco's add-on, selecting a job type generates a PropertyGroup with
one property per setting and hangs it on the scene as
Scene.farmhand_job_settings; values typed into it are saved with the file.
"""

import os
import pathlib

import bpy

from . import jobtypes, upload
from .jobtypes import SettingError

ATTR = "farmhand_job_settings"

_group = None  # The generated PropertyGroup class.
_built = None  # (job type name, etag) it was generated for.


def job_name(scene):
    """The job name typed in the panel, else the blend file's stem."""
    name = getattr(scene, "farmhand_job_name", "") if scene else ""
    return name or pathlib.Path(bpy.data.filepath).stem or "untitled"


# The names Flamenco's job types use in their eval expressions.

def abspath(path):
    """A path with Blender's // (the blend file's folder) resolved."""
    return os.path.normpath(bpy.path.abspath(str(path)))


def last_n_dir_parts(n, filepath=None):
    """The last n folders of the blend file's path (or filepath's)."""
    if n <= 0:
        return pathlib.Path()
    parent = pathlib.Path(abspath(filepath or bpy.data.filepath)).parent
    return pathlib.Path(*parent.parts[-n:])


def evaluate(setting, group, scene):
    env = {
        "bpy": bpy, "C": bpy.context, "jobname": job_name(scene), "settings": group,
        "Path": pathlib.Path, "abspath": abspath, "last_n_dir_parts": last_n_dir_parts,
    }
    try:
        return eval(setting["eval"], env)  # The manager's job type is trusted, as in Flamenco.
    except Exception as err:
        raise SettingError("Cannot compute %s from %r: %s" % (setting["key"], setting["eval"], err)) from None


def _live_value(setting):
    """Getter of a read-only setting: its value computed now."""
    def get(group):
        try:
            if setting.get("eval"):
                return jobtypes.coerce(setting, evaluate(setting, group, bpy.context.scene))
        except SettingError as err:
            if setting["type"] == "string":
                return "(%s)" % err
        return jobtypes.default(setting)
    return get


def _prop(setting):
    kw = {"name": jobtypes.label(setting), "description": setting.get("description", "")}
    kind = setting.get("type")
    value = jobtypes.default(setting)
    if kind == "string" and setting.get("choices"):
        choices = [str(c) for c in setting["choices"]]
        return bpy.props.EnumProperty(items=[(c, c, "") for c in choices],
                                      default=value if value in choices else choices[0], **kw)
    if jobtypes.read_only(setting):
        kw["get"] = _live_value(setting)
    else:
        kw["default"] = value
    if kind == "string":
        return bpy.props.StringProperty(subtype=jobtypes.SUBTYPES.get(setting.get("subtype"), "NONE"), **kw)
    if kind == "bool":
        return bpy.props.BoolProperty(**kw)
    kw.update(jobtypes.limits(setting))
    if "default" in kw:
        kw["default"] = min(max(kw["default"], kw.get("min", kw["default"])), kw.get("max", kw["default"]))
    if kind == "int32":
        return bpy.props.IntProperty(**kw)
    if kind == "float":
        return bpy.props.FloatProperty(**kw)
    return None


def usable(setting):
    """Keys that can be Python attributes; autoeval_ is the add-on's own."""
    key = setting.get("key", "")
    return key.isidentifier() and not key.startswith("autoeval_")


def build(job_type):
    """(Re)generates the PropertyGroup for job_type; values the scene already
    holds for keys of the same name stay."""
    global _group, _built
    annotations = {}
    for s in job_type.get("settings", []):
        prop = _prop(s) if usable(s) else None
        if prop is None:
            print("Farmhand: setting %r of %s cannot be shown in Blender" % (s.get("key"), job_type["name"]))
            continue
        annotations[s["key"]] = prop
        if jobtypes.linkable(s):
            annotations["autoeval_" + s["key"]] = bpy.props.BoolProperty(
                name="Automatic", default=True,
                description="Use the automatic value: " + (s.get("evalInfo") or {}).get("description", s["eval"]))
    name = "FarmhandJobSettings_" + "".join(c if c.isalnum() else "_" for c in job_type["name"])
    cls = type(name, (bpy.types.PropertyGroup,), {"__annotations__": annotations})
    clear()
    bpy.utils.register_class(cls)
    setattr(bpy.types.Scene, ATTR, bpy.props.PointerProperty(type=cls))
    _group, _built = cls, (job_type["name"], job_type.get("etag"))


def built_for(job_type):
    return job_type is not None and _built == (job_type["name"], job_type.get("etag"))


def clear():
    global _group, _built
    if _group is None:
        return
    try:
        delattr(bpy.types.Scene, ATTR)
    except AttributeError:
        pass
    bpy.utils.unregister_class(_group)
    _group, _built = None, None


def prefill(job_type, scene):
    """Fills empty visible settings that have an eval, as Flamenco does when a
    job type is picked, so the artist starts from sensible values."""
    group = getattr(scene, ATTR)
    for s in job_type.get("settings", []):
        if not (usable(s) and s.get("eval") and jobtypes.shown(s)) or jobtypes.read_only(s):
            continue
        if s.get("type") == "string" and not s.get("choices") and getattr(group, s["key"]) == "":
            try:
                setattr(group, s["key"], jobtypes.coerce(s, evaluate(s, group, scene)))
            except SettingError as err:
                print("Farmhand:", err)


def automatic(s, group):
    """Whether the setting's value is computed at submission: not shown,
    read-only, or linked to its eval."""
    if not jobtypes.shown(s) or jobtypes.read_only(s):
        return True
    return jobtypes.linkable(s) and getattr(group, "autoeval_" + s["key"], True)


def collect(job_type, scene):
    """The settings to submit: typed values, else eval's, else the default.
    Raises SettingError with a message for the artist."""
    group = getattr(scene, ATTR)
    # Uploading, the blend file and the output go to the job's folders
    # whatever the settings say (upload.make_upload_job): no need to fill them.
    filled = upload.FILLED_SETTINGS if getattr(scene, "farmhand_upload", False) else ()
    values = {}
    for s in job_type.get("settings", []):
        if not usable(s):
            continue
        key = s["key"]
        if key == "blendfile" and s.get("type") == "string":
            value = bpy.data.filepath  # The farm renders the file as saved.
        elif not automatic(s, group):
            value = getattr(group, key, None)  # None: a type Blender cannot show; coerce says so.
        elif s.get("eval"):
            value = evaluate(s, group, scene)
            if key == "frames":
                # The scene's Frame Step, which Flamenco's job types leave out.
                value = jobtypes.with_frame_step(value, scene.frame_step)
        elif s.get("default") is not None:
            value = s["default"]
        else:
            continue
        value = jobtypes.coerce(s, value)
        if s.get("subtype") and isinstance(value, str) and value.startswith("//"):
            value = abspath(value)  # "//" means nothing on another computer.
        if key not in filled:
            jobtypes.check_required(s, value)
        values[key] = value
    return values
