"""manager_api's certificate pinning against a stand-in manager serving TLS on
127.0.0.1 with a self-signed certificate made by openssl, as the manager's is
(farm/trust): run with python3 -m unittest discover -s addon/tests.

openssl is needed to make the certificates; without it these tests skip,
unless CI=true, where they fail.
"""

import os
import shutil
import sys
import tempfile
import threading
import unittest
from http.server import HTTPServer

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "farmhand"))
import manager_api  # noqa: E402  (the module, without the bpy package around it)
from tls_fixture import Recorder, independent_fingerprint, make_certificate, need_tool, serve_tls  # noqa: E402


class PinningTest(unittest.TestCase):
    TOKEN = "secret-token-of-the-artist"

    @classmethod
    def setUpClass(cls):
        openssl = need_tool("openssl", "apt-get install openssl", "it makes the test certificates")
        cls.folder = tempfile.mkdtemp(prefix="farmhand-addon-tls-")
        cert, key, cls.der = make_certificate(openssl, cls.folder, "manager")
        _, _, cls.other_der = make_certificate(openssl, cls.folder, "impostor")
        cls.server, cls.url = serve_tls(cert, key)

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
        serve_tls) by making one more call that must pass; returns what the
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
