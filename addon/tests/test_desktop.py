"""desktop.py: where the app's door is, and what a missing or stale door
means, in a plain python3. The live door (the real app under Xvfb) is
exercised by ui/open_e2e_test.go."""

import json
import os
import socket
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "farmhand"))
import desktop  # noqa: E402


class DataDirTest(unittest.TestCase):
    def test_same_rule_as_the_app(self):
        home = "/home/mira"
        self.assertEqual(desktop.data_dir({"FARMHAND_DATA": "/srv/fh"}, "linux", home), "/srv/fh")
        self.assertEqual(desktop.data_dir({}, "linux", home), "/home/mira/.local/share/farmhand")
        self.assertEqual(desktop.data_dir({"XDG_DATA_HOME": "/x"}, "linux", home), "/x/farmhand")
        self.assertEqual(desktop.data_dir({}, "darwin", home), "/home/mira/Library/Application Support/Farmhand")
        self.assertEqual(desktop.data_dir({"APPDATA": "C:\\Users\\mira\\AppData\\Roaming"}, "win32", home),
                         os.path.join("C:\\Users\\mira\\AppData\\Roaming", "Farmhand"))


class DoorTest(unittest.TestCase):
    def test_no_app(self):
        with tempfile.TemporaryDirectory() as d:
            with self.assertRaises(desktop.NotRunning):
                desktop.show_job("job-1", folder=d)

    def test_door_of_a_killed_app(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()  # nobody listens there any more
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, desktop.DOOR_FILE), "w") as f:
                json.dump({"url": "http://127.0.0.1:%d" % port, "token": "t", "pid": 1}, f)
            with self.assertRaises(desktop.NotRunning):
                desktop.show_job("job-1", folder=d, timeout=2)

    def test_a_file_that_is_not_a_door(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, desktop.DOOR_FILE), "w") as f:
                f.write('{"url": "http://example.com/", "token": "t"}')
            self.assertIsNone(desktop.door(d), "only a door on 127.0.0.1 is knocked on")


if __name__ == "__main__":
    unittest.main()
