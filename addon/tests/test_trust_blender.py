"""The preferences' trust of an https manager, in headless Blender against a
stand-in manager serving TLS on 127.0.0.1: the offer to trust an unknown
fingerprint, the Trust button, a join code's prefix replaced by the whole
fingerprint, and an impostor refused with no offer until the artist clears
the field. Needs blender and openssl: skips without them, fails under CI=true.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "farmhand"))
import manager_api  # noqa: E402
from tls_fixture import Recorder, independent_fingerprint, make_certificate, need_tool, serve_tls  # noqa: E402

ADDON = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))

# Runs in Blender; says what it saw as "FARMHAND-TEST key=value" lines.
SCRIPT = r'''
import os, sys
import addon_utils, bpy
sys.path.insert(0, os.environ["FARMHAND_TEST_ADDON"])
if not addon_utils.enable("farmhand", default_set=True):
    raise RuntimeError("the farmhand add-on did not load")
from farmhand import prefs as prefs_ui
prefs = bpy.context.preferences.addons["farmhand"].preferences
prefs.manager_url = os.environ["FARMHAND_TEST_URL"]
prefs.token = "secret-token"

def say(key, value):
    print("FARMHAND-TEST %s=%s" % (key, value), flush=True)

def op(name, tag):
    try:
        result = "".join(getattr(bpy.ops.farmhand, name)())
    except RuntimeError as err:
        say(tag + ".error", " ".join(str(err).split()))
        result = "CANCELLED"
    say(tag, result)

class Layout:
    """Stands in for Blender's UILayout: keeps the texts and operators drawn."""
    def __init__(self):
        self.drawn = []
    def box(self):
        return self
    def label(self, text="", icon=""):
        self.drawn.append(text)
    def operator(self, idname, icon=""):
        self.drawn.append("[" + idname + "]")

def shown(tag):
    layout = Layout()
    prefs_ui.draw_trust(layout, prefs)
    say(tag, " | ".join(layout.drawn))

op("join_status", "unknown")
shown("unknown.shown")
op("trust", "trust")
say("trust.fingerprint", prefs.fingerprint)
op("join_status", "pinned")

prefs.fingerprint = os.environ["FARMHAND_TEST_PREFIX"]
say("prefix.typed", prefs.fingerprint)
op("join_status", "prefix")
say("prefix.fingerprint", prefs.fingerprint)

prefs.fingerprint = os.environ["FARMHAND_TEST_OTHER"]
op("join_status", "impostor")
shown("impostor.shown")
op("trust", "impostor.trust")
say("impostor.fingerprint", prefs.fingerprint)

prefs.fingerprint = ""
op("join_status", "cleared")
op("trust", "retrust")
op("join_status", "last")
'''


def blender_path_env(blender):
    """PATH for Blender without this test's own Python: an embedded Python
    looks for its standard library next to the first python3 on PATH, and a
    different Python's (pyenv puts its own first) does not load there."""
    own = os.path.dirname(os.path.realpath(sys.executable))
    keep = [d for d in os.environ.get("PATH", "").split(os.pathsep)
            if os.path.realpath(d) != own or os.path.dirname(os.path.realpath(blender)) == own]
    return os.pathsep.join(keep)


class TrustInBlenderTest(unittest.TestCase):
    def test_trust_flow_in_the_preferences(self):
        blender = need_tool("blender", "apt-get install blender", "it runs the add-on's preferences")
        openssl = need_tool("openssl", "apt-get install openssl", "it makes the test certificates")
        folder = tempfile.mkdtemp(prefix="farmhand-addon-trust-")
        self.addCleanup(shutil.rmtree, folder, True)
        cert, key, der = make_certificate(openssl, folder, "manager")
        _, _, other_der = make_certificate(openssl, folder, "impostor")
        server, url = serve_tls(cert, key)
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        Recorder.seen = []
        whole, other = independent_fingerprint(der), independent_fingerprint(other_der)
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", FARMHAND_TEST_ADDON=ADDON, FARMHAND_TEST_URL=url,
                   FARMHAND_TEST_PREFIX=whole[:12].lower(), FARMHAND_TEST_OTHER=other,
                   BLENDER_USER_CONFIG=os.path.join(folder, "config"), PATH=blender_path_env(blender))
        out = subprocess.run([blender, "-b", "--factory-startup", "--python-exit-code", "1",
                              "--python-expr", SCRIPT], env=env, capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        said = dict(line[len("FARMHAND-TEST "):].split("=", 1) for line in out.stdout.splitlines()
                    if line.startswith("FARMHAND-TEST "))
        grouped = manager_api.group(whole)

        # No pin: refused, and the preferences offer the whole fingerprint.
        self.assertEqual(said.get("unknown"), "CANCELLED", said)
        self.assertIn("does not know the manager's certificate yet (fingerprint %s)" % grouped[:14],
                      said.get("unknown.error", ""))
        self.assertIn("This manager presents fingerprint: | " + grouped, said.get("unknown.shown", ""))
        self.assertIn("then click Trust. | [farmhand.trust]", said.get("unknown.shown", ""))
        self.assertEqual((said.get("trust"), said.get("trust.fingerprint")), ("FINISHED", grouped))
        self.assertEqual(said.get("pinned"), "FINISHED", said)

        # A join code's prefix: tidied into groups, then replaced by the whole.
        self.assertEqual(said.get("prefix.typed"), manager_api.group(whole[:12]))
        self.assertEqual((said.get("prefix"), said.get("prefix.fingerprint")), ("FINISHED", grouped))

        # Another certificate: a warning, no offer, and Trust refuses.
        self.assertEqual(said.get("impostor"), "CANCELLED")
        self.assertIn("another computer may be posing as the manager", said.get("impostor.error", ""))
        shown = said.get("impostor.shown", "")
        self.assertIn("clear the Fingerprint field by hand", shown)
        self.assertNotIn("farmhand.trust", shown)
        self.assertEqual(said.get("impostor.trust"), "CANCELLED")
        self.assertEqual(said.get("impostor.fingerprint"), manager_api.group(other))

        # Cleared by hand: offered again, trusted, and working.
        self.assertEqual((said.get("cleared"), said.get("retrust"), said.get("last")),
                         ("CANCELLED", "FINISHED", "FINISHED"))

        # Only the calls that passed the pin reached the server.
        self.assertEqual(Recorder.seen, [("GET", "/api/v1/join", "Bearer secret-token")] * 3)


if __name__ == "__main__":
    unittest.main()
