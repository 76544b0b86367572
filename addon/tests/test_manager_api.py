"""manager_api against a stand-in manager on 127.0.0.1: run with
python3 -m unittest discover -s addon/tests (no Blender needed)."""

import json
import os
import sys
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "farmhand"))
import manager_api  # noqa: E402  (the module, without the bpy package around it)


class FakeManager(BaseHTTPRequestHandler):
    """Answers from the class's `answers` {(method, path): (status, body)} and
    records each request in `seen`."""

    answers = {}
    seen = []

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        type(self).seen.append((self.command, self.path, self.headers, body))  # headers: case-insensitive
        status, out = self.answers.get((self.command, self.path), (404, {"message": "no such route"}))
        raw = out if isinstance(out, bytes) else json.dumps(out).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


class ManagerAPITest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ThreadingHTTPServer(("127.0.0.1", 0), FakeManager)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.url = "http://127.0.0.1:%d" % cls.server.server_address[1]

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def setUp(self):
        FakeManager.answers, FakeManager.seen = {}, []

    def test_join_sends_name_platform_and_role(self):
        FakeManager.answers[("POST", "/api/v1/join")] = (201, {"member": {"id": "m1", "status": "pending"}, "token": "t1"})
        joined = manager_api.Manager(self.url + "/").join("ws-07", platform="linux")
        self.assertEqual(joined["token"], "t1")
        method, path, headers, body = FakeManager.seen[0]
        self.assertEqual(body, {"name": "ws-07", "platform": "linux", "wants": "artist"})
        self.assertEqual(headers.get("Farmhand-API-Version"), "1")
        self.assertNotIn("Authorization", headers)

    def test_token_is_sent_as_bearer(self):
        FakeManager.answers[("GET", "/api/v1/join")] = (200, {"id": "m1", "status": "approved"})
        self.assertEqual(manager_api.Manager(self.url, " t1 ").join_status()["status"], "approved")
        self.assertEqual(FakeManager.seen[0][2].get("Authorization"), "Bearer t1")

    def test_stale_etag_is_its_own_error(self):
        FakeManager.answers[("POST", "/api/v1/jobs")] = (412, {"message": "job type changed since it was fetched"})
        with self.assertRaises(manager_api.StaleJobType) as caught:
            manager_api.Manager(self.url, "t").submit({"name": "a", "type": "b", "type_etag": "old"})
        self.assertEqual(caught.exception.status, 412)
        self.assertEqual(FakeManager.seen[0][3]["type_etag"], "old")

    def test_errors_carry_the_managers_message(self):
        FakeManager.answers[("POST", "/api/v1/jobs")] = (400, {"message": 'setting "frames" is required'})
        with self.assertRaises(manager_api.ManagerError) as caught:
            manager_api.Manager(self.url, "t").submit({})
        self.assertEqual((caught.exception.status, caught.exception.message), (400, 'setting "frames" is required'))
        self.assertNotIsInstance(caught.exception, manager_api.StaleJobType)

    def test_an_answer_that_is_not_an_error_object(self):
        FakeManager.answers[("GET", "/api/v1/jobtypes")] = (502, b"Bad Gateway\n<html>")
        with self.assertRaises(manager_api.ManagerError) as caught:
            manager_api.Manager(self.url, "t").job_types()
        self.assertEqual(caught.exception.message, "HTTP 502: Bad Gateway")

    def test_an_answer_that_is_not_json(self):
        FakeManager.answers[("GET", "/api/v1/jobtypes")] = (200, b"<html>")
        with self.assertRaises(manager_api.ManagerError):
            manager_api.Manager(self.url, "t").job_types()

    def test_unreachable_manager(self):
        # A port that was free a moment ago: nothing listens there.
        probe = ThreadingHTTPServer(("127.0.0.1", 0), FakeManager)
        port = probe.server_address[1]
        probe.server_close()
        with self.assertRaises(manager_api.ManagerError) as caught:
            manager_api.Manager("127.0.0.1:%d" % port, timeout=2).job_types()
        self.assertEqual(caught.exception.status, 0)
        self.assertIn("Cannot reach the manager at http://127.0.0.1:%d" % port, caught.exception.message)

    def test_job_ids_are_quoted(self):
        FakeManager.answers[("GET", "/api/v1/jobs/a%2Fb")] = (200, {"id": "a/b"})
        self.assertEqual(manager_api.Manager(self.url, "t").job("a/b")["id"], "a/b")

    def test_normalise_url(self):
        self.assertEqual(manager_api.normalise_url(""), manager_api.DEFAULT_URL)
        self.assertEqual(manager_api.normalise_url(" boss:7780/ "), "http://boss:7780")
        self.assertEqual(manager_api.normalise_url("https://farm.example/"), "https://farm.example")


if __name__ == "__main__":
    unittest.main()
