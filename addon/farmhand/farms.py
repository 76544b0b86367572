"""Finding the farm: the preferences' Find farms button (one mDNS query,
mdns.py) and the list of farms found, where one click chooses a farm. The
typed Manager URL stays the fallback, for networks that block multicast."""

import bpy

from . import manager_api, mdns, state, tasks

# The farms the last search found (mdns.find's dicts); memory only, since a
# farm's address is worth something only while it is fresh.
found = []
searched = {"done": False}


def draw(layout, p):
    """The Find farms button and the farms found, each a button that
    chooses it."""
    box = layout.box()
    row = box.row()
    row.operator(FARMHAND_OT_find_farms.bl_idname, icon="VIEWZOOM")
    tasks.draw_status(box, "find")
    if searched["done"] and not found and "find" not in tasks.status:
        box.label(text="No farm answered: is the manager running on this network? Type its URL below",
                  icon="INFO")
    for i, farm in enumerate(found):
        row = box.row()
        chosen = manager_api.normalise_url(p.manager_url) == farm["url"]
        op = row.operator(FARMHAND_OT_choose_farm.bl_idname, text="%s — %s" % (farm["name"], farm["url"]),
                          icon="CHECKMARK" if chosen else "NETWORK_DRIVE", depress=chosen)
        op.index = i
        if farm["fingerprint"]:
            row.label(text="fingerprint %s" % manager_api.short(farm["fingerprint"]))


def _apply(farms):
    found[:] = farms
    searched["done"] = True
    names = ", ".join("%s (%s)" % (f["name"], f["url"]) for f in farms)
    tasks.say("find", "Found %s" % names if farms else "")
    return ""


def _find():
    try:
        return mdns.find()
    except mdns.MDNSError as err:
        raise manager_api.ManagerError(0, str(err)) from None


class FARMHAND_OT_find_farms(bpy.types.Operator):
    bl_idname = "farmhand.find_farms"
    bl_label = "Find farms on the network"
    bl_description = ("Ask the local network which Farmhand farms there are (one mDNS query, about 2 seconds); "
                      "then click one to use it")

    @classmethod
    def poll(cls, context):
        return not tasks.busy("find")

    def invoke(self, context, event):
        return self._run(wait=False)

    def execute(self, context):
        result = self._run(wait=True)
        if result == {"FINISHED"}:
            self.report({"INFO"}, "%d farms found: %s" % (len(found), ", ".join(
                "%s at %s" % (f["name"], f["url"]) for f in found)))
        return result

    def _run(self, wait):
        try:
            state.check_online()
        except manager_api.ManagerError as err:
            self.report({"ERROR"}, err.message)
            return {"CANCELLED"}
        return tasks.run_operator(self, "find", "Looking for farms…", _find, _apply, wait=wait,
                                  failed="Finding farms failed")


class FARMHAND_OT_choose_farm(bpy.types.Operator):
    bl_idname = "farmhand.choose_farm"
    bl_label = "Use this farm"
    bl_description = "Submit to this farm: sets the Manager URL. Then Join the farm (with its join code, if you have it)"

    index: bpy.props.IntProperty(default=-1, options={"HIDDEN", "SKIP_SAVE"})

    def execute(self, context):
        if not 0 <= self.index < len(found):
            self.report({"ERROR"}, "No such farm: Find farms again")
            return {"CANCELLED"}
        farm = found[self.index]
        p = state.prefs()
        if manager_api.normalise_url(p.manager_url) != farm["url"]:
            p.manager_url = farm["url"]
            # Another manager: its certificate is not the one pinned before. The
            # announced fingerprint is not pinned (mDNS proves nothing): the join
            # code's letters, or Trust after comparing, pin it.
            p.fingerprint = ""
            state.forget_trust_notice()
        self.report({"INFO"}, "Using farm %s at %s: now Join the farm" % (farm["name"], farm["url"]))
        return {"FINISHED"}


classes = (FARMHAND_OT_find_farms, FARMHAND_OT_choose_farm)
