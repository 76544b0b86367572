package app

import (
	"strings"
	"testing"
)

// 'farmhand config set max-job-size 2MB' means 2,000,000 bytes (decimal), and
// 2MiB 2,097,152 (binary); what is printed is binary, with the bytes when no
// binary unit divides the size.
func TestConfigSetDecimalAndBinarySizes(t *testing.T) {
	f := newAPIFarm(t)
	for _, c := range []struct {
		in    string
		bytes int64
		shown string
	}{{"2MB", 2_000_000, "→ 1.91 MiB (2000000 bytes)"}, {"2MiB", 2 << 20, "→ 2 MiB"}, {"1.5GB", 1_500_000_000, "→ 1.40 GiB (1500000000 bytes)"}} {
		e, out := backupEnv()
		if err := runConfig(e, append([]string{"set", "max-job-size", c.in}, f.flags(t)...)); err != nil || !strings.Contains(out.String(), c.shown) {
			t.Errorf("config set max-job-size %s: %v\n%s", c.in, err, out)
		}
		if got := f.m.Settings().MaxJobSize; got != c.bytes {
			t.Errorf("max-job-size %s: the manager holds %d bytes, want %d", c.in, got, c.bytes)
		}
	}
}
