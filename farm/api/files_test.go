package api_test

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"testing"

	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/model"
)

// TestInterruptedUploadResumes: an upload broken off after its first chunk
// resumes, with UploadFile, at the offset the manager reports, and the job
// is queued once the file is in.
func TestInterruptedUploadResumes(t *testing.T) {
	cl, _, _ := startServer(t)
	f := &opFarm{t: t, ctx: context.Background(), cl: cl}
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<20) // 16 MiB: two client chunks
	job := f.uploadJob(cl, data)
	ref := wire.FileRef{SHA256: sum(data), Size: int64(len(data))}
	if _, err := cl.PutChunk(f.ctx, ref.SHA256, 0, ref.Size, data[:5<<20]); err != nil {
		t.Fatal(err)
	}
	missing, err := cl.MissingFiles(f.ctx, []wire.FileRef{ref})
	if err != nil || len(missing) != 1 || missing[0].Offset != 5<<20 {
		t.Fatalf("missing %+v %v; want the file held up to 5 MiB", missing, err)
	}
	var sent int64
	if err := cl.UploadFile(f.ctx, localFile(t, data), missing[0], func(n int64) { sent = n }); err != nil {
		t.Fatal(err)
	}
	if sent != ref.Size-5<<20 {
		t.Errorf("progress says %d bytes sent; want the %d that were missing", sent, ref.Size-5<<20)
	}
	if j, _ := cl.Job(f.ctx, job.ID); j.Status != model.JobQueued {
		t.Errorf("job %s after the upload; want queued", j.Status)
	}
	// An upload that starts at 0 when the manager holds more is told where to go on.
	other := bytes.Repeat([]byte("x"), 3<<20)
	f.uploadJob(cl, other)
	if _, err := cl.PutChunk(f.ctx, sum(other), 0, int64(len(other)), other[:1<<20]); err != nil {
		t.Fatal(err)
	}
	if err := cl.UploadFile(f.ctx, localFile(t, other), wire.FileRef{SHA256: sum(other), Size: int64(len(other))}, nil); err != nil {
		t.Fatalf("UploadFile from 0 with 1 MiB held: %v", err)
	}
}

// rawChunk sends a chunk with the given X-Chunk-Sha256, as a tampering client would.
func rawChunk(t *testing.T, cl *client.Client, sha string, offset, size int64, body []byte, chunkSHA string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, cl.BaseURL()+"/api/v1/files/"+sha+"?offset="+strconv.FormatInt(offset, 10)+
		"&size="+strconv.FormatInt(size, 10), bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+cl.Token())
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set(wire.ChunkSHA256Header, chunkSHA)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestTamperedChunkRefused: a chunk whose bytes do not match X-Chunk-Sha256
// is refused with 422 and the offset stays; a complete file whose bytes do
// not match its name is refused with 422 and dropped (offset back to 0).
func TestTamperedChunkRefused(t *testing.T) {
	cl, _, _ := startServer(t)
	f := &opFarm{t: t, ctx: context.Background(), cl: cl}
	data := []byte("the real scene, twenty-nine b")
	f.uploadJob(cl, data)
	n := int64(len(data))
	if _, err := cl.PutChunk(f.ctx, sum(data), 0, n, data[:10]); err != nil {
		t.Fatal(err)
	}
	tampered := append([]byte("EVIL"), data[14:20]...)
	if code := rawChunk(t, cl, sum(data), 10, n, tampered, sum(data[10:20])); code != http.StatusUnprocessableEntity {
		t.Errorf("tampered chunk: %d; want 422", code)
	}
	if m, _ := cl.MissingFiles(f.ctx, []wire.FileRef{{SHA256: sum(data), Size: n}}); len(m) != 1 || m[0].Offset != 10 {
		t.Errorf("after the tampered chunk: %+v; want offset 10", m)
	}
	// Every chunk matches its own hash, but the file is not what the job named.
	fake := bytes.Repeat([]byte("f"), int(n)-10)
	_, err := cl.PutChunk(f.ctx, sum(data), 10, n, fake)
	if client.StatusOf(err) != http.StatusUnprocessableEntity {
		t.Errorf("a whole file of other bytes: %v; want 422", err)
	}
	if m, _ := cl.MissingFiles(f.ctx, []wire.FileRef{{SHA256: sum(data), Size: n}}); len(m) != 1 || m[0].Offset != 0 {
		t.Errorf("after the mismatched file: %+v; want it dropped, offset 0", m)
	}
	if err := cl.UploadFile(f.ctx, localFile(t, data), wire.FileRef{SHA256: sum(data), Size: n}, nil); err != nil {
		t.Errorf("the real file after all that: %v", err)
	}
}
