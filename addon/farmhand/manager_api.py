"""The Farmhand manager's HTTP API, as the add-on uses it.

Standard library only and no bpy, so that it runs inside Blender's Python and
in a plain python3 for tests. The contract is farm/api/openapi.yaml.
"""

import json
import socket
import sys
import urllib.error
import urllib.parse
import urllib.request

# The manager refuses clients that speak another API version, with a message
# that says which one it speaks; that message reaches the artist as it is.
API_VERSION = "1"

# Every call happens while Blender waits for it, so a manager that is down
# must not freeze the UI for long.
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


def normalise_url(url):
    """The manager's base URL without a trailing slash; a bare host:port gets
    http://, which is what people type into a preferences field."""
    url = (url or "").strip().rstrip("/")
    if not url:
        return DEFAULT_URL
    if "://" not in url:
        url = "http://" + url
    return url


def platform_name():
    """The platform as the manager names it (Go's GOOS)."""
    if sys.platform.startswith("win"):
        return "windows"
    if sys.platform == "darwin":
        return "darwin"
    return "linux" if sys.platform.startswith("linux") else sys.platform


# The manager is on the studio's network: proxies from the environment would
# send farm traffic, tokens included, somewhere else or fail to reach it.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Manager:
    """One manager, called with one member's token (empty before joining)."""

    def __init__(self, url, token="", timeout=TIMEOUT):
        self.url = normalise_url(url)
        self.token = (token or "").strip()
        self.timeout = timeout

    # Membership.

    def join(self, name, platform=None, wants="artist"):
        """Asks to join; returns {"member": {...}, "token": "..."}. The token
        works once an admin approves the member."""
        body = {"name": name, "platform": platform or platform_name(), "wants": wants}
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

    def _call(self, method, path, body=None):
        data = None
        headers = {"Farmhand-API-Version": API_VERSION, "Accept": "application/json"}
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        req = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        try:
            with _opener.open(req, timeout=self.timeout) as resp:
                raw = resp.read()
                status = resp.status
        except urllib.error.HTTPError as err:
            raise _error_from(err.code, err.read()) from None
        except (urllib.error.URLError, socket.timeout, OSError) as err:
            reason = getattr(err, "reason", err)
            raise ManagerError(0, "Cannot reach the manager at %s: %s" % (self.url, reason)) from None
        if status == 204 or not raw:
            return None
        try:
            return json.loads(raw.decode("utf-8"))
        except ValueError:
            raise ManagerError(status, "%s does not answer like a Farmhand manager (not JSON)" % self.url) from None


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
