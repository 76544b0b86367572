package api_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"testing"

	"farmhand/addon"
	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/model"
)

// The operations of issue 12 join the table of operations_test.go from here,
// so that TestEveryOperationAgainstTheDocument runs them like the others.
func init() {
	operations = append(operations, struct {
		id  string
		run func(*testing.T, *opFarm)
	}{"getAddonZip", testGetAddonZip})
}

// The add-on zip needs no token and is the embedded add-on, byte for byte.
func testGetAddonZip(t *testing.T, f *opFarm) {
	got, err := f.anon.AddonZip(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	want, err := addon.Zip()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("the served zip (%d bytes) is not the embedded add-on (%d bytes)", len(got), len(want))
	}
	zr, err := zip.NewReader(bytes.NewReader(got), int64(len(got)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, zf := range zr.File {
		names = append(names, zf.Name)
	}
	for _, name := range []string{"farmhand/__init__.py", "farmhand/blender_manifest.toml"} {
		if !slices.Contains(names, name) {
			t.Errorf("the zip lacks %s: %v", name, names)
		}
	}
	resp, err := http.Get(f.cl.BaseURL() + "/api/v1/addon.zip")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		t.Errorf("reading the download: %v", err)
	}
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "application/zip" {
		t.Errorf("a browser's download answered %d %q", resp.StatusCode, ct)
	}
}

// Jobs filtered by metadata: one key, two keys (both must match), a key
// given twice (either value), a value that no job has, and a parameter
// naming no key.
func TestListJobsByMetadata(t *testing.T) {
	cl, _, _ := startServer(t)
	ctx := t.Context()
	submit := func(name string, meta map[string]string) string {
		j, err := cl.Submit(ctx, wire.SubmitJob{Name: name, Type: "echo-sleep-test",
			Settings: map[string]any{"frames": "1", "sleep_seconds": 0}, Metadata: meta})
		if err != nil {
			t.Fatal(err)
		}
		return j.Name
	}
	submit("spring 010", map[string]string{"project": "Spring", "shot": "010"})
	submit("spring 020", map[string]string{"project": "Spring", "shot": "020"})
	submit("autumn 010", map[string]string{"project": "Autumn", "shot": "010"})
	submit("no project", nil)
	names := func(f client.JobFilter) []string {
		t.Helper()
		jobs, err := cl.JobsMatching(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, j := range jobs {
			out = append(out, j.Name)
		}
		return out
	}
	cases := []struct {
		filter client.JobFilter
		want   []string
	}{
		{client.JobFilter{Metadata: map[string]string{"project": "Spring"}}, []string{"spring 020", "spring 010"}},
		{client.JobFilter{Metadata: map[string]string{"project": "Spring", "shot": "010"}}, []string{"spring 010"}},
		{client.JobFilter{Metadata: map[string]string{"shot": "010"}}, []string{"autumn 010", "spring 010"}},
		{client.JobFilter{Metadata: map[string]string{"project": "spring"}}, nil},
		{client.JobFilter{Metadata: map[string]string{"project": "Spring"}, Statuses: []model.JobStatus{model.JobCompleted}}, nil},
		{client.JobFilter{}, []string{"no project", "autumn 010", "spring 020", "spring 010"}},
	}
	for _, c := range cases {
		if got := names(c.filter); !slices.Equal(got, c.want) {
			t.Errorf("%+v lists %v, want %v", c.filter, got, c.want)
		}
	}
	var list wire.JobList
	resp, err := authGet(cl, "/api/v1/jobs?metadata.project=Spring&metadata.project=Autumn&metadata.shot=010")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || len(list.Jobs) != 2 {
		t.Errorf("a key given twice: %v %v", list.Jobs, err)
	}
	bad, err := authGet(cl, "/api/v1/jobs?metadata.=x")
	if err != nil {
		t.Fatal(err)
	}
	bad.Body.Close()
	if bad.StatusCode != 400 {
		t.Errorf("?metadata.=x answered %d, want 400", bad.StatusCode)
	}
}

// A job submitted paused stores every task paused and runs nothing until
// resumed; resume queues them all.
func TestSubmitPaused(t *testing.T) {
	cl, _, _ := startServer(t)
	ctx := t.Context()
	job, err := cl.Submit(ctx, wire.SubmitJob{Name: "held", Type: "echo-sleep-test", Paused: true,
		Settings: map[string]any{"frames": "1-3", "sleep_seconds": 0}})
	if err != nil {
		t.Fatal(err)
	}
	if job.Status != model.JobPaused || job.TaskCounts[model.TaskPaused] != 3 {
		t.Fatalf("submitted paused: %s %v", job.Status, job.TaskCounts)
	}
	if !slices.Contains(job.AllowedActions, model.JobResume) {
		t.Errorf("a paused job allows %v, want resume among them", job.AllowedActions)
	}
	tasks, err := cl.Tasks(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range tasks {
		if task.Status != model.TaskPaused {
			t.Errorf("task %s is %s, want paused", task.Name, task.Status)
		}
	}
	resumed, err := cl.JobAction(ctx, job.ID, model.JobResume, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resumed.Status != model.JobQueued || resumed.TaskCounts[model.TaskQueued] != 3 {
		t.Errorf("resumed: %s %v", resumed.Status, resumed.TaskCounts)
	}
}
