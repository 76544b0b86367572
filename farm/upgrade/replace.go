package upgrade

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
)

// Opener returns the binary's bytes from offset on (an HTTP Range request),
// for Stage to resume a download that broke off.
type Opener func(ctx context.Context, offset int64) (io.ReadCloser, error)

// fetchTries is how many times Stage opens the download: a worker on a
// flaky network resumes where it stopped rather than starting over.
const fetchTries = 4

// Stage downloads want into a new file beside exe (same folder, so Commit's
// rename stays on one file system), resuming up to fetchTries times, then
// checks its size and SHA-256 against want, makes it executable and flushes
// it to disk. It returns the staged file's path. On any error the staged file
// is removed and exe is untouched. Errors: ErrHashMismatch; the folder not
// writable (the worker runs as an account that may not change its own
// program); the download's.
func Stage(ctx context.Context, exe string, want Binary, open Opener) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(exe), "."+filepath.Base(exe)+".new-*")
	if err != nil {
		return "", fmt.Errorf("making room for the new binary beside %s: %w", exe, err)
	}
	staged := f.Name()
	err = download(ctx, f, want, open)
	if err == nil {
		err = f.Sync() // on disk before the rename makes it the program
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("writing %s: %w", staged, cerr)
	}
	if err == nil {
		err = os.Chmod(staged, 0o755)
	}
	if err != nil {
		_ = os.Remove(staged) // best effort: a leftover is hidden and harmless
		return "", err
	}
	return staged, nil
}

// download copies the binary into f, hashing as it goes, and compares the
// result with want.
func download(ctx context.Context, f *os.File, want Binary, open Opener) error {
	h := sha256.New()
	var got int64
	var last error
	for try := 0; try < fetchTries && got < want.Size; try++ {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		body, err := open(ctx, got)
		if err != nil {
			last = err
			continue
		}
		n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(body, want.Size-got))
		_ = body.Close() // read to the end or broken: nothing more to learn
		got += n
		last = err
	}
	if got < want.Size {
		return fmt.Errorf("downloading the %s binary: %d of %d bytes after %d tries: %w", want.Platform(), got, want.Size, fetchTries, orShort(last))
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != want.SHA256 {
		return fmt.Errorf("%w: %s binary %s has SHA-256 %s, the manager lists %s", ErrHashMismatch, want.Platform(), want.Version, sum, want.SHA256)
	}
	return nil
}

func orShort(err error) error {
	if err == nil {
		return io.ErrUnexpectedEOF
	}
	return err
}

// Commit makes staged the program at exe. On Unix a rename over exe is
// atomic: at every moment exe is the old program or the new one, and the
// running process keeps its old file. Windows refuses to overwrite a running
// executable but lets it be renamed: the old one is moved aside to
// exe+".old" first (and moved back if the second rename fails), to be
// removed by the next upgrade. Errors: the renames'.
func Commit(staged, exe string) error {
	if runtime.GOOS == "windows" {
		return commitAside(staged, exe)
	}
	if err := os.Rename(staged, exe); err != nil {
		_ = os.Remove(staged)
		return fmt.Errorf("putting the new binary in place of %s: %w", exe, err)
	}
	syncDir(filepath.Dir(exe))
	return nil
}

// commitAside is Commit for a platform that cannot rename over a running
// executable.
func commitAside(staged, exe string) error {
	old := exe + ".old"
	if err := os.Remove(old); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("removing the binary an earlier upgrade left at %s: %w", old, err)
	}
	if err := os.Rename(exe, old); err != nil {
		_ = os.Remove(staged)
		return fmt.Errorf("moving the running binary %s aside: %w", exe, err)
	}
	if err := os.Rename(staged, exe); err != nil {
		if rerr := os.Rename(old, exe); rerr != nil {
			return fmt.Errorf("putting the new binary in place of %s: %w; and putting the old one back from %s failed: %w", exe, err, old, rerr)
		}
		_ = os.Remove(staged)
		return fmt.Errorf("putting the new binary in place of %s (the old one is back): %w", exe, err)
	}
	return nil
}

// syncDir flushes a folder's entries, so that the rename survives a power
// cut. Best effort: some file systems cannot sync a folder, and the rename
// itself has succeeded either way.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// Replace is Stage from one reader and Commit: exe becomes src's bytes if
// they have want's size and SHA-256, and stays as it was otherwise.
func Replace(exe string, src io.Reader, want Binary) error {
	used := false
	staged, err := Stage(context.Background(), exe, want, func(context.Context, int64) (io.ReadCloser, error) {
		if used {
			return nil, errors.New("the source cannot be read again")
		}
		used = true
		return io.NopCloser(src), nil
	})
	if err != nil {
		return err
	}
	return Commit(staged, exe)
}
