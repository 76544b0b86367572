package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"farmhand/farm/api/client"
)

// errTooLong: the manager sent more bytes than the blob's size.
var errTooLong = errors.New("more bytes than the file's size")

// download fetches the blob r into the cache: into <dir>/partial/<sha> first,
// resuming where a broken connection left it (an earlier run's partial file
// too), then verified by hash and moved into place read-only. A download whose
// bytes do not match the hash starts over once; twice is an error. The caller
// adds r to the cache's accounting.
func (c *Cache) download(ctx context.Context, r BlobRef, src blobSource) error {
	c.mu.Lock()
	c.evictLocked(r.Size)
	c.mu.Unlock()
	part := filepath.Join(c.partialDir(), r.SHA256)
	restarted, fails, wait := false, 0, fetchRetryWait
	for {
		have, progressed, err := c.fetchInto(ctx, part, r, src)
		if err == nil || errors.Is(err, errTooLong) {
			ok, verr := c.complete(part, r, have)
			if verr != nil || ok {
				return verr
			}
			if restarted {
				return fmt.Errorf("file %s from the manager does not match its SHA-256, twice: the manager's copy may be damaged", r.SHA256)
			}
			c.log.Warn("a downloaded file does not match its hash; fetching it again", "sha256", r.SHA256)
			restarted = true
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if s := client.StatusOf(err); s >= 400 && s < 500 && s != http.StatusRequestTimeout && s != http.StatusTooManyRequests {
			return fmt.Errorf("fetching file %s (%d bytes) from the manager: %w", r.SHA256, r.Size, err)
		}
		if progressed {
			fails, wait = 0, fetchRetryWait
		}
		if fails++; fails >= fetchAttempts {
			return fmt.Errorf("fetching file %s (%d bytes) from the manager, %d tries: %w", r.SHA256, r.Size, fails, err)
		}
		c.log.Info("fetching a file broke off; resuming", "sha256", r.SHA256, "have", have, "retry_in", wait, "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// complete checks the downloaded partial file (have bytes) against r and, when
// it matches, moves it into the cache read-only and reports true. A mismatch
// removes the partial file and reports false.
func (c *Cache) complete(part string, r BlobRef, have int64) (bool, error) {
	if have == r.Size {
		sum, err := hashFile(part)
		if err != nil {
			return false, fmt.Errorf("checking downloaded file %s: %w", r.SHA256, err)
		}
		if sum == r.SHA256 {
			dst := c.path(r.SHA256)
			if err := os.Chmod(part, 0o444); err != nil {
				return false, fmt.Errorf("storing downloaded file %s: %w", r.SHA256, err)
			}
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return false, fmt.Errorf("storing downloaded file %s: %w", r.SHA256, err)
			}
			if err := os.Rename(part, dst); err != nil {
				return false, fmt.Errorf("storing downloaded file %s: %w", r.SHA256, err)
			}
			return true, nil
		}
	}
	if err := removeFile(part); err != nil {
		return false, fmt.Errorf("dropping a bad download of %s: %w", r.SHA256, err)
	}
	return false, nil
}

// fetchInto appends the rest of blob r to the partial file part and returns
// how many bytes the file holds now and whether this call added any.
func (c *Cache) fetchInto(ctx context.Context, part string, r BlobRef, src blobSource) (have int64, progressed bool, err error) {
	f, err := os.OpenFile(part, os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return 0, false, fmt.Errorf("opening partial download: %w", err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("writing partial download: %w", cerr)
		}
	}()
	info, err := f.Stat()
	if err != nil {
		return 0, false, fmt.Errorf("opening partial download: %w", err)
	}
	have = info.Size()
	if have > r.Size {
		if err := f.Truncate(0); err != nil {
			return 0, false, fmt.Errorf("emptying partial download: %w", err)
		}
		have = 0
	}
	if have == r.Size {
		return have, false, nil
	}
	if _, err := f.Seek(have, io.SeekStart); err != nil {
		return have, false, fmt.Errorf("opening partial download: %w", err)
	}
	w := &boundedWriter{w: f, left: r.Size - have, count: &c.fetched}
	_, err = src(ctx, r.SHA256, w, have)
	n := w.wrote // what reached the file, whatever src counted
	if w.over {
		err = errTooLong
	}
	return have + n, n > 0, err
}

// boundedWriter writes at most left bytes to w, counting them in count too;
// more is an error (errTooLong).
type boundedWriter struct {
	w     io.Writer
	left  int64
	wrote int64
	over  bool
	count interface{ Add(int64) int64 }
}

func (b *boundedWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > b.left {
		b.over = true
		p = p[:b.left]
	}
	n, err := b.w.Write(p)
	b.left -= int64(n)
	b.wrote += int64(n)
	b.count.Add(int64(n))
	if err == nil && b.over {
		err = errTooLong
	}
	return n, err
}
