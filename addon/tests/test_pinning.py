"""manager_api's certificate pinning against a stand-in manager serving TLS on
127.0.0.1 with a self-signed certificate made by openssl, as the manager's is
(farm/trust): run with python3 -m unittest discover -s addon/tests.

openssl is needed to make the certificates; without it these tests skip,
unless CI=true, where they fail.
"""

import base64
import hashlib
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import unittest
from http.server import BaseHTTPRequestHandler, HTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "farmhand"))
import manager_api  # noqa: E402  (the module, without the bpy package around it)


def need_openssl():
    path = shutil.which("openssl")
    if path:
        return path
    why = "openssl is missing (apt-get install openssl): it makes the test certificates"
    if os.environ.get("CI") == "true":
        raise AssertionError(why)
    raise unittest.SkipTest(why)


def make_certificate(openssl, folder, name):
    """A self-signed P-256 certificate like the manager's; returns the paths
    of its PEM certificate and key, and its DER bytes as openssl writes them."""
    cert, key, der = (os.path.join(folder, name + ext) for ext in (".pem", ".key", ".der"))
    subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-days", "1", "-subj", "/CN=test " + name, "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    subprocess.run([openssl, "x509", "-in", cert, "-outform", "DER", "-out", der], check=True, capture_output=True)
    with open(der, "rb") as f:
        return cert, key, f.read()


def independent_fingerprint(der):
    """What farm/trust.FingerprintOf computes, written here apart from the
    module under test: SHA-256, base32, no padding."""
    return base64.b32encode(hashlib.sha256(der).digest()).decode().replace("=", "")


class Recorder(BaseHTTPRequestHandler):
    """Records every request that reaches the server (method, path and its
    Authorization header) and answers {"id": "m1", "status": "approved"}."""

    seen = []

    def _answer(self):
        type(self).seen.append((self.command, self.path, self.headers.get("Authorization")))
        raw = b'{"id": "m1", "status": "approved"}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass

    def log_error(self, *args):
        pass  # A client that hangs up after the handshake is what the tests do.


class PinningTest(unittest.TestCase):
    TOKEN = "secret-token-of-the-artist"

    @classmethod
    def setUpClass(cls):
        openssl = need_openssl()
        cls.folder = tempfile.mkdtemp(prefix="farmhand-addon-tls-")
        cert, key, cls.der = make_certificate(openssl, cls.folder, "manager")
        _, _, cls.other_der = make_certificate(openssl, cls.folder, "impostor")
        # One thread handles one connection after another: once a later call
        # returned, the server is done with every earlier connection, so what
        # it saw of them is all it will ever see.
        cls.server = HTTPServer(("127.0.0.1", 0), Recorder)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        cls.server.socket = ctx.wrap_socket(cls.server.socket, server_side=True)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.url = "https://127.0.0.1:%d" % cls.server.server_address[1]

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()
        shutil.rmtree(cls.folder, ignore_errors=True)

    def setUp(self):
        Recorder.seen = []
        self.fingerprint = independent_fingerprint(self.der)

    def settle(self):
        """Waits until the server handled every earlier connection (see
        setUpClass) by making one more call that must pass; returns what the
        server saw before it."""
        manager_api.Manager(self.url, fingerprint=self.fingerprint, timeout=5).join_status()
        self.assertEqual(Recorder.seen[-1], ("GET", "/api/v1/join", None))
        return Recorder.seen[:-1]

    def test_the_whole_fingerprint_is_accepted(self):
        mgr = manager_api.Manager(self.url, self.TOKEN, timeout=5, fingerprint=manager_api.group(self.fingerprint))
        self.assertEqual(mgr.join_status()["status"], "approved")
        self.assertEqual(Recorder.seen, [("GET", "/api/v1/join", "Bearer " + self.TOKEN)])
        self.assertEqual(mgr.seen_fingerprint, self.fingerprint)

    def test_a_join_code_prefix_is_accepted_and_the_whole_fingerprint_learnt(self):
        prefix = self.fingerprint[:manager_api.PREFIX_LEN].lower()
        mgr = manager_api.Manager(self.url, self.TOKEN, timeout=5, fingerprint="SHA256:" + manager_api.group(prefix))
        self.assertEqual(mgr.seen_fingerprint, "")
        self.assertEqual(mgr.join_status()["status"], "approved")
        self.assertEqual(mgr.seen_fingerprint, self.fingerprint)

    def test_another_managers_certificate_is_refused_before_the_token_is_sent(self):
        other = independent_fingerprint(self.other_der)
        for pin in (other, other[:manager_api.PREFIX_LEN], self.fingerprint[:manager_api.PREFIX_LEN - 1]):
            mgr = manager_api.Manager(self.url, self.TOKEN, timeout=5, fingerprint=pin)
            with self.assertRaises(manager_api.ManagerError) as caught:
                mgr.join_status()
            err = caught.exception
            self.assertEqual(err.status, 0)
            self.assertNotIsInstance(err, manager_api.UnknownFingerprint)
            self.assertIn("another computer may be posing as the manager", err.message)
            self.assertIn("has fingerprint %s," % manager_api.short(self.fingerprint), err.message)
            self.assertEqual(mgr.seen_fingerprint, "")
        self.assertEqual(self.settle(), [], "a request reached the server through a wrong pin")

    def test_no_pin_names_the_fingerprint_to_confirm_and_sends_nothing(self):
        mgr = manager_api.Manager(self.url, self.TOKEN, timeout=5)
        with self.assertRaises(manager_api.UnknownFingerprint) as caught:
            mgr.submit({"name": "a job"})
        err = caught.exception
        self.assertEqual((err.status, err.fingerprint), (0, self.fingerprint))
        self.assertIn("does not know the manager's certificate yet (fingerprint %s)"
                      % manager_api.short(self.fingerprint), err.message)
        self.assertEqual(self.settle(), [], "a request reached the server without a pin")

    def test_an_unreadable_pin_is_an_error_not_a_request(self):
        with self.assertRaises(manager_api.ManagerError) as caught:
            manager_api.Manager(self.url, self.TOKEN, timeout=5, fingerprint="ABCD-0189-ABCD").join_status()
        self.assertIn("only letters A-Z and digits 2-7", caught.exception.message)
        self.assertEqual(self.settle(), [])

    def test_https_to_a_plain_http_port_is_unreachable_not_a_hang(self):
        plain = HTTPServer(("127.0.0.1", 0), Recorder)
        threading.Thread(target=plain.serve_forever, daemon=True).start()
        try:
            url = "https://127.0.0.1:%d" % plain.server_address[1]
            with self.assertRaises(manager_api.ManagerError) as caught:
                manager_api.Manager(url, self.TOKEN, timeout=5, fingerprint=self.fingerprint).join_status()
            self.assertEqual(caught.exception.status, 0)
            self.assertIn("Cannot reach the manager at " + url, caught.exception.message)
        finally:
            plain.shutdown()
            plain.server_close()
        self.assertNotIn(("GET", "/api/v1/join", "Bearer " + self.TOKEN), Recorder.seen)

    def test_plain_http_still_works_and_ignores_the_pin(self):
        plain = HTTPServer(("127.0.0.1", 0), Recorder)
        threading.Thread(target=plain.serve_forever, daemon=True).start()
        try:
            mgr = manager_api.Manager("127.0.0.1:%d" % plain.server_address[1], self.TOKEN, timeout=5,
                                      fingerprint=independent_fingerprint(self.other_der))
            self.assertEqual(mgr.join_status()["status"], "approved")
        finally:
            plain.shutdown()
            plain.server_close()
        self.assertEqual(Recorder.seen, [("GET", "/api/v1/join", "Bearer " + self.TOKEN)])
        self.assertEqual(mgr.seen_fingerprint, "")


class FingerprintTextTest(unittest.TestCase):
    """The fingerprint's text, as farm/trust writes and reads it (the cases of
    farm/trust's TestFingerprints)."""

    WHOLE = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567ABCDEFGHIJKLMNOPQRST"

    def test_computed_as_go_computes_it(self):
        # Printed by Go: base32.StdEncoding.WithPadding(base32.NoPadding) of sha256.Sum256.
        self.assertEqual(manager_api.fingerprint_of(b""), "4OYMIQUY7QOBJGX36TEJS35ZEQT24QPEMSNZGTFESWMRW6CSXBKQ")
        self.assertEqual(manager_api.fingerprint_of(b"farmhand"), "5Q2ZAHEGUZBYZ5JLKLM6ZIVZOKLJFSNBYO37KSKCNE5WVNDLLV4A")
        self.assertEqual(len(manager_api.fingerprint_of(b"x")), manager_api.FINGERPRINT_LEN)

    def test_parse_group_short_and_match(self):
        self.assertEqual(manager_api.short(self.WHOLE), "ABCD-EFGH-IJKL")
        self.assertEqual(manager_api.group("ABCDEFGHI"), "ABCD-EFGH-I")
        self.assertEqual(manager_api.parse_fingerprint(manager_api.group(self.WHOLE)), self.WHOLE)
        for text in ("abcd-efgh-ijkl", " SHA256:ABCD EFGH IJKL ", " sha256:abcd-efgh-ijkl"):
            self.assertEqual(manager_api.parse_fingerprint(text), "ABCDEFGHIJKL", text)
        self.assertEqual(manager_api.parse_fingerprint("  "), "")
        for bad in ("ABCD-0189", self.WHOLE + "A"):
            with self.assertRaises(ValueError):
                manager_api.parse_fingerprint(bad)
        self.assertTrue(manager_api.matches(self.WHOLE, "ABCDEFGHIJKL"))
        self.assertTrue(manager_api.matches(self.WHOLE, self.WHOLE))
        self.assertFalse(manager_api.matches(self.WHOLE, "ABCDEFGH"), "shorter than PREFIX_LEN")
        self.assertFalse(manager_api.matches(self.WHOLE, "ABCDEFGHIJKM"))
        self.assertFalse(manager_api.matches(self.WHOLE, ""))


if __name__ == "__main__":
    unittest.main()
