package beacon

import (
	"strconv"
	"strings"
)

// escapeTXT turns a raw TXT string into miekg/dns presentation format, in
// which a backslash starts an escape. Other bytes, UTF-8 included, pass as is.
func escapeTXT(s string) string {
	return strings.ReplaceAll(s, `\`, `\\`)
}

// unescapeTXT reverses what miekg/dns does on unpacking: `\X` for a quote or
// backslash and `\DDD` (decimal) for bytes outside printable ASCII.
func unescapeTXT(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		if i+3 < len(s) && isDigits(s[i+1:i+4]) {
			n, _ := strconv.Atoi(s[i+1 : i+4])
			b.WriteByte(byte(n))
			i += 3
			continue
		}
		b.WriteByte(s[i+1])
		i++
	}
	return b.String()
}

func isDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
