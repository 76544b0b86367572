package api

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"

	"farmhand/farm/api/client"
	"farmhand/farm/manager"
	"farmhand/farm/model"
)

// answers records, per task-list request, what the client sent and what the
// server answered, as seen on the wire.
type answers struct {
	mu   sync.Mutex
	seen []answer
}

type answer struct {
	ifNoneMatch, encoding string
	status                int
}

func (a *answers) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		a.mu.Lock()
		defer a.mu.Unlock()
		a.seen = append(a.seen, answer{r.Header.Get("If-None-Match"), w.Header().Get("Content-Encoding"), rec.status})
	})
}

func (a *answers) last(t *testing.T) answer {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.seen) == 0 {
		t.Fatal("no request reached the server")
	}
	return a.seen[len(a.seen)-1]
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// The Go client gets task lists gzip-compressed, keeps the last one, and
// sends its ETag back: unchanged, the manager answers 304 and the client
// returns its copy; after a change, the new list. The compact list carries
// the list fields with the same values as the whole one.
func TestTaskListCompressedAndConditional(t *testing.T) {
	f := newTestFarm(t)
	job, err := f.m.Submit(manager.Submission{Name: "big", Type: "echo-sleep-test",
		Settings: map[string]any{"frames": "1-300", "sleep_seconds": 0}})
	if err != nil {
		t.Fatal(err)
	}
	var seen answers
	srv := httptest.NewServer(seen.wrap(f.s))
	defer srv.Close()
	c := client.New(srv.URL).WithToken(f.artistToken)
	ctx := t.Context()

	first, err := c.Tasks(ctx, job.ID)
	if err != nil || len(first) != 300 {
		t.Fatalf("%d tasks, %v", len(first), err)
	}
	if a := seen.last(t); a.status != http.StatusOK || a.encoding != "gzip" || a.ifNoneMatch != "" {
		t.Errorf("first fetch: %+v, want 200, gzip, no If-None-Match", a)
	}
	first[0].Name = "changed by the caller"
	again, err := c.Tasks(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a := seen.last(t); a.status != http.StatusNotModified || a.ifNoneMatch == "" {
		t.Errorf("second fetch: %+v, want 304 to an If-None-Match", a)
	}
	if len(again) != 300 || again[0].Name != "echo-1" || again[0].ID != model.TaskID(job.ID, 0) {
		t.Errorf("kept copy: %d tasks, first %+v", len(again), again[0])
	}

	if _, err := f.m.TaskAction(model.TaskCancel, []string{model.TaskID(job.ID, 7)}); err != nil {
		t.Fatal(err)
	}
	after, err := c.Tasks(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a := seen.last(t); a.status != http.StatusOK {
		t.Errorf("fetch after a change: %+v, want 200", a)
	}
	if after[7].Status != model.TaskCanceled {
		t.Errorf("task 8 is %s after its cancel", after[7].Status)
	}

	compact, err := c.TasksCompact(ctx, job.ID)
	if err != nil || len(compact) != 300 {
		t.Fatalf("%d compact tasks, %v", len(compact), err)
	}
	if a := seen.last(t); a.status != http.StatusOK || a.encoding != "gzip" {
		t.Errorf("compact fetch: %+v, want 200 and gzip", a)
	}
	for i, full := range after {
		want := model.Task{ID: full.ID, JobID: full.JobID, Index: full.Index, Name: full.Name, Status: full.Status,
			WorkerID: full.WorkerID, Activity: full.Activity, StepsTotal: full.StepsTotal,
			StepsCompleted: full.StepsCompleted, Updated: full.Updated, AllowedActions: full.AllowedActions}
		if !reflect.DeepEqual(*compact[i], want) {
			t.Fatalf("compact task %d:\n%+v\nwant\n%+v", i, *compact[i], want)
		}
	}
}

func TestTaskListFieldsChecked(t *testing.T) {
	f := newTestFarm(t)
	for query, want := range map[string]int{"": 200, "?fields=all": 200, "?fields=compact": 200, "?fields=some": 400} {
		r := httptest.NewRequest(http.MethodGet, "/api/v1/jobs/"+f.jobID+"/tasks"+query, nil)
		r.Header.Set("Authorization", "Bearer "+f.artistToken)
		w := httptest.NewRecorder()
		f.s.ServeHTTP(w, r)
		if w.Code != want {
			t.Errorf("%q: %d %s, want %d", query, w.Code, w.Body, want)
		}
		if want == 200 && w.Header().Get("ETag") == "" {
			t.Errorf("%q: no ETag", query)
		}
	}
}
