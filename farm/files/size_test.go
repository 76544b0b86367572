package files

import "testing"

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"20GiB": 20 << 30, "20 gib": 20 << 30, "20G": 20 << 30, "20GB": 20 << 30, "512M": 512 << 20,
		"1.5G": 3 << 29, "1073741824": 1 << 30, "2TiB": 2 << 40, "4096KiB": 4 << 20,
	} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "GiB", "-1G", "12parsecs", "1K", "100", "9999999999T", "NaN"} {
		if got, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) = %d, want an error", in, got)
		}
	}
}

func TestSizeText(t *testing.T) {
	for n, want := range map[int64]string{50 << 30: "50 GiB", 1536 << 20: "1536 MiB", 2 << 40: "2 TiB", 512 << 10: "512 KiB", 1000: "1000 bytes", 0: "0 bytes"} {
		if got := SizeText(n); got != want {
			t.Errorf("SizeText(%d) = %q, want %q", n, got, want)
		}
		if n >= 1<<20 {
			if back, err := ParseSize(SizeText(n)); err != nil || back != n {
				t.Errorf("ParseSize(SizeText(%d)) = %d, %v", n, back, err)
			}
		}
	}
}
