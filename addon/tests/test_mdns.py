"""The mDNS query and its parser (mdns.py) in a plain python3, on a real
manager's answer: testdata/mdns_answer.bin is what `farmhand manager`
answered the add-on's query inside a network namespace (see
testdata/capture_mdns.sh for how it was captured). Nothing here multicasts:
find() is pointed at a responder on 127.0.0.1."""

import os
import socket
import struct
import sys
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "farmhand"))
import mdns  # noqa: E402

HERE = os.path.dirname(__file__)

with open(os.path.join(HERE, "testdata", "mdns_answer.bin"), "rb") as f:
    ANSWER = f.read()

# What that manager was, from its log and `farmhand joincode` at capture time.
FINGERPRINT = "2J742PGOIORFH47MHVNM5R2BPMKEXIU7AVP7PGBAYV77BWKWNWCA"
JOIN_CODE = "797-803-901-469-2J74-2PGO-IORF"


class ParseTest(unittest.TestCase):
    def test_the_managers_real_answer(self):
        farms = mdns.parse_answer(ANSWER, "127.0.0.1")
        self.assertEqual(farms, [{
            "name": "Studio Farm", "manager": "839f778e-785f-40bb-8989-3f05d0a3a7f7",
            "instance": "b46d48543473e458", "url": "https://127.0.0.1:7791", "fingerprint": FINGERPRINT,
            "version": "0.1.0-dev", "api": 1, "addrs": ["127.0.0.1", "::1"],
        }])
        # The join code's letters are the start of the announced fingerprint.
        self.assertTrue(FINGERPRINT.startswith(JOIN_CODE.replace("-", "")[12:]))

    def test_the_records_behind_it(self):
        kinds = sorted({r[1] for r in mdns.parse_records(ANSWER)})
        self.assertEqual(kinds, [1, 12, 16, 28, 33])  # A, PTR, TXT, AAAA, SRV: compressed names followed

    def test_address_when_the_source_is_not_announced(self):
        # An answer relayed from elsewhere: the first IPv4 address announced.
        self.assertEqual(mdns.parse_answer(ANSWER, "10.9.9.9")[0]["url"], "https://127.0.0.1:7791")

    def test_broken_packets_are_refused_not_crashed_on(self):
        for cut in (0, 5, 12, 40, 100, len(ANSWER) - 1):
            with self.assertRaises(ValueError, msg="cut at %d" % cut):
                mdns.parse_answer(ANSWER[:cut])
        with self.assertRaises(ValueError):
            mdns.parse_answer(mdns.build_query())  # A query, not an answer.
        looped = ANSWER[:12] + b"\xc0\x0c" + ANSWER[14:]  # A name pointing at itself.
        with self.assertRaises(ValueError):
            mdns.parse_answer(looped)

    def test_other_txt_versions_are_ignored(self):
        changed = ANSWER.replace(b"\x09txtvers=1", b"\x09txtvers=2")
        self.assertNotEqual(changed, ANSWER)
        self.assertEqual(mdns.parse_answer(changed, "127.0.0.1"), [])

    def test_query(self):
        q = mdns.build_query()
        self.assertEqual(struct.unpack("!HHHHHH", q[:12]), (0, 0, 1, 0, 0, 0))
        self.assertEqual(q[12:], b"\x09_farmhand\x04_tcp\x05local\x00" + struct.pack("!HH", 12, 0x8001))


class FindTest(unittest.TestCase):
    def test_find_collects_answers_from_a_responder(self):
        srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        srv.bind(("127.0.0.1", 0))
        self.addCleanup(srv.close)
        asked = []

        def respond():
            data, addr = srv.recvfrom(9000)
            asked.append(data)
            srv.sendto(b"not DNS at all", addr)  # Other traffic is skipped.
            srv.sendto(ANSWER, addr)
            srv.sendto(ANSWER, addr)  # A repeated answer is one farm.
        threading.Thread(target=respond, daemon=True).start()
        farms = mdns.find(timeout=1.0, group=srv.getsockname())
        self.assertEqual(asked, [mdns.build_query()])
        self.assertEqual([(f["name"], f["url"]) for f in farms], [("Studio Farm", "https://127.0.0.1:7791")])

    def test_find_says_why_it_cannot_send(self):
        with self.assertRaises(mdns.MDNSError) as cm:
            mdns.find(timeout=0.1, group=("0.0.0.0", 0))
        self.assertIn("Type the manager's URL instead", str(cm.exception))


if __name__ == "__main__":
    unittest.main()
