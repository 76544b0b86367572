package trust

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

func TestLoadOrCreateKeepsOneIdentity(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	a, err := LoadOrCreate(dir, "Test farm")
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Fingerprint) != 52 {
		t.Fatalf("fingerprint %q", a.Fingerprint)
	}
	st, err := os.Stat(filepath.Join(dir, keyFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file %v %v, want mode 0600", st, err)
	}
	b, err := LoadOrCreate(dir, "Test farm")
	if err != nil || b.Fingerprint != a.Fingerprint {
		t.Fatalf("second start: %v %v, want the same identity", b, err)
	}

	// Half an identity or a damaged one is refused, never replaced.
	if err := os.Remove(filepath.Join(dir, keyFile)); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreate(dir, "Test farm"); err == nil || !strings.Contains(err.Error(), "restore both") {
		t.Fatalf("cert without key: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, keyFile), []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreate(dir, "Test farm"); err == nil {
		t.Fatal("a damaged key was accepted")
	}
}

func TestFingerprints(t *testing.T) {
	f := Fingerprint("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567ABCDEFGHIJKLMNOPQRST")
	if got := f.Short(); got != "ABCD-EFGH-IJKL" {
		t.Errorf("Short %q", got)
	}
	for _, in := range []string{"abcd-efgh-ijkl", " SHA256:ABCD EFGH IJKL "} {
		p, err := ParseFingerprint(in)
		if err != nil || p != "ABCDEFGHIJKL" || !f.Matches(p) {
			t.Errorf("ParseFingerprint(%q) = %q, %v", in, p, err)
		}
	}
	if _, err := ParseFingerprint("ABCD-0189"); err == nil {
		t.Error("0, 1, 8 and 9 are not base32")
	}
	if f.Matches("ABCDEFGH") {
		t.Error("a prefix shorter than PrefixLen must not match")
	}
	if f.Matches("ABCDEFGHIJKM") {
		t.Error("a wrong prefix matched")
	}
}

// serve runs a handler behind NewListener on inner; it counts requests.
func serve(t *testing.T, inner net.Listener, id *Identity, allowPlain bool) *atomic.Int32 {
	t.Helper()
	var n atomic.Int32
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		_, _ = io.WriteString(w, "ok") // the client judges what arrived
	})}
	l := NewListener(inner, id, allowPlain)
	go func() { _ = srv.Serve(l) }() // ErrServerClosed at cleanup
	t.Cleanup(func() { srv.Close() })
	return &n
}

func identity(t *testing.T) *Identity {
	t.Helper()
	id, err := LoadOrCreate(t.TempDir(), "Test farm")
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func get(url string, conf *tls.Config) (*http.Response, error) {
	cl := &http.Client{Transport: &http.Transport{TLSClientConfig: conf}}
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer secret-token")
	return cl.Do(req)
}

// A client pinned to one manager refuses another manager's certificate on
// the same address.
func TestPinnedClientRefusesAnotherManager(t *testing.T) {
	a, b := identity(t), identity(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	serve(t, ln, a, false)
	var seen Fingerprint
	resp, err := get("https://"+addr, ClientConfig(Fingerprint(a.Fingerprint[:PrefixLen]), func(f Fingerprint) { seen = f }))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if seen != a.Fingerprint {
		t.Errorf("seen %q, want the whole fingerprint %q", seen, a.Fingerprint)
	}
	if _, err := get("https://"+addr, ClientConfig("", nil)); !errors.As(err, new(*UnknownError)) {
		t.Errorf("unpinned: %v, want UnknownError", err)
	}
	ln.Close()

	// Another manager takes the address.
	ln2, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listening again on %s, just freed: %v", addr, err)
	}
	n := serve(t, ln2, b, false)
	_, err = get("https://"+addr, ClientConfig(a.Fingerprint, nil))
	var mm *MismatchError
	if !errors.As(err, &mm) || mm.Got != b.Fingerprint || mm.Want != a.Fingerprint {
		t.Fatalf("pinned to a, served b: %v", err)
	}
	if n.Load() != 0 {
		t.Error("the impostor got the request (and its token)")
	}
}

// fakeRemote labels accepted connections as coming from another computer
// (192.0.2.10 is a documentation address: nothing is sent there).
type fakeRemote struct{ net.Listener }

type remoteConn struct{ net.Conn }

func (fakeRemote) remote() net.Addr { return &net.TCPAddr{IP: net.ParseIP("192.0.2.10"), Port: 40000} }

func (l fakeRemote) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return remoteConn{c}, nil
}

func (remoteConn) RemoteAddr() net.Addr { return fakeRemote{}.remote() }

// Plain HTTP: fine from this computer, refused from another (the handler,
// and so the token, never sees it), unless allowed.
func TestPlainHTTPOnlyFromLoopback(t *testing.T) {
	id := identity(t)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	n := serve(t, ln, id, false)
	resp, err := get("http://"+ln.Addr().String(), nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("plain from loopback: %v %v", resp, err)
	}
	resp.Body.Close()

	remote, _ := net.Listen("tcp", "127.0.0.1:0")
	nr := serve(t, fakeRemote{remote}, id, false)
	resp, err = get("http://"+remote.Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUpgradeRequired || !strings.Contains(string(body), "speaks HTTPS only") {
		t.Fatalf("plain from another computer: %d %s", resp.StatusCode, body)
	}
	if nr.Load() != 0 {
		t.Fatal("a plain request from another computer reached the handler")
	}
	resp, err = get("https://"+remote.Addr().String(), ClientConfig(id.Fingerprint, nil))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("TLS from another computer: %v %v", resp, err)
	}
	resp.Body.Close()

	allowed, _ := net.Listen("tcp", "127.0.0.1:0")
	serve(t, fakeRemote{allowed}, id, true)
	if resp, err := get("http://"+allowed.Addr().String(), nil); err != nil || resp.StatusCode != 200 {
		t.Fatalf("plain allowed by setting: %v %v", resp, err)
	}
	if n.Load() != 1 {
		t.Errorf("loopback handler ran %d times", n.Load())
	}
}

func TestJoinCodes(t *testing.T) {
	f := Fingerprint("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567ABCDEFGHIJKLMNOPQRST")
	code := JoinCode("123-456-789-012", f)
	if code != "123-456-789-012-ABCD-EFGH-IJKL" {
		t.Fatalf("JoinCode %q", code)
	}
	for _, typed := range []string{code, "123456789012abcdefghijkl", " 123 456 789 012 abcd-efgh-ijkl "} {
		secret, pin, err := SplitJoinCode(typed)
		if err != nil || secret != "123456789012" || pin != "ABCDEFGHIJKL" || !f.Matches(pin) {
			t.Errorf("SplitJoinCode(%q) = %q %q %v", typed, secret, pin, err)
		}
	}
	if secret, pin, err := SplitJoinCode("123-456-789-012"); err != nil || secret != "123456789012" || pin != "" {
		t.Errorf("a code without fingerprint: %q %q %v", secret, pin, err)
	}
	for _, bad := range []string{"", "12-34", "ABC-456-789-012", "123-456-789-012-ABCD", "123-456-789-012-ABCD-EFGH-IJK1"} {
		if _, _, err := SplitJoinCode(bad); err == nil {
			t.Errorf("SplitJoinCode(%q) accepted", bad)
		}
	}
}

func TestReadFingerprintNeedsNoKey(t *testing.T) {
	dir := t.TempDir()
	id, err := LoadOrCreate(dir, "x")
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, keyFile))
	if f, err := ReadFingerprint(dir); err != nil || f != id.Fingerprint {
		t.Fatalf("ReadFingerprint %q %v, want %q", f, err, id.Fingerprint)
	}
}
