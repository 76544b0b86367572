package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"farmhand/farm/api/client"
	"farmhand/farm/files"
)

// errTooLong: the manager sent more bytes than the blob's size.
var errTooLong = errors.New("more bytes than the file's size")

// download fetches the blob r into the cache: into <dir>/partial/<sha> first
// (see fetchVerified), then moved into place read-only. The caller adds r to
// the cache's accounting.
func (c *Cache) download(ctx context.Context, r BlobRef, src blobSource) error {
	c.mu.Lock()
	c.evictLocked(r.Size)
	c.mu.Unlock()
	part := filepath.Join(c.partialDir(), r.SHA256)
	from := func(ctx context.Context, w io.Writer, at int64) (int64, error) { return src(ctx, r.SHA256, w, at) }
	if err := fetchVerified(ctx, part, r, "file "+r.SHA256, from, &c.fetched, c.log); err != nil {
		return err
	}
	dst := c.path(r.SHA256)
	if err := os.Chmod(part, 0o444); err != nil {
		return fmt.Errorf("storing downloaded file %s: %w", r.SHA256, err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("storing downloaded file %s: %w", r.SHA256, err)
	}
	if err := os.Rename(part, dst); err != nil {
		return fmt.Errorf("storing downloaded file %s: %w", r.SHA256, err)
	}
	return nil
}

// rangeSource writes a file's bytes from offset from on to w and returns how
// many it wrote, also when it fails part way (a GET with a Range).
type rangeSource func(ctx context.Context, w io.Writer, from int64) (int64, error)

// fetchVerified downloads the file want (what names it in errors, e.g. "file
// <sha>") into the local file part and returns once part holds exactly its
// bytes. It resumes where a broken connection left it (an earlier run's
// partial file too), up to fetchAttempts tries in a row without progress; a
// refusal (4xx) ends it at once. Bytes whose hash is not want's start it
// over once; twice is an error. Every byte written is added to count.
func fetchVerified(ctx context.Context, part string, want BlobRef, what string, src rangeSource, count *atomic.Int64, log *slog.Logger) error {
	restarted, fails, wait := false, 0, fetchRetryWait
	for {
		have, progressed, err := fetchInto(ctx, part, want.Size, src, count)
		if err == nil || errors.Is(err, errTooLong) {
			ok, verr := checkDownload(part, want, have)
			if verr != nil || ok {
				return verr
			}
			if restarted {
				return fmt.Errorf("%s from the manager does not match its SHA-256, twice: the manager's copy may be damaged", what)
			}
			log.Warn("a downloaded file does not match its hash; fetching it again", "file", what)
			restarted = true
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if s := client.StatusOf(err); s >= 400 && s < 500 && s != http.StatusRequestTimeout && s != http.StatusTooManyRequests {
			return fmt.Errorf("fetching %s (%d bytes) from the manager: %w", what, want.Size, err)
		}
		if progressed {
			fails, wait = 0, fetchRetryWait
		}
		if fails++; fails >= fetchAttempts {
			return fmt.Errorf("fetching %s (%d bytes) from the manager, %d tries: %w", what, want.Size, fails, err)
		}
		log.Info("fetching a file broke off; resuming", "file", what, "have", have, "retry_in", wait, "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// checkDownload reports whether the downloaded file part (have bytes) is
// want's bytes; when not, it removes part.
func checkDownload(part string, want BlobRef, have int64) (bool, error) {
	if have == want.Size {
		sum, _, err := files.HashFile(part)
		if err != nil {
			return false, fmt.Errorf("checking a downloaded file: %w", err)
		}
		if sum == want.SHA256 {
			return true, nil
		}
	}
	if err := removeFile(part); err != nil {
		return false, fmt.Errorf("dropping a bad download: %w", err)
	}
	return false, nil
}

// fetchInto appends the rest of a size-byte file to the partial file part and
// returns how many bytes the file holds now and whether this call added any.
func fetchInto(ctx context.Context, part string, size int64, src rangeSource, count *atomic.Int64) (have int64, progressed bool, err error) {
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
	if have > size {
		if err := f.Truncate(0); err != nil {
			return 0, false, fmt.Errorf("emptying partial download: %w", err)
		}
		have = 0
	}
	if have == size {
		return have, false, nil
	}
	if _, err := f.Seek(have, io.SeekStart); err != nil {
		return have, false, fmt.Errorf("opening partial download: %w", err)
	}
	w := &boundedWriter{w: f, left: size - have, count: count}
	_, err = src(ctx, w, have)
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
	count *atomic.Int64
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
