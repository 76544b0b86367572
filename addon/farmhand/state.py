"""What the add-on's parts share: the preferences, the manager they point at,
and the cache of job types."""

import os
import types

import bpy

from . import jobtypes, manager_api

PACKAGE = __package__

# Stand-in preferences for when the add-on was registered by calling
# register() rather than enabled as an add-on (scripts, tests): Blender then
# has no AddonPreferences for it.
_fallback = types.SimpleNamespace(
    manager_url=manager_api.DEFAULT_URL, token="", member_id="", join_status="", join_role="")

_cache = None


def prefs():
    addon = bpy.context.preferences.addons.get(PACKAGE)
    return addon.preferences if addon else _fallback


def manager(timeout=manager_api.TIMEOUT):
    p = prefs()
    return manager_api.Manager(p.manager_url, p.token, timeout)


def cache():
    """The job types last fetched, read from Blender's config folder once, like
    Flamenco's flamenco-manager-info.json."""
    global _cache
    if _cache is None:
        folder = bpy.utils.user_resource("CONFIG") or os.path.expanduser("~")
        _cache = jobtypes.Cache(os.path.join(folder, "farmhand-manager-info.json")).load()
    return _cache


def forget():
    global _cache
    _cache = None


def redraw():
    """Panels do not notice that a timer or an operator changed a property
    they show; ask every window to redraw."""
    wm = getattr(bpy.context, "window_manager", None)
    for window in getattr(wm, "windows", []):
        for area in window.screen.areas:
            if area.type in ("PROPERTIES", "PREFERENCES"):
                area.tag_redraw()


def explain(err):
    """The manager's message, with a hint when the token cannot work yet: the
    manager refuses a pending member's token like an unknown one."""
    p = prefs()
    if err.status in (401, 403) and p.join_status == "pending":
        return "%s (the join request is still pending: an admin approves it with farmhand approve %s)" % (
            err.message, p.member_id)
    return err.message
