package files

import (
	"strconv"
	"strings"
	"testing"
)

// TestParseSize: decimal units are powers of 1000, binary ones powers of
// 1024; a bare K, M, G or T is binary, as du and docker read it.
func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"2MB": 2_000_000, "2 MB": 2_000_000, "2kB": 0, "2048kB": 2_048_000, "2048KB": 2_048_000,
		"1.5GB": 1_500_000_000, "20GB": 20_000_000_000, "2TB": 2_000_000_000_000, "0.1TB": 100_000_000_000,
		"2MiB": 2 << 20, "20GiB": 20 << 30, "20 giB": 20 << 30, "20Gi": 20 << 30, "2TiB": 2 << 40, "4096KiB": 4 << 20,
		"20G": 20 << 30, "512M": 512 << 20, "1.5G": 3 << 29, "1073741824": 1 << 30, "1073741824 bytes": 1 << 30,
		" 3 GiB ": 3 << 30, ".5GiB": 1 << 29, "1048576.0": 1 << 20, "1024TiB": MaxSize,
	} {
		got, err := ParseSize(in)
		if want == 0 {
			if err == nil || !strings.Contains(err.Error(), "below 1 MiB") {
				t.Errorf("ParseSize(%q) = %d, %v; want below 1 MiB", in, got, err)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "GiB", "-1G", "12parsecs", "1K", "100", "9999999999T", "NaN", "1e9", "1/2G", "0x100000", "1,5G", "Inf", "2 MB B", "1048576.5", "1.5", "1025TiB", "9223372036854775807B", "8388608TiB"} {
		if got, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) = %d, want an error", in, got)
		}
	}
	if _, err := ParseSize("12parsecs"); err == nil || !strings.Contains(err.Error(), "kB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024)") {
		t.Errorf("the error names the units: %v", err)
	}
}

// TestSizeText: sizes print in binary units; one no binary unit divides
// shows its bytes as well.
func TestSizeText(t *testing.T) {
	for n, want := range map[int64]string{
		50 << 30: "50 GiB", 1536 << 20: "1536 MiB", 2 << 40: "2 TiB", 512 << 10: "512 KiB", 1000: "1000 bytes", 0: "0 bytes",
		2_000_000: "1.91 MiB (2000000 bytes)", 1_500_000_000: "1.40 GiB (1500000000 bytes)", 200_000_000_000: "186.26 GiB (200000000000 bytes)", 1_000_000_000_000: "931.32 GiB (1000000000000 bytes)",
		2_000_000_000_000: "1.82 TiB (2000000000000 bytes)", 1025: "1.00 KiB (1025 bytes)", MaxSize: "1024 TiB",
	} {
		if got := SizeText(n); got != want {
			t.Errorf("SizeText(%d) = %q, want %q", n, got, want)
		}
		if n >= 1<<20 && !strings.HasSuffix(want, "bytes)") {
			if back, err := ParseSize(SizeText(n)); err != nil || back != n {
				t.Errorf("ParseSize(SizeText(%d)) = %d, %v", n, back, err)
			}
		}
	}
}

// Sizes a person gets wrong are refused saying why: b is bits, a size is a
// whole number of bytes, and one too large names the limit (cli-polish
// item 5: "2Mb" was taken as MB, "1.5" as 1 byte, 2^63-1 bytes shown as a
// size that did not read back).
func TestParseSizeRefusals(t *testing.T) {
	for in, want := range map[string]string{
		"2Mb": "b is bits; write B for bytes", "2b": "b is bits; write B for bytes", "2 kb": "b is bits",
		"1048576.5": "is 1048576.500 bytes: a size is a whole number of bytes", "1.5": "a size is a whole number of bytes",
		"9223372036854775807B": "too large: at most 1 PiB", "8388608TiB": "too large: at most 1 PiB",
		"99999999999999999999999": "too large",
	} {
		if _, err := ParseSize(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseSize(%q): %v; want …%s…", in, err, want)
		}
	}
	for in, want := range map[string]int64{"0": 0, "0MB": 0, "0 GiB": 0, "2MiB": 2 << 20} {
		if got, err := ParseLimit(in); err != nil || got != want {
			t.Errorf("ParseLimit(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	if _, err := ParseLimit("1kB"); err == nil || !strings.Contains(err.Error(), "below 1 MiB (1048576 bytes); 0 means the farm's default") {
		t.Errorf("ParseLimit(1kB): %v", err)
	}
}

// FuzzParseSize: any text is read or refused without a panic; a size read
// is at least 1 MiB; its bytes read back as themselves, and SizeText of it
// reads back exactly (whole binary units) or names its bytes.
func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"2MB", "2MiB", "1.5G", "20 gib", "1073741824", ".5TB", "9999999999T", "1e9", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseSize(s)
		if err != nil {
			return
		}
		if n < 1<<20 {
			t.Fatalf("ParseSize(%q) = %d, below 1 MiB", s, n)
		}
		if back, err := ParseSize(strconv.FormatInt(n, 10)); err != nil || back != n {
			t.Fatalf("%d bytes read back as %d, %v", n, back, err)
		}
		text := SizeText(n)
		if back, err := ParseSize(text); err == nil && back != n {
			t.Fatalf("SizeText(%d) = %q reads back as %d", n, text, back)
		} else if err != nil && !strings.HasSuffix(text, "("+strconv.FormatInt(n, 10)+" bytes)") {
			t.Fatalf("SizeText(%d) = %q neither reads back nor names the bytes", n, text)
		}
	})
}
