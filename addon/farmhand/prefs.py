"""Preferences: which manager, and this computer's membership of its farm."""

import socket
import threading

import bpy

from . import manager_api, state

# How often a pending join request is checked while Blender runs.
POLL_SECONDS = 5.0

STATUS_HINTS = {
    "pending": "waiting for an admin: farmhand members --pending, then farmhand approve ID",
    "approved": "you can submit jobs",
    "rejected": "an admin rejected the request; ask them, then join again",
    "revoked": "an admin revoked this computer; ask them, then join again",
}


def apply_member(p, member):
    """Keeps what the manager says about this member in the preferences."""
    p.member_id = member.get("id", "")
    p.join_status = member.get("status", "")
    p.join_role = member.get("role", "")


def check_membership(mgr):
    """The member of the token: GET /api/v1/join knows tokens of join
    requests, /whoami any approved one (a token pasted from the manager)."""
    try:
        return mgr.join_status()
    except manager_api.ManagerError as err:
        if err.status != 401:
            raise
        return mgr.whoami()


class FarmhandPreferences(bpy.types.AddonPreferences):
    bl_idname = state.PACKAGE

    manager_url: bpy.props.StringProperty(
        name="Manager URL", default=manager_api.DEFAULT_URL,
        description="Where the farm's manager listens, e.g. http://render-boss:7780")
    token: bpy.props.StringProperty(
        name="Token", subtype="PASSWORD",
        description="This computer's member token: set by Join the farm, or pasted (farmhand join prints one)")
    member_id: bpy.props.StringProperty(name="Member")
    join_status: bpy.props.StringProperty(name="Status")
    join_role: bpy.props.StringProperty(name="Role")

    def draw(self, context):
        layout = self.layout
        layout.prop(self, "manager_url")
        layout.prop(self, "token")
        row = layout.row()
        row.operator(FARMHAND_OT_join.bl_idname, icon="COMMUNITY")
        row.operator(FARMHAND_OT_join_status.bl_idname, icon="FILE_REFRESH")
        if self.join_status:
            text = "%s%s: %s" % (self.join_status, " as " + self.join_role if self.join_role else "",
                                 STATUS_HINTS.get(self.join_status, ""))
            icon = "CHECKMARK" if self.join_status == "approved" else "INFO"
            layout.label(text=text, icon=icon)
            if self.member_id:
                layout.label(text="Member ID: " + self.member_id)
        elif self.token:
            layout.label(text="Token set: Check status to see whether it is approved", icon="INFO")
        else:
            layout.label(text="Not a member of the farm yet: Join the farm, or paste a token", icon="INFO")


class FARMHAND_OT_join(bpy.types.Operator):
    bl_idname = "farmhand.join"
    bl_label = "Join the farm"
    bl_description = "Ask the manager to let this computer submit jobs, as an artist; an admin approves it"

    def invoke(self, context, event):
        # Joining again replaces a token that may already work.
        if state.prefs().token:
            return context.window_manager.invoke_confirm(self, event)
        return self.execute(context)

    def execute(self, context):
        p = state.prefs()
        name = socket.gethostname()
        try:
            joined = manager_api.Manager(p.manager_url).join(name, wants="artist")
        except manager_api.ManagerError as err:
            self.report({"ERROR"}, "Joining failed: " + err.message)
            return {"CANCELLED"}
        p.token = joined["token"]
        apply_member(p, joined["member"])
        start_polling()
        self.report({"INFO"}, "Asked to join as %s (member %s): an admin approves it with farmhand approve %s"
                    % (name, p.member_id, p.member_id))
        return {"FINISHED"}


class FARMHAND_OT_join_status(bpy.types.Operator):
    bl_idname = "farmhand.join_status"
    bl_label = "Check status"
    bl_description = "Ask the manager whether this computer's join request is approved"

    def execute(self, context):
        p = state.prefs()
        if not p.token:
            self.report({"ERROR"}, "No token: Join the farm first, or paste a token")
            return {"CANCELLED"}
        try:
            member = check_membership(state.manager())
        except manager_api.ManagerError as err:
            self.report({"ERROR"}, "Checking the membership failed: " + err.message)
            return {"CANCELLED"}
        apply_member(p, member)
        self.report({"INFO"}, "Membership: " + p.join_status)
        return {"FINISHED"}


# Polling runs the request in a thread, so that a manager that does not answer
# never freezes Blender; a timer (on Blender's main thread) hands the answer to
# the preferences, which only the main thread may touch.
_poll = {"thread": None, "member": None}


def _ask(mgr):
    try:
        _poll["member"] = mgr.join_status()
    except manager_api.ManagerError:
        _poll["member"] = None  # Try again next time; the button shows errors.


def _tick():
    p = state.prefs()
    member, _poll["member"] = _poll["member"], None
    if member:
        apply_member(p, member)
        state.redraw()
    if p.join_status != "pending" or not p.token:
        return None  # Nothing to wait for: stop.
    thread = _poll["thread"]
    if thread is None or not thread.is_alive():
        _poll["thread"] = threading.Thread(target=_ask, args=(state.manager(timeout=3),), daemon=True)
        _poll["thread"].start()
    return POLL_SECONDS


def start_polling():
    if not bpy.app.timers.is_registered(_tick):
        bpy.app.timers.register(_tick, first_interval=1.0, persistent=True)


def stop_polling():
    if bpy.app.timers.is_registered(_tick):
        bpy.app.timers.unregister(_tick)


classes = (FarmhandPreferences, FARMHAND_OT_join, FARMHAND_OT_join_status)
