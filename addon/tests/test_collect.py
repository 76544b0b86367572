"""The dependency collector (collect.py): its path rules in a plain python3,
and the whole collector in Debian's real Blender on a scene whose texture
sits in a sibling folder, stored by absolute path, and which links an object
from a second .blend."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "farmhand"))
import collect  # noqa: E402

COLLECT = os.path.join(HERE, "..", "farmhand", "collect.py")


def touch(path, data=b"x"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return path


class PathRulesTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.dir)

    def test_root_is_the_deepest_common_folder(self):
        d = self.dir
        blend = os.path.join(d, "proj", "shots", "sh010", "sh010.blend")
        tex = os.path.join(d, "proj", "textures", "wood.png")
        self.assertEqual(collect.deepest_root([blend, tex]), os.path.join(d, "proj"))
        self.assertEqual(collect.deepest_root([blend]), os.path.dirname(blend), "the .blend alone: its folder")

    def test_manifest_paths_are_relative_slashed_and_staged_copies_are_read(self):
        d = self.dir
        blend = os.path.join(d, "p", "shots", "a.blend")
        tex = os.path.join(d, "p", "textures", "t.png")
        copy = os.path.join(d, "stage", "shots", "a.blend")
        m = collect.build_manifest(blend, [tex, tex, blend], {blend: copy}, ["/gone/x.png", "/gone/x.png"], ["w"])
        self.assertEqual(m["root"], os.path.join(d, "p"))
        self.assertEqual(m["blend"], "shots/a.blend")
        self.assertEqual(m["files"], [{"path": "shots/a.blend", "source": copy},
                                      {"path": "textures/t.png", "source": tex}])
        self.assertEqual(m["missing"], ["/gone/x.png"])
        self.assertEqual(m["warnings"], ["w"])

    def test_rel_path_refuses_what_is_outside_the_root(self):
        with self.assertRaises(ValueError):
            collect.rel_path(os.path.join(self.dir, "a"), os.path.join(self.dir, "b", "c.png"))
        with self.assertRaises(ValueError):
            collect.rel_path(self.dir, self.dir)

    def test_sequences_take_every_numbered_frame(self):
        for n in (1, 2, 10):
            touch(os.path.join(self.dir, "seq", "frame_%04d.png" % n))
        touch(os.path.join(self.dir, "seq", "frame_0001.jpg"))
        touch(os.path.join(self.dir, "seq", "other_0001.png"))
        got = collect.sequence_files(os.path.join(self.dir, "seq", "frame_0002.png"))
        self.assertEqual([os.path.basename(p) for p in got], ["frame_0001.png", "frame_0002.png", "frame_0010.png"])
        plain = os.path.join(self.dir, "seq", "plain.png")
        self.assertEqual(collect.sequence_files(plain), [plain], "no digits: the file alone")

    def test_udim_tiles_and_cache_folders(self):
        self.assertEqual(collect.udim_files("/t/wood.<UDIM>.png", [1001, 1002]),
                         ["/t/wood.1001.png", "/t/wood.1002.png"])
        self.assertEqual(collect.udim_files("/t/wood.png", [1001]), ["/t/wood.png"])
        a = touch(os.path.join(self.dir, "cache", "b", "data_0001.vdb"))
        b = touch(os.path.join(self.dir, "cache", "a.uni"))
        self.assertEqual(collect.files_under(os.path.join(self.dir, "cache")), [b, a])
        self.assertEqual(collect.files_under(os.path.join(self.dir, "none")), [])

    def test_relative_means_blender_double_slash(self):
        self.assertTrue(collect.is_relative("//../textures/t.png"))
        self.assertFalse(collect.is_relative("/home/mira/t.png"))
        self.assertFalse(collect.is_relative("C:\\tex\\t.png"))


# Builds the scene in Blender: libs/lib.blend holds the object "LinkedCube";
# shots/sh010/scene.blend links it and uses textures/red.png by an ABSOLUTE
# path (saved without remapping), plus a missing image.
SCENE_SCRIPT = r"""
import bpy, os, sys
src = sys.argv[sys.argv.index("--") + 1]
bpy.ops.wm.read_factory_settings(use_empty=True)
bpy.ops.mesh.primitive_cube_add()
bpy.context.object.name = "LinkedCube"
os.makedirs(os.path.join(src, "libs"), exist_ok=True)
bpy.ops.wm.save_as_mainfile(filepath=os.path.join(src, "libs", "lib.blend"))
bpy.ops.wm.read_factory_settings(use_empty=True)
with bpy.data.libraries.load(os.path.join(src, "libs", "lib.blend"), link=True) as (data_from, data_to):
    data_to.objects = ["LinkedCube"]
bpy.context.scene.collection.objects.link(data_to.objects[0])
img = bpy.data.images.load(os.path.join(src, "textures", "red.png"))
img.use_fake_user = True
gone = bpy.data.images.new("gone", 4, 4)
gone.source = "FILE"
gone.filepath = os.path.join(src, "textures", "gone.png")
gone.use_fake_user = True
os.makedirs(os.path.join(src, "shots", "sh010"), exist_ok=True)
bpy.ops.wm.save_as_mainfile(filepath=os.path.join(src, "shots", "sh010", "scene.blend"), relative_remap=False)
"""

# Prints the stored image paths of a .blend, and whether they resolve.
SHOW_SCRIPT = r"""
import bpy, os
for img in bpy.data.images:
    if img.name != "gone":
        print("IMAGE %s %s" % (img.filepath, os.path.isfile(bpy.path.abspath(img.filepath))))
for lib in bpy.data.libraries:
    print("LIB %s" % lib.filepath)
"""


def blender():
    """Debian's Blender, or skip (fail under CI=true, as the Go tests do)."""
    path = shutil.which("blender")
    if path is None:
        if os.environ.get("CI") == "true":
            raise AssertionError("blender is missing (apt-get install blender)")
        raise unittest.SkipTest("blender is missing (apt-get install blender)")
    return path


def run_blender(exe, *args):
    out = subprocess.run([exe, "-b", "--factory-startup", *args], capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        raise AssertionError("blender %s: exit %d\n%s\n%s" % (args, out.returncode, out.stdout, out.stderr))
    return out.stdout


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class BlenderCollectTest(unittest.TestCase):
    def test_collects_the_scene_and_stages_a_relative_copy(self):
        exe = blender()
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d)
        src = os.path.join(d, "src")
        touch(os.path.join(src, "textures", "red.png"), PNG_RED_2x2)
        run_blender(exe, "--python-expr", SCENE_SCRIPT, "--", src)
        blend = os.path.join(src, "shots", "sh010", "scene.blend")
        self.assertIn("IMAGE %s True" % os.path.join(src, "textures", "red.png"),
                      run_blender(exe, blend, "--python-expr", SHOW_SCRIPT), "the scene stores the absolute path")
        before = sha(blend)
        out, stage = os.path.join(d, "manifest.json"), os.path.join(d, "stage")
        run_blender(exe, blend, "--python", COLLECT, "--", "--out", out, "--stage", stage)
        with open(out, encoding="utf-8") as f:
            m = json.load(f)

        self.assertEqual(m["root"], src)
        self.assertEqual(m["blend"], "shots/sh010/scene.blend")
        paths = {f["path"]: f["source"] for f in m["files"]}
        self.assertEqual(sorted(paths), ["libs/lib.blend", "shots/sh010/scene.blend", "textures/red.png"])
        self.assertEqual(paths["textures/red.png"], os.path.join(src, "textures", "red.png"))
        self.assertEqual(paths["libs/lib.blend"], os.path.join(src, "libs", "lib.blend"), "no absolute path: read as is")
        self.assertEqual(m["missing"], [os.path.join(src, "textures", "gone.png")])
        self.assertEqual(sha(blend), before, "the artist's file was written")

        copy = paths["shots/sh010/scene.blend"]
        self.assertEqual(copy, os.path.join(stage, "shots", "sh010", "scene.blend"))
        # The copy, laid out like the root elsewhere, finds the texture and the library.
        moved = os.path.join(d, "moved")
        for rel, source in paths.items():
            os.makedirs(os.path.dirname(os.path.join(moved, *rel.split("/"))), exist_ok=True)
            shutil.copyfile(source, os.path.join(moved, *rel.split("/")))
        shown = run_blender(exe, os.path.join(moved, "shots", "sh010", "scene.blend"), "--python-expr", SHOW_SCRIPT)
        self.assertIn("IMAGE //../../textures/red.png True", shown)
        self.assertIn("LIB //../../libs/lib.blend", shown)


# A 2×2 opaque red PNG (8-bit RGB), written by hand so the test needs no
# imaging library.
def _png(rgb, w=2, h=2):
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + bytes(rgb) * w for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


PNG_RED_2x2 = _png((255, 0, 0))

if __name__ == "__main__":
    unittest.main()
