package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"farmhand/farm/api/wire"
	"farmhand/farm/model"
	"farmhand/farm/transfer"
)

// TestStoppedUploadCancelsItsJob: a submit --upload stopped half way (Ctrl-C)
// cancels the job it made, so that submitting again does not render the
// scene twice (found by a fresh-eyes try); the message says so.
func TestStoppedUploadCancelsItsJob(t *testing.T) {
	cl := newAPIFarm(t).cl

	data := []byte("a scene")
	src := filepath.Join(t.TempDir(), "scene.blend")
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	f := wire.JobFile{Path: "scene.blend", SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data))}
	u := &upload{files: []transfer.Local{{JobFile: f, Source: src}}}
	ctx, stop := context.WithCancel(context.Background())
	stop() // as Ctrl-C before the first byte
	job, err := cl.Submit(context.Background(), wire.SubmitJob{Name: "sh010", Type: "echo-sleep-test",
		Storage: wire.StorageUpload, Files: []wire.JobFile{f}, Settings: map[string]any{"frames": "1"}})
	if err != nil || job.Status != model.JobWaitingForFiles {
		t.Fatalf("the submission itself: %+v, %v", job, err)
	}
	e, _ := backupEnv()
	err = u.send(ctx, e, cl, job.ID)
	if err == nil || !strings.Contains(err.Error(), "is canceled so that it never renders") {
		t.Fatalf("stopped upload: %v", err)
	}
	got, err := cl.Job(context.Background(), job.ID)
	if err != nil || (got.Status != model.JobCanceled && got.Status != model.JobCancelRequested) {
		t.Errorf("the job after the stop: %+v, %v; want canceled", got, err)
	}
}

// TestOutputSaysWhyThereIsNone: farmhand output of a shared-storage job says
// where its output is; of an upload job with no output yet, says so (found
// by a fresh-eyes try: both printed "0 files fetched").
func TestOutputSaysWhyThereIsNone(t *testing.T) {
	f := newAPIFarm(t)
	cl, flags := f.cl, f.flags(t)
	ctx := context.Background()
	shared, err := cl.Submit(ctx, wire.SubmitJob{Name: "shared", Type: "echo-sleep-test", Settings: map[string]any{"frames": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	e, out := backupEnv()
	err = runOutput(e, append([]string{shared.ID, "--out", t.TempDir()}, flags...))
	if err == nil || !strings.Contains(err.Error(), "renders to shared storage") {
		t.Errorf("output of a shared job: %v\n%s", err, out)
	}
	file := wire.JobFile{Path: "scene.blend", SHA256: strings.Repeat("ab", 32), Size: 5}
	waiting, err := cl.Submit(ctx, wire.SubmitJob{Name: "up", Type: "echo-sleep-test", Storage: wire.StorageUpload,
		Files: []wire.JobFile{file}, Settings: map[string]any{"frames": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	e, out = backupEnv()
	if err := runOutput(e, append([]string{waiting.ID, "--out", t.TempDir()}, flags...)); err != nil ||
		!strings.Contains(out.String(), "has no output on the manager yet") {
		t.Errorf("output of a job with none yet: %v\n%s", err, out)
	}
}

// TestCheckBlendFile: --upload says plainly what is wrong with the file it
// names before Blender is started on it.
func TestCheckBlendFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for path, want := range map[string]string{
		filepath.Join(dir, "nope.blend"):    "does not exist",
		dir:                                 "is a folder",
		write("notes.txt", []byte("hello")): "is not a .blend file",
		write("empty.blend", nil):           "is not a .blend file",
		write("ok.blend", []byte("BLENDER-v304RENDH")):        "",
		write("packed.blend", []byte{0x28, 0xb5, 0x2f, 0xfd}): "", // zstd, Blender 3.0+
	} {
		err := checkBlendFile(path)
		if (want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("%s: %v, want %q", filepath.Base(path), err, want)
		}
	}
}
