"""Preferences: which manager, and this computer's membership of its farm."""

import socket
import threading

import bpy

from . import farms, manager_api, state, tasks

# How often a pending join request is checked while Blender runs.
POLL_SECONDS = 5.0

STATUS_HINTS = {
    "pending": "waiting for an admin: farmhand members --pending, then farmhand approve ID",
    "approved": "you can submit jobs",
    "approved as worker": "a join code admits workers only: an admin makes this computer an artist with "
                          "farmhand approve ID --role artist",
    "rejected": "an admin rejected the request; ask them, then join again",
    "revoked": "an admin revoked this computer; ask them, then join again",
}


def apply_member(p, member):
    """Keeps what the manager says about this member in the preferences."""
    p.member_id = member.get("id", "")
    p.join_status = member.get("status", "")
    p.join_role = member.get("role", "")


def waiting(p):
    """Whether the membership may still change by an admin's hand: pending,
    or admitted by a join code as a worker, which cannot submit yet."""
    return bool(p.token) and (p.join_status == "pending" or (p.join_status == "approved" and p.join_role == "worker"))


def status_text(p):
    key = "approved as worker" if p.join_status == "approved" and p.join_role == "worker" else p.join_status
    return "%s%s: %s" % (p.join_status, " as " + p.join_role if p.join_role else "",
                         STATUS_HINTS.get(key, "").replace("ID", p.member_id or "ID"))


def _tidy_fingerprint(p, context):
    """Shows a typed or pasted fingerprint in groups of four, the way the
    manager shows it; text that is not a fingerprint stays as typed, and the
    next call says what is wrong with it."""
    try:
        grouped = manager_api.group(manager_api.parse_fingerprint(p.fingerprint))
    except ValueError:
        return
    if grouped != p.fingerprint:
        p.fingerprint = grouped  # Runs this again, which then changes nothing.
    # A pin the artist changed makes an earlier offer or warning stale.
    state.forget_trust_notice()


def draw_trust(layout, p):
    """What the preferences say about the manager's certificate: an offer to
    trust the fingerprint it presented, or a warning that it is not the one
    this computer trusts (never an offer then: the artist clears the field
    by hand first)."""
    notice = state.current_trust_notice()
    if notice and notice["mismatch"]:
        pinned, got = notice["mismatch"]
        box = layout.box()
        box.label(text="The manager presents fingerprint %s, but this computer trusts %s:"
                  % (manager_api.short(got), manager_api.short(pinned)), icon="ERROR")
        box.label(text="another computer may be posing as the manager. Nothing was sent to it.")
        box.label(text="If the manager's data folder was replaced on purpose, clear the Fingerprint field by hand,")
        box.label(text="then Check status (or Join the farm) to see the new fingerprint and trust it.")
    elif notice and notice["offered"]:
        box = layout.box()
        box.label(text="This manager presents fingerprint:", icon="LOCKED")
        box.label(text=manager_api.group(notice["offered"]))
        box.label(text="Compare it with the one the manager shows (farmhand joincode, or Farmhand's Settings),")
        box.label(text="then click Trust.")
        box.operator(FARMHAND_OT_trust.bl_idname, icon="CHECKMARK")
    elif manager_api.normalise_url(p.manager_url).startswith("https://") and not p.fingerprint.strip():
        layout.label(text="No fingerprint yet: Join the farm or Check status to see the manager's, "
                     "or paste the join code's", icon="INFO")


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
        description="Where the farm's manager listens, e.g. https://render-boss:7780")
    fingerprint: bpy.props.StringProperty(
        name="Fingerprint", update=_tidy_fingerprint,
        description="The manager's certificate fingerprint, or its first 12 characters from the join code: "
                    "the add-on talks to no other https manager. Set by Trust; replaced by the whole one "
                    "once a prefix matched")
    token: bpy.props.StringProperty(
        name="Token", subtype="PASSWORD",
        description="This computer's member token: set by Join the farm, or pasted (farmhand join prints one)")
    member_id: bpy.props.StringProperty(name="Member")
    join_status: bpy.props.StringProperty(name="Status")
    join_role: bpy.props.StringProperty(name="Role")
    join_code: bpy.props.StringProperty(
        name="Join code",
        description="The farm's join code (farmhand joincode on the manager, or Farmhand's Settings), e.g. "
                    "123-456-789-012-ABCD-EFGH-IJKL: its letters tell the add-on which manager to trust. Optional")

    def draw(self, context):
        layout = self.layout
        farms.draw(layout, self)
        layout.prop(self, "manager_url")
        layout.prop(self, "fingerprint")
        draw_trust(layout, self)
        layout.prop(self, "join_code")
        layout.prop(self, "token")
        row = layout.row()
        row.operator(FARMHAND_OT_join.bl_idname, icon="COMMUNITY")
        row.operator(FARMHAND_OT_join_status.bl_idname, icon="FILE_REFRESH")
        tasks.draw_status(layout, "join")
        if self.join_status:
            ok = self.join_status == "approved" and self.join_role != "worker"
            layout.label(text=status_text(self), icon="CHECKMARK" if ok else "INFO")
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

    @classmethod
    def poll(cls, context):
        return not tasks.busy("join")

    # Set by invoke (a person pressed the button), so that the confirmation
    # dialog's execute does not wait; a script's execute does.
    from_ui: bpy.props.BoolProperty(options={"HIDDEN", "SKIP_SAVE"})

    def invoke(self, context, event):
        self.from_ui = True
        # Joining again replaces a token that may already work.
        if state.prefs().token:
            return context.window_manager.invoke_confirm(self, event)
        return self.start(context, wait=False)

    def execute(self, context):
        return self.start(context, wait=not self.from_ui)

    def start(self, context, wait):
        p = state.prefs()
        try:
            secret, prefix = manager_api.split_join_code(p.join_code) if p.join_code.strip() else ("", "")
            state.check_online()
        except (ValueError, manager_api.ManagerError) as err:
            self.report({"ERROR"}, "Joining failed: %s" % (getattr(err, "message", None) or err))
            return {"CANCELLED"}
        if prefix:
            try:
                pinned = manager_api.parse_fingerprint(p.fingerprint)
            except ValueError:
                pinned = ""
            if pinned and not (pinned.startswith(prefix) or prefix.startswith(pinned)):
                self.report({"ERROR"}, "The join code belongs to the manager with fingerprint %s, but this computer "
                            "trusts %s: check the code, or clear the Fingerprint" % (
                                manager_api.group(prefix), manager_api.short(pinned)))
                return {"CANCELLED"}
            if not pinned:
                # The code came from the farm's admin: its letters are the pin.
                p.fingerprint = manager_api.group(prefix)
        name = socket.gethostname()
        mgr = manager_api.Manager(p.manager_url, fingerprint=p.fingerprint)

        def apply(joined):
            state.remember(mgr)
            p.token = joined["token"]
            apply_member(p, joined["member"])
            start_polling()
            tasks.say("join", "Asked to join as %s: %s" % (name, status_text(p)))
            return ""
        return tasks.run_operator(self, "join", "Joining…", mgr.join, apply, (name, None, "artist", secret),
                                  wait=wait, failed="Joining failed")


class FARMHAND_OT_trust(bpy.types.Operator):
    bl_idname = "farmhand.trust"
    bl_label = "Trust"
    bl_description = ("Trust the manager with the fingerprint shown: the add-on will talk to it and to no other "
                      "computer at this address. Compare the fingerprint with the manager's first")

    def execute(self, context):
        p = state.prefs()
        notice = state.current_trust_notice()
        if not notice or not notice["offered"]:
            self.report({"ERROR"}, "No fingerprint to trust: Check status or Join the farm to see the manager's")
            return {"CANCELLED"}
        if p.fingerprint.strip():
            # Never replace a pin without the artist clearing it: a different
            # certificate is what an impostor presents.
            self.report({"ERROR"}, "This computer already trusts fingerprint %s: clear the Fingerprint field first"
                        % p.fingerprint)
            return {"CANCELLED"}
        p.fingerprint = manager_api.group(notice["offered"])
        state.forget_trust_notice()
        self.report({"INFO"}, "Trusting the manager with fingerprint %s: Join the farm or Check status again"
                    % manager_api.short(notice["offered"]))
        return {"FINISHED"}


class FARMHAND_OT_join_status(bpy.types.Operator):
    bl_idname = "farmhand.join_status"
    bl_label = "Check status"
    bl_description = "Ask the manager whether this computer's join request is approved"

    @classmethod
    def poll(cls, context):
        return not tasks.busy("join")

    def invoke(self, context, event):
        return self.start(wait=False)

    def execute(self, context):
        return self.start(wait=True)

    def start(self, wait):
        p = state.prefs()
        if not p.token:
            self.report({"ERROR"}, "No token: Join the farm first, or paste a token")
            return {"CANCELLED"}
        try:
            mgr = state.manager()
        except manager_api.ManagerError as err:
            self.report({"ERROR"}, "Checking the membership failed: " + err.message)
            return {"CANCELLED"}

        def apply(member):
            state.remember(mgr)
            apply_member(p, member)
            if waiting(p):
                start_polling()
            tasks.say("join", "")
            return ""
        return tasks.run_operator(self, "join", "Checking…", check_membership, apply, (mgr,), wait=wait,
                                  failed="Checking the membership failed")


# Polling runs the request in a thread, so that a manager that does not answer
# never freezes Blender; a timer (on Blender's main thread) hands the answer to
# the preferences, which only the main thread may touch.
_poll = {"thread": None, "answer": None}


def _ask(mgr):
    # One assignment, so that the timer sees the whole answer or none of it.
    try:
        _poll["answer"] = (mgr, check_membership(mgr), None)
    except manager_api.ManagerError as err:
        # Try again next time; the button shows errors, the preferences a
        # refused certificate.
        _poll["answer"] = (mgr, None, err)


def _tick():
    p = state.prefs()
    answer, _poll["answer"] = _poll["answer"], None
    if answer:
        mgr, member, err = answer
        if err is not None:
            state.note_trust(err)
        elif member:
            state.remember(mgr)
            apply_member(p, member)
            state.redraw()
    if not waiting(p):
        return None  # Nothing to wait for: stop.
    thread = _poll["thread"]
    if thread is None or not thread.is_alive():
        try:
            mgr = state.manager(timeout=3)
        except manager_api.ManagerError:
            return POLL_SECONDS  # Offline: ask again once online access is allowed.
        _poll["thread"] = threading.Thread(target=_ask, args=(mgr,), daemon=True)
        _poll["thread"].start()
    return POLL_SECONDS


def start_polling():
    if not bpy.app.timers.is_registered(_tick):
        bpy.app.timers.register(_tick, first_interval=1.0, persistent=True)


def stop_polling():
    if bpy.app.timers.is_registered(_tick):
        bpy.app.timers.unregister(_tick)


classes = farms.classes + (FarmhandPreferences, FARMHAND_OT_join, FARMHAND_OT_trust, FARMHAND_OT_join_status)
