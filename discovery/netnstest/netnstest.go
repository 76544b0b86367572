//go:build linux

package netnstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"farmhand/internal/farmtest"
)

// The environment of a child: its role, and the interfaces it may see. A
// child refuses to run its body anywhere else, so a stray variable on a
// developer's machine cannot make a test multicast on the real network.
const (
	envRole   = "FARMHAND_NETNS_ROLE"
	envIfaces = "FARMHAND_NETNS_IFACES"
)

// Setup scripts for `unshare --net`; "$@" is the test binary and its flags.
const (
	withRoute    = `ip link set lo up && ip route add 224.0.0.0/4 dev lo && exec "$@"`
	withoutRoute = `ip link set lo up && exec "$@"`
)

// Isolated runs the calling test again in a new network namespace where lo
// is up and 224.0.0.0/4 is routed to it, reports the child's output and
// result, and returns false. In that child it returns true.
func Isolated(t *testing.T) bool {
	t.Helper()
	return isolate(t, withRoute)
}

// IsolatedNoMulticast is Isolated without the multicast route, for testing
// what happens on a host that has none.
func IsolatedNoMulticast(t *testing.T) bool {
	t.Helper()
	return isolate(t, withoutRoute)
}

func isolate(t *testing.T, script string) bool {
	t.Helper()
	if Child(t) != "" {
		return true
	}
	Require(t)
	args := append([]string{"--net", "sh", "-c", script, "sh"}, testCommand(t)...)
	cmd := exec.CommandContext(t.Context(), "unshare", args...)
	cmd.Env = append(os.Environ(), envRole+"=isolated", envIfaces+"=lo")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.CombinedOutput()
	t.Logf("in a new network namespace:\n%s", out)
	if err != nil {
		t.Fatalf("test in network namespace: %v", err)
	}
	return false
}

// Child returns the role the parent gave this process with Host.Command
// ("isolated" under Isolated), or "" in the parent. In a child it first
// checks that it runs in a namespace the test made.
func Child(t *testing.T) string {
	t.Helper()
	role := os.Getenv(envRole)
	if role != "" {
		checkChild(t, role)
	}
	return role
}

// Host is one end of a Pair: a named namespace with a veth interface.
type Host struct {
	NS   string     // namespace name, for `ip netns exec`
	Dev  string     // its veth interface
	Addr netip.Addr // the interface's address, in 192.0.2.0/24 (TEST-NET-1)
}

// Pair creates two namespaces joined by a veth pair, each with lo up, an
// address and a 224.0.0.0/4 route on its veth. They are deleted when the
// test ends.
func Pair(t *testing.T) (a, b Host) {
	t.Helper()
	Require(t)
	id := randomHex(3)
	a = Host{NS: "fh-a-" + id, Dev: "fhva" + id, Addr: netip.MustParseAddr("192.0.2.1")}
	b = Host{NS: "fh-b-" + id, Dev: "fhvb" + id, Addr: netip.MustParseAddr("192.0.2.2")}
	// Some containers allow unshare but not named namespaces (/run/netns).
	if out, err := exec.Command("ip", "netns", "add", a.NS).CombinedOutput(); err != nil {
		skipOrFail(t, fmt.Sprintf("ip netns add: %v: %s", err, strings.TrimSpace(string(out))))
	}
	for i, h := range []Host{a, b} {
		if i > 0 {
			run(t, "ip", "netns", "add", h.NS)
		}
		t.Cleanup(func() {
			if out, err := exec.Command("ip", "netns", "del", h.NS).CombinedOutput(); err != nil {
				t.Errorf("ip netns del %s: %v: %s", h.NS, err, out)
			}
		})
	}
	// Created inside the namespaces, so the names never appear on the host.
	run(t, "ip", "link", "add", a.Dev, "netns", a.NS, "type", "veth", "peer", "name", b.Dev, "netns", b.NS)
	for _, h := range []Host{a, b} {
		run(t, "ip", "-n", h.NS, "addr", "add", h.Addr.String()+"/24", "dev", h.Dev)
		run(t, "ip", "-n", h.NS, "link", "set", "lo", "up")
		run(t, "ip", "-n", h.NS, "link", "set", h.Dev, "up")
		run(t, "ip", "-n", h.NS, "route", "add", "224.0.0.0/4", "dev", h.Dev)
	}
	return a, b
}

// Command runs the calling test again in h's namespace, with Child() = role
// and extra environment variables. The process is killed when ctx ends or if
// this test process dies.
func (h Host) Command(ctx context.Context, t *testing.T, role string, env ...string) *exec.Cmd {
	t.Helper()
	args := testCommand(t)
	cmd := h.Exec(ctx, args[0], args[1:]...)
	cmd.Env = append(cmd.Env, envRole+"="+role, envIfaces+"=lo,"+h.Dev)
	cmd.Env = append(cmd.Env, env...)
	return cmd
}

// Exec runs any program in h's namespace, for example the farmhand binary
// in an end-to-end test. It is killed when ctx ends or this process dies.
func (h Host) Exec(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", h.NS, name}, args...)...)
	cmd.Env = os.Environ()
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// testCommand is this test binary, asked to run only the current test.
func testCommand(t *testing.T) []string {
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("find the test binary: %v", err)
	}
	var parts []string
	for _, p := range strings.Split(t.Name(), "/") {
		parts = append(parts, "^"+regexp.QuoteMeta(p)+"$")
	}
	args := []string{exe, "-test.run", strings.Join(parts, "/"), "-test.count=1", "-test.v"}
	if d, ok := t.Deadline(); ok {
		args = append(args, "-test.timeout", time.Until(d).Round(time.Second).String())
	}
	return args
}

// checkChild refuses to go on when interfaces other than the expected ones
// exist: then this is not a namespace that the parent made.
func checkChild(t *testing.T, role string) {
	t.Helper()
	allowed := strings.Split(os.Getenv(envIfaces), ",")
	ifaces, err := net.Interfaces()
	if err != nil {
		t.Fatalf("list interfaces: %v", err)
	}
	for _, ifi := range ifaces {
		if !slices.Contains(allowed, ifi.Name) {
			t.Fatalf("refusing to run: interface %s exists, so this is not the namespace the test made (%s=%s)",
				ifi.Name, envRole, role)
		}
	}
}

// Require skips the test, or fails it when CI=true, unless this process can
// create network namespaces.
func Require(t testing.TB) {
	t.Helper()
	if reason := unavailable(); reason != "" {
		skipOrFail(t, reason)
	}
}

func skipOrFail(t testing.TB, reason string) {
	t.Helper()
	farmtest.Need(t, false, fmt.Sprintf("network namespaces (%s; run as root with unshare and ip: util-linux, iproute2)", reason))
}

var unavailable = sync.OnceValue(func() string {
	if os.Geteuid() != 0 {
		return "not root"
	}
	for _, name := range []string{"unshare", "ip"} {
		if _, err := exec.LookPath(name); err != nil {
			return name + " not found"
		}
	}
	if out, err := exec.Command("unshare", "--net", "true").CombinedOutput(); err != nil {
		return fmt.Sprintf("unshare --net: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return ""
})

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
