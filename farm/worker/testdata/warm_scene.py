# Builds the warm-Blender test scene (issue 16):
#   blender -b --factory-startup --python warm_scene.py -- out.blend [load_seconds [frame_seconds]]
# Cycles on the CPU, 64x64, 4 samples with a seed that changes every frame, a
# cube turning over frames 1-24, and two cameras that timeline markers switch
# between at frame 4: a frame rendered at the wrong frame number, with the
# wrong seed or through the wrong camera differs in its pixels.
#
# With load_seconds, the file also holds a registered script that takes that
# long when the file is loaded (run with -y), standing in for a production
# scene that takes seconds to load. With frame_seconds, that script also has
# each frame take that long more to render (a render_pre handler), so that a
# test can stop a render surely mid-chunk.
import sys

import bpy

argv = sys.argv[sys.argv.index("--") + 1:]
out = argv[0]
load_seconds = float(argv[1]) if len(argv) > 1 else 0.0
frame_seconds = float(argv[2]) if len(argv) > 2 else 0.0

bpy.ops.wm.read_factory_settings(use_empty=True)
scene = bpy.context.scene

bpy.ops.mesh.primitive_cube_add(size=2)
cube = bpy.context.active_object
mat = bpy.data.materials.new("Orange")
mat.diffuse_color = (1.0, 0.4, 0.1, 1.0)
cube.data.materials.append(mat)
for frame, angle in ((1, 0.0), (24, 3.0)):
    cube.rotation_euler = (0.3, 0.0, angle)
    cube.keyframe_insert("rotation_euler", frame=frame)

bpy.ops.object.light_add(type="SUN", location=(3, -3, 5))
bpy.context.active_object.data.energy = 4.0

bpy.ops.object.camera_add(location=(5, -5, 4), rotation=(1.1, 0.0, 0.785))
front = bpy.context.active_object
bpy.ops.object.camera_add(location=(0, 0, 8), rotation=(0.0, 0.0, 0.0))
top = bpy.context.active_object
scene.camera = front
scene.timeline_markers.new("front", frame=1).camera = front
scene.timeline_markers.new("top", frame=4).camera = top

world = bpy.data.worlds.new("World")
world.color = (0.2, 0.3, 0.5)
scene.world = world

scene.render.engine = "CYCLES"
scene.cycles.device = "CPU"
scene.cycles.samples = 4
scene.cycles.use_animated_seed = True
scene.cycles.use_denoising = False
scene.render.resolution_x = 64
scene.render.resolution_y = 64
scene.render.resolution_percentage = 100
scene.render.image_settings.file_format = "PNG"
scene.frame_start = 1
scene.frame_end = 24
scene.frame_current = 1

if load_seconds > 0 or frame_seconds > 0:
    text = bpy.data.texts.new("slow.py")
    text.write("import time\nimport bpy\ntime.sleep(%r)\n" % load_seconds)
    if frame_seconds > 0:
        text.write("bpy.app.handlers.render_pre.append(lambda *args: time.sleep(%r))\n" % frame_seconds)
    text.use_module = True

bpy.ops.wm.save_as_mainfile(filepath=out)
