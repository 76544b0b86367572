"""Farmhand: submit the open blend file to a Farmhand render farm.

Preferences find the farm on the network (or hold a typed manager URL), the
fingerprint of its certificate (the add-on talks to no other https manager)
and this computer's member token (Join the farm asks the manager for one);
Properties → Output → Farmhand submits and follows the job. Installable as a
legacy add-on (Blender 3.4+) or, with blender_manifest.toml, an extension
(4.2+).
"""

bl_info = {
    "name": "Farmhand",
    "author": "Farmhand",
    "version": (0, 2, 0),
    "blender": (3, 4, 0),
    "location": "Properties > Output > Farmhand",
    "description": "Submit render jobs to a Farmhand render farm",
    "category": "Render",
}

import bpy

from . import follow, prefs, state, submit, tasks

_classes = prefs.classes + submit.classes


def register():
    for cls in _classes:
        bpy.utils.register_class(cls)
    submit.register_scene_props()
    # Carry on waiting for a join request made before Blender restarted.
    prefs.start_polling()


def unregister():
    prefs.stop_polling()
    follow.stop()
    tasks.stop()
    submit.unregister_scene_props()
    for cls in reversed(_classes):
        bpy.utils.unregister_class(cls)
    state.forget()
