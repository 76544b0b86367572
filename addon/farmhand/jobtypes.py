"""Job types as the manager declares them (GET /api/v1/jobtypes), and the
rules the submit panel follows for their settings, after Flamenco's add-on.

No bpy here, so that the rules can be tested in a plain python3.
"""

import json
import os
import re
import time

# The settings of a job type the add-on shows: "visible" (the default) and
# "submission"; "web" and "hidden" ones are computed at submission.
SHOWN = ("", "visible", "submission")

# Blender's name for each path subtype; a hashed path is a file path with
# ###### in it.
SUBTYPES = {
    "file_path": "FILE_PATH",
    "dir_path": "DIR_PATH",
    "file_name": "FILE_NAME",
    "hashed_file_path": "FILE_PATH",
}


class SettingError(ValueError):
    """A setting that cannot be submitted, with a message for the artist."""


def shown(setting):
    return (setting.get("visible") or "") in SHOWN


def read_only(setting):
    """editable: false makes the setting read-only in the panel, its value
    computed from eval (Flamenco's add-on does the same)."""
    return setting.get("editable", True) is False


def linkable(setting):
    """Settings whose value follows eval until the artist unlinks them."""
    return bool(setting.get("eval")) and bool((setting.get("evalInfo") or {}).get("showLinkButton"))


def label(setting):
    if setting.get("label"):
        return setting["label"]
    return setting["key"].replace("_", " ").title()


def limits(setting):
    """propargs min/max (and soft ones), coerced to the setting's type;
    other propargs are left out rather than risk Blender refusing them."""
    to = int if setting.get("type") == "int32" else float
    out = {}
    for name in ("min", "max", "soft_min", "soft_max"):
        value = (setting.get("propargs") or {}).get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out[name] = to(value)
    return out


def default(setting):
    """The declared default as the setting's type, or the type's zero value."""
    kind = setting.get("type")
    value = setting.get("default")
    try:
        return coerce(setting, value) if value is not None else _ZERO[kind]
    except SettingError:
        return _ZERO.get(kind, "")


_ZERO = {"string": "", "int32": 0, "float": 0.0, "bool": False}


def coerce(setting, value):
    """value as the JSON type the manager checks the setting against."""
    kind = setting.get("type")
    key = setting.get("key")
    try:
        if kind == "string":
            value = "" if value is None else str(value)
            choices = setting.get("choices") or []
            if choices and value not in choices:
                raise SettingError("%s is %r; choose one of %s" % (key, value, ", ".join(choices)))
            return value
        if kind == "int32":
            if isinstance(value, float) and value != int(value):
                raise SettingError("%s must be a whole number, not %r" % (key, value))
            return int(value)
        if kind == "float":
            return float(value)
        if kind == "bool":
            return to_bool(key, value)
    except (TypeError, ValueError) as err:
        if isinstance(err, SettingError):
            raise
        raise SettingError("%s must be a %s, not %r" % (key, kind, value)) from None
    raise SettingError("%s has a type this add-on does not know: %r" % (key, kind))


_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0", "")


def to_bool(key, value):
    """A toggle's value: a string such as "false" or "0" (a job type's
    default, an eval's result) is False, not Python's truth of a non-empty
    string; raises SettingError for a string that is neither."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise SettingError("%s must be true or false, not %r" % (key, value))
    return bool(value)


_PLAIN_RANGE = re.compile(r"^\s*\d+\s*(-|\.\.)\s*\d+\s*$")


def with_frame_step(value, step):
    """The frame range value with the scene's Frame Step added ("1-6" and
    step 2 give "1-6x2"), so that the farm renders only the frames Blender
    would. Only a plain "a-b" or "a..b" is changed: that is what Flamenco's
    job types compute from the scene (f'{frame_start}-{frame_end}') and
    ignore the step with. A range that has a step already, lists, single
    frames and a step of 1 stay as they are."""
    if not isinstance(value, str) or not isinstance(step, int) or step <= 1 or not _PLAIN_RANGE.match(value):
        return value
    return "%sx%d" % (value.strip(), step)


def check_required(setting, value):
    """The manager accepts an empty string for a required setting; the
    render would not, so the add-on asks for it."""
    if setting.get("required") and setting.get("type") == "string" and value == "":
        raise SettingError("Fill in %s: the job type needs it" % label(setting))


class Cache:
    """The job types last fetched, with the manager they came from; kept in a
    JSON file so that they survive a restart of Blender."""

    def __init__(self, path):
        self.path = path
        self.manager_url = ""
        self.fetched = 0.0
        self.job_types = []
        self.config = {}  # The farm's settings (GET /api/v1/config): storage locations and path variables.

    def load(self):
        """Reads the file; a missing or broken one is an empty cache."""
        try:
            with open(self.path, encoding="utf-8") as f:
                data = json.load(f)
            self.manager_url = data.get("manager_url", "")
            self.fetched = data.get("fetched", 0.0)
            self.job_types = [jt for jt in data.get("job_types", []) if isinstance(jt, dict) and jt.get("name")]
            self.config = data.get("config") if isinstance(data.get("config"), dict) else {}
        except (OSError, ValueError, AttributeError):
            self.manager_url, self.fetched, self.job_types, self.config = "", 0.0, [], {}
        return self

    def update(self, manager_url, job_types, config=None):
        """Keeps a refresh's answers and saves them; the memory copy is
        updated even when saving raises OSError (an unwritable folder)."""
        self.manager_url = manager_url
        self.fetched = time.time()
        self.job_types = list(job_types)
        self.config = dict(config or {})
        self.save()

    def save(self):
        # Write then rename, so that a crash never leaves half a file.
        os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"manager_url": self.manager_url, "fetched": self.fetched, "job_types": self.job_types,
                       "config": self.config}, f, indent=1)
        os.replace(tmp, self.path)

    def find(self, name):
        for jt in self.job_types:
            if jt.get("name") == name:
                return jt
        return None
