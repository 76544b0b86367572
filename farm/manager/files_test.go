package manager

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"farmhand/farm/files"
	"farmhand/farm/model"
	"farmhand/farm/store"
)

// The waiting-for-files row of TestEveryJobStatusAndAction's tables: its
// tasks are queued (the job's status keeps them from running); cancel and
// delete are allowed.
func init() {
	jobFixtures[model.JobWaitingForFiles] = []model.TaskStatus{model.TaskQueued, model.TaskQueued}
	jobOutcomes[model.JobWaitingForFiles] = map[model.JobAction]string{
		model.JobCancel: "canceled", model.JobDelete: "gone", model.JobSetPriority: "waiting-for-files"}
}

func hashOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// upload submits an upload echo job naming the given contents.
func submitUpload(t *testing.T, m *Manager, paused bool, contents ...[]byte) *model.Job {
	t.Helper()
	var man []store.ManifestEntry
	for i, c := range contents {
		man = append(man, store.ManifestEntry{Path: "f/" + string(rune('a'+i)), SHA256: hashOf(c), Size: int64(len(c))})
	}
	j, err := m.Submit(Submission{Name: "up", Type: "echo-sleep-test", Storage: "upload", Files: man, Paused: paused,
		Settings: map[string]any{"frames": "1-2", "sleep_seconds": 0}})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func putWhole(t *testing.T, m *Manager, b []byte) {
	t.Helper()
	if _, done, err := m.PutChunk(hashOf(b), 0, int64(len(b)), hashOf(b), bytes.NewReader(b), int64(len(b))); err != nil || !done {
		t.Fatalf("upload: done %v, %v", done, err)
	}
}

// TestWaitingForFilesThenQueuedOrPaused: an upload job waits until its last
// file arrives, then is queued (or paused when submitted paused); a job
// whose files are all present already is queued at once.
func TestWaitingForFilesThenQueuedOrPaused(t *testing.T) {
	m := openManager(t)
	for _, paused := range []bool{false, true} {
		round := fmt.Sprint(paused)
		a, b, c := []byte("scene bytes "+round), []byte("texture bytes "+round), []byte("sound "+round)
		ready := m.index.Ready()
		j := submitUpload(t, m, paused, a, b, c)
		if j.Status != model.JobWaitingForFiles || j.FilesMissing != 3 || j.Storage != "upload" || j.OutputFolder == "" {
			t.Fatalf("submitted: %s, %d missing, %q, %q", j.Status, j.FilesMissing, j.Storage, j.OutputFolder)
		}
		if m.index.Ready() != ready {
			t.Fatalf("a waiting job's tasks are runnable: %d ready, %d before", m.index.Ready(), ready)
		}
		putWhole(t, m, a)
		putWhole(t, m, c)
		if got := mustJob(t, m, j.ID); got.Status != model.JobWaitingForFiles || got.FilesMissing != 1 {
			t.Fatalf("after 2 of 3: %s, %d missing", got.Status, got.FilesMissing)
		}
		putWhole(t, m, b)
		want := model.JobQueued
		if paused {
			want = model.JobPaused
		}
		if got := mustJob(t, m, j.ID); got.Status != want || got.FilesMissing != 0 {
			t.Fatalf("after the last file (paused %v): %s, %d missing; want %s", paused, got.Status, got.FilesMissing, want)
		}
		checkCounters(t, m, j.ID)
		if want == model.JobQueued && m.index.Ready() != ready+2 {
			t.Fatalf("the queued job's tasks are not runnable: %d ready, %d before", m.index.Ready(), ready)
		}
		// The same files again: nothing missing, queued at once.
		if again := submitUpload(t, m, false, a, b, c); again.Status != model.JobQueued {
			t.Fatalf("resubmitted: %s", again.Status)
		}
	}
}

// TestUploadOnlyForWaitingJobs: a file no waiting job names is refused.
func TestUploadOnlyForWaitingJobs(t *testing.T) {
	m := openManager(t)
	x := []byte("nobody asked")
	_, _, err := m.PutChunk(hashOf(x), 0, int64(len(x)), hashOf(x), bytes.NewReader(x), int64(len(x)))
	if !errors.Is(err, ErrNoWaitingJob) {
		t.Fatalf("err %v; want ErrNoWaitingJob", err)
	}
	j := submitUpload(t, m, false, x)
	if _, err := m.JobActions(AsAdmin, model.JobCancel, []string{j.ID}, 0); err != nil {
		t.Fatal(err)
	}
	_, _, err = m.PutChunk(hashOf(x), 0, int64(len(x)), hashOf(x), bytes.NewReader(x), int64(len(x)))
	if !errors.Is(err, ErrNoWaitingJob) {
		t.Fatalf("for a canceled job's file: err %v; want ErrNoWaitingJob", err)
	}
}

// TestManifestRules: paths that leave the job's folder, bad hashes and sizes
// over the farm's limits are refused with the entry named.
func TestManifestRules(t *testing.T) {
	m := openManager(t)
	h := hashOf([]byte("x"))
	cases := []struct {
		files []store.ManifestEntry
		want  error
		says  string
	}{
		{[]store.ManifestEntry{{Path: "../x.blend", SHA256: h, Size: 1}}, ErrInvalid, "'..' segment"},
		{[]store.ManifestEntry{{Path: "/etc/passwd", SHA256: h, Size: 1}}, ErrInvalid, "absolute"},
		{[]store.ManifestEntry{{Path: "C:/x", SHA256: h, Size: 1}}, ErrInvalid, "colon"},
		{[]store.ManifestEntry{{Path: "a\\b", SHA256: h, Size: 1}}, ErrInvalid, "backslash"},
		{[]store.ManifestEntry{{Path: "a", SHA256: strings.ToUpper(h), Size: 1}}, ErrInvalid, "lowercase hex"},
		{[]store.ManifestEntry{{Path: "a", SHA256: h, Size: 1}, {Path: "A", SHA256: h, Size: 1}}, ErrInvalid, "named twice"},
		{[]store.ManifestEntry{{Path: "a", SHA256: h, Size: model.DefaultMaxFileSize + 1}}, ErrTooLarge, "max_file_size"},
		{[]store.ManifestEntry{}, ErrInvalid, "at least one file"},
	}
	for _, c := range cases {
		_, err := m.Submit(Submission{Name: "x", Type: "echo-sleep-test", Storage: "upload", Files: c.files,
			Settings: map[string]any{"frames": "1"}})
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%v: err %v; want %v saying %q", c.files, err, c.want, c.says)
		}
	}
	var big []store.ManifestEntry
	for i := range 5 {
		big = append(big, store.ManifestEntry{Path: "f" + string(rune('0'+i)), SHA256: hashOf([]byte{byte(i)}), Size: 50 << 30})
	}
	if _, err := m.Submit(Submission{Name: "x", Type: "echo-sleep-test", Storage: "upload", Files: big,
		Settings: map[string]any{"frames": "1"}}); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "max_job_size") {
		t.Errorf("250 GiB job: %v", err)
	}
}

// TestReservedVariablesPassThrough: {job_files} and {job_output} reach the
// worker unexpanded; a farm variable may not take their names; a blank
// render_output_root of an upload job becomes {job_output}.
func TestReservedVariablesPassThrough(t *testing.T) {
	m := openManager(t)
	for _, name := range []string{files.VarJobFiles, files.VarJobOutput, "JOB_FILES"} {
		v := model.Variable{Name: name, Values: map[string]string{"all": "/x"}}
		if _, err := m.PutVariable(v); err == nil || !strings.Contains(err.Error(), "reserved") {
			t.Errorf("variable %s: %v; want it refused as reserved", name, err)
		}
	}
	cmds := []model.Command{{Name: "exec", Parameters: map[string]any{"exe": "{job_files}/tool",
		"args": []any{"--out={job_output}/x", "{job_files}/shots/a.blend"}}}}
	got, err := m.commandsFor(&model.Job{}, cmds, &model.Worker{Name: "w", Platform: "windows"})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Parameters["exe"] != "{job_files}/tool" || got[0].Parameters["args"].([]any)[1] != "{job_files}/shots/a.blend" {
		t.Errorf("dispatch changed the reserved variables: %v", got[0].Parameters)
	}
	s := Submission{Type: "simple-blender-render", Storage: "upload", Settings: map[string]any{"render_output_root": " "},
		Files: []store.ManifestEntry{{Path: "a.blend", SHA256: hashOf(nil), Size: 0}}}
	if err := m.prepareUpload(&s); err != nil || s.Settings["render_output_root"] != "{job_output}" {
		t.Errorf("render_output_root %v, %v; want {job_output}", s.Settings["render_output_root"], err)
	}
}

// TestFilesFreedWithTheirLastJob: deleting a job frees the files no other
// job names and keeps the others; archiving frees them too; a submission
// racing the collector keeps what it names.
func TestFilesFreedWithTheirLastJob(t *testing.T) {
	m := openManager(t)
	shared, own := []byte("shared texture"), []byte("own scene")
	j1 := submitUpload(t, m, false, shared, own)
	j2 := submitUpload(t, m, false, shared)
	putWhole(t, m, shared)
	putWhole(t, m, own)
	if _, err := m.JobActions(AsAdmin, model.JobCancel, []string{j1.ID}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := m.JobActions(AsAdmin, model.JobDelete, []string{j1.ID}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := m.CollectFiles(); err != nil {
		t.Fatal(err)
	}
	if _, ok := m.fileStore().Held(hashOf(own)); ok {
		t.Error("the deleted job's own file is still stored")
	}
	if _, ok := m.fileStore().Held(hashOf(shared)); !ok {
		t.Fatal("a file another job names was removed")
	}
	// Archive j2 while submissions naming its file race the collector.
	if _, err := m.JobActions(AsAdmin, model.JobCancel, []string{j2.ID}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := m.JobActions(AsAdmin, model.JobArchive, []string{j2.ID}, 0); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var j3 *model.Job
	wg.Add(2)
	go func() { defer wg.Done(); j3 = submitUpload(t, m, false, shared) }()
	go func() {
		defer wg.Done()
		if _, err := m.CollectFiles(); err != nil {
			t.Error(err)
		}
	}()
	wg.Wait()
	if _, err := m.CollectFiles(); err != nil {
		t.Fatal(err)
	}
	// The submitter asks which files the manager lacks, as every client
	// does after submitting: a file whose bytes outlived the collector while
	// j3's submission made its record anew is completed there. Then either
	// the file survived for j3, or j3 waits for it again; never a queued job
	// without its file.
	if _, err := m.MissingFiles([]FileRef{{SHA256: hashOf(shared), Size: int64(len(shared))}}); err != nil {
		t.Fatal(err)
	}
	_, held := m.fileStore().Held(hashOf(shared))
	got := mustJob(t, m, j3.ID)
	if held != (got.Status == model.JobQueued) || (!held && got.Status != model.JobWaitingForFiles) {
		t.Fatalf("after the race: file held %v, job %s", held, got.Status)
	}
	if !held {
		putWhole(t, m, shared)
		if got := mustJob(t, m, j3.ID); got.Status != model.JobQueued {
			t.Fatalf("re-uploaded: %s", got.Status)
		}
	}
	if _, err := m.JobActions(AsAdmin, model.JobCancel, []string{j3.ID}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := m.JobActions(AsAdmin, model.JobDelete, []string{j3.ID}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := m.CollectFiles(); err != nil {
		t.Fatal(err)
	}
	if _, ok := m.fileStore().Held(hashOf(shared)); ok {
		t.Error("the file is kept after its last job was archived and the other deleted")
	}
}
