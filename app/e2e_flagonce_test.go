//go:build e2e

package app_test

import (
	"os/exec"
	"strings"
	"testing"
)

// A farm-setting flag out of bounds is said once, by the command that got it
// ("farmhand: …" without a command), and exits 2 (fresh-eyes try: it came
// twice, and the default command said "farmhand farmhand:").
func TestE2EBadSettingFlagSaidOnce(t *testing.T) {
	for _, c := range []struct {
		role, prefix string
	}{{"", "farmhand: "}, {"manager", "farmhand manager: "}, {"both", "farmhand both: "}} {
		args := []string{"--data", t.TempDir(), "--listen", "127.0.0.1:0", "--no-discovery", "--headless", "--fail-threshold", "2"}
		if c.role != "" {
			args = append([]string{c.role}, args...)
		}
		cmd := exec.Command(farmhandBinary(t), args...)
		out, _ := cmd.CombinedOutput()
		want := c.prefix + "--fail-threshold: must be above 0 and at most 1"
		if code := cmd.ProcessState.ExitCode(); code != 2 || strings.Count(string(out), "--fail-threshold") != 1 ||
			!strings.HasPrefix(string(out), want) {
			t.Errorf("farmhand %s --fail-threshold 2: exit %d\n%s\nwant exit 2 and one line …%s…", c.role, code, out, want)
		}
	}
}
