"""What the add-on works out about the blend file's place on the farm: the
storage locations it lies in, and the project metadata its path suggests.

No bpy here, so that it is tested in a plain python3.
"""

import getpass
import ntpath
import os
import posixpath
import re


def storage_roots(config, platform):
    """The storage locations' folders on platform ("linux", "windows",
    "darwin"), from the manager's config (GET /api/v1/config): each variable
    with "storage" set, its value for platform, else its value for "all"
    (as model.Variable.Value chooses). [] when the farm declares none."""
    roots = []
    for var in (config or {}).get("variables") or []:
        if not isinstance(var, dict) or not var.get("storage"):
            continue
        values = var.get("values") or {}
        root = values.get(platform) or values.get("all") or ""
        if root:
            roots.append((var.get("name", ""), root))
    return roots


def _norm(path, platform):
    mod = ntpath if platform == "windows" else posixpath
    path = mod.normpath(path)
    # Windows paths compare without case, as the file system does.
    return (path.lower() if platform == "windows" else path), mod.sep


def storage_of(path, roots, platform):
    """The (name, folder) of the storage location path lies in, or None."""
    p, sep = _norm(path, platform)
    for name, root in roots:
        r, _ = _norm(root, platform)
        if p == r or p.startswith(r.rstrip(sep) + sep):
            return name, root
    return None


def outside_storage(path, roots, platform):
    """A warning for the artist when the farm declares storage locations and
    path lies in none of them (workers would not find the file there), else
    ""."""
    if not roots or not path or storage_of(path, roots, platform) is not None:
        return ""
    return "This file is outside the farm's storage (%s): workers may not reach it" % ", ".join(
        root for _, root in roots)


_SHOT = re.compile(r"^(sh|shot|s)[_-]?\d+[a-z]?$", re.IGNORECASE)
_SHOT_IN_NAME = re.compile(r"(?:^|[_-])((?:sh|shot)[_-]?\d+[a-z]?)(?:[_-](.+))?$", re.IGNORECASE)
_CONTAINERS = ("shots", "shot", "sequences", "seq", "assets", "scenes")


def guess_metadata(path, roots=(), platform="linux", user=None):
    """Project metadata for the blend file at path: {"project", "shot",
    "task", "artist"}, each "" when the path does not say. The project is
    the first folder inside the storage location the file lies in, else the
    folder above a "shots"/"sequences"/"assets" folder, else the one above
    the shot's folder, else the file's own folder; the shot a folder (or the file name's part) like
    sh010 or shot_020; the task the folder below the shot's, or what follows
    the shot in the file name (sh010_lighting.blend); the artist the user
    name (user, else the logged-in user's)."""
    meta = {"project": "", "shot": "", "task": "", "artist": user if user is not None else _user()}
    if not path:
        return meta
    mod = ntpath if platform == "windows" else posixpath
    folders = [p for p in mod.normpath(mod.dirname(path)).replace("\\", "/").split("/") if p and p != "."]
    stem = mod.splitext(mod.basename(path))[0]
    found = storage_of(path, list(roots), platform)
    if found is not None:
        depth = len([p for p in mod.normpath(found[1]).replace("\\", "/").split("/") if p and p != "."])
        if len(folders) > depth:
            meta["project"] = folders[depth]
    shot_at = next((i for i in range(len(folders) - 1, -1, -1) if _SHOT.match(folders[i])), None)
    if shot_at is not None:
        meta["shot"] = folders[shot_at]
        if shot_at + 1 < len(folders):
            meta["task"] = folders[shot_at + 1]
    m = _SHOT_IN_NAME.search(stem)
    if m:
        meta["shot"] = meta["shot"] or m.group(1)
        if not meta["task"] and m.group(2):
            meta["task"] = m.group(2)
    if not meta["project"]:
        container = next((i for i in range(len(folders) - 1, -1, -1) if folders[i].lower() in _CONTAINERS), None)
        if container:
            meta["project"] = folders[container - 1]
        elif shot_at:
            meta["project"] = folders[shot_at - 1]
        elif folders and shot_at is None:
            meta["project"] = folders[-1]
    return meta


def _user():
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # No user name in the environment or the password database.
        return os.environ.get("USER", "")
