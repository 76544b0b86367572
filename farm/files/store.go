package files

import (
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Errors of WriteChunk, each a kind the API answers with its own status.
var (
	// ErrChunkHash: the chunk's bytes do not match the hash sent with them
	// (422); the chunk is dropped and the offset stays.
	ErrChunkHash = errors.New("the chunk does not match its SHA-256")
	// ErrFileHash: the whole file does not match its name (422); the partial
	// file is dropped and the upload starts again at 0.
	ErrFileHash = errors.New("the file does not match its SHA-256")
)

// OffsetError says a chunk was sent at another offset than the bytes held
// (409): the upload resumes at Held.
type OffsetError struct{ Sent, Held int64 }

func (e *OffsetError) Error() string {
	return fmt.Sprintf("the chunk starts at byte %d but the manager holds %d bytes of the file: resume at %d", e.Sent, e.Held, e.Held)
}

// Store keeps blobs under root: root/sha256/<2 hex>/<64 hex> for complete
// files (read-only), root/partial/<64 hex> for uploads under way. It is safe
// for concurrent use; uploads of one file are serialised.
type Store struct {
	root string

	mu    sync.Mutex
	locks map[string]*hashLock
	// running holds, per partial upload, the SHA-256 state of its bytes so
	// far, so that the whole-file check at the end reads nothing again.
	running map[string]runningHash
}

// hashLock serialises the writers and removers of one file.
type hashLock struct {
	mu    sync.Mutex
	users int
}

// runningHash is a marshalled SHA-256 state after the first at bytes.
type runningHash struct {
	state []byte
	at    int64
}

// copyBuffers are the buffers chunks are copied through: large, so that a
// chunk takes few writes.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}

// Open returns the store under root (e.g. <data dir>/files), creating its folders.
func Open(root string) (*Store, error) {
	for _, d := range []string{filepath.Join(root, "sha256"), filepath.Join(root, "partial")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("creating the file store %s: %w", d, err)
		}
	}
	return &Store{root: root, locks: map[string]*hashLock{}, running: map[string]runningHash{}}, nil
}

// Root returns the store's folder.
func (s *Store) Root() string { return s.root }

// BlobPath is where the complete file sha lives (sha must be ValidHash).
func (s *Store) BlobPath(sha string) string {
	return filepath.Join(s.root, "sha256", sha[:2], sha)
}

func (s *Store) partialPath(sha string) string { return filepath.Join(s.root, "partial", sha) }

// Lock holds the file sha against every writer and remover until the
// returned function is called.
func (s *Store) Lock(sha string) (unlock func()) {
	s.mu.Lock()
	l := s.locks[sha]
	if l == nil {
		l = &hashLock{}
		s.locks[sha] = l
	}
	l.users++
	s.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		s.mu.Lock()
		if l.users--; l.users == 0 {
			delete(s.locks, sha)
		}
		s.mu.Unlock()
	}
}

// setRunning keeps (or with nil state, forgets) the running hash of sha.
func (s *Store) setRunning(sha string, state []byte, at int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if state == nil {
		delete(s.running, sha)
		return
	}
	s.running[sha] = runningHash{state, at}
}

// Held returns how many bytes of sha the store holds: its size when
// complete (and true), else the partial upload's size.
func (s *Store) Held(sha string) (int64, bool) {
	if fi, err := os.Stat(s.BlobPath(sha)); err == nil {
		return fi.Size(), true
	}
	if fi, err := os.Stat(s.partialPath(sha)); err == nil {
		return fi.Size(), false
	}
	return 0, false
}

// WriteChunk appends n bytes read from body to the partial file sha at
// offset, size being the whole file's size in bytes and chunkSHA the hex
// SHA-256 of the chunk. It returns the bytes held after it and whether the
// file is now complete: then its whole hash was checked and it moved to
// BlobPath. Errors: *OffsetError when offset is not the bytes held,
// ErrChunkHash (the chunk is dropped), ErrFileHash (the partial file is
// dropped), a short body, or a disk error with the path.
func (s *Store) WriteChunk(sha string, offset, size int64, chunkSHA string, body io.Reader, n int64) (int64, bool, error) {
	defer s.Lock(sha)()
	held, complete := s.Held(sha)
	if complete {
		return held, true, nil
	}
	if offset != held {
		return held, false, &OffsetError{Sent: offset, Held: held}
	}
	s.mu.Lock()
	prev := s.running[sha]
	s.mu.Unlock()
	whole, err := prev.resume(s.partialPath(sha), held)
	if err != nil {
		return held, false, err
	}
	f, err := os.OpenFile(s.partialPath(sha), os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return held, false, fmt.Errorf("opening the partial upload of %s: %w", sha, err)
	}
	chunk := sha256.New()
	w := &offsetWriter{f: f, at: offset}
	buf := copyBuffers.Get().(*[]byte)
	copied, err := io.CopyBuffer(io.MultiWriter(w, chunk, whole), io.LimitReader(body, n), *buf)
	copyBuffers.Put(buf)
	if err == nil && copied < n {
		err = fmt.Errorf("the chunk ended after %d of %d bytes", copied, n)
	}
	if err == nil && hex.EncodeToString(chunk.Sum(nil)) != chunkSHA {
		err = fmt.Errorf("%w (got %d bytes at offset %d)", ErrChunkHash, copied, offset)
	}
	if err != nil {
		// The bytes held stay what they were: the chunk is not kept.
		s.setRunning(sha, nil, 0)
		return held, false, errors.Join(err, f.Truncate(offset), f.Close())
	}
	if err := f.Close(); err != nil {
		s.setRunning(sha, nil, 0)
		return held, false, fmt.Errorf("writing the partial upload of %s: %w", sha, err)
	}
	held = offset + copied
	if held < size {
		s.setRunning(sha, mustMarshal(whole), held)
		return held, false, nil
	}
	s.setRunning(sha, nil, 0)
	if hex.EncodeToString(whole.Sum(nil)) != sha {
		return 0, false, errors.Join(fmt.Errorf("%w: %d bytes received; the upload starts again", ErrFileHash, held),
			os.Remove(s.partialPath(sha)))
	}
	return held, true, s.promote(sha)
}

// resume returns the running hash of the partial file's first held bytes,
// hashing the file again only when the state is not in memory (after a
// restart, or a refused chunk).
func (r runningHash) resume(partial string, held int64) (hash.Hash, error) {
	h := sha256.New()
	if r.state != nil && r.at == held {
		if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(r.state); err == nil {
			return h, nil
		}
	}
	if held == 0 {
		return h, nil
	}
	f, err := os.Open(partial)
	if err != nil {
		return nil, fmt.Errorf("reading the partial upload %s: %w", partial, err)
	}
	defer f.Close()
	if _, err := io.CopyN(h, f, held); err != nil {
		return nil, fmt.Errorf("hashing the partial upload %s: %w", partial, err)
	}
	return h, nil
}

func mustMarshal(h hash.Hash) []byte {
	b, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return nil // only costs a re-read of the partial file later
	}
	return b
}

// promote moves a verified partial file to its blob path, read-only.
func (s *Store) promote(sha string) error {
	dst := s.BlobPath(sha)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("storing %s: %w", sha, err)
	}
	if err := os.Chmod(s.partialPath(sha), 0o444); err != nil {
		return fmt.Errorf("storing %s: %w", sha, err)
	}
	if err := os.Rename(s.partialPath(sha), dst); err != nil {
		return fmt.Errorf("storing %s: %w", sha, err)
	}
	return nil
}

// Remove deletes the file sha, complete or partial (none is no error). The
// caller holds Lock(sha) and has checked that no job names it.
func (s *Store) Remove(sha string) error {
	s.setRunning(sha, nil, 0)
	err := errors.Join(ignoreMissing(os.Remove(s.BlobPath(sha))), ignoreMissing(os.Remove(s.partialPath(sha))))
	if err != nil {
		return fmt.Errorf("removing stored file %s: %w", sha, err)
	}
	return nil
}

// Partials calls fn with the hash and last change of every partial upload.
func (s *Store) Partials(fn func(sha string, modified time.Time)) error {
	entries, err := os.ReadDir(filepath.Join(s.root, "partial"))
	if err != nil {
		return fmt.Errorf("listing partial uploads: %w", err)
	}
	for _, e := range entries {
		if info, err := e.Info(); err == nil && ValidHash(e.Name()) {
			fn(e.Name(), info.ModTime())
		}
	}
	return nil
}

func ignoreMissing(err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

// offsetWriter writes to f from at on, as a stream.
type offsetWriter struct {
	f  *os.File
	at int64
}

func (w *offsetWriter) Write(p []byte) (int, error) {
	n, err := w.f.WriteAt(p, w.at)
	w.at += int64(n)
	return n, err
}
