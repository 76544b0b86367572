package api_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/model"
)

// operations has one subtest per operation of the OpenAPI document, named by
// its operationId (`go test -run 'TestEveryOperationAgainstTheDocument/getJob'`
// runs one). Each runs on a farm of its own, with every exchange checked
// against the document, and calls its operation on the happy path and its
// errors.
var operations = []struct {
	id  string
	run func(*testing.T, *opFarm)
}{
	{"getVersion", testGetVersion}, {"getOpenAPI", testGetOpenAPI}, {"getFarmStatus", testGetFarmStatus},
	{"getConfig", testGetConfig}, {"listJobTypes", testListJobTypes}, {"exportJobType", testExportJobType},
	{"submitJob", testSubmitJob}, {"listJobs", testListJobs}, {"getJob", testGetJob},
	{"listJobTasks", testListJobTasks}, {"getTask", testGetTask}, {"updateJob", testUpdateJob},
	{"applyJobAction", testApplyJobAction}, {"applyTaskAction", testApplyTaskAction}, {"applyJobActions", testApplyJobActions}, {"deleteJob", testDeleteJob},
	{"streamEvents", testStreamEvents}, {"joinFarm", testJoinFarm}, {"getJoinStatus", testGetJoinStatus},
	{"whoami", testWhoami}, {"signOn", testSignOn}, {"scheduleTask", testScheduleTask},
	{"heartbeat", testHeartbeat}, {"uploadRendered", testUploadRendered}, {"getLastRendered", testGetLastRendered},
	{"getJobLastRendered", testGetJobLastRendered}, {"updateTask", testUpdateTask}, {"getTaskLog", testGetTaskLog},
	{"getTaskLogTail", testGetTaskLogTail}, {"getTaskWhy", testGetTaskWhy}, {"getJobBlocklist", testGetJobBlocklist},
	{"clearJobBlocklist", testClearJobBlocklist}, {"updateWorker", testUpdateWorker},
	{"applyWorkerAction", testApplyWorkerAction}, {"reportWorkerStatus", testReportWorkerStatus},
	{"listWorkers", testListWorkers}, {"getWorker", testGetWorker}, {"signOff", testSignOff},
	{"deleteWorker", testDeleteWorker}, {"listMembers", testListMembers}, {"approveMember", testApproveMember},
	{"rejectMember", testRejectMember}, {"revokeMember", testRevokeMember}, {"getJoinCode", testGetJoinCode},
	{"newJoinCode", testNewJoinCode},
}

// TestEveryOperationAgainstTheDocument runs the subtests of operations. It
// fails when an operation of the document has no subtest, when a subtest
// names no operation of the document, and when a subtest never calls the
// operation it is named for.
func TestEveryOperationAgainstTheDocument(t *testing.T) {
	documented := map[string]bool{}
	for _, item := range loadDoc(t).Paths.Map() {
		for _, op := range item.Operations() {
			documented[op.OperationID] = true
		}
	}
	checked := map[string]bool{}
	for _, op := range operations {
		checked[op.id] = true
		t.Run(op.id, func(t *testing.T) {
			if !documented[op.id] {
				t.Fatalf("%s is not an operation of the document", op.id)
			}
			f := newOpFarm(t)
			op.run(t, f)
			if !f.contract.called(op.id) {
				t.Errorf("the subtest never called %s", op.id)
			}
		})
	}
	var missing []string
	for id := range documented {
		if !checked[id] {
			missing = append(missing, id)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 || len(checked) < len(documented) {
		t.Errorf("%d operations checked of the document's %d; without a subtest: %v", len(checked), len(documented), missing)
	}
}

// opFarm is one subtest's farm: a new manager served through the contract
// checker, with an admin's client.
type opFarm struct {
	t        *testing.T
	ctx      context.Context
	cl       *client.Client // an admin's
	anon     *client.Client // no token
	contract *contract
}

func newOpFarm(t *testing.T) *opFarm {
	cl, c, _ := startServer(t)
	return &opFarm{t: t, ctx: context.Background(), cl: cl, anon: client.New(cl.BaseURL()), contract: c}
}

// job submits a queued echo job of three tasks and returns it with its tasks.
func (f *opFarm) job() (*model.Job, []*model.Task) {
	f.t.Helper()
	job, err := f.cl.Submit(f.ctx, wire.SubmitJob{Name: "shot 1", Type: "echo-sleep-test",
		Settings: map[string]any{"frames": "1-3", "sleep_seconds": 0}, Metadata: map[string]string{"project": "x"}})
	if err != nil {
		f.t.Fatal(err)
	}
	tasks, err := f.cl.Tasks(f.ctx, job.ID)
	if err != nil || len(tasks) != 3 {
		f.t.Fatalf("tasks %v %v", tasks, err)
	}
	return job, tasks
}

// joined is a member that joined with the join code, and its clients.
type joined struct {
	id, token string
	cl        *client.Client // with the member's token
	wk        *client.Client // as the member's worker
}

// join joins the farm with the join code, as a worker does.
func (f *opFarm) join(name string) joined {
	f.t.Helper()
	code, err := f.cl.JoinCode(f.ctx, false)
	if err != nil {
		f.t.Fatal(err)
	}
	j, err := f.anon.Join(f.ctx, wire.JoinRequest{Name: name, Platform: "linux", JoinCode: code})
	if err != nil || j.Member.Status != model.MemberApproved {
		f.t.Fatalf("join with code %+v %v", j, err)
	}
	return joined{id: j.Member.ID, token: j.Token, cl: f.anon.WithToken(j.Token), wk: f.cl.AsWorker(j.Member.ID, j.Token)}
}

// worker joins and signs on a worker named box that runs misc tasks.
func (f *opFarm) worker() joined {
	f.t.Helper()
	w := f.join("box")
	if _, err := w.wk.SignOn(f.ctx, wire.WorkerRegistration{Name: "box", Platform: "linux", Version: "test", TaskTypes: []string{"misc"}}); err != nil {
		f.t.Fatal(err)
	}
	return w
}

// running is a job of three tasks whose first task runs on a worker.
type running struct {
	job   *model.Job
	tasks []*model.Task
	w     joined
	a     *wire.AssignedTask
}

func (f *opFarm) running() running {
	f.t.Helper()
	job, tasks := f.job()
	w := f.worker()
	a, _, err := w.wk.Schedule(f.ctx)
	if err != nil || a == nil || a.Task.ID != tasks[0].ID || a.Job.ID != job.ID {
		f.t.Fatalf("schedule %+v %v", a, err)
	}
	return running{job, tasks, w, a}
}

// pending asks to join as an artist, without the code, and waits for an admin.
func (f *opFarm) pending(name string) *wire.Joined {
	f.t.Helper()
	j, err := f.anon.Join(f.ctx, wire.JoinRequest{Name: name, Wants: model.RoleArtist})
	if err != nil || j.Member.Status != model.MemberPending {
		f.t.Fatalf("join %+v %v", j, err)
	}
	return j
}

func testGetVersion(t *testing.T, f *opFarm) {
	if v, err := f.cl.Version(f.ctx); err != nil || v.APIVersion != wire.APIVersion || v.ManagerID == "" {
		t.Fatalf("version %+v %v", v, err)
	}
}

func testGetOpenAPI(t *testing.T, f *opFarm) {
	resp, err := http.Get(f.cl.BaseURL() + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || !strings.Contains(string(b), `"operationId":"submitJob"`) {
		t.Errorf("served document lacks submitJob (%v): %.200s", err, b)
	}
}

func testGetFarmStatus(t *testing.T, f *opFarm) {
	if _, err := f.cl.Status(f.ctx); err != nil {
		t.Fatal(err)
	}
}

func testGetConfig(t *testing.T, f *opFarm) {
	if c, err := f.cl.Config(f.ctx); err != nil || c.TaskTimeout != "10m0s" || c.BlocklistThreshold != 3 {
		t.Fatalf("config %+v %v", c, err)
	}
}

func testListJobTypes(t *testing.T, f *opFarm) {
	types, err := f.cl.JobTypes(f.ctx)
	if err != nil || len(types) == 0 || types[0].Name != "echo-sleep-test" || types[0].Etag == "" {
		t.Fatalf("job types %v %v", types, err)
	}
}

func testExportJobType(t *testing.T, f *opFarm) {
	// The test farm has no scripts folder to export to; the happy path is
	// jobtype's TestCustomFolderOverridesAndReloads (the handler passes the name on).
	_, err := f.cl.ExportJobType(f.ctx, "no-such-type")
	wantStatus(t, err, 404)
}

func testSubmitJob(t *testing.T, f *opFarm) {
	_, err := f.cl.Submit(f.ctx, wire.SubmitJob{Name: "stale", Type: "echo-sleep-test", TypeEtag: "an-old-etag"})
	wantStatus(t, err, 412)
	_, err = f.cl.Submit(f.ctx, wire.SubmitJob{Name: "bad", Type: "echo-sleep-test", Settings: map[string]any{"frames": "9-1"}})
	wantStatus(t, err, 400)
	_, err = f.cl.Submit(f.ctx, wire.SubmitJob{Name: "bad", Type: "no-such-type"})
	wantStatus(t, err, 400)
	if job, _ := f.job(); job.Status != model.JobQueued || job.Metadata["project"] != "x" {
		t.Errorf("submitted %+v", job)
	}
}

func testListJobs(t *testing.T, f *opFarm) {
	if jobs, err := f.cl.Jobs(f.ctx); err != nil || len(jobs) != 0 {
		t.Fatalf("jobs of a new farm %v %v", jobs, err)
	}
	f.job()
	if jobs, err := f.cl.Jobs(f.ctx, model.JobQueued); err != nil || len(jobs) != 1 {
		t.Fatalf("queued jobs %v %v", jobs, err)
	}
	resp, err := authGet(f.cl, "/api/v1/jobs?status=nonsense")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("bad status filter answered %d", resp.StatusCode)
	}
}

func testGetJob(t *testing.T, f *opFarm) {
	job, _ := f.job()
	if got, err := f.cl.Job(f.ctx, job.ID); err != nil || got.ID != job.ID {
		t.Fatalf("job %+v %v", got, err)
	}
	_, err := f.cl.Job(f.ctx, "nope")
	wantStatus(t, err, 404)
}

func testListJobTasks(t *testing.T, f *opFarm) {
	f.job() // checks the three tasks
	_, err := f.cl.Tasks(f.ctx, "nope")
	wantStatus(t, err, 404)
}

func testGetTask(t *testing.T, f *opFarm) {
	_, tasks := f.job()
	if task, err := f.cl.Task(f.ctx, tasks[0].ID); err != nil || len(task.Commands) != 2 {
		t.Fatalf("task %+v %v", task, err)
	}
	_, err := f.cl.Task(f.ctx, "nope")
	wantStatus(t, err, 404)
}

func testUpdateJob(t *testing.T, f *opFarm) {
	job, _ := f.job()
	if j, err := f.cl.SetPythonOverrides(f.ctx, job.ID, "import bpy\nbpy.context.scene.cycles.samples = 4"); err != nil || !strings.Contains(j.PythonOverrides, "samples = 4") {
		t.Fatalf("python overrides %+v %v", j, err)
	}
	_, err := f.cl.SetPythonOverrides(f.ctx, "nope", "")
	wantStatus(t, err, 404)
}

func testApplyJobAction(t *testing.T, f *opFarm) {
	r := f.running()
	_, err := f.cl.JobAction(f.ctx, r.job.ID, model.JobResume, nil)
	wantStatus(t, err, 409)
	var apiErr *client.Error
	if !errors.As(err, &apiErr) || !slices.Contains(apiErr.AllowedActions, "pause") {
		t.Errorf("409 without the allowed actions: %+v", apiErr)
	}
	_, err = f.cl.JobAction(f.ctx, r.job.ID, "explode", nil)
	wantStatus(t, err, 400)
	_, err = f.cl.JobAction(f.ctx, r.job.ID, model.JobSetPriority, nil)
	wantStatus(t, err, 400)
	prio := 70
	if j, err := f.cl.JobAction(f.ctx, r.job.ID, model.JobSetPriority, &prio); err != nil || j.Priority != 70 {
		t.Fatalf("set-priority %+v %v", j, err)
	}
}

func testApplyTaskAction(t *testing.T, f *opFarm) {
	r := f.running()
	if _, err := r.w.wk.UpdateTask(f.ctx, r.a.Task.ID, wire.TaskUpdate{Status: model.ReportCompleted}); err != nil {
		t.Fatal(err)
	}
	_, err := f.cl.TaskAction(f.ctx, model.TaskRequeue, []string{r.tasks[1].ID})
	wantStatus(t, err, 409)
	_, err = f.cl.TaskAction(f.ctx, model.TaskCancel, nil)
	wantStatus(t, err, 400)
	if ts, err := f.cl.TaskAction(f.ctx, model.TaskCancel, []string{r.tasks[1].ID, r.tasks[2].ID}); err != nil || len(ts) != 2 {
		t.Fatalf("cancel tasks %v %v", ts, err)
	}
	if j, err := f.cl.Job(f.ctx, r.job.ID); err != nil || j.Status != model.JobCanceled {
		t.Fatalf("job %+v (%v) after its other tasks were canceled, want canceled", j, err)
	}
}

func testDeleteJob(t *testing.T, f *opFarm) {
	job, _ := f.job()
	wantStatus(t, f.cl.DeleteJob(f.ctx, "nope"), 404)
	if err := f.cl.DeleteJob(f.ctx, job.ID); err != nil {
		t.Fatal(err)
	}
	_, err := f.cl.Job(f.ctx, job.ID)
	wantStatus(t, err, 404)
}

// The stream says it is live, then tells of a job's coming and going.
func testStreamEvents(t *testing.T, f *opFarm) {
	events, stop := context.WithCancel(f.ctx)
	defer stop()
	stream := f.cl.Events(events)
	next := func(what string) model.Event {
		t.Helper()
		select {
		case ev := <-stream:
			return ev
		case <-time.After(10 * time.Second):
			t.Fatalf("no %s on the stream", what)
			return model.Event{}
		}
	}
	if ev := next("first message"); ev.Type != model.EventLive {
		t.Fatalf("first message %+v, want live", ev)
	}
	job, _ := f.job()
	if err := f.cl.DeleteJob(f.ctx, job.ID); err != nil {
		t.Fatal(err)
	}
	for created := false; ; {
		ev := next("event of the job")
		if ev.Type != model.EventJob || ev.Job == nil || ev.Job.ID != job.ID {
			continue
		}
		if ev.Deleted {
			if !created {
				t.Error("the job's deletion came before its creation")
			}
			return
		}
		created = true
	}
}

func testUploadRendered(t *testing.T, f *opFarm) {
	r := f.running()
	_, err := r.w.wk.UploadRendered(f.ctx, r.a.Task.ID, "image/gif", []byte("GIF89a"))
	wantStatus(t, err, 415)
	_, err = r.w.wk.UploadRendered(f.ctx, r.a.Task.ID, "image/png", []byte("not a png"))
	wantStatus(t, err, 400)
	_, err = r.w.wk.UploadRendered(f.ctx, r.tasks[1].ID, "image/png", tinyPNG(t))
	wantStatus(t, err, 409)
	if img, err := r.w.wk.UploadRendered(f.ctx, r.a.Task.ID, "image/png", tinyPNG(t)); err != nil || img.Width != 16 || img.JobID != r.job.ID {
		t.Fatalf("upload %+v %v", img, err)
	}
}

func testGetLastRendered(t *testing.T, f *opFarm) {
	_, err := f.cl.LastRendered(f.ctx)
	wantStatus(t, err, 404)
	r := f.running()
	if _, err := r.w.wk.UploadRendered(f.ctx, r.a.Task.ID, "image/png", tinyPNG(t)); err != nil {
		t.Fatal(err)
	}
	if img, err := f.cl.LastRendered(f.ctx); err != nil || img.TaskID != r.a.Task.ID {
		t.Fatalf("last rendered %+v %v", img, err)
	}
}

func testGetJobLastRendered(t *testing.T, f *opFarm) {
	r := f.running()
	_, err := f.cl.LastRenderedImage(f.ctx, r.job.ID, "thumb")
	wantStatus(t, err, 404)
	if _, err := r.w.wk.UploadRendered(f.ctx, r.a.Task.ID, "image/png", tinyPNG(t)); err != nil {
		t.Fatal(err)
	}
	for _, size := range []string{"full", "thumb"} {
		if b, err := f.cl.LastRenderedImage(f.ctx, r.job.ID, size); err != nil || len(b) < 100 || string(b[:2]) != "\xff\xd8" {
			t.Fatalf("%s image: %d bytes %v", size, len(b), err)
		}
	}
	_, err = f.cl.LastRenderedImage(f.ctx, r.job.ID, "huge")
	wantStatus(t, err, 400)
}

func testUpdateTask(t *testing.T, f *opFarm) {
	r := f.running()
	steps := 1
	if rep, err := r.w.wk.UpdateTask(f.ctx, r.a.Task.ID, wire.TaskUpdate{StepsCompleted: &steps, Log: "hello\n"}); err != nil || !rep.MayKeepRunning {
		t.Fatalf("update %+v %v", rep, err)
	}
	_, err := r.w.wk.UpdateTask(f.ctx, r.a.Task.ID, wire.TaskUpdate{Status: "soft-failed"})
	wantStatus(t, err, 400)
	_, err = r.w.wk.UpdateTask(f.ctx, r.tasks[1].ID, wire.TaskUpdate{Status: model.ReportCompleted})
	wantStatus(t, err, 409)
	if _, err := r.w.wk.UpdateTask(f.ctx, r.a.Task.ID, wire.TaskUpdate{Status: model.ReportCompleted}); err != nil {
		t.Fatal(err)
	}
	if task, err := f.cl.Task(f.ctx, r.a.Task.ID); err != nil || task.Status != model.TaskCompleted {
		t.Fatalf("task %+v %v after its completion", task, err)
	}
}

// logged is a running task that logged "hello".
func (f *opFarm) logged() running {
	f.t.Helper()
	r := f.running()
	if _, err := r.w.wk.UpdateTask(f.ctx, r.a.Task.ID, wire.TaskUpdate{Log: "hello\n"}); err != nil {
		f.t.Fatal(err)
	}
	return r
}

func testGetTaskLog(t *testing.T, f *opFarm) {
	r := f.logged()
	if log, err := f.cl.TaskLog(f.ctx, r.a.Task.ID); err != nil || !strings.Contains(log, "hello") {
		t.Fatalf("log %q %v", log, err)
	}
	_, err := f.cl.TaskLog(f.ctx, "nope")
	wantStatus(t, err, 404)
}

func testGetTaskLogTail(t *testing.T, f *opFarm) {
	r := f.logged()
	if tail, err := f.cl.TaskLogTail(f.ctx, r.a.Task.ID, 1); err != nil || strings.Count(tail, "\n") != 1 {
		t.Fatalf("tail %q %v", tail, err)
	}
	_, err := f.cl.TaskLogTail(f.ctx, r.a.Task.ID, 0)
	wantStatus(t, err, 400)
}

func testGetTaskWhy(t *testing.T, f *opFarm) {
	_, tasks := f.job()
	f.worker()
	why, err := f.cl.Why(f.ctx, tasks[1].ID)
	if err != nil || len(why.Workers) != 1 || !why.Workers[0].WouldRun || len(why.Workers[0].Reasons) != 0 {
		t.Fatalf("why %+v %v", why, err)
	}
	_, err = f.cl.Why(f.ctx, "nope")
	wantStatus(t, err, 404)
}

func testGetJobBlocklist(t *testing.T, f *opFarm) {
	job, _ := f.job()
	if bl, err := f.cl.Blocklist(f.ctx, job.ID); err != nil || len(bl) != 0 {
		t.Fatalf("blocklist %v %v", bl, err)
	}
}

func testClearJobBlocklist(t *testing.T, f *opFarm) {
	job, _ := f.job()
	w := f.worker()
	if j, err := f.cl.ClearBlocklist(f.ctx, job.ID, "", ""); err != nil || j.ID != job.ID {
		t.Fatalf("clear blocklist %v %v", j, err)
	}
	_, err := f.cl.ClearBlocklist(f.ctx, job.ID, w.id, "misc")
	wantStatus(t, err, 404) // not on the list
}

func testApplyJobActions(t *testing.T, f *opFarm) {
	a, _ := f.job()
	b, _ := f.job()
	prio := 80
	jobs, err := f.cl.JobActions(f.ctx, model.JobSetPriority, []string{a.ID, b.ID}, &prio)
	if err != nil || len(jobs) != 2 || jobs[0].ID != a.ID || jobs[1].Priority != 80 {
		t.Fatalf("set-priority on two jobs: %v %v", jobs, err)
	}
	_, err = f.cl.JobActions(f.ctx, model.JobPause, []string{a.ID, "nope"}, nil)
	wantStatus(t, err, 404)
	if j, _ := f.cl.Job(f.ctx, a.ID); j.Status == model.JobPaused || j.Status == model.JobPauseRequested {
		t.Fatalf("a refused batch paused job %s", a.ID)
	}
	_, err = f.cl.JobActions(f.ctx, model.JobSetPriority, []string{a.ID}, nil)
	wantStatus(t, err, 400)
	_, err = f.cl.JobActions(f.ctx, model.JobResume, []string{a.ID}, nil)
	wantStatus(t, err, 409)
}
