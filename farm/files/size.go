package files

import (
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
)

// sizeUnits are the units ParseSize reads, upper-cased, and their bytes.
// Decimal units are powers of 1000 (kB, MB, GB, TB), as SI, IEC and disk
// makers have them; binary ones powers of 1024 (KiB, MiB, GiB, TiB; Ki, Mi,
// Gi, Ti as Kubernetes writes them). A bare K, M, G or T is binary, as du,
// ls -h and docker read them.
var sizeUnits = map[string]int64{
	"": 1, "B": 1, "BYTE": 1, "BYTES": 1,
	"KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12,
	"K": 1 << 10, "KI": 1 << 10, "KIB": 1 << 10,
	"M": 1 << 20, "MI": 1 << 20, "MIB": 1 << 20,
	"G": 1 << 30, "GI": 1 << 30, "GIB": 1 << 30,
	"T": 1 << 40, "TI": 1 << 40, "TIB": 1 << 40,
}

// sizeNumber is the number of a size: digits, with a decimal part or not.
var sizeNumber = regexp.MustCompile(`^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)`)

// MaxSize is the largest size ParseSize reads, 1 PiB: far beyond any disk a
// farm's files or caches live on, and small enough that SizeText says every
// size up to it in a form ParseSize reads back (at most "1024 TiB").
const MaxSize int64 = 1 << 50

// ParseSize reads a size in bytes as a person writes it: a whole number of
// bytes ("1073741824") or a number with a unit (sizeUnits: "2MB" is
// 2,000,000 bytes, "2MiB" 2,097,152; "1.5GiB", "512M"). Case and spaces
// before the unit do not matter, except that a unit ending in a lower-case b
// ("2Mb", "2b") is refused: b is bits, as network speeds write it. The size
// must be a whole number of bytes ("1.5" or "1048576.5" are refused, not
// rounded), at least 1 MiB (a worker's cache smaller than that would evict a
// file as soon as it is fetched, and the farm's upload limits take no less:
// model.Settings) and at most MaxSize. The error names the text and the rule.
func ParseSize(s string) (int64, error) {
	n, err := parseBytes(s)
	if err != nil {
		return 0, err
	}
	if n < 1<<20 {
		return 0, fmt.Errorf("size %q is %d bytes, below 1 MiB (1048576 bytes)", s, n)
	}
	return n, nil
}

// parseBytes reads s as ParseSize does, any size from 0 to MaxSize.
func parseBytes(s string) (int64, error) {
	t := strings.TrimSpace(s)
	num := sizeNumber.FindString(t)
	unitText := strings.TrimSpace(t[len(num):])
	unit, known := sizeUnits[strings.ToUpper(unitText)]
	v, ok := new(big.Rat).SetString(num)
	if known && strings.HasSuffix(unitText, "b") {
		return 0, fmt.Errorf("size %q: b is bits; write B for bytes (%sB)", s, strings.TrimSuffix(unitText, "b"))
	}
	if num == "" || !known || !ok {
		return 0, fmt.Errorf("size %q: want a whole number of bytes, or a number with kB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024)", s)
	}
	v.Mul(v, new(big.Rat).SetInt64(unit))
	if !v.IsInt() {
		return 0, fmt.Errorf("size %q is %s bytes: a size is a whole number of bytes", s, v.FloatString(3))
	}
	if n := v.Num(); !n.IsInt64() || n.Int64() > MaxSize {
		return 0, fmt.Errorf("size %q is too large: at most 1 PiB (1024 TiB, %d bytes)", s, MaxSize)
	}
	return v.Num().Int64(), nil
}

// SizeText says n bytes in the largest binary unit that divides it, when
// fewer than 10,000 of it ("50 GiB", "1536 MiB", "512 KiB"), which ParseSize
// reads back; other sizes of 1 KiB or more in the largest binary unit they
// reach, rounded to the nearest hundredth, with the exact bytes ("1.91 MiB
// (2000000 bytes)" for 2MB, "1.40 GiB (1500000000 bytes)" for 1.5GB); below
// 1 KiB in bytes ("1000 bytes").
func SizeText(n int64) string {
	units := []struct {
		shift uint
		name  string
	}{{40, "TiB"}, {30, "GiB"}, {20, "MiB"}, {10, "KiB"}}
	for _, u := range units {
		if n >= 1<<u.shift && n%(1<<u.shift) == 0 && n>>u.shift < 10_000 {
			return fmt.Sprintf("%d %s", n>>u.shift, u.name)
		}
	}
	for _, u := range units {
		if n >= 1<<u.shift {
			v := float64(n) / float64(int64(1)<<u.shift)
			return fmt.Sprintf("%s %s (%d bytes)", strconv.FormatFloat(v, 'f', 2, 64), u.name, n)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}

// ParseLimit reads a size limit setting: 0 in any unit ("0", "0MB") for the
// farm's default, else a size as ParseSize reads it; a size below 1 MiB
// says that 0 is the default.
func ParseLimit(s string) (int64, error) {
	n, err := parseBytes(s)
	switch {
	case err != nil:
		return 0, err
	case n == 0:
		return 0, nil
	case n < 1<<20:
		return 0, fmt.Errorf("size %q is %d bytes, below 1 MiB (1048576 bytes); 0 means the farm's default", s, n)
	}
	return n, nil
}
