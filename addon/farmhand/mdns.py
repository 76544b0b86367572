"""Finds Farmhand managers on the local network: one mDNS query (RFC 6762)
for the DNS-SD service _farmhand._tcp, written with the standard library
only, and a parser for the answers.

No bpy here, so that it runs in a plain python3 for tests. What a manager
announces is discovery/txt.go's TXT keys (txtvers=1, farm, manager, instance,
started, api, version, fp) plus discovery/beacon's "addrs" key listing every
address; the records are hashicorp/mdns's: PTR, SRV, TXT and A, answered to
the address and port the query came from.
"""

import socket
import struct
import time

SERVICE = "_farmhand._tcp.local."
GROUP = ("224.0.0.251", 5353)

# How long find() waits for answers (seconds): a manager answers at once, so
# this is the time a farm on a slow network gets.
TIMEOUT = 1.5

_PTR, _TXT, _A, _AAAA, _SRV = 12, 16, 1, 28, 33
_CLASS_IN = 1
_UNICAST_RESPONSE = 0x8000  # The QU bit: answer this port, not the group.


class MDNSError(Exception):
    """The query could not be sent (e.g. no route for multicast); the message
    says why, for the artist."""


def build_query(service=SERVICE, qid=0):
    """The bytes of one mDNS query for PTR records of service (a name ending
    in "."), asking for unicast answers."""
    header = struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0)
    return header + _encode_name(service) + struct.pack("!HH", _PTR, _CLASS_IN | _UNICAST_RESPONSE)


def _encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        raw = label.encode("utf-8")
        if not 0 < len(raw) < 64:
            raise ValueError("DNS label %r must be 1-63 bytes" % label)
        out += bytes([len(raw)]) + raw
    return out + b"\x00"


def _read_name(data, offset):
    """The name at offset (following compression pointers) and the offset
    after it in the record. Raises ValueError on a malformed name."""
    labels, end, jumps = [], None, 0
    while True:
        if offset >= len(data):
            raise ValueError("name runs past the packet")
        n = data[offset]
        if n & 0xC0 == 0xC0:
            if offset + 1 >= len(data):
                raise ValueError("cut compression pointer")
            if end is None:
                end = offset + 2
            offset = ((n & 0x3F) << 8) | data[offset + 1]
            jumps += 1
            if jumps > 64:
                raise ValueError("compression loop")
            continue
        if n == 0:
            return ".".join(labels) + ".", (end if end is not None else offset + 1)
        if n & 0xC0:
            raise ValueError("unknown label type")
        labels.append(data[offset + 1:offset + 1 + n].decode("utf-8", "replace"))
        offset += 1 + n


def parse_records(data):
    """Every resource record of a DNS message (answers, authority and
    additional alike) as (name, type, rdata-decoded) tuples: PTR gives the
    target name, SRV (port, target), TXT a list of strings, A/AAAA the
    address text; other types are skipped. Raises ValueError for a message
    that is not a well-formed response."""
    if len(data) < 12:
        raise ValueError("shorter than a DNS header")
    _, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", data[:12])
    if not flags & 0x8000:
        raise ValueError("a query, not a response")
    offset = 12
    for _ in range(qd):
        _, offset = _read_name(data, offset)
        offset += 4
    records = []
    for _ in range(an + ns + ar):
        name, offset = _read_name(data, offset)
        if offset + 10 > len(data):
            raise ValueError("record header runs past the packet")
        rtype, _, _, length = struct.unpack("!HHIH", data[offset:offset + 10])
        start, offset = offset + 10, offset + 10 + length
        if offset > len(data):
            raise ValueError("record data runs past the packet")
        rdata = data[start:offset]
        if rtype == _PTR:
            records.append((name, rtype, _read_name(data, start)[0]))
        elif rtype == _SRV and length >= 7:
            port = struct.unpack("!H", rdata[4:6])[0]
            records.append((name, rtype, (port, _read_name(data, start + 6)[0])))
        elif rtype == _TXT:
            strings, i = [], 0
            while i < len(rdata):
                n = rdata[i]
                strings.append(rdata[i + 1:i + 1 + n].decode("utf-8", "replace"))
                i += 1 + n
            records.append((name, rtype, strings))
        elif rtype == _A and length == 4:
            records.append((name, rtype, socket.inet_ntop(socket.AF_INET, rdata)))
        elif rtype == _AAAA and length == 16:
            records.append((name, rtype, socket.inet_ntop(socket.AF_INET6, rdata)))
    return records


def parse_answer(data, source="", service=SERVICE):
    """The farms a response (bytes) announces, as dicts: name (the farm's
    name, or the manager id when it has none), manager, instance, url,
    fingerprint ("" without TLS), version, api (int), addrs (every address
    announced). The URL is https://ADDR:PORT when a fingerprint is
    announced, else http:// (as discovery/discovery.go builds it); ADDR is
    source (the address the answer came from) when the manager announces it,
    else its first IPv4 address. Instances whose TXT is not txtvers=1 or
    lacks manager/instance are left out, as the Go browser does. Raises
    ValueError for a malformed message."""
    records = parse_records(data)
    service = service.lower()
    instances = [r[2] for r in records if r[1] == _PTR and r[0].lower() == service]
    farms = []
    for inst in instances:
        srv = next((r[2] for r in records if r[1] == _SRV and r[0] == inst), None)
        txt = next((r[2] for r in records if r[1] == _TXT and r[0] == inst), None)
        if srv is None or txt is None:
            continue
        farm = _farm_from(inst, srv, txt, [r[2] for r in records if r[1] in (_A, _AAAA) and r[0] == srv[1]], source)
        if farm is not None:
            farms.append(farm)
    return farms


def _farm_from(instance, srv, txt, records_addrs, source):
    kv = {}
    for t in txt:
        k, _, v = t.partition("=")
        kv.setdefault(k, v)  # DNS-SD: the first occurrence counts.
    if kv.get("txtvers") != "1" or not kv.get("manager") or not kv.get("instance"):
        return None
    addrs = []
    for a in (kv.get("addrs", "").split(",") if kv.get("addrs") else []) + records_addrs:
        if a and a not in addrs:
            addrs.append(a)
    if not addrs:
        return None
    addr = source if source in addrs else next((a for a in addrs if ":" not in a), addrs[0])
    host = "[%s]" % addr if ":" in addr else addr
    fp = kv.get("fp", "")
    try:
        api = int(kv.get("api", ""))
    except ValueError:
        api = 0
    return {
        "name": kv.get("farm") or kv["manager"], "manager": kv["manager"], "instance": kv["instance"],
        "url": "%s://%s:%d" % ("https" if fp else "http", host, srv[0]), "fingerprint": fp,
        "version": kv.get("version", ""), "api": api, "addrs": addrs,
    }


def find(timeout=TIMEOUT, group=GROUP):
    """Sends one query for _farmhand._tcp to the mDNS group and collects the
    farms that answer within timeout (seconds), one per manager (its last
    answer wins), sorted by name. group, for tests, is where to send the
    query instead (a responder on 127.0.0.1). Raises
    MDNSError when the query cannot be sent, e.g. on a computer without a
    route for multicast."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    try:
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
        sock.bind(("0.0.0.0", 0))
        try:
            sock.sendto(build_query(), group)
        except OSError as err:
            raise MDNSError("cannot send the mDNS query (%s): is this computer on a network? "
                            "Type the manager's URL instead" % err) from None
        found = {}
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            sock.settimeout(left)
            try:
                data, addr = sock.recvfrom(9000)
            except socket.timeout:
                break
            except OSError:
                break
            try:
                farms = parse_answer(data, addr[0])
            except ValueError:
                continue  # Not an answer of ours; others share the group.
            for farm in farms:
                found[farm["manager"]] = farm
        return sorted(found.values(), key=lambda f: (f["name"].lower(), f["url"]))
    finally:
        sock.close()
