"""Asking the Farmhand desktop app on this computer to show a job ("Open in
Farmhand").

The app, while its window runs, listens on 127.0.0.1 and writes where, with
a token, to desktop.json in Farmhand's default data folder (readable by this
user only): the same rule as the app's own (FARMHAND_DATA, else the folder
per system below). No bpy here, so that it is tested in a plain python3.
"""

import json
import os
import sys
import urllib.error
import urllib.request

DOOR_FILE = "desktop.json"


class NotRunning(Exception):
    """No Farmhand window runs on this computer for this user."""


def data_dir(environ=None, platform=None, home=None):
    """Farmhand's default data folder, as the app computes it."""
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    home = os.path.expanduser("~") if home is None else home
    if environ.get("FARMHAND_DATA"):
        return environ["FARMHAND_DATA"]
    if platform.startswith("win"):
        return os.path.join(environ.get("APPDATA", os.path.join(home, "AppData", "Roaming")), "Farmhand")
    if platform == "darwin":
        return os.path.join(home, "Library", "Application Support", "Farmhand")
    if environ.get("XDG_DATA_HOME"):
        return os.path.join(environ["XDG_DATA_HOME"], "farmhand")
    return os.path.join(home, ".local", "share", "farmhand")


def door(folder=None):
    """The app's door, {"url", "token", "pid"}, or None when no app wrote one."""
    path = os.path.join(folder or data_dir(), DOOR_FILE)
    try:
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
    except (OSError, ValueError):
        return None
    if not str(d.get("url", "")).startswith("http://127.0.0.1:") or not d.get("token"):
        return None
    return d


def show_job(job_id, folder=None, timeout=5.0):
    """Asks the running app to show job_id. Raises NotRunning when no app
    runs here, RuntimeError with the app's reason when it cannot (e.g. its
    window shows another farm)."""
    d = door(folder)
    if d is None:
        raise NotRunning("the Farmhand app is not running on this computer")
    req = urllib.request.Request(
        d["url"] + "/show", data=json.dumps({"job_id": job_id}).encode(), method="POST",
        headers={"Authorization": "Bearer " + d["token"], "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout):
            return
    except urllib.error.HTTPError as err:
        reason = err.read(1024).decode("utf-8", "replace").strip()
        raise RuntimeError(reason or "the Farmhand app answered %d" % err.code) from None
    except (urllib.error.URLError, OSError):
        # A door left by an app that was killed: nobody listens.
        raise NotRunning("the Farmhand app is not running on this computer") from None


if __name__ == "__main__":
    # python3 desktop.py JOB_ID: for tests and scripts.
    try:
        show_job(sys.argv[1])
    except (NotRunning, RuntimeError) as err:
        print(err, file=sys.stderr)
        sys.exit(1)
