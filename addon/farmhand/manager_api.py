"""The Farmhand manager's HTTP API, as the add-on uses it.

Standard library only and no bpy, so that it runs inside Blender's Python and
in a plain python3 for tests. The contract is farm/api/openapi.yaml.

A manager at an https:// URL is trusted by its certificate's fingerprint
(pinned, as farm/trust does for the Go clients): there is no certificate
authority and no host-name check, and a certificate other than the pinned one
is refused before anything, the token least of all, is sent.
"""

import base64
import hashlib
import http.client
import json
import ssl
import sys
import urllib.parse

# The manager refuses clients that speak another API version, with a message
# that says which one it speaks; that message reaches the artist as it is.
API_VERSION = "1"

# How long one call may wait to connect and for each read (seconds). Calls
# from the panels run off Blender's main thread (background.py); scripts wait.
TIMEOUT = 10.0

DEFAULT_URL = "http://localhost:7780"


class ManagerError(Exception):
    """Anything but success: status is the HTTP status, 0 when the manager
    could not be reached; message is the manager's own explanation."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


class StaleJobType(ManagerError):
    """412: the job type changed on the manager since it was fetched."""


class UnknownFingerprint(ManagerError):
    """The manager's certificate is not pinned yet (status 0). fingerprint is
    the whole one it presented (52 characters, no dashes): show it to the
    artist to compare, as SSH does, and pin it when they trust it."""

    def __init__(self, fingerprint):
        super().__init__(0, (
            "this computer does not know the manager's certificate yet (fingerprint %s): compare it with the "
            "one the manager shows ('farmhand joincode', or Farmhand's Settings), then trust it in the "
            "Farmhand add-on's preferences") % short(fingerprint))
        self.fingerprint = fingerprint


class FingerprintMismatch(ManagerError):
    """The manager presented a certificate other than the pinned one (status
    0): an impostor, or a manager whose identity was replaced. fingerprint is
    what it presented, pinned what this computer trusts."""

    def __init__(self, pinned, fingerprint):
        super().__init__(0, (
            "the manager's certificate has fingerprint %s, but this computer trusts %s: another computer "
            "may be posing as the manager. If the manager's data folder was replaced on purpose, clear the "
            "Fingerprint in the Farmhand add-on's preferences and trust the new one") % (
                short(fingerprint), short(pinned)))
        self.pinned = pinned
        self.fingerprint = fingerprint


def normalise_url(url):
    """The manager's base URL without a trailing slash; a bare host:port gets
    http://, which is what people type into a preferences field."""
    url = (url or "").strip().rstrip("/")
    if not url:
        return DEFAULT_URL
    if "://" not in url:
        url = "http://" + url
    return url


def split_join_code(code):
    """A join code as people type it ("123-456-789-012-ABCD-EFGH-IJKL"; case,
    dashes and spaces do not matter), read as farm/trust.SplitJoinCode reads
    it: returns (the 12 secret digits, the fingerprint prefix or "" for a
    code without one). Raises ValueError saying what is wrong."""
    norm = "".join(c for c in (code or "").upper() if c != "-" and not c.isspace())
    if len(norm) < 12 or not norm[:12].isdigit():
        raise ValueError("the join code starts with 12 digits (farmhand joincode on the manager shows it)")
    prefix = parse_fingerprint(norm[12:]) if norm[12:] else ""
    if prefix and len(prefix) < PREFIX_LEN:
        raise ValueError("the join code's fingerprint part is cut short: %d characters after the digits are needed"
                         % PREFIX_LEN)
    return norm[:12], prefix


def platform_name():
    """The platform as the manager names it (Go's GOOS)."""
    if sys.platform.startswith("win"):
        return "windows"
    if sys.platform == "darwin":
        return "darwin"
    return "linux" if sys.platform.startswith("linux") else sys.platform


# Fingerprints, written as farm/trust writes them: SHA-256 of the
# certificate's DER bytes in unpadded base32 (RFC 4648), 52 characters.
FINGERPRINT_LEN = 52

# The shortest prefix a pin may be (a join code's): 60 bits, as
# farm/trust.PrefixLen.
PREFIX_LEN = 12

_BASE32 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def fingerprint_of(der):
    """The fingerprint (52 characters, no dashes) of a DER-encoded
    certificate (bytes), as farm/trust.FingerprintOf computes it."""
    return base64.b32encode(hashlib.sha256(der).digest()).decode("ascii").rstrip("=")


def parse_fingerprint(text):
    """A fingerprint or a prefix of one as people write it, as
    farm/trust.ParseFingerprint reads it: case, spaces and dashes do not
    matter and "SHA256:" may lead. Returns it bare and upper-case ("" for
    empty text); raises ValueError for other characters or more than 52."""
    s = (text or "").strip().upper()
    if s.startswith("SHA256:"):
        s = s[len("SHA256:"):]
    s = s.replace("-", "").replace(" ", "")
    if any(c not in _BASE32 for c in s):
        raise ValueError("fingerprint %r: only letters A-Z and digits 2-7 may appear" % s)
    if len(s) > FINGERPRINT_LEN:
        raise ValueError("fingerprint %r is longer than a SHA-256 fingerprint (52 characters)" % s)
    return s


def group(fingerprint):
    """The fingerprint (or prefix) in groups of four separated by dashes, for
    people: "ABCD-EFGH-…"."""
    return "-".join(fingerprint[i:i + 4] for i in range(0, len(fingerprint), 4))


def short(fingerprint):
    """The first PREFIX_LEN characters in groups of four, as
    farm/trust.Fingerprint.Short writes them in messages."""
    return group(fingerprint[:PREFIX_LEN])


def matches(got, want):
    """Whether the whole fingerprint got is want, or starts with want when
    want is a prefix of at least PREFIX_LEN characters (farm/trust Matches)."""
    if len(want) == len(got):
        return got == want
    return len(want) >= PREFIX_LEN and got.startswith(want)


class Manager:
    """One manager, called with one member's token (empty before joining).

    fingerprint is the pin for https:// URLs: the manager's whole certificate
    fingerprint, or a prefix of at least 12 characters (from a join code),
    written any way parse_fingerprint reads. Each call connects anew, with
    timeout (seconds) for connecting and for each read. Every call raises
    ManagerError on failure: status 0 when the manager could not be reached
    or its certificate is refused (UnknownFingerprint with no pin,
    FingerprintMismatch for another certificate), StaleJobType on 412.
    After a call to an https manager passed the pin, seen_fingerprint is its
    whole fingerprint, to keep in place of a prefix ("" before, and always
    for http://).

    Plain http:// still works, for a manager on the same computer
    (http://127.0.0.1:7780); the manager answers it from another computer
    with 426 and a message saying to use https.
    """

    def __init__(self, url, token="", timeout=TIMEOUT, fingerprint=""):
        self.url = normalise_url(url)
        self.token = (token or "").strip()
        self.timeout = timeout
        self.fingerprint = fingerprint or ""
        self.seen_fingerprint = ""

    # Membership.

    def join(self, name, platform=None, wants="artist", join_code=""):
        """Asks to join; returns {"member": {...}, "token": "..."}. The token
        works once an admin approves the member. join_code is the farm's
        secret digits only (split_join_code): the manager then approves the
        member at once, as a worker (farm/manager/members.go); making it an
        artist stays an admin's decision."""
        body = {"name": name, "platform": platform or platform_name(), "wants": wants}
        if join_code:
            body["join_code"] = join_code
        return self._call("POST", "/api/v1/join", body)

    def join_status(self):
        """The member this token belongs to; its "status" says pending,
        approved, rejected or revoked."""
        return self._call("GET", "/api/v1/join")

    def whoami(self):
        """The member of an approved token, including one that did not come
        from a join request (the manager computer's admin token)."""
        return self._call("GET", "/api/v1/whoami")

    # Jobs.

    def job_types(self):
        """{"job_types": [...], "problems": [...]}: each job type with its
        settings and its etag."""
        return self._call("GET", "/api/v1/jobtypes")

    def submit(self, job):
        """Submits a job (name, type, priority, settings, type_etag…) and
        returns the stored job. Raises StaleJobType on 412."""
        return self._call("POST", "/api/v1/jobs", job)

    def job(self, job_id):
        return self._call("GET", "/api/v1/jobs/" + urllib.parse.quote(job_id, safe=""))

    def config(self):
        """The farm's settings (GET /api/v1/config): among them "variables",
        the path variables, each {"name", "storage" (a storage location),
        "values": {platform or "all": path}}; [] or absent on a manager
        that has none."""
        return self._call("GET", "/api/v1/config")

    def job_thumbnail(self, job_id):
        """The JPEG bytes of the job's last-rendered thumbnail (at most
        320×180), or None when nothing was rendered yet (404)."""
        try:
            return self._call("GET", "/api/v1/jobs/%s/last-rendered?size=thumb" % urllib.parse.quote(job_id, safe=""),
                              raw=True)
        except ManagerError as err:
            if err.status == 404:
                return None
            raise

    def _call(self, method, path, body=None, raw=False):
        data, want_bytes = None, raw
        headers = {"Farmhand-API-Version": API_VERSION, "Accept": "*/*" if raw else "application/json"}
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        conn, prefix = self._connect()
        try:
            conn.request(method, prefix + path, body=data, headers=headers)
            resp = conn.getresponse()
            raw, status = resp.read(), resp.status
        except (http.client.HTTPException, OSError) as err:
            raise self._unreachable(err) from None
        finally:
            conn.close()
        if not 200 <= status < 300:
            raise _error_from(status, raw)
        if want_bytes:
            return raw
        if status == 204 or not raw:
            return None
        try:
            return json.loads(raw.decode("utf-8"))
        except ValueError:
            raise ManagerError(status, "%s does not answer like a Farmhand manager (not JSON)" % self.url) from None

    def _connect(self):
        """An open connection to the manager and the URL's path to put before
        API paths. For https the certificate is checked against the pin here,
        before the caller sends a byte of its request."""
        # http.client, unlike urllib, never takes proxies from the environment:
        # they would send farm traffic, tokens included, somewhere else.
        try:
            parts = urllib.parse.urlsplit(self.url)
            host, port = parts.hostname, parts.port
        except ValueError as err:
            raise ManagerError(0, "%s is not a manager URL: %s" % (self.url, err)) from None
        if parts.scheme not in ("http", "https") or not host:
            raise ManagerError(0, "%s is not a manager URL: it must start with http:// or https://" % self.url)
        if parts.scheme == "http":
            conn = http.client.HTTPConnection(host, port, timeout=self.timeout)
        else:
            conn = http.client.HTTPSConnection(host, port, timeout=self.timeout, context=_tls_context())
        try:
            conn.connect()
            if parts.scheme == "https":
                self._check_pin(conn.sock.getpeercert(binary_form=True))
        except ManagerError:
            conn.close()
            raise
        except (http.client.HTTPException, OSError) as err:
            conn.close()
            raise self._unreachable(err) from None
        return conn, parts.path

    def _check_pin(self, der):
        """Accepts exactly the pinned certificate (DER bytes), as
        farm/trust.ClientConfig does; raises UnknownFingerprint or
        FingerprintMismatch otherwise."""
        if not der:
            raise ManagerError(0, "the manager at %s presented no certificate" % self.url)
        got = fingerprint_of(der)
        try:
            pin = parse_fingerprint(self.fingerprint)
        except ValueError as err:
            raise ManagerError(0, "The manager's fingerprint in the preferences cannot be read: %s" % err) from None
        if not pin:
            raise UnknownFingerprint(got)
        if not matches(got, pin):
            raise FingerprintMismatch(pin, got)
        self.seen_fingerprint = got

    def _unreachable(self, err):
        return ManagerError(0, "Cannot reach the manager at %s: %s" % (self.url, err))


def _tls_context():
    """TLS that accepts any certificate, so that the pin, checked on the
    connected socket, is the whole check: the manager's certificate is
    self-signed and its host name means nothing."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def _error_from(status, raw):
    """Every error answer is {"message": ...}; anything else (a proxy's page,
    another server) is shown as its first line."""
    message = ""
    try:
        message = json.loads(raw.decode("utf-8")).get("message", "")
    except (ValueError, AttributeError, UnicodeDecodeError):
        pass
    if not message:
        text = raw.decode("utf-8", "replace").strip().splitlines()
        message = "HTTP %d%s" % (status, (": " + text[0][:200]) if text else "")
    cls = StaleJobType if status == 412 else ManagerError
    return cls(status, message)
