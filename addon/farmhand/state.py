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
    manager_url=manager_api.DEFAULT_URL, fingerprint="", token="", member_id="", join_status="", join_role="")

_cache = None


def prefs():
    addon = bpy.context.preferences.addons.get(PACKAGE)
    return addon.preferences if addon else _fallback


def manager(timeout=manager_api.TIMEOUT, token=None):
    """A Manager for the preferences' URL, pin and token (or token given).
    Raises ManagerError when Blender may not go online (check_online)."""
    check_online()
    p = prefs()
    return manager_api.Manager(p.manager_url, p.token if token is None else token, timeout, fingerprint=p.fingerprint)


OFFLINE = ("Blender's online access is off: Farmhand needs the network to reach the farm. Turn on "
           "Preferences → System → Network → Allow Online Access (or start Blender with --online-mode)")


def check_online():
    """Raises ManagerError(0, OFFLINE) when Blender 4.2+ says the person does
    not allow add-ons online (bpy.app.online_access); older Blenders have no
    such setting and allow it."""
    if not getattr(bpy.app, "online_access", True):
        raise manager_api.ManagerError(0, OFFLINE)


# What the last call learnt about the manager's certificate that the artist
# must act on, for the preferences to show: at "url", either a fingerprint
# "offered" to trust (no pin yet), or a "mismatch" (pinned, presented).
# Kept in memory only: an offer is worth something only just after the
# manager presented it.
trust_notice = {"url": "", "offered": "", "mismatch": None}


def note_trust(err):
    """Keeps what a failed call (a ManagerError) says about the certificate,
    for the preferences to offer Trust or warn of an impostor."""
    url = manager_api.normalise_url(prefs().manager_url)
    if isinstance(err, manager_api.UnknownFingerprint):
        trust_notice.update(url=url, offered=err.fingerprint, mismatch=None)
    elif isinstance(err, manager_api.FingerprintMismatch):
        trust_notice.update(url=url, offered="", mismatch=(err.pinned, err.fingerprint))
    else:
        return
    redraw()


def forget_trust_notice():
    trust_notice.update(url="", offered="", mismatch=None)


def current_trust_notice():
    """trust_notice when it is about the manager the preferences name, else
    None."""
    if trust_notice["url"] != manager_api.normalise_url(prefs().manager_url):
        return None
    return trust_notice if trust_notice["offered"] or trust_notice["mismatch"] else None


def remember(mgr):
    """After a call that passed the pin: keeps the manager's whole fingerprint
    in the preferences in place of a join code's prefix (grouped in fours), so
    that later calls check all of it. Only for the manager the preferences
    still name."""
    p = prefs()
    seen = mgr.seen_fingerprint
    if not seen or mgr.url != manager_api.normalise_url(p.manager_url):
        return
    try:
        pinned = manager_api.parse_fingerprint(p.fingerprint)
    except ValueError:
        return
    if pinned != seen and manager_api.matches(seen, pinned):
        p.fingerprint = manager_api.group(seen)
    if trust_notice["url"] == mgr.url:
        forget_trust_notice()


def cache():
    """The job types and farm settings last fetched, read from Blender's
    config folder once, like Flamenco's flamenco-manager-info.json."""
    global _cache
    if _cache is None:
        folder = bpy.utils.user_resource("CONFIG") or os.path.expanduser("~")
        _cache = jobtypes.Cache(os.path.join(folder, "farmhand-manager-info.json")).load()
    return _cache


def save_cache(manager_url, job_types, config):
    """Keeps what a refresh fetched, in memory and in the cache file.
    Returns "" or, when the file cannot be written (a read-only config
    folder), a message saying so: the job types still work until Blender
    restarts."""
    c = cache()
    try:
        c.update(manager_url, job_types, config)
    except OSError as err:
        return ("Cannot keep the job types in %s (%s): they work until Blender restarts. "
                "Make Blender's config folder writable" % (c.path, err.strerror or err))
    return ""


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
    manager refuses a pending member's token like an unknown one. A refused
    certificate is noted for the preferences (note_trust)."""
    note_trust(err)
    p = prefs()
    if err.status in (401, 403) and p.join_status == "pending":
        return "%s (the join request is still pending: an admin approves it with farmhand approve %s)" % (
            err.message, p.member_id)
    return err.message
