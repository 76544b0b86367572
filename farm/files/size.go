package files

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ParseSize reads a size in bytes as a person writes it: a whole number of
// bytes ("1073741824") or a number with a unit, binary (KiB, MiB, GiB, TiB,
// and K, M, G, T, KB, MB, GB, TB taken the same way, as disk tools list
// caches) — e.g. "20GiB", "512M", "1.5G". Case and spaces before the unit do
// not matter. The error names the text; sizes below 1 MiB are refused: a
// worker's cache smaller than that would evict a file as soon as it is
// fetched, and the farm's upload limits take no less (model.Settings).
func ParseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	num := strings.TrimRightFunc(t, func(r rune) bool { return r >= 'A' && r <= 'Z' })
	unit := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSpace(t[len(num):]), "B"), "I")
	shift, ok := map[string]uint{"": 0, "K": 10, "M": 20, "G": 30, "T": 40}[unit]
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if !ok || err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, fmt.Errorf("size %q: want bytes or a number with KiB, MiB, GiB or TiB", s)
	}
	n := v * float64(uint64(1)<<shift)
	if n >= math.MaxInt64 {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	if n < 1<<20 {
		return 0, fmt.Errorf("size %q is below 1 MiB", s)
	}
	return int64(n), nil
}

// SizeText says n bytes in the largest binary unit that divides it ("50 GiB",
// "512 KiB"), else in bytes ("1000 bytes"): what ParseSize reads back.
func SizeText(n int64) string {
	for _, u := range []struct {
		shift uint
		name  string
	}{{40, "TiB"}, {30, "GiB"}, {20, "MiB"}, {10, "KiB"}} {
		if n >= 1<<u.shift && n%(1<<u.shift) == 0 {
			return fmt.Sprintf("%d %s", n>>u.shift, u.name)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}

// ParseLimit reads a size limit setting: "0" for the farm's default, else a
// size as ParseSize reads it.
func ParseLimit(s string) (int64, error) {
	if strings.TrimSpace(s) == "0" {
		return 0, nil
	}
	return ParseSize(s)
}
