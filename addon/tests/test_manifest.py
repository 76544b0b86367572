"""blender_manifest.toml against the rules Blender 4.2+ checks when it
installs a zip as an extension (its manual's "Manifest" section): only
Debian's Blender 3.4 runs here, so these rules stand in for the install."""

import os
import re
import tomllib
import unittest

MANIFEST = os.path.join(os.path.dirname(__file__), "..", "farmhand", "blender_manifest.toml")
REQUIRED = ("schema_version", "id", "version", "name", "tagline", "maintainer", "type",
            "blender_version_min", "license")
SEMVER = re.compile(r"^\d+\.\d+\.\d+$")


def terse(test, key, value):
    """Blender's rule for one-line texts (tagline, permission reasons): 1 to
    64 characters, ending in a letter, a digit or a closing bracket."""
    test.assertTrue(0 < len(value) <= 64, "%s: %d characters, Blender takes 1 to 64" % (key, len(value)))
    test.assertTrue(value[-1].isalnum() or value[-1] in ")]}", "%s ends in punctuation: %r" % (key, value))


class ManifestTest(unittest.TestCase):
    def setUp(self):
        with open(MANIFEST, "rb") as f:
            self.m = tomllib.load(f)

    def test_required_fields(self):
        for key in REQUIRED:
            self.assertIn(key, self.m, key)
        self.assertEqual(self.m["schema_version"], "1.0.0")
        self.assertEqual(self.m["type"], "add-on")

    def test_values_blender_accepts(self):
        pid = self.m["id"]
        self.assertTrue(pid.isidentifier() and "__" not in pid and not pid.startswith("_") and not pid.endswith("_"), pid)
        self.assertRegex(self.m["version"], SEMVER)
        self.assertRegex(self.m["blender_version_min"], SEMVER)
        self.assertGreaterEqual(tuple(int(x) for x in self.m["blender_version_min"].split(".")), (4, 2, 0))
        terse(self, "tagline", self.m["tagline"])
        for lic in self.m["license"]:
            self.assertTrue(lic.startswith("SPDX:"), lic)

    def test_network_permission_is_declared_with_a_reason(self):
        terse(self, "permissions.network", self.m.get("permissions", {}).get("network", ""))


if __name__ == "__main__":
    unittest.main()
