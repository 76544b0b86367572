"""Submitting to a farm with no shared storage (issue 13): the blend file and
everything it uses go to the manager, which holds them for the workers.

The collector (collect.py) runs in a background Blender on the saved file, so
that the artist's session is never touched; its files are hashed (SHA-256),
the job is submitted with storage "upload" and its manifest, and the files
the manager lacks are sent in 8 MiB chunks that resume where the manager
stands after a broken connection. No bpy here: it runs on the add-on's worker
thread (background.py) and in a plain python3 for tests.
"""

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time

try:
    from . import manager_api
except ImportError:  # A plain python3 with farmhand/ on sys.path (the tests).
    import manager_api

COLLECTOR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "collect.py")

# Bytes per PUT, as the Go client sends (wire.DefaultChunk).
CHUNK = 8 << 20

# Retries: the first wait after a failure (seconds), doubling up to MAX_WAIT;
# MAX_FAILURES failures in a row with no byte sent in between stop the upload.
FIRST_WAIT, MAX_WAIT, MAX_FAILURES = 0.25, 10.0, 8

# The collector may take long on a big scene; past this it is stopped (seconds).
COLLECT_TIMEOUT = 600

# What the panel shows while an upload runs ("" when none does): written by
# the worker thread, read by the panel's draw on the main thread.
progress = {"text": ""}
_lock = threading.Lock()


def progress_text():
    with _lock:
        return progress["text"]


def _say(text):
    with _lock:
        progress["text"] = text


def run_collector(blender, blend, workdir):
    """Runs collect.py in a background Blender (blender: its executable,
    bpy.app.binary_path) on the saved blend and returns the manifest (dict,
    see collect.py). Raises ManagerError(0, …) with Blender's last lines when
    it fails."""
    out = os.path.join(workdir, "manifest.json")
    cmd = [blender, "-b", blend, "--factory-startup", "--python-exit-code", "1", "--python", COLLECTOR,
           "--", "--out", out, "--stage", os.path.join(workdir, "copies")]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=COLLECT_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise manager_api.ManagerError(0, "Collecting the files of the blend file failed: %s" % err) from None
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-5:])
        raise manager_api.ManagerError(0, "Collecting the files of the blend file failed: %s" % tail)
    with open(out, encoding="utf-8") as f:
        return json.load(f)


def hash_file(path):
    """(SHA-256 as lowercase hex, size in bytes) of the file, read as a stream."""
    h, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while True:
            block = f.read(1 << 20)
            if not block:
                return h.hexdigest(), size
            h.update(block)
            size += len(block)


def missing_message(missing):
    """The refusal shown when the blend file uses files that do not exist."""
    shown = ", ".join(missing[:5]) + (" and %d more" % (len(missing) - 5) if len(missing) > 5 else "")
    return ("The blend file uses files that do not exist: %s. Find them, or tick Submit with Missing Files"
            % shown)


# The settings make_upload_job fills in itself (the job's own folders on each
# worker), so an artist uploading leaves them blank.
FILLED_SETTINGS = ("blendfile", "render_output_root")


def make_upload_job(job, manifest):
    """Turns job (the submission's dict) into an upload job for the
    collected manifest: storage "upload", its files with their hashes, the
    blend file under {job_files} and the output under {job_output}. Returns
    [(file dict, local source path)] for the upload."""
    files = []
    for f in manifest["files"]:
        sha, size = hash_file(f["source"])
        files.append(({"path": f["path"], "sha256": sha, "size": size}, f["source"]))
    job["storage"] = "upload"
    job["files"] = [entry for entry, _ in files]
    settings = job.setdefault("settings", {})
    settings["blendfile"] = "{job_files}/" + manifest["blend"]
    # The output goes under the worker's folder of the job: a render output
    # path computed from the artist's root keeps its job-specific tail there
    # (else the job type computes it from the root).
    root, path = settings.get("render_output_root") or "", settings.get("render_output_path")
    settings["render_output_root"] = "{job_output}"
    if isinstance(path, str) and root and path.startswith(root):
        settings["render_output_path"] = "{job_output}" + path[len(root):].replace("\\", "/")
    else:
        settings.pop("render_output_path", None)
    return files


class Uploader:
    """Sends files to one manager (a manager_api.Manager) in chunks."""

    def __init__(self, mgr, say=_say):
        self.mgr = mgr
        self.say = say
        self.failures = 0
        self.wait = 0.0

    def missing(self, refs):
        """The refs ({"sha256", "size"}) the manager lacks, each with
        "offset": the bytes of it the manager holds."""
        answer = self.mgr._call("POST", "/api/v1/files/missing", {"files": refs})
        return (answer or {}).get("missing") or []

    def put_chunk(self, sha, offset, size, data):
        """PUT one chunk; returns the reply {"offset", "complete"}. Raises
        ManagerError (409's body says where to resume: resume_offset)."""
        headers = {"Farmhand-API-Version": manager_api.API_VERSION, "Content-Type": "application/octet-stream",
                   "X-Chunk-Sha256": hashlib.sha256(data).hexdigest(), "Accept": "application/json"}
        if self.mgr.token:
            headers["Authorization"] = "Bearer " + self.mgr.token
        conn, prefix = self.mgr._connect()
        try:
            conn.request("PUT", "%s/api/v1/files/%s?offset=%d&size=%d" % (prefix, sha, offset, size),
                         body=data, headers=headers)
            resp = conn.getresponse()
            raw, status = resp.read(), resp.status
        except OSError as err:
            raise self.mgr._unreachable(err) from None
        finally:
            conn.close()
        if status != 200:
            err = manager_api._error_from(status, raw)
            err.resume_offset = _detail_offset(raw) if status == 409 else None
            raise err
        return json.loads(raw.decode("utf-8"))

    def upload(self, files):
        """Sends every file of files ([(entry, source)]) the manager lacks,
        each hash once; returns (files sent, bytes sent) once the manager
        lacks none. Raises ManagerError when it refuses or stays unreachable."""
        sources = {}
        for entry, source in files:
            sources.setdefault(entry["sha256"], (entry, source))
        refs = [{"sha256": e["sha256"], "size": e["size"]} for e, _ in sources.values()]
        todo = self._retrying(lambda: self.missing(refs))
        total = sum(m["size"] - m.get("offset", 0) for m in todo)
        sent, started = 0, time.monotonic()
        for i, m in enumerate(todo):
            entry, source = sources[m["sha256"]]

            def show(n, done=sent, i=i):
                rate = (done + n) / max(time.monotonic() - started, 1e-3) / 1e6
                self.say("Uploading %d of %d files: %.1f of %.1f MB (%d%%), %.1f MB/s" % (
                    i + 1, len(todo), (done + n) / 1e6, total / 1e6, 100 * (done + n) // max(total, 1), rate))
            sent += self._send_file(entry, source, m.get("offset", 0), show)
        left = self._retrying(lambda: self.missing(refs))
        if left:
            raise manager_api.ManagerError(0, "After uploading, the manager still lacks %d files" % len(left))
        return len(todo), sent

    def _send_file(self, entry, source, offset, show):
        """Sends source from offset until the manager holds it whole;
        returns the bytes sent."""
        sha, size, start = entry["sha256"], entry["size"], offset
        with open(source, "rb") as f:
            while True:
                f.seek(offset)
                data = f.read(min(CHUNK, size - offset))
                try:
                    reply = self.put_chunk(sha, offset, size, data)
                except manager_api.ManagerError as err:
                    offset = self._after_failure(err, entry)
                    if offset is None:
                        return size - start
                    continue
                self.failures, self.wait = 0, 0.0
                offset = reply["offset"]
                show(offset - start)
                if reply.get("complete"):
                    return size - start

    def _after_failure(self, err, entry):
        """Where to go on after a failed chunk: the offset the manager names
        (409 at once; else after a wait, by asking), or None when the file is
        complete on the manager. Raises err when retrying cannot help."""
        if getattr(err, "resume_offset", None) is not None:
            return err.resume_offset
        self._backoff(err)
        now = self._retrying(lambda: self.missing([{"sha256": entry["sha256"], "size": entry["size"]}]))
        return now[0].get("offset", 0) if now else None

    def _backoff(self, err):
        if 400 <= err.status < 500 and err.status not in (408, 429):
            raise err
        self.failures += 1
        if self.failures >= MAX_FAILURES:
            raise manager_api.ManagerError(err.status, "Uploading failed %d times in a row, the last: %s" % (
                self.failures, err.message))
        self.wait = min(max(self.wait * 2, FIRST_WAIT), MAX_WAIT)
        time.sleep(self.wait)

    def _retrying(self, call):
        while True:
            try:
                return call()
            except manager_api.ManagerError as err:
                self._backoff(err)


def _detail_offset(raw):
    try:
        return int(json.loads(raw.decode("utf-8"))["detail"]["offset"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def submit_with_files(mgr, job, blender, blend, allow_missing=False, submit=None, say=_say):
    """On the worker thread: collects the saved blend's files, submits job as
    an upload job (with submit(mgr, job), default mgr.submit(job)) and
    uploads what the manager lacks. Returns the stored job with "uploaded":
    {"files", "bytes"} added. Raises ManagerError (status 0 for a missing
    file or a failed collection, before anything is sent; after the
    submission, its message names the job waiting for its files)."""
    workdir = tempfile.mkdtemp(prefix="farmhand-upload-")
    try:
        say("Collecting the files the scene uses…")
        manifest = run_collector(blender, blend, workdir)
        if manifest.get("missing") and not allow_missing:
            raise manager_api.ManagerError(0, missing_message(manifest["missing"]))
        say("Hashing %d files…" % len(manifest["files"]))
        files = make_upload_job(job, manifest)
        stored = submit(mgr, job) if submit else mgr.submit(job)
        try:
            count, sent = Uploader(mgr, say).upload(files)
        except manager_api.ManagerError as err:
            raise manager_api.ManagerError(err.status, "Job %s waits for its files; the upload stopped (submit again "
                                           "to resume it, then delete that job): %s" % (stored.get("id"), err.message))
        stored["uploaded"] = {"files": count, "bytes": sent}
        return stored
    finally:
        say("")
        shutil.rmtree(workdir, ignore_errors=True)
