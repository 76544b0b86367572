package client

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"

	"farmhand/farm/api/wire"
)

// The calls of rendering without shared storage (issue 13): files named by
// their SHA-256 go up to the manager in resumable chunks, workers fetch them,
// and a job's output comes back. Members and workers both use them, each
// with its own token.

// MissingFiles asks which of refs the manager lacks (POST /api/v1/files/missing,
// at most wire.MaxMissingEntries per call): each answer's Offset is how many
// bytes of it the manager already holds, where its upload resumes. The error
// is an *Error for an answer other than success.
func (c *Client) MissingFiles(ctx context.Context, refs []wire.FileRef) ([]wire.FileRef, error) {
	var v wire.MissingReply
	_, err := c.do(ctx, http.MethodPost, "/api/v1/files/missing", wire.MissingRequest{Files: refs}, &v)
	return v.Missing, err
}

// PutChunk sends chunk as the bytes of file sha from offset on, size being
// the whole file's size in bytes (PUT /api/v1/files/{sha}), with the chunk's
// SHA-256 in X-Chunk-Sha256. The reply says how many bytes the manager now
// holds and whether the file is complete. Refusals are *Error: 409 when
// offset is not what the manager holds (OffsetOf tells where to resume), 422
// when the chunk or the whole file does not match its hash, 413 over the
// farm's size limits.
func (c *Client) PutChunk(ctx context.Context, sha string, offset, size int64, chunk []byte) (*wire.ChunkReply, error) {
	sum := sha256.Sum256(chunk)
	return c.putChunk(ctx, sha, offset, size, chunk, hex.EncodeToString(sum[:]))
}

func (c *Client) putChunk(ctx context.Context, sha string, offset, size int64, chunk []byte, chunkSHA string) (*wire.ChunkReply, error) {
	path := "/api/v1/files/" + url.PathEscape(sha) + "?offset=" + strconv.FormatInt(offset, 10) +
		"&size=" + strconv.FormatInt(size, 10)
	resp, err := c.send(ctx, http.MethodPut, path, bytes.NewReader(chunk), int64(len(chunk)),
		map[string]string{wire.ChunkSHA256Header: chunkSHA})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var v wire.ChunkReply
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return nil, fmt.Errorf("decoding the answer to a chunk of %s: %w", sha, err)
	}
	return &v, nil
}

// OffsetOf returns the offset a 409 answer to PutChunk names, where the
// upload must resume; ok is false for any other error.
func OffsetOf(err error) (offset int64, ok bool) {
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusConflict {
		return 0, false
	}
	var body wire.OffsetError
	if json.Unmarshal([]byte(e.raw), &body) != nil || !strings.Contains(e.raw, `"detail"`) {
		return 0, false
	}
	return body.Detail.Offset, true
}

// UploadFile sends the part of the local file at localPath that the manager
// lacks, from ref.Offset on, in wire.DefaultChunk chunks; ref.Size is the
// file's size in bytes and ref.SHA256 its hash. On a 409 it resumes at the
// offset the manager names. progress (may be nil) is called after each chunk
// with the bytes this call has added to the manager's copy so far. Reading
// and hashing the next chunk overlaps sending the current one. The error is
// an *Error when the manager refuses (422: the file's bytes do not match
// ref.SHA256, e.g. it changed since it was hashed), else a read or network
// error with the file's path.
func (c *Client) UploadFile(ctx context.Context, localPath string, ref wire.FileRef, progress func(sent int64)) error {
	f, err := os.Open(localPath)
	if err != nil {
		return fmt.Errorf("uploading %s: %w", localPath, err)
	}
	defer f.Close()
	offset, conflicts := ref.Offset, 0
	for {
		done, err := c.uploadFrom(ctx, f, ref, offset, progress)
		if err == nil && done {
			return nil
		}
		at, ok := OffsetOf(err)
		if !ok {
			return fmt.Errorf("uploading %s (%s): %w", localPath, ref.SHA256, err)
		}
		// The manager holds another part than we thought (another upload of
		// the same file, or a chunk whose answer was lost): resume there.
		if conflicts++; conflicts > 8 {
			return fmt.Errorf("uploading %s: the manager keeps moving the resume offset (last %d): %w", localPath, at, err)
		}
		offset = at
	}
}

// chunkJob is one chunk read and hashed ahead of sending.
type chunkJob struct {
	buf    []byte
	offset int64
	sha    string
	err    error
}

// uploadFrom sends f's bytes from offset to ref.Size; done is true when the
// manager says the file is complete.
func (c *Client) uploadFrom(ctx context.Context, f *os.File, ref wire.FileRef, offset int64, progress func(int64)) (done bool, err error) {
	if offset >= ref.Size && ref.Size > 0 {
		offset = ref.Size
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Two buffers: one being sent, one being filled and hashed.
	free := make(chan []byte, 2)
	free <- make([]byte, wire.DefaultChunk)
	free <- make([]byte, wire.DefaultChunk)
	ready := make(chan chunkJob, 1)
	go readChunks(ctx, f, offset, ref.Size, free, ready)
	for job := range ready {
		if job.err != nil {
			return false, job.err
		}
		reply, err := c.putChunk(ctx, ref.SHA256, job.offset, ref.Size, job.buf, job.sha)
		free <- job.buf[:cap(job.buf)]
		if err != nil {
			return false, err
		}
		offset = reply.Offset
		if progress != nil {
			progress(max(0, offset-ref.Offset))
		}
		if reply.Complete {
			return true, nil
		}
	}
	return false, fmt.Errorf("the manager did not take the file as complete at %d of %d bytes", offset, ref.Size)
}

// readChunks reads f from offset to size in chunks into buffers from free,
// hashes each and hands it on ready, which it closes at the end or on an
// error (sent as the last job).
func readChunks(ctx context.Context, f *os.File, offset, size int64, free chan []byte, ready chan<- chunkJob) {
	defer close(ready)
	for first := true; first || offset < size; first = false {
		var buf []byte
		select {
		case buf = <-free:
		case <-ctx.Done():
			return
		}
		n := min(int64(len(buf)), size-offset)
		buf = buf[:n]
		if _, err := f.ReadAt(buf, offset); err != nil && (!errors.Is(err, io.EOF) || n != 0) {
			ready <- chunkJob{err: fmt.Errorf("reading %s at byte %d: %w", f.Name(), offset, err)}
			return
		}
		sum := sha256.Sum256(buf)
		select {
		case ready <- chunkJob{buf: buf, offset: offset, sha: hex.EncodeToString(sum[:])}:
		case <-ctx.Done():
			return
		}
		offset += n
	}
}

// DownloadFile writes the stored file sha to w from byte from on (GET
// /api/v1/files/{sha} with a Range), and returns the bytes written. A copy
// that broke off returns an error with the bytes written so far, so a caller
// resumes at from+n.
func (c *Client) DownloadFile(ctx context.Context, sha string, w io.Writer, from int64) (int64, error) {
	return c.download(ctx, "/api/v1/files/"+url.PathEscape(sha), w, from)
}

// JobFiles returns a job's input manifest (GET /api/v1/jobs/{id}/files).
func (c *Client) JobFiles(ctx context.Context, jobID string) (*wire.JobFiles, error) {
	var v wire.JobFiles
	_, err := c.do(ctx, http.MethodGet, "/api/v1/jobs/"+url.PathEscape(jobID)+"/files", nil, &v)
	return &v, err
}

// PutOutput uploads the local file at localPath as the job's output file at
// path (slash-separated, relative to the job's output folder; PUT
// /api/v1/jobs/{id}/output/file?path=…), with its SHA-256 in X-Content-Sha256.
// The file is streamed, never held in memory. Refusals are *Error: 400 for a
// path that leaves the folder, 413 over the farm's limits, 422 when the bytes
// changed between hashing and sending.
func (c *Client) PutOutput(ctx context.Context, jobID, path string, localPath string) error {
	f, err := os.Open(localPath)
	if err != nil {
		return fmt.Errorf("uploading output %s: %w", localPath, err)
	}
	defer f.Close()
	h := sha256.New()
	size, err := io.Copy(h, f)
	if err != nil {
		return fmt.Errorf("hashing output %s: %w", localPath, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("rewinding output %s: %w", localPath, err)
	}
	resp, err := c.send(ctx, http.MethodPut, outputPath(jobID, path), io.NopCloser(f), size,
		map[string]string{wire.ContentSHA256Header: hex.EncodeToString(h.Sum(nil))})
	if err != nil {
		return fmt.Errorf("uploading output %s as %s: %w", localPath, path, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}

// Outputs lists the job's output folder on the manager (GET /api/v1/jobs/{id}/output).
func (c *Client) Outputs(ctx context.Context, jobID string) (*wire.OutputList, error) {
	var v wire.OutputList
	_, err := c.do(ctx, http.MethodGet, "/api/v1/jobs/"+url.PathEscape(jobID)+"/output", nil, &v)
	return &v, err
}

// DownloadOutput writes the job's output file at path to w from byte from on
// and returns the bytes written (see DownloadFile for resuming).
func (c *Client) DownloadOutput(ctx context.Context, jobID, path string, w io.Writer, from int64) (int64, error) {
	return c.download(ctx, outputPath(jobID, path), w, from)
}

// outputPath is the URL of one output file: its path goes in the query, as
// OpenAPI path parameters cannot hold slashes.
func outputPath(jobID, path string) string {
	return "/api/v1/jobs/" + url.PathEscape(jobID) + "/output/file?path=" + url.QueryEscape(path)
}

func (c *Client) download(ctx context.Context, path string, w io.Writer, from int64) (int64, error) {
	hdr := map[string]string{}
	if from > 0 {
		hdr["Range"] = "bytes=" + strconv.FormatInt(from, 10) + "-"
	}
	resp, err := c.send(ctx, http.MethodGet, path, nil, 0, hdr)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if from > 0 && resp.StatusCode != http.StatusPartialContent {
		return 0, fmt.Errorf("GET %s from byte %d: the manager sent the whole file (%d), not the range", path, from, resp.StatusCode)
	}
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("receiving %s: %w", path, err)
	}
	return n, nil
}

// send makes a request with a raw body of size bytes (nil for none) and the
// given headers, and returns the answer when it is a success; any other
// answer is an *Error (body read and closed).
func (c *Client) send(ctx context.Context, method, path string, body io.Reader, size int64, headers map[string]string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL()+path, body)
	if err != nil {
		return nil, fmt.Errorf("building %s %s: %w", method, path, err)
	}
	if body != nil {
		req.ContentLength = size
		req.Header.Set("Content-Type", "application/octet-stream")
		if size == 0 {
			req.Body = http.NoBody
		}
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	req.Header.Set(wire.APIVersionHeader, strconv.Itoa(wire.APIVersion))
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode < 300 {
		return resp, nil
	}
	defer resp.Body.Close()
	return nil, answerError(resp)
}
