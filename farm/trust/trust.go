// Package trust is the manager's TLS identity and the clients' pinning of it,
// the way Syncthing secures a LAN program without configuration: the manager
// makes a key pair and a self-signed certificate at first start, its identity
// is the certificate's fingerprint, and a client that has seen the right
// fingerprint (from mDNS, from the join code, or confirmed by a person, as SSH
// does) accepts that certificate and no other. There is no certificate
// authority and no host-name check: the fingerprint is the name.
package trust

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base32"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Identity is the manager's certificate and its fingerprint.
type Identity struct {
	Cert        tls.Certificate
	Fingerprint Fingerprint
}

// Files in the data dir's tls folder.
const (
	certFile = "cert.pem"
	keyFile  = "key.pem"
)

// certLifetime is long on purpose: the certificate is pinned, not checked
// against a clock, and a renewed one would have to be pinned again.
const certLifetime = 20 * 365 * 24 * time.Hour

// LoadOrCreate returns the identity kept in dir (the manager's data dir's
// "tls" folder), making a new ECDSA P-256 key and self-signed certificate
// there at first start. farmName goes into the certificate's subject, for
// people who look at it. The key file is readable by its owner only. Errors
// name the file; a damaged file is an error, never silently replaced, since a
// new identity would make every client refuse the manager.
func LoadOrCreate(dir, farmName string) (*Identity, error) {
	certPath, keyPath := filepath.Join(dir, certFile), filepath.Join(dir, keyFile)
	cert, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err == nil {
		return newIdentity(cert)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("loading the manager's certificate from %s: %w", dir, err)
	}
	if _, statErr := os.Stat(certPath); statErr == nil {
		// One of the pair is there and the other is not: refuse to replace.
		return nil, fmt.Errorf("loading the manager's certificate from %s: %w (restore both %s and %s, or remove both to make a new identity that every client must pin again)",
			dir, err, certFile, keyFile)
	}
	certPEM, keyPEM, err := generate(farmName)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("making %s: %w", dir, err)
	}
	if err := writeNew(keyPath, keyPEM, 0o600); err != nil {
		return nil, err
	}
	if err := writeNew(certPath, certPEM, 0o644); err != nil {
		return nil, err
	}
	cert, err = tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("reading back the new certificate: %w", err)
	}
	return newIdentity(cert)
}

func newIdentity(cert tls.Certificate) (*Identity, error) {
	if len(cert.Certificate) == 0 {
		return nil, errors.New("the manager's certificate file holds no certificate")
	}
	return &Identity{Cert: cert, Fingerprint: FingerprintOf(cert.Certificate[0])}, nil
}

func generate(farmName string) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("making the manager's key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, fmt.Errorf("making the certificate's serial number: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "Farmhand manager", Organization: []string{farmName}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(certLifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"farmhand-manager"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("making the manager's certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("encoding the manager's key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}

// writeNew writes a file that must not exist yet, so that two managers
// starting on one data dir cannot each write half an identity.
func writeNew(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// Fingerprint identifies a certificate: the SHA-256 of its DER bytes, written
// in unpadded base32 (52 characters, A–Z and 2–7) so that people can compare
// and type a part of it.
type Fingerprint string

// FingerprintOf returns the fingerprint of a DER-encoded certificate.
func FingerprintOf(der []byte) Fingerprint {
	sum := sha256.Sum256(der)
	return Fingerprint(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:]))
}

// base32Alphabet is base32.StdEncoding's alphabet (RFC 4648).
const base32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// ParseFingerprint reads a fingerprint or a prefix of one as people write it:
// case, spaces and dashes do not matter, and a "SHA256:" prefix is allowed.
// It returns an error for anything but base32 characters.
func ParseFingerprint(s string) (Fingerprint, error) {
	s = strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(s)), "SHA256:")
	s = strings.NewReplacer("-", "", " ", "").Replace(s)
	for _, r := range s {
		if !strings.ContainsRune(base32Alphabet, r) {
			return "", fmt.Errorf("fingerprint %q: only letters A–Z and digits 2–7 may appear", s)
		}
	}
	if len(s) > 52 {
		return "", fmt.Errorf("fingerprint %q is longer than a SHA-256 fingerprint (52 characters)", s)
	}
	return Fingerprint(s), nil
}

// Short is the fingerprint's first PrefixLen characters in groups of four,
// for the join code and for people comparing it aloud.
func (f Fingerprint) Short() string {
	p := string(f)
	if len(p) > PrefixLen {
		p = p[:PrefixLen]
	}
	return group(p)
}

// String writes the whole fingerprint in groups of four.
func (f Fingerprint) String() string { return group(string(f)) }

func group(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// PrefixLen is how many fingerprint characters a join code carries: 12
// base32 characters are 60 bits, so an impostor would need about 2^59
// certificates to find one whose fingerprint starts the same.
const PrefixLen = 12

// Matches reports whether f is the whole fingerprint want, or, when want is
// a prefix of at least PrefixLen characters, starts with it.
func (f Fingerprint) Matches(want Fingerprint) bool {
	if len(want) == len(f) {
		return f == want
	}
	return len(want) >= PrefixLen && strings.HasPrefix(string(f), string(want))
}
