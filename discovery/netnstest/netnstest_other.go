//go:build !linux

package netnstest

import (
	"context"
	"net/netip"
	"os"
	"os/exec"
	"testing"
)

// Network namespaces are Linux-only; elsewhere every test that needs them
// skips (or fails, when CI=true).

func Isolated(t *testing.T) bool            { Require(t); return false }
func IsolatedNoMulticast(t *testing.T) bool { Require(t); return false }
func Child(t *testing.T) string             { return "" }

type Host struct {
	NS, Dev string
	Addr    netip.Addr
}

func Pair(t *testing.T) (a, b Host) { Require(t); return }

func (h Host) Command(ctx context.Context, t *testing.T, role string, env ...string) *exec.Cmd {
	Require(t)
	return nil
}

func (h Host) Exec(ctx context.Context, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, name, args...)
}

func Require(t testing.TB) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal("network namespaces need Linux, and CI=true requires them")
	}
	t.Skip("skipping: network namespaces need Linux")
}
