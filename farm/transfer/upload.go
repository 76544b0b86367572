// Package transfer moves a job's files between a submitter and the manager
// when the farm has no shared storage (issue 13): it hashes local files,
// uploads the ones the manager lacks (resuming after broken connections) and
// downloads a job's output into a folder (resuming partial files). The CLI
// (farmhand submit --upload, farmhand output) and the GUI's "Download
// output…" share it; it has no GUI and no terminal code of its own: callers
// get Progress values and show them as they like.
package transfer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"sync"
	"time"

	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/files"
)

// Progress is how far a transfer is: Done of Total bytes (the bytes this
// transfer moves, not counting what was already on the other side), Files
// done of FileCount, since Started.
type Progress struct {
	Done, Total      int64
	Files, FileCount int
	Started          time.Time
}

// Rate is the transfer's average speed in bytes per second since it started
// (0 before any time passed).
func (p Progress) Rate(now time.Time) float64 {
	secs := now.Sub(p.Started).Seconds()
	if secs <= 0 {
		return 0
	}
	return float64(p.Done) / secs
}

// Local is one file to upload: its manifest entry and where to read it.
type Local struct {
	wire.JobFile
	Source string // absolute local path of the bytes
}

// HashAll fills in SHA256 and Size of every file from its Source, hashing
// up to one file per CPU at a time. The first error is returned.
func HashAll(ctx context.Context, locals []Local) error {
	sem := make(chan struct{}, max(1, runtime.NumCPU()))
	var wg sync.WaitGroup
	errs := make([]error, len(locals))
	for i := range locals {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			locals[i].SHA256, locals[i].Size, errs[i] = files.HashFile(locals[i].Source)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Retry rules of uploads and downloads: after a failure the next attempt
// waits FirstBackoff, doubling up to MaxBackoff; MaxFailures failures in a
// row with no byte moved in between end the transfer.
var (
	FirstBackoff = 250 * time.Millisecond
	MaxBackoff   = 10 * time.Second
	MaxFailures  = 8
)

// retrier counts failures in a row and sleeps between attempts.
type retrier struct {
	failures int
	wait     time.Duration
}

// again records a failure and waits before the next attempt; it returns
// err (wrapped) when the transfer must stop: a refusal no retry cures (a 4xx
// other than 408/429), too many failures in a row, or ctx ending.
func (r *retrier) again(ctx context.Context, what string, err error) error {
	var apiErr *client.Error
	if errors.As(err, &apiErr) && apiErr.Status >= 400 && apiErr.Status < 500 &&
		apiErr.Status != http.StatusRequestTimeout && apiErr.Status != http.StatusTooManyRequests {
		return fmt.Errorf("%s: %w", what, err)
	}
	if r.failures++; r.failures >= MaxFailures {
		return fmt.Errorf("%s: %d attempts in a row failed, the last: %w", what, r.failures, err)
	}
	r.wait = min(max(r.wait*2, FirstBackoff), MaxBackoff)
	if apiErr != nil && apiErr.RetryAfter > r.wait {
		r.wait = apiErr.RetryAfter
	}
	select {
	case <-ctx.Done():
		return fmt.Errorf("%s: %w", what, ctx.Err())
	case <-time.After(r.wait):
		return nil
	}
}

// moved says bytes went through: failures before it no longer count.
func (r *retrier) moved() { r.failures, r.wait = 0, 0 }

// Upload sends the manager every file of files it lacks, each hash once,
// resuming at the offset the manager holds, and returns only when the
// manager says it lacks none of them (or with the error that stopped it).
// progress (may be nil) is called after each chunk and each file, from the
// calling goroutine. The returned count is the bytes sent.
func Upload(ctx context.Context, cl *client.Client, files []Local, progress func(Progress)) (int64, error) {
	bySHA := map[string]Local{}
	var refs []wire.FileRef
	for _, f := range files {
		if _, dup := bySHA[f.SHA256]; !dup {
			bySHA[f.SHA256] = f
			refs = append(refs, wire.FileRef{SHA256: f.SHA256, Size: f.Size})
		}
	}
	var r retrier
	missing, err := missingFiles(ctx, cl, refs, &r)
	if err != nil {
		return 0, err
	}
	p := Progress{FileCount: len(missing), Started: time.Now()}
	for _, m := range missing {
		p.Total += m.Size - m.Offset
	}
	report := func() {
		if progress != nil {
			progress(p)
		}
	}
	report()
	for _, m := range missing {
		base := p.Done
		sent, err := uploadOne(ctx, cl, bySHA[m.SHA256], m, &r, func(n int64) { p.Done = base + n; report() })
		p.Done = base + sent
		if err != nil {
			return p.Done, err
		}
		p.Files++
		report()
	}
	// The manager's word that it holds everything, not our count.
	left, err := missingFiles(ctx, cl, refs, &r)
	if err != nil {
		return p.Done, err
	}
	if len(left) > 0 {
		return p.Done, fmt.Errorf("after uploading, the manager still lacks %d files (first: %s)", len(left), bySHA[left[0].SHA256].Path)
	}
	return p.Done, nil
}

// missingFiles asks which refs the manager lacks, in calls of at most
// wire.MaxMissingEntries, retrying broken connections.
func missingFiles(ctx context.Context, cl *client.Client, refs []wire.FileRef, r *retrier) ([]wire.FileRef, error) {
	var out []wire.FileRef
	for start := 0; start < len(refs); {
		end := min(start+wire.MaxMissingEntries, len(refs))
		got, err := cl.MissingFiles(ctx, refs[start:end])
		if err != nil {
			if err := r.again(ctx, "asking the manager which files it lacks", err); err != nil {
				return nil, err
			}
			continue
		}
		out = append(out, got...)
		start = end
	}
	return out, nil
}

// uploadOne sends one file from the manager's offset, and after a failure
// asks the manager where it stands and goes on from there. sent(n) gets the
// bytes added since ref.Offset; the count is returned.
func uploadOne(ctx context.Context, cl *client.Client, f Local, ref wire.FileRef, r *retrier, sent func(int64)) (int64, error) {
	start := ref.Offset
	for {
		at := ref.Offset
		err := cl.UploadFile(ctx, f.Source, ref, func(n int64) {
			r.moved()
			sent(at - start + n)
		})
		if err == nil {
			return ref.Size - start, nil
		}
		if err := r.again(ctx, "uploading "+f.Path, err); err != nil {
			return 0, err
		}
		now, err := missingFiles(ctx, cl, []wire.FileRef{{SHA256: ref.SHA256, Size: ref.Size}}, r)
		if err != nil {
			return 0, err
		}
		if len(now) == 0 {
			return ref.Size - start, nil // the last chunk's answer was what got lost
		}
		ref.Offset = now[0].Offset
		sent(max(0, ref.Offset-start))
	}
}
