package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/files"
)

// partSuffix marks a file being downloaded: it becomes the file once whole
// and verified, so that a file under its own name is always complete.
const partSuffix = ".farmhand-part"

// DownloadSummary says what DownloadOutput did: files fetched, files
// already there (same size and SHA-256), and the bytes received.
type DownloadSummary struct {
	Fetched, Skipped int
	Bytes            int64
	Folder           string // the job's output folder on the manager
}

// DownloadOutput copies the job's output files from the manager into dir
// (created if needed), at their paths relative to the job's output folder.
// A file already in dir with the manager's size and SHA-256 is skipped; a
// partial download left by an earlier run resumes where it stopped (Range);
// a broken connection is retried with backoff. Every file is verified by
// its SHA-256 before it takes its name. progress (may be nil) gets the
// bytes still to fetch as Total. Errors: the manager's (*client.Error), a
// path the manager names that files.CleanPath refuses, or a local write.
func DownloadOutput(ctx context.Context, cl *client.Client, jobID, dir string, progress func(Progress)) (DownloadSummary, error) {
	var sum DownloadSummary
	list, err := cl.Outputs(ctx, jobID)
	if err != nil {
		return sum, fmt.Errorf("listing the output of job %s: %w", jobID, err)
	}
	sum.Folder = list.Folder
	var todo []wire.OutputFile
	p := Progress{Started: time.Now()}
	for _, f := range list.Files {
		if _, err := files.CleanPath(f.Path); err != nil {
			return sum, fmt.Errorf("output of job %s: %w", jobID, err)
		}
		if sameFile(localPath(dir, f.Path), f) {
			sum.Skipped++
			continue
		}
		todo = append(todo, f)
		p.Total += f.Size - partSize(localPath(dir, f.Path), f)
	}
	p.FileCount = len(todo)
	report := func() {
		if progress != nil {
			progress(p)
		}
	}
	report()
	for _, f := range todo {
		base := p.Done
		n, err := downloadOne(ctx, cl, jobID, localPath(dir, f.Path), f, func(n int64) { p.Done = base + n; report() })
		p.Done = base + n
		if err != nil {
			return sum, err
		}
		p.Files++
		sum.Fetched++
		report()
	}
	sum.Bytes = p.Done
	return sum, nil
}

func localPath(dir, rel string) string { return filepath.Join(dir, filepath.FromSlash(rel)) }

// sameFile reports whether path holds f already (size, then SHA-256).
func sameFile(path string, f wire.OutputFile) bool {
	st, err := os.Stat(path)
	if err != nil || st.Size() != f.Size {
		return false
	}
	sha, _, err := files.HashFile(path)
	return err == nil && sha == f.SHA256
}

// partSize is how many bytes of f an earlier run left in path's part file,
// 0 when there is none or it cannot be a prefix of f (longer).
func partSize(path string, f wire.OutputFile) int64 {
	st, err := os.Stat(path + partSuffix)
	if err != nil || st.Size() > f.Size {
		return 0
	}
	return st.Size()
}

// downloadOne fetches f into path's part file from what it holds, verifies
// it and renames it to path. got(n) gets the bytes received by this call.
func downloadOne(ctx context.Context, cl *client.Client, jobID, path string, f wire.OutputFile, got func(int64)) (int64, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return 0, fmt.Errorf("making the folder of %s: %w", path, err)
	}
	part := path + partSuffix
	start := partSize(path, f)
	var received int64
	var r retrier
	restarted := false
	for {
		out, err := os.OpenFile(part, os.O_WRONLY|os.O_CREATE, 0o644)
		if err != nil {
			return received, fmt.Errorf("writing %s: %w", part, err)
		}
		if err := out.Truncate(start); err != nil {
			out.Close()
			return received, fmt.Errorf("writing %s: %w", part, err)
		}
		_, _ = out.Seek(start, io.SeekStart)
		w := &countWriter{w: out, n: func(n int64) { r.moved(); got(received + n) }}
		var n int64
		if start < f.Size || start == 0 {
			// A part as long as the file is only verified: the manager answers
			// a range starting at the end with 416.
			n, err = cl.DownloadOutput(ctx, jobID, f.Path, w, start)
		}
		if cerr := out.Close(); err == nil && cerr != nil {
			return received, fmt.Errorf("writing %s: %w", part, cerr)
		}
		received += n
		start += n
		if err == nil {
			sha, size, herr := files.HashFile(part)
			if herr != nil {
				return received, herr
			}
			if sha == f.SHA256 && size == f.Size {
				if err := os.Rename(part, path); err != nil {
					return received, fmt.Errorf("naming %s: %w", path, err)
				}
				return received, nil
			}
			if restarted {
				return received, fmt.Errorf("downloading %s: its bytes do not match the manager's SHA-256 %s", f.Path, f.SHA256)
			}
			// The part held bytes of another version of the file: once, from zero.
			restarted, start = true, 0
			continue
		}
		if errors.Is(err, context.Canceled) {
			return received, err
		}
		if err := r.again(ctx, "downloading "+f.Path, err); err != nil {
			return received, err
		}
	}
}

// countWriter passes writes on and reports the running total after each.
type countWriter struct {
	w     io.Writer
	total int64
	n     func(int64)
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.total += int64(n)
	c.n(c.total)
	return n, err
}
