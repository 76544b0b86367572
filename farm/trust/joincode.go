package trust

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"
)

// A join code as people see it is the farm's secret code followed by the
// first PrefixLen characters of the manager's fingerprint, so that a worker
// given the code trusts the right manager and no impostor learns the secret:
// "123-456-789-012-ABCD-EFGH-IJKL". The secret is 12 digits; the fingerprint
// part uses base32's letters and digits 2–7.

// secretDigits is the length of the secret part of a join code.
const secretDigits = 12

// JoinCode writes the join code people type: the secret (as the manager
// keeps it) followed by the fingerprint's short form.
func JoinCode(secret string, f Fingerprint) string {
	if f == "" {
		return secret
	}
	return secret + "-" + f.Short()
}

// SplitJoinCode reads a join code as people type it (case, dashes and spaces
// do not matter) into its secret and its fingerprint prefix. A code without
// a fingerprint part (from a manager without TLS) gives an empty pin. It
// returns an error naming what is wrong otherwise.
func SplitJoinCode(code string) (secret string, pin Fingerprint, err error) {
	norm := strings.Map(func(r rune) rune {
		if r == '-' || unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToUpper(r)
	}, code)
	if len(norm) < secretDigits || strings.IndexFunc(norm[:secretDigits], func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return "", "", fmt.Errorf("join code %q: it starts with %d digits (see 'farmhand joincode' on the manager)", code, secretDigits)
	}
	secret = norm[:secretDigits]
	if rest := norm[secretDigits:]; rest != "" {
		if pin, err = ParseFingerprint(rest); err != nil {
			return "", "", fmt.Errorf("join code %q: %w", code, err)
		}
		if len(pin) < PrefixLen {
			return "", "", fmt.Errorf("join code %q: its fingerprint part is cut short (want %d characters after the digits)", code, PrefixLen)
		}
	}
	return secret, pin, nil
}

// ReadFingerprint returns the fingerprint of the certificate kept in dir (a
// manager's tls folder) without reading its key, so that other users of
// the computer may learn it.
func ReadFingerprint(dir string) (Fingerprint, error) {
	b, err := os.ReadFile(filepath.Join(dir, certFile))
	if err != nil {
		return "", fmt.Errorf("reading the manager's certificate: %w", err)
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "CERTIFICATE" {
		return "", fmt.Errorf("%s holds no certificate", filepath.Join(dir, certFile))
	}
	if _, err := x509.ParseCertificate(block.Bytes); err != nil {
		return "", fmt.Errorf("reading %s: %w", filepath.Join(dir, certFile), err)
	}
	return FingerprintOf(block.Bytes), nil
}
