package worker

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"farmhand/internal/farmtest"
)

// blobStore stands in for the manager's GET /files/{sha256}: it serves blobs
// from memory with Range, and can break a connection part way once, or serve
// wrong bytes.
type blobStore struct {
	mu      sync.Mutex
	blobs   map[string][]byte
	froms   []int64 // the offset of each request
	breakAt int64   // > 0: the next request stops after this many bytes with an error
	garble  bool    // serve bytes that do not match the hash
}

func newBlobStore() *blobStore { return &blobStore{blobs: map[string][]byte{}} }

// add stores data and returns its reference.
func (s *blobStore) add(data string) BlobRef {
	sum := sha256.Sum256([]byte(data))
	sha := hex.EncodeToString(sum[:])
	s.mu.Lock()
	s.blobs[sha] = []byte(data)
	s.mu.Unlock()
	return BlobRef{SHA256: sha, Size: int64(len(data))}
}

func (s *blobStore) fetch(ctx context.Context, sha string, w io.Writer, from int64) (int64, error) {
	s.mu.Lock()
	data, ok := s.blobs[sha]
	s.froms = append(s.froms, from)
	breakAt := s.breakAt
	s.breakAt = 0
	garble := s.garble
	s.mu.Unlock()
	if !ok {
		return 0, fmt.Errorf("no blob %s", sha)
	}
	data = data[from:]
	if garble {
		data = bytes.ToUpper(data)
	}
	if breakAt > 0 && breakAt < int64(len(data)) {
		n, _ := w.Write(data[:breakAt])
		return int64(n), errors.New("connection reset by peer")
	}
	n, err := w.Write(data)
	return int64(n), err
}

func openTestCache(t *testing.T, dir string, limit int64) *Cache {
	t.Helper()
	c, err := OpenCache(dir, limit, quiet)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func acquire(t *testing.T, c *Cache, s *blobStore, refs ...BlobRef) *Lease {
	t.Helper()
	l, err := c.Acquire(context.Background(), refs, s.fetch, nil)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestCacheFetchesOnceAndVerifies(t *testing.T) {
	s := newBlobStore()
	a, b := s.add("scene bytes"), s.add("texture bytes, a few more")
	c := openTestCache(t, t.TempDir(), 0)
	l := acquire(t, c, s, a, b)
	if got, want := c.Fetched(), a.Size+b.Size; got != want {
		t.Fatalf("fetched %d bytes, want %d", got, want)
	}
	if got := readFile(t, l.Path(b.SHA256)); got != "texture bytes, a few more" {
		t.Fatalf("cached blob holds %q", got)
	}
	l.Release()
	acquire(t, c, s, a, b).Release()
	if got, want := c.Fetched(), a.Size+b.Size; got != want {
		t.Fatalf("a second use fetched again: %d bytes in all, want %d", got, want)
	}
	if info, err := os.Stat(l.Path(a.SHA256)); err != nil || info.Mode().Perm()&0o222 != 0 {
		t.Fatalf("a cached blob must be read-only: %v %v", info.Mode(), err)
	}
}

func TestCacheResumesABrokenDownload(t *testing.T) {
	s := newBlobStore()
	data := strings.Repeat("0123456789", 100)
	r := s.add(data)
	s.breakAt = 300
	c := openTestCache(t, t.TempDir(), 0)
	l := acquire(t, c, s, r)
	defer l.Release()
	if !slices.Equal(s.froms, []int64{0, 300}) {
		t.Fatalf("requests started at %v, want [0 300]: a broken download must resume with a Range", s.froms)
	}
	if c.Fetched() != r.Size {
		t.Fatalf("fetched %d bytes for a %d-byte file", c.Fetched(), r.Size)
	}
	if readFile(t, l.Path(r.SHA256)) != data {
		t.Fatal("the resumed download is not the file")
	}
}

func TestCacheRefusesBytesThatDoNotMatchTheHash(t *testing.T) {
	s := newBlobStore()
	r := s.add("the real bytes")
	s.garble = true
	dir := t.TempDir()
	c := openTestCache(t, dir, 0)
	_, err := c.Acquire(context.Background(), []BlobRef{r}, s.fetch, nil)
	if err == nil || !strings.Contains(err.Error(), r.SHA256) || !strings.Contains(err.Error(), "does not match") {
		t.Fatalf("Acquire of a garbled blob: %v, want an error naming %s and the mismatch", err, r.SHA256)
	}
	if c.Has(r.SHA256) || c.Used() != 0 {
		t.Fatal("a garbled blob must not be kept")
	}
	if left, _ := os.ReadDir(filepath.Join(dir, "partial")); len(left) != 0 {
		t.Fatalf("a garbled download left %d partial files", len(left))
	}
}

// corrupt overwrites the cached blob at p with as many other bytes.
func corrupt(t *testing.T, p string) {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, bytes.Repeat([]byte("x"), len(data)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCacheFetchesACorruptedBlobAgain(t *testing.T) {
	s := newBlobStore()
	r := s.add("scene bytes that a task wrote over")
	dir := t.TempDir()
	c := openTestCache(t, dir, 0)
	l := acquire(t, c, s, r)
	l.Release()

	// Written over in this run (its modification time changes).
	corrupt(t, l.Path(r.SHA256))
	l = acquire(t, c, s, r)
	l.Release()
	if c.Fetched() != 2*r.Size || readFile(t, l.Path(r.SHA256)) != "scene bytes that a task wrote over" {
		t.Fatalf("a blob written over was not fetched again (fetched %d bytes)", c.Fetched())
	}

	// Written over behind the worker's back, with its time put back: a new run
	// checks every blob once.
	info, _ := os.Stat(l.Path(r.SHA256))
	corrupt(t, l.Path(r.SHA256))
	if err := os.Chtimes(l.Path(r.SHA256), info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
	c = openTestCache(t, dir, 0)
	l = acquire(t, c, s, r)
	l.Release()
	if c.Fetched() != r.Size || readFile(t, l.Path(r.SHA256)) != "scene bytes that a task wrote over" {
		t.Fatalf("after a restart a corrupted blob was not fetched again (fetched %d bytes)", c.Fetched())
	}
}

// present lists which of refs the cache holds, by their data's first letter.
func present(c *Cache, names map[string]string, refs ...BlobRef) string {
	var got []string
	for _, r := range refs {
		if c.Has(r.SHA256) {
			got = append(got, names[r.SHA256])
		}
	}
	return strings.Join(got, "")
}

func TestCacheEvictsLeastRecentlyUsedButNeverALeasedBlob(t *testing.T) {
	s := newBlobStore()
	names := map[string]string{}
	var refs []BlobRef
	for _, n := range []string{"A", "B", "C", "D", "E"} {
		r := s.add(strings.Repeat(n, 10))
		names[r.SHA256] = n
		refs = append(refs, r)
	}
	A, B, C, D, E := refs[0], refs[1], refs[2], refs[3], refs[4]
	dir := t.TempDir()
	clock := farmtest.NewClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	c := openTestCache(t, dir, 30)
	c.now = clock.Now
	use := func(refs ...BlobRef) *Lease {
		clock.Advance(time.Minute)
		return acquire(t, c, s, refs...)
	}
	use(A).Release()
	use(B).Release()
	use(C).Release()
	use(A).Release() // A is now more recent than B and C
	use(D).Release()
	if got := present(c, names, refs...); got != "ACD" {
		t.Fatalf("after A B C A D in a 3-file cache it holds %s, want ACD (B least recently used)", got)
	}

	// C is the least recently used, but a running task holds it.
	held := use(C)
	clock.Advance(time.Minute)
	use(E).Release()
	if got := present(c, names, refs...); got != "CDE" {
		t.Fatalf("with C leased, using E left %s, want CDE (A evicted, C kept)", got)
	}
	// Leased blobs may keep the cache over its size; releasing them evicts.
	clock.Advance(time.Minute)
	l := use(A, B)
	if got := present(c, names, refs...); got != "ABC" || c.Used() != 30 {
		t.Fatalf("leasing A and B beside C left %s (%d bytes), want ABC", present(c, names, refs...), c.Used())
	}
	l.Release()
	held.Release()
	if got := present(c, names, refs...); got != "ABC" || c.Used() > 30 {
		t.Fatalf("after the releases the cache holds %s (%d bytes)", got, c.Used())
	}

	// A restart keeps the blobs and their order of use.
	c = openTestCache(t, dir, 20)
	if got := present(c, names, refs...); got != "AB" {
		t.Fatalf("reopened with room for 2, the cache holds %s, want AB (C least recently used)", got)
	}
	acquire(t, c, s, A, B).Release()
	if c.Fetched() != 0 {
		t.Fatalf("a reopened cache fetched %d bytes of blobs it holds", c.Fetched())
	}
}

func TestCacheRescanRemovesStrayFiles(t *testing.T) {
	s := newBlobStore()
	r := s.add("kept")
	dir := t.TempDir()
	c := openTestCache(t, dir, 0)
	acquire(t, c, s, r).Release()
	stray := filepath.Join(dir, "sha256", r.SHA256[:2], "leftover.tmp")
	misplaced := filepath.Join(dir, "sha256", "zz", r.SHA256)
	for _, p := range []string{stray, misplaced} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("junk"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c = openTestCache(t, dir, 0)
	for _, p := range []string{stray, misplaced} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("stray file %s survived the rescan: %v", p, err)
		}
	}
	if !c.Has(r.SHA256) || c.Used() != r.Size {
		t.Fatalf("the rescan lost the blob: has=%v used=%d", c.Has(r.SHA256), c.Used())
	}
}
