# Builds the tiny test scene: blender -b --factory-startup --python make_scene.py -- out.blend
# Cycles on the CPU, 64×64, 4 samples, a cube turning over frames 1–6, so a
# frame renders in a fraction of a second.
import sys

import bpy

out = sys.argv[sys.argv.index("--") + 1]

bpy.ops.wm.read_factory_settings(use_empty=True)
scene = bpy.context.scene

bpy.ops.mesh.primitive_cube_add(size=2)
cube = bpy.context.active_object
mat = bpy.data.materials.new("Orange")
mat.diffuse_color = (1.0, 0.4, 0.1, 1.0)
cube.data.materials.append(mat)
for frame, angle in ((1, 0.0), (6, 1.5)):
    cube.rotation_euler = (0.3, 0.0, angle)
    cube.keyframe_insert("rotation_euler", frame=frame)

bpy.ops.object.light_add(type="SUN", location=(3, -3, 5))
bpy.context.active_object.data.energy = 4.0

bpy.ops.object.camera_add(location=(5, -5, 4), rotation=(1.1, 0.0, 0.785))
scene.camera = bpy.context.active_object

world = bpy.data.worlds.new("World")
world.color = (0.2, 0.3, 0.5)
scene.world = world

scene.render.engine = "CYCLES"
scene.cycles.device = "CPU"
scene.cycles.samples = 4
scene.cycles.use_denoising = False
scene.render.resolution_x = 64
scene.render.resolution_y = 64
scene.render.resolution_percentage = 100
scene.render.image_settings.file_format = "PNG"
scene.frame_start = 1
scene.frame_end = 6

bpy.ops.wm.save_as_mainfile(filepath=out)
