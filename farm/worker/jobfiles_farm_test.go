package worker

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/jobtype"
	"farmhand/farm/manager"
	"farmhand/farm/model"
	"farmhand/internal/farmtest"
)

// farmProxy stands between workers and a test farm on 127.0.0.1: it counts
// the bytes of stored files (GET /api/v1/files/…) it passes to workers, and
// can refuse every output upload.
type farmProxy struct {
	addr         string
	fetched      atomic.Int64
	refuseOutput atomic.Bool
}

func startProxy(t *testing.T, f *farm) *farmProxy {
	t.Helper()
	target, err := url.Parse("http://" + f.addr)
	if err != nil {
		t.Fatal(err)
	}
	p := &farmProxy{}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ErrorLog = log.New(io.Discard, "", 0) // connections the test ends
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.refuseOutput.Load() && r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/output") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			fmt.Fprint(w, `{"message":"over the job's output limit"}`)
			return
		}
		if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/v1/files/") {
			w = &countingResponse{ResponseWriter: w, n: &p.fetched}
		}
		rp.ServeHTTP(w, r)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	srv := &http.Server{Handler: h}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return p
}

type countingResponse struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (c *countingResponse) Write(b []byte) (int, error) {
	n, err := c.ResponseWriter.Write(b)
	c.n.Add(int64(n))
	return n, err
}

// startUploadWorker runs a worker with tools that talks to the farm through
// p, and returns its data folder.
func startUploadWorker(t *testing.T, p *farmProxy, f *farm, name string, tools Tools) string {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	w := New(Config{Client: client.New("http://" + p.addr), DataDir: dir, Name: name, Version: "test", Logger: quiet,
		Heartbeat: 200 * time.Millisecond, IdlePoll: 50 * time.Millisecond, LogFlush: 50 * time.Millisecond,
		JoinCode: f.code, Tools: tools})
	wait := runWorker(ctx, w)
	t.Cleanup(func() {
		cancel()
		if err := wait(); err != nil {
			t.Errorf("worker %s ended with %v", name, err)
		}
	})
	return dir
}

// startUploadFarm is startFarm with the job type of testdata/upload_test.js.
func startUploadFarm(t *testing.T) *farm {
	t.Helper()
	m, err := manager.Open(manager.Config{DataDir: t.TempDir(), Logger: quiet,
		JobTypes: jobtype.Open(filepath.Join("testdata", "jobtypes"))})
	if err != nil {
		t.Fatal(err)
	}
	f := &farm{t: t, m: m, addr: "127.0.0.1:0"}
	f.up()
	_, admin, err := m.CreateAdmin("test")
	if err != nil {
		t.Fatal(err)
	}
	if f.code, err = m.JoinCode(); err != nil {
		t.Fatal(err)
	}
	f.cl = client.New("http://" + f.addr).WithToken(admin)
	t.Cleanup(func() { f.down(); m.Close() })
	return f
}

// sceneFiles are the input files of the test jobs: a scene and the textures
// it reads by relative path, one of them a real PNG frame.
func sceneFiles(t *testing.T) map[string][]byte {
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for i := range img.Pix {
		img.Pix[i] = 0x80
	}
	img.Set(3, 3, color.RGBA{255, 0, 0, 255})
	var b bytes.Buffer
	farmtest.NoErr(t, png.Encode(&b, img))
	return map[string][]byte{
		"shots/sh010/scene.txt": []byte("scene\n"),
		"textures/wood.txt":     []byte("wood\n"),
		"textures/frame.png":    b.Bytes(),
	}
}

// submitUpload submits an Upload Test job whose files are files, and sends
// the files the manager lacks.
func submitUpload(t *testing.T, f *farm, files map[string][]byte, settings map[string]any) *model.Job {
	t.Helper()
	ctx := context.Background()
	var manifest []wire.JobFile
	blobs := map[string][]byte{}
	for p, data := range files {
		sum := sha256.Sum256(data)
		sha := hex.EncodeToString(sum[:])
		blobs[sha] = data
		manifest = append(manifest, wire.JobFile{Path: p, SHA256: sha, Size: int64(len(data))})
	}
	j, err := f.cl.Submit(ctx, wire.SubmitJob{Name: t.Name(), Type: "upload-test", Settings: settings,
		Storage: wire.StorageUpload, Files: manifest})
	if err != nil {
		t.Fatal(err)
	}
	var refs []wire.FileRef
	for sha, data := range blobs {
		refs = append(refs, wire.FileRef{SHA256: sha, Size: int64(len(data))})
	}
	missing, err := f.cl.MissingFiles(ctx, refs)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range missing {
		if _, err := f.cl.PutChunk(ctx, m.SHA256, 0, m.Size, blobs[m.SHA256]); err != nil {
			t.Fatal(err)
		}
	}
	return j
}

// output reads the job's output file p from the manager.
func output(t *testing.T, f *farm, jobID, p string) string {
	t.Helper()
	var b bytes.Buffer
	if _, err := f.cl.DownloadOutput(context.Background(), jobID, p, &b, 0); err != nil {
		t.Fatalf("output %s of job %s: %v", p, jobID, err)
	}
	return b.String()
}

func outputPaths(t *testing.T, f *farm, jobID string) []string {
	t.Helper()
	list, err := f.cl.Outputs(context.Background(), jobID)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, o := range list.Files {
		paths = append(paths, o.Path)
	}
	slices.Sort(paths)
	return paths
}

func TestUploadJobRunsFromTheCacheAndSendsItsOutputBack(t *testing.T) {
	f := startUploadFarm(t)
	p := startProxy(t, f)
	data := startUploadWorker(t, p, f, "no-shared-storage", Tools{})
	files := sceneFiles(t)
	var total int64
	for _, b := range files {
		total += int64(len(b))
	}

	j := submitUpload(t, f, files, map[string]any{"frames": "1-2"})
	waitJob(t, f, j.ID, model.JobCompleted, 30*time.Second)
	want := []string{"frames/0001.png", "frames/0001.txt", "frames/0002.png", "frames/0002.txt"}
	if got := outputPaths(t, f, j.ID); !slices.Equal(got, want) {
		t.Fatalf("the manager holds output %v, want %v", got, want)
	}
	// The task found the texture by its path relative to the scene.
	if got := output(t, f, j.ID, "frames/0002.txt"); got != "scene\nwood\n" {
		t.Errorf("frames/0002.txt = %q, want the scene then the texture", got)
	}
	if got := output(t, f, j.ID, "frames/0001.png"); got != string(files["textures/frame.png"]) {
		t.Error("frames/0001.png is not the texture it was copied from")
	}
	if got := p.fetched.Load(); got != total {
		t.Errorf("the worker fetched %d bytes of files for the first job, want %d (each file once)", got, total)
	}
	// The ended job's folders go once the worker is idle.
	farmtest.Eventually(t, "the ended job's folders to be removed", 10*time.Second, func() bool {
		_, err := os.Stat(filepath.Join(data, "jobs", j.ID))
		return os.IsNotExist(err)
	})

	// A second job of the same files is laid out from the cache alone.
	before := p.fetched.Load()
	j2 := submitUpload(t, f, files, map[string]any{"frames": "3"})
	waitJob(t, f, j2.ID, model.JobCompleted, 30*time.Second)
	if got := p.fetched.Load() - before; got != 0 {
		t.Errorf("the worker fetched %d bytes for a second job of the same files, want 0", got)
	}
	if got := output(t, f, j2.ID, "frames/0003.txt"); got != "scene\nwood\n" {
		t.Errorf("second job's frames/0003.txt = %q", got)
	}
}

func TestFailedOutputUploadFailsTheTask(t *testing.T) {
	f := startUploadFarm(t)
	p := startProxy(t, f)
	p.refuseOutput.Store(true)
	startUploadWorker(t, p, f, "refused", Tools{})
	j := submitUpload(t, f, sceneFiles(t), map[string]any{"frames": "1"})
	var tasks []*model.Task
	farmtest.Eventually(t, "the job's task", 10*time.Second, func() bool {
		var err error
		tasks, err = f.cl.Tasks(context.Background(), j.ID)
		return err == nil && len(tasks) == 1
	})
	waitLog(t, f, tasks[0].ID, "failed: sending output file frames/0001.png to the manager")
	task, err := f.cl.Task(context.Background(), tasks[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if task.Status == model.TaskCompleted {
		t.Fatal("a task whose output could not be sent counts as completed")
	}
}

func TestFramesToVideoGetsTheFramesOtherWorkersSent(t *testing.T) {
	ffmpeg, err := exec.LookPath("ffmpeg")
	farmtest.Need(t, err == nil, "ffmpeg (apt-get install ffmpeg)")
	_, err = exec.LookPath("ffprobe")
	farmtest.Need(t, err == nil, "ffprobe (apt-get install ffmpeg)")
	f := startUploadFarm(t)
	p := startProxy(t, f)
	startUploadWorker(t, p, f, "renders", Tools{}) // no FFmpeg: it cannot take the video
	j := submitUpload(t, f, sceneFiles(t), map[string]any{"frames": "1-3", "video": true})
	farmtest.Eventually(t, "the three frames on the manager", 30*time.Second, func() bool {
		return len(outputPaths(t, f, j.ID)) == 6
	})
	// Another worker, sharing nothing with the first, makes the video.
	startUploadWorker(t, p, f, "video", Tools{FFmpeg: ffmpeg})
	waitJob(t, f, j.ID, model.JobCompleted, 60*time.Second)
	if got := outputPaths(t, f, j.ID); !slices.Contains(got, "video.mp4") {
		t.Fatalf("the manager's output %v has no video.mp4", got)
	}
	if v := output(t, f, j.ID, "video.mp4"); len(v) < 100 {
		t.Errorf("video.mp4 has %d bytes", len(v))
	}
}
