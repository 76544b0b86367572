package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"farmhand/farm/api"
	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/manager"
)

// BenchmarkUploadLoopback uploads files totalling 1 GB (8 of 125 MB) through
// the client to a manager on 127.0.0.1, as a submitter of an upload job does,
// and reports MB/s (issue 13 asks for at least 200). Skipped with -short.
func BenchmarkUploadLoopback(b *testing.B) {
	if testing.Short() {
		b.Skip("uploads 1 GB")
	}
	const nFiles, fileSize = 8, 125_000_000
	dir := b.TempDir()
	var files []wire.JobFile
	rng := rand.NewChaCha8([32]byte{13})
	for i := range nFiles {
		p := filepath.Join(dir, "f"+string(rune('0'+i)))
		files = append(files, wire.JobFile{Path: "shots/" + filepath.Base(p), SHA256: writeRandom(b, p, rng, fileSize), Size: fileSize})
	}
	ctx := context.Background()
	refs := make([]wire.FileRef, len(files))
	for i, f := range files {
		refs[i] = wire.FileRef{SHA256: f.SHA256, Size: f.Size}
	}
	var spent time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		cl := benchFarm(b)
		if _, err := cl.Submit(ctx, wire.SubmitJob{Name: "bench", Type: "echo-sleep-test", Storage: wire.StorageUpload,
			Files: files, Settings: map[string]any{"frames": "1", "sleep_seconds": 0}}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		missing, err := cl.MissingFiles(ctx, refs)
		if err != nil || len(missing) != nFiles {
			b.Fatalf("missing %d, %v", len(missing), err)
		}
		errs, slots := make(chan error, len(missing)), make(chan struct{}, 2) // two files at once
		for i, m := range missing {
			slots <- struct{}{}
			go func() {
				defer func() { <-slots }()
				errs <- cl.UploadFile(ctx, filepath.Join(dir, filepath.Base(files[i].Path)), m, nil)
			}()
		}
		for range missing {
			if err := <-errs; err != nil {
				b.Fatal(err)
			}
		}
		spent += time.Since(start)
	}
	b.StopTimer()
	b.SetBytes(nFiles * fileSize)
	b.ReportMetric(float64(b.N)*nFiles*fileSize/1e6/spent.Seconds(), "MB/s")
}

// benchFarm starts a manager on 127.0.0.1 and returns an admin's client.
func benchFarm(b *testing.B) *client.Client {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	m, err := manager.Open(manager.Config{DataDir: b.TempDir(), Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { m.Close() })
	srv := httptest.NewServer(api.New(m, "bench", quiet))
	b.Cleanup(srv.Close)
	_, admin, err := m.CreateAdmin("bench admin")
	if err != nil {
		b.Fatal(err)
	}
	return client.New(srv.URL).WithToken(admin)
}

// writeRandom fills path with size random bytes and returns their SHA-256.
func writeRandom(b *testing.B, path string, rng *rand.ChaCha8, size int) string {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	buf := make([]byte, 1<<20)
	for n := 0; n < size; n += len(buf) {
		chunk := buf[:min(len(buf), size-n)]
		_, _ = rng.Read(chunk)
		h.Write(chunk)
		if _, err := f.Write(chunk); err != nil {
			b.Fatal(err)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}
