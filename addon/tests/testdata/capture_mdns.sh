#!/bin/sh
# How mdns_answer.bin was captured: a real manager (the headless farmhand
# binary) advertising inside a network namespace of its own, so that nothing
# multicasts on the host's network, and the add-on's query sent to it once.
#
#   CGO_ENABLED=0 go build -tags headless -o /tmp/fhbin/farmhand .
#   sudo unshare --net sh addon/tests/testdata/capture_mdns.sh /tmp/fhbin/farmhand
#
# It writes mdns_answer.bin (the answer's bytes as received) next to this
# script and prints the join code, whose fingerprint part test_mdns.py checks.
set -e
FARMHAND=$1
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=$(mktemp -d)
ip link set lo up
ip route add 224.0.0.0/4 dev lo
"$FARMHAND" manager --headless --data "$DATA" --listen 127.0.0.1:7791 --farm-name "Studio Farm" > "$DATA/log" 2>&1 &
pid=$!
for i in $(seq 1 50); do grep -q "advertising the manager" "$DATA/log" && break; sleep 0.2; done
ADDON="$HERE/../../farmhand" OUT="$HERE/mdns_answer.bin" python3 - <<'PY'
import os, socket, sys
sys.path.insert(0, os.environ["ADDON"])
import mdns
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 0))
s.sendto(mdns.build_query(), mdns.GROUP)
s.settimeout(2)
data, addr = s.recvfrom(9000)
open(os.environ["OUT"], "wb").write(data)
print("answer from", addr, len(data), "bytes")
PY
"$FARMHAND" joincode --manager http://127.0.0.1:7791 --data "$DATA"
kill $pid
