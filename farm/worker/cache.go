package worker

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"farmhand/farm/files"
)

// DefaultCacheSize is how many bytes of job input files a worker keeps by
// default (20 GiB): enough for several productions' scenes and textures.
const DefaultCacheSize int64 = 20 << 30

// Download retries: a broken connection resumes where it broke (Range), up to
// fetchAttempts times in a row without progress, waiting fetchRetryWait
// (doubling) in between.
const (
	fetchAttempts  = 5
	fetchRetryWait = 200 * time.Millisecond
)

// partialMaxAge: a partial download untouched this long is dropped when the
// cache opens, for its blob is likely no longer wanted.
const partialMaxAge = 24 * time.Hour

// blobSource writes the bytes of the blob sha, from byte offset from on, to w,
// and returns how many it wrote (also when it fails part way). It is the
// manager's GET /files/{sha256} with a Range.
type blobSource func(ctx context.Context, sha string, w io.Writer, from int64) (int64, error)

// Cache is a worker's store of job input files, each named by the SHA-256 of
// its bytes: <dir>/sha256/<first 2 hex>/<64 hex>, read-only. Blobs are
// fetched from the manager when missing and verified by hash after download
// and, once per run and whenever their size or modification time changed,
// before use. The cache is bounded by a size in bytes: least recently used
// blobs go first, never one a lease holds (a running task's). Last use is kept
// as each blob's modification time, so order and content survive a restart
// (Open rescans the folder). Safe for concurrent use.
type Cache struct {
	dir   string
	limit int64
	log   *slog.Logger
	now   func() time.Time

	fetched atomic.Int64 // bytes downloaded since Open

	mu      sync.Mutex
	entries map[string]*blob
	used    int64 // bytes of the blobs on disk

	fetching sync.Mutex // one blob made ready at a time: no two downloads of one blob
}

// blob is one cache entry.
type blob struct {
	size     int64
	present  bool      // complete and on disk
	verified bool      // its hash was checked in this run
	stamp    time.Time // modification time when last checked or used: its last use
	pins     int       // leases holding it
}

// OpenCache opens (creating it) the cache in dir, bounded to limit bytes
// (DefaultCacheSize when limit ≤ 0). It rescans the folder: blobs left by an
// earlier run are kept (and verified on first use), files that are not blobs
// are removed, and it evicts down to the limit. Errors are the file system's.
func OpenCache(dir string, limit int64, log *slog.Logger) (*Cache, error) {
	if limit <= 0 {
		limit = DefaultCacheSize
	}
	c := &Cache{dir: dir, limit: limit, log: cmp.Or(log, slog.Default()), now: time.Now, entries: map[string]*blob{}}
	for _, d := range []string{c.blobDir(), c.partialDir()} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("creating the worker's file cache: %w", err)
		}
	}
	if err := c.rescan(); err != nil {
		return nil, fmt.Errorf("reading the worker's file cache %s: %w", dir, err)
	}
	c.mu.Lock()
	c.evictLocked(0)
	c.mu.Unlock()
	return c, nil
}

func (c *Cache) blobDir() string    { return filepath.Join(c.dir, "sha256") }
func (c *Cache) partialDir() string { return filepath.Join(c.dir, "partial") }

// path is where the blob sha lives once complete.
func (c *Cache) path(sha string) string { return filepath.Join(c.blobDir(), sha[:2], sha) }

// rescan fills entries from the folder.
func (c *Cache) rescan() error {
	err := filepath.WalkDir(c.blobDir(), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := d.Name()
		info, ierr := d.Info()
		if !files.ValidHash(name) || filepath.Base(filepath.Dir(p)) != name[:2] || ierr != nil || !info.Mode().IsRegular() {
			c.log.Info("removing a stray file from the file cache", "path", p)
			return removeFile(p)
		}
		c.entries[name] = &blob{size: info.Size(), present: true, stamp: info.ModTime()}
		c.used += info.Size()
		return nil
	})
	if err != nil {
		return err
	}
	partials, err := os.ReadDir(c.partialDir())
	if err != nil {
		return err
	}
	for _, d := range partials {
		info, ierr := d.Info()
		if ierr != nil || !files.ValidHash(d.Name()) || c.now().Sub(info.ModTime()) > partialMaxAge {
			if err := removeFile(filepath.Join(c.partialDir(), d.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// removeFile removes p, made writable first (blobs are read-only, which
// Windows will not delete).
func removeFile(p string) error {
	_ = os.Chmod(p, 0o644)
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// Fetched is how many bytes the cache downloaded since it opened.
func (c *Cache) Fetched() int64 { return c.fetched.Load() }

// Used is how many bytes the complete blobs take.
func (c *Cache) Used() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.used
}

// Has reports whether the blob sha is complete in the cache.
func (c *Cache) Has(sha string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[sha]
	return e != nil && e.present
}

// BlobRef names a blob the cache is asked for: its SHA-256 and size in bytes.
type BlobRef struct {
	SHA256 string
	Size   int64
}

// Lease holds blobs in the cache: none of them is evicted until Release.
type Lease struct {
	c    *Cache
	shas []string
	once sync.Once
}

// Path is the cache file of the blob sha (read-only: hard-link or copy it,
// never write to it).
func (l *Lease) Path(sha string) string { return l.c.path(sha) }

// Release lets the leased blobs be evicted again (and evicts down to the
// limit, which leased blobs may have kept the cache over). Calling it again
// does nothing.
func (l *Lease) Release() {
	l.once.Do(func() {
		l.c.mu.Lock()
		defer l.c.mu.Unlock()
		for _, sha := range l.shas {
			if e := l.c.entries[sha]; e != nil {
				e.pins--
			}
		}
		l.c.evictLocked(0)
	})
}

// Acquire makes every blob of refs present and verified, fetching the missing
// ones from src, and returns a lease on them. Bad refs (a hash that is not 64
// lowercase hex digits, a negative size) and blobs that cannot be fetched, or
// whose bytes do not match their hash, are errors naming the blob; on an
// error nothing stays leased. progress, when set, is told after each blob is
// ready: how many of len(refs) are, and the bytes fetched so far.
func (c *Cache) Acquire(ctx context.Context, refs []BlobRef, src blobSource, progress func(done int, fetched int64)) (*Lease, error) {
	l := &Lease{c: c}
	for _, r := range refs {
		if !files.ValidHash(r.SHA256) || r.Size < 0 {
			return nil, fmt.Errorf("file %q of size %d is not a valid SHA-256 and size", r.SHA256, r.Size)
		}
	}
	c.mu.Lock()
	for _, r := range refs {
		e := c.entries[r.SHA256]
		if e == nil {
			e = &blob{size: r.Size}
			c.entries[r.SHA256] = e
		}
		e.pins++
		l.shas = append(l.shas, r.SHA256)
	}
	c.mu.Unlock()
	start := c.Fetched()
	for i, r := range refs {
		if err := c.ready(ctx, r, src); err != nil {
			l.Release()
			return nil, err
		}
		if progress != nil {
			progress(i+1, c.Fetched()-start)
		}
	}
	return l, nil
}

// ready makes the (pinned) blob r present and verified.
func (c *Cache) ready(ctx context.Context, r BlobRef, src blobSource) error {
	c.fetching.Lock()
	defer c.fetching.Unlock()
	c.mu.Lock()
	e := c.entries[r.SHA256]
	present, verified, stamp := e.present, e.verified, e.stamp
	c.mu.Unlock()
	p := c.path(r.SHA256)
	if present {
		info, err := os.Stat(p)
		intact := err == nil && info.Size() == r.Size
		if intact && (!verified || !info.ModTime().Equal(stamp)) {
			// Unchecked since the worker started, or touched since: a task that
			// wrote through its hard link would otherwise spoil every later job.
			sum, _, herr := files.HashFile(p)
			intact = herr == nil && sum == r.SHA256
		}
		if intact {
			return c.touch(r.SHA256, p)
		}
		c.log.Warn("a cached file does not match its hash; fetching it again", "sha256", r.SHA256)
		c.drop(r.SHA256, p)
	}
	if err := c.download(ctx, r, src); err != nil {
		return err
	}
	c.mu.Lock()
	e.present, e.size = true, r.Size
	c.used += r.Size
	c.evictLocked(0)
	c.mu.Unlock()
	return c.touch(r.SHA256, p)
}

// touch records a use of the verified blob sha: its modification time becomes
// now, which is both its place in the LRU order (across restarts too) and the
// stamp a later change is told by.
func (c *Cache) touch(sha, p string) error {
	now := c.now()
	if err := os.Chtimes(p, now, now); err != nil {
		return fmt.Errorf("marking cached file %s as used: %w", sha, err)
	}
	info, err := os.Stat(p)
	if err != nil {
		return fmt.Errorf("marking cached file %s as used: %w", sha, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[sha]
	e.verified, e.stamp = true, info.ModTime()
	return nil
}

// drop forgets the bad blob sha (still pinned) and deletes its file.
func (c *Cache) drop(sha, p string) {
	c.mu.Lock()
	if e := c.entries[sha]; e != nil && e.present {
		e.present, e.verified = false, false
		c.used -= e.size
	}
	c.mu.Unlock()
	if err := removeFile(p); err != nil {
		c.log.Warn("removing a bad cached file", "sha256", sha, "err", err)
	}
}

// evictLocked removes the least recently used unpinned blobs until the cache
// holds at most limit-room bytes, or only pinned blobs are left (then it stays
// over: a running task's files never go). c.mu is held.
func (c *Cache) evictLocked(room int64) {
	if c.used+room <= c.limit {
		return
	}
	var victims []string
	for sha, e := range c.entries {
		if e.present && e.pins == 0 {
			victims = append(victims, sha)
		}
	}
	slices.SortFunc(victims, func(a, b string) int {
		return cmp.Or(c.entries[a].stamp.Compare(c.entries[b].stamp), cmp.Compare(a, b))
	})
	for _, sha := range victims {
		if c.used+room <= c.limit {
			break
		}
		if err := removeFile(c.path(sha)); err != nil {
			c.log.Warn("evicting a cached file", "sha256", sha, "err", err)
			continue
		}
		c.used -= c.entries[sha].size
		delete(c.entries, sha)
	}
	// Entries of blobs never fetched (a failed Acquire) are dropped with their
	// last pin.
	for sha, e := range c.entries {
		if !e.present && e.pins == 0 {
			delete(c.entries, sha)
		}
	}
}
