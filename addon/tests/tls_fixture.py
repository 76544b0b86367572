"""What the add-on's TLS tests share: certificates made by openssl like the
manager's, and a stand-in manager serving TLS on 127.0.0.1 that records every
request reaching it."""

import base64
import hashlib
import os
import shutil
import ssl
import subprocess
import threading
import unittest
from http.server import BaseHTTPRequestHandler, HTTPServer


def need_tool(name, install, why):
    """The path of program name; a missing one skips the test, or fails it
    under CI=true (as farmtest.NeedTool does for the Go tests)."""
    path = shutil.which(name)
    if path:
        return path
    message = "%s is missing (%s): %s" % (name, install, why)
    if os.environ.get("CI") == "true":
        raise AssertionError(message)
    raise unittest.SkipTest(message)


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


def serve_tls(cert, key):
    """A Recorder server over TLS with the certificate and key (PEM paths) on
    127.0.0.1, and its https:// URL. One thread handles one connection after
    another: once a later call returned, the server is done with every
    earlier connection, so what it saw of them is all it will ever see."""
    server = HTTPServer(("127.0.0.1", 0), Recorder)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, "https://127.0.0.1:%d" % server.server_address[1]
