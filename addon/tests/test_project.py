"""Storage locations and project metadata from the file's path (project.py),
and settings' toggles from text (jobtypes.to_bool), in a plain python3."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "farmhand"))
import jobtypes  # noqa: E402
import project  # noqa: E402

# The shape GET /api/v1/config gives variables (model.Variable).
CONFIG = {"variables": [
    {"name": "projects", "storage": True, "values": {"linux": "/mnt/projects", "windows": "P:\\", "all": "/Volumes/projects"}},
    {"name": "renders", "storage": True, "values": {"all": "/mnt/renders"}},
    {"name": "blender", "values": {"linux": "/opt/blender/blender"}},
]}


class StorageTest(unittest.TestCase):
    def test_roots_per_platform(self):
        self.assertEqual(project.storage_roots(CONFIG, "linux"), [("projects", "/mnt/projects"), ("renders", "/mnt/renders")])
        self.assertEqual(project.storage_roots(CONFIG, "darwin")[0], ("projects", "/Volumes/projects"))
        self.assertEqual(project.storage_roots({"variables": []}, "linux"), [])
        self.assertEqual(project.storage_roots({}, "linux"), [], "a manager without settings")

    def test_warning_outside_every_storage_location(self):
        roots = project.storage_roots(CONFIG, "linux")
        self.assertEqual(project.outside_storage("/mnt/projects/spring/sh010.blend", roots, "linux"), "")
        warning = project.outside_storage("/home/mira/Desktop/sh010.blend", roots, "linux")
        self.assertIn("outside the farm's storage (/mnt/projects, /mnt/renders)", warning)
        self.assertNotEqual(project.outside_storage("/mnt/projects-old/x.blend", roots, "linux"), "",
                            "a folder that only starts like a root is outside it")
        self.assertEqual(project.outside_storage("/anywhere/x.blend", [], "linux"), "", "no storage declared: no warning")

    def test_windows_paths_compare_without_case(self):
        roots = project.storage_roots(CONFIG, "windows")
        self.assertEqual(project.outside_storage("p:\\Spring\\sh010.blend", roots, "windows"), "")


class MetadataTest(unittest.TestCase):
    def test_from_the_path(self):
        roots = project.storage_roots(CONFIG, "linux")
        cases = {
            "/mnt/projects/spring/shots/sh010/lighting/sh010.blend": ("spring", "sh010", "lighting"),
            "/mnt/projects/spring/sh020_anim.blend": ("spring", "sh020", "anim"),
            "/home/mira/work/autumn/shots/shot_030/shot_030.blend": ("autumn", "shot_030", ""),
            "/home/mira/films/winter/turntable.blend": ("winter", "", ""),
            "turntable.blend": ("", "", ""),
        }
        for path, want in cases.items():
            m = project.guess_metadata(path, roots, "linux", user="mira")
            self.assertEqual((m["project"], m["shot"], m["task"], m["artist"]), want + ("mira",), path)

    def test_artist_is_the_user(self):
        self.assertNotEqual(project.guess_metadata("/x/y.blend")["artist"], None)


class BoolTest(unittest.TestCase):
    def test_text_toggles(self):
        setting = {"key": "overwrite", "type": "bool"}
        for text, want in (("false", False), ("0", False), ("False", False), ("", False), ("no", False),
                           ("true", True), ("1", True), ("yes", True), (0, False), (1, True), (True, True)):
            self.assertIs(jobtypes.coerce(setting, text), want, repr(text))
        with self.assertRaises(jobtypes.SettingError):
            jobtypes.coerce(setting, "maybe")
        self.assertIs(jobtypes.default({"key": "x", "type": "bool", "default": "false"}), False)


if __name__ == "__main__":
    unittest.main()
