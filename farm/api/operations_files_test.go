package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/model"
)

// The subtests of TestEveryOperationAgainstTheDocument for rendering without
// shared storage (issue 13), added to its table.
func init() {
	operations = append(operations, []struct {
		id  string
		run func(*testing.T, *opFarm)
	}{
		{"findMissingFiles", testFindMissingFiles}, {"uploadFileChunk", testUploadFileChunk},
		{"downloadFile", testDownloadFile}, {"getJobFiles", testGetJobFiles}, {"listJobOutput", testListJobOutput},
		{"uploadJobOutput", testUploadJobOutput}, {"downloadJobOutput", testDownloadJobOutput},
	}...)
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// uploadJob submits an upload echo job whose files hold the given contents
// (paths f0, f1, …) and returns it.
func (f *opFarm) uploadJob(cl *client.Client, contents ...[]byte) *model.Job {
	f.t.Helper()
	var files []wire.JobFile
	for i, c := range contents {
		files = append(files, wire.JobFile{Path: "shots/f" + string(rune('0'+i)), SHA256: sum(c), Size: int64(len(c))})
	}
	job, err := cl.Submit(f.ctx, wire.SubmitJob{Name: "upload", Type: "echo-sleep-test", Storage: wire.StorageUpload,
		Files: files, Settings: map[string]any{"frames": "1-3", "sleep_seconds": 0}})
	if err != nil {
		f.t.Fatal(err)
	}
	return job
}

// localFile writes b to a file of the test and returns its path.
func localFile(t *testing.T, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func testFindMissingFiles(t *testing.T, f *opFarm) {
	a, b := []byte("scene"), []byte("texture")
	f.uploadJob(f.cl, a, b)
	if _, err := f.cl.PutChunk(f.ctx, sum(b), 0, int64(len(b)), b[:3]); err != nil {
		t.Fatal(err)
	}
	missing, err := f.cl.MissingFiles(f.ctx, []wire.FileRef{{SHA256: sum(a), Size: 5}, {SHA256: sum(b), Size: 7}})
	if err != nil || len(missing) != 2 || missing[0].Offset != 0 || missing[1].Offset != 3 {
		t.Fatalf("missing %+v %v; want both, the second held up to 3", missing, err)
	}
	_, err = f.cl.MissingFiles(f.ctx, []wire.FileRef{{SHA256: "ABC", Size: 1}})
	wantStatus(t, err, 400)
	_, err = f.anon.MissingFiles(f.ctx, []wire.FileRef{{SHA256: sum(a), Size: 5}})
	wantStatus(t, err, 401)
}

func testUploadFileChunk(t *testing.T, f *opFarm) {
	data := []byte("0123456789")
	job := f.uploadJob(f.cl, data)
	if job.Status != model.JobWaitingForFiles || job.FilesMissing != 1 {
		t.Fatalf("submitted %s with %d missing", job.Status, job.FilesMissing)
	}
	r, err := f.cl.PutChunk(f.ctx, sum(data), 0, 10, data[:4])
	if err != nil || r.Offset != 4 || r.Complete {
		t.Fatalf("first chunk %+v %v", r, err)
	}
	// At the wrong offset: 409 naming where to resume.
	_, err = f.cl.PutChunk(f.ctx, sum(data), 2, 10, data[2:6])
	if at, ok := client.OffsetOf(err); !ok || at != 4 {
		t.Fatalf("wrong offset: %v; want 409 with offset 4", err)
	}
	if r, err = f.cl.PutChunk(f.ctx, sum(data), 4, 10, data[4:]); err != nil || r.Offset != 10 || !r.Complete {
		t.Fatalf("last chunk %+v %v", r, err)
	}
	if j, _ := f.cl.Job(f.ctx, job.ID); j.Status != model.JobQueued {
		t.Errorf("after the last file the job is %s; want queued", j.Status)
	}
	// Complete: answered without reading.
	if r, err = f.cl.PutChunk(f.ctx, sum(data), 0, 10, data); err != nil || !r.Complete || r.Offset != 10 {
		t.Errorf("again %+v %v", r, err)
	}
	other := []byte("not in any manifest")
	_, err = f.cl.PutChunk(f.ctx, sum(other), 0, int64(len(other)), other)
	wantStatus(t, err, 409)
	w := f.join("box")
	_, err = w.cl.PutChunk(f.ctx, sum(data), 0, 10, data)
	wantStatus(t, err, 403) // a worker's token does not upload inputs
}

func testDownloadFile(t *testing.T, f *opFarm) {
	data := []byte("the bytes of a file")
	f.uploadJob(f.cl, data)
	if err := f.cl.UploadFile(f.ctx, localFile(t, data), wire.FileRef{SHA256: sum(data), Size: int64(len(data))}, nil); err != nil {
		t.Fatal(err)
	}
	w := f.join("box")
	var buf bytes.Buffer
	if n, err := w.cl.DownloadFile(f.ctx, sum(data), &buf, 0); err != nil || n != int64(len(data)) || buf.String() != string(data) {
		t.Fatalf("whole: %d %q %v", n, buf.String(), err)
	}
	buf.Reset()
	if n, err := f.cl.DownloadFile(f.ctx, sum(data), &buf, 4); err != nil || n != int64(len(data)-4) || buf.String() != string(data[4:]) {
		t.Fatalf("from 4: %d %q %v", n, buf.String(), err)
	}
	_, err := f.anon.DownloadFile(f.ctx, sum(data), &buf, 0)
	wantStatus(t, err, 401)
	_, err = f.cl.DownloadFile(f.ctx, sum([]byte("absent")), &buf, 0)
	wantStatus(t, err, 404)
}

func testGetJobFiles(t *testing.T, f *opFarm) {
	job := f.uploadJob(f.cl, []byte("a"), []byte("b"))
	got, err := f.cl.JobFiles(f.ctx, job.ID)
	if err != nil || got.Storage != "upload" || len(got.Files) != 2 || got.Files[1].Path != "shots/f1" || got.Files[1].SHA256 != sum([]byte("b")) {
		t.Fatalf("files %+v %v", got, err)
	}
	shared, _ := f.job()
	if got, err := f.cl.JobFiles(f.ctx, shared.ID); err != nil || got.Storage != "shared" || len(got.Files) != 0 {
		t.Errorf("a shared job's files %+v %v", got, err)
	}
	_, err = f.cl.JobFiles(f.ctx, "nope")
	wantStatus(t, err, 404)
}

// readyUploadJob is an upload job whose files are in and whose first task
// runs on a worker.
func (f *opFarm) readyUploadJob() (*model.Job, joined) {
	f.t.Helper()
	data := []byte("scene")
	job := f.uploadJob(f.cl, data)
	if _, err := f.cl.PutChunk(f.ctx, sum(data), 0, 5, data); err != nil {
		f.t.Fatal(err)
	}
	w := f.worker()
	if a, _, err := w.wk.Schedule(f.ctx); err != nil || a == nil || a.Job.ID != job.ID {
		f.t.Fatalf("schedule %+v %v", a, err)
	}
	return job, w
}

func testUploadJobOutput(t *testing.T, f *opFarm) {
	job, w := f.readyUploadJob()
	frame := []byte("frame one")
	if err := w.wk.PutOutput(f.ctx, job.ID, "sh010/0001.png", localFile(t, frame)); err != nil {
		t.Fatal(err)
	}
	j, _ := f.cl.Job(f.ctx, job.ID)
	got, err := os.ReadFile(filepath.Join(j.OutputFolder, "sh010", "0001.png"))
	if err != nil || string(got) != string(frame) {
		t.Fatalf("in the output folder %s: %q %v", j.OutputFolder, got, err)
	}
	for _, p := range []string{"../escape.png", "/abs.png", "a\\b.png", "C:/x.png", "a/./b", ""} {
		err := w.wk.PutOutput(f.ctx, job.ID, p, localFile(t, frame))
		wantStatus(t, err, 400)
		if err == nil || !strings.Contains(err.Error(), "invalid file path") {
			t.Errorf("path %q: %v; want a message naming the path rule", p, err)
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(j.OutputFolder), "escape.png")); !os.IsNotExist(err) {
		t.Errorf("a file escaped the output folder: %v", err)
	}
	other := f.join("other")
	wantStatus(t, other.wk.PutOutput(f.ctx, job.ID, "x.png", localFile(t, frame)), 403)
	wantStatus(t, f.cl.PutOutput(f.ctx, job.ID, "x.png", localFile(t, frame)), 403) // members do not send output
}

func testListJobOutput(t *testing.T, f *opFarm) {
	job, w := f.readyUploadJob()
	for _, p := range []string{"b/2.png", "a/1.png"} {
		if err := w.wk.PutOutput(f.ctx, job.ID, p, localFile(t, []byte(p))); err != nil {
			t.Fatal(err)
		}
	}
	list, err := f.cl.Outputs(f.ctx, job.ID)
	if err != nil || list.Folder == "" || len(list.Files) != 2 || list.Files[0].Path != "a/1.png" ||
		list.Files[0].SHA256 != sum([]byte("a/1.png")) || list.Files[0].Size != 7 {
		t.Fatalf("outputs %+v %v", list, err)
	}
	_, err = f.cl.Outputs(f.ctx, "nope")
	wantStatus(t, err, 404)
}

func testDownloadJobOutput(t *testing.T, f *opFarm) {
	job, w := f.readyUploadJob()
	frame := []byte("0123456789 frame")
	if err := w.wk.PutOutput(f.ctx, job.ID, "f/0001.exr", localFile(t, frame)); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if n, err := f.cl.DownloadOutput(f.ctx, job.ID, "f/0001.exr", &buf, 10); err != nil || n != 6 || buf.String() != " frame" {
		t.Fatalf("from 10: %d %q %v", n, buf.String(), err)
	}
	_, err := f.cl.DownloadOutput(f.ctx, job.ID, "../../farmhand.db", &buf, 0)
	wantStatus(t, err, 400)
	_, err = f.cl.DownloadOutput(f.ctx, job.ID, "f/missing.exr", &buf, 0)
	wantStatus(t, err, 404)
	_, err = f.anon.DownloadOutput(f.ctx, job.ID, "f/0001.exr", &buf, 0)
	wantStatus(t, err, 401)
}
