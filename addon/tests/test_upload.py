"""The add-on's upload (upload.py) in a plain python3, against a stand-in
manager on 127.0.0.1 that keeps files by hash as the design says (offsets,
409 with the offset to resume at, chunk hashes checked) and breaks a
connection once: the upload resumes and every byte arrives once."""

import hashlib
import json
import os
import shutil
import sys
import tempfile
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "farmhand"))
import manager_api  # noqa: E402
import upload  # noqa: E402


class Blobs(BaseHTTPRequestHandler):
    held = {}          # sha → bytes received
    complete = set()
    received = 0       # chunk bytes accepted
    break_at = None    # the first PUT at this offset drops its connection
    refuse = None      # a status every PUT gets

    def _json(self, status, body):
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        cls = type(self)
        missing = [dict(r, offset=len(cls.held.get(r["sha256"], b""))) for r in body["files"]
                   if r["sha256"] not in cls.complete]
        self._json(200, {"missing": missing})

    def do_PUT(self):
        cls = type(self)
        url = urlsplit(self.path)
        sha = url.path.rsplit("/", 1)[1]
        q = {k: int(v[0]) for k, v in parse_qs(url.query).items()}
        data = self.rfile.read(int(self.headers["Content-Length"]))
        if cls.break_at is not None and q["offset"] == cls.break_at:
            cls.break_at = None
            self.connection.close()  # A broken connection: no answer at all.
            return
        if cls.refuse:
            return self._json(cls.refuse, {"message": "file hash mismatch"})
        held = cls.held.setdefault(sha, b"")
        if q["offset"] != len(held):
            return self._json(409, {"message": "wrong offset", "detail": {"offset": len(held), "complete": False}})
        if hashlib.sha256(data).hexdigest() != self.headers["X-Chunk-Sha256"]:
            return self._json(422, {"message": "chunk hash mismatch"})
        cls.held[sha] = held + data
        cls.received += len(data)
        done = len(cls.held[sha]) == q["size"]
        if done:
            cls.complete.add(sha)
        self._json(200, {"offset": len(cls.held[sha]), "complete": done})

    def log_message(self, *args):
        pass


class UploadTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ThreadingHTTPServer(("127.0.0.1", 0), Blobs)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.url = "http://127.0.0.1:%d" % cls.server.server_address[1]

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def setUp(self):
        Blobs.held, Blobs.complete, Blobs.received, Blobs.break_at = {}, set(), 0, None
        self.dir = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.dir)
        self.old = upload.CHUNK, upload.FIRST_WAIT
        upload.CHUNK, upload.FIRST_WAIT = 1000, 0.01
        self.addCleanup(lambda: (setattr(upload, "CHUNK", self.old[0]), setattr(upload, "FIRST_WAIT", self.old[1])))

    def write(self, name, data):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def test_manifest_becomes_an_upload_job(self):
        a = self.write("a.blend", b"blend bytes")
        t = self.write("t.png", b"png")
        job = {"settings": {"frames": "1-3"}}
        files = upload.make_upload_job(job, {"blend": "shots/a.blend", "files": [
            {"path": "shots/a.blend", "source": a}, {"path": "textures/t.png", "source": t}]})
        self.assertEqual(job["storage"], "upload")
        self.assertEqual(job["files"][1], {"path": "textures/t.png", "sha256": hashlib.sha256(b"png").hexdigest(), "size": 3})
        self.assertEqual(job["settings"], {"frames": "1-3", "blendfile": "{job_files}/shots/a.blend",
                                           "render_output_root": "{job_output}"})
        self.assertEqual([s for _, s in files], [a, t])

        job = {"settings": {"render_output_root": "/mnt/renders", "render_output_path": "/mnt/renders/sh010/a/######"}}
        upload.make_upload_job(job, {"blend": "a.blend", "files": []})
        self.assertEqual(job["settings"]["render_output_path"], "{job_output}/sh010/a/######",
                         "the computed output path moves under the job's output folder")

    def test_broken_connection_resumes_and_a_second_upload_sends_nothing(self):
        data = os.urandom(4500)
        path = self.write("big.bin", data)
        sha = hashlib.sha256(data).hexdigest()
        entry = {"path": "big.bin", "sha256": sha, "size": len(data)}
        Blobs.break_at = 2000
        said = []
        up = upload.Uploader(manager_api.Manager(self.url), said.append)
        self.assertEqual(up.upload([(entry, path), (dict(entry, path="copy.bin"), path)]), (1, len(data)))
        self.assertEqual(Blobs.held[sha], data)
        self.assertEqual(Blobs.received, len(data), "a byte was sent twice")
        self.assertIn("Uploading 1 of 1 files: 0.0 of 0.0 MB (100%)", said[-1])
        self.assertEqual(upload.Uploader(manager_api.Manager(self.url), said.append).upload([(entry, path)]), (0, 0))
        self.assertEqual(Blobs.received, len(data))

    def test_a_partial_file_resumes_at_the_managers_offset(self):
        data = os.urandom(2500)
        sha = hashlib.sha256(data).hexdigest()
        Blobs.held[sha] = data[:1000]
        up = upload.Uploader(manager_api.Manager(self.url), lambda _: None)
        self.assertEqual(up.upload([({"path": "p", "sha256": sha, "size": len(data)}, self.write("p", data))]),
                         (1, 1500))
        self.assertEqual(Blobs.held[sha], data)

    def test_a_refused_chunk_stops_the_upload_at_once(self):
        # The file changed since it was hashed: the manager's whole-file check
        # refuses it with 422, which no retry cures.
        data = b"changed since hashing"
        entry = {"path": "x", "sha256": hashlib.sha256(b"what was hashed").hexdigest(), "size": len(data)}
        Blobs.refuse = 422
        self.addCleanup(setattr, Blobs, "refuse", None)
        up = upload.Uploader(manager_api.Manager(self.url), lambda _: None)
        with self.assertRaises(manager_api.ManagerError) as ctx:
            up.upload([(entry, self.write("x", data))])
        self.assertEqual(ctx.exception.status, 422)
        self.assertEqual(up.failures, 0, "a refusal was retried")

    def test_missing_files_are_listed(self):
        msg = upload.missing_message(["/a/%d.png" % i for i in range(7)])
        self.assertIn("/a/0.png, /a/1.png, /a/2.png, /a/3.png, /a/4.png and 2 more", msg)


if __name__ == "__main__":
    unittest.main()
