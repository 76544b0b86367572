"""The submit panel's rules for settings, without Blender."""

import json
import os
import re
import sys
import tempfile
import types
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "farmhand"))
import jobtypes  # noqa: E402
from jobtypes import SettingError  # noqa: E402

FRAMES = {"key": "frames", "type": "string", "required": True, "eval": "f'{C.scene.frame_start}-{C.scene.frame_end}'",
          "evalInfo": {"showLinkButton": True, "description": "Scene frame range"}}
ADD_PATH = {"key": "add_path_components", "type": "int32", "default": 0, "propargs": {"min": 0, "max": 32.0, "step": 3},
            "visible": "submission"}
OUTPUT_PATH = {"key": "render_output_path", "type": "string", "subtype": "file_path", "editable": False, "eval": "'x'"}


class RulesTest(unittest.TestCase):
    def test_visibility(self):
        self.assertTrue(jobtypes.shown(FRAMES))
        self.assertTrue(jobtypes.shown(ADD_PATH))
        self.assertFalse(jobtypes.shown({"key": "blendfile", "visible": "web"}))
        self.assertFalse(jobtypes.shown({"key": "fps", "visible": "hidden"}))

    def test_read_only_and_linked(self):
        self.assertTrue(jobtypes.read_only(OUTPUT_PATH))
        self.assertFalse(jobtypes.read_only(FRAMES))  # Absent means editable.
        self.assertTrue(jobtypes.linkable(FRAMES))
        self.assertFalse(jobtypes.linkable(OUTPUT_PATH))

    def test_label(self):
        self.assertEqual(jobtypes.label(ADD_PATH), "Add Path Components")
        self.assertEqual(jobtypes.label({"key": "x", "label": "Sleep"}), "Sleep")

    def test_limits_are_coerced_and_filtered(self):
        self.assertEqual(jobtypes.limits(ADD_PATH), {"min": 0, "max": 32})
        self.assertIsInstance(jobtypes.limits(ADD_PATH)["max"], int)
        self.assertEqual(jobtypes.limits({"type": "float", "propargs": {"min": 1}}), {"min": 1.0})

    def test_coerce(self):
        self.assertEqual(jobtypes.coerce(ADD_PATH, 3.0), 3)
        self.assertEqual(jobtypes.coerce({"key": "fps", "type": "float"}, 25), 25.0)
        self.assertEqual(jobtypes.coerce(FRAMES, 7), "7")
        with self.assertRaises(SettingError):
            jobtypes.coerce(ADD_PATH, 2.5)
        with self.assertRaises(SettingError):
            jobtypes.coerce(ADD_PATH, "two")
        with self.assertRaises(SettingError):
            jobtypes.coerce({"key": "f", "type": "string", "choices": ["PNG", "JPEG"]}, "TIFF")

    def test_defaults(self):
        self.assertEqual(jobtypes.default(ADD_PATH), 0)
        self.assertEqual(jobtypes.default({"key": "fps", "type": "float", "default": 24}), 24.0)
        self.assertEqual(jobtypes.default({"key": "s", "type": "string"}), "")

    def test_required_strings_must_not_be_empty(self):
        with self.assertRaisesRegex(SettingError, "Frames"):
            jobtypes.check_required(FRAMES, "")
        jobtypes.check_required(FRAMES, "1-10")


class FrameStepTest(unittest.TestCase):
    """Blender's Frame Step reaches the farm (case 11)."""

    def test_step_is_added_to_a_plain_range(self):
        self.assertEqual(jobtypes.with_frame_step("1-6", 2), "1-6x2")
        self.assertEqual(jobtypes.with_frame_step(" 1..250 ", 3), "1..250x3")

    def test_other_values_stay(self):
        for value in ("1-6", "1-6x2", "1-6:2", "1,3,5", "7", "1-3,7-9", ""):
            self.assertEqual(jobtypes.with_frame_step(value, 1), value)
        for value in ("1-6x3", "1-6:3", "1,3,5", "7", "1-3,7-9", ""):
            self.assertEqual(jobtypes.with_frame_step(value, 2), value)
        self.assertEqual(jobtypes.with_frame_step(7, 2), 7)

    def test_builtin_eval_includes_the_step(self):
        """The built-in Blender job type's frames eval, as the add-on runs it."""
        script = os.path.join(os.path.dirname(__file__), "..", "..", "farm", "jobtype", "scripts", "simple_blender_render.js")
        with open(script, encoding="utf-8") as f:
            source = f.read()
        match = re.search(r'key: "frames".*?eval: "((?:[^"\\]|\\.)*)"', source, re.S)
        self.assertIsNotNone(match, "no frames eval in " + script)
        expression = json.loads('"%s"' % match.group(1))
        for start, end, step, want in ((1, 6, 2, "1-6x2"), (1, 6, 1, "1-6"), (10, 250, 5, "10-250x5")):
            scene = types.SimpleNamespace(frame_start=start, frame_end=end, frame_step=step)
            value = eval(expression, {"C": types.SimpleNamespace(scene=scene)})
            self.assertEqual(value, want)
            self.assertEqual(jobtypes.with_frame_step(value, step), want)


class CacheTest(unittest.TestCase):
    def test_round_trip_and_broken_files(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "config", "farmhand-manager-info.json")
            self.assertEqual(jobtypes.Cache(path).load().job_types, [])
            jobtypes.Cache(path).update("http://127.0.0.1:7780", [{"name": "a", "etag": "e1"}, {"no": "name"}])
            cache = jobtypes.Cache(path).load()
            self.assertEqual(cache.manager_url, "http://127.0.0.1:7780")
            self.assertEqual(cache.find("a")["etag"], "e1")
            self.assertIsNone(cache.find("b"))
            with open(path, "w") as f:
                f.write("{half")
            self.assertEqual(jobtypes.Cache(path).load().job_types, [])


if __name__ == "__main__":
    unittest.main()
