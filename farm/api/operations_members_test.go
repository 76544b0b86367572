package api_test

import (
	"testing"
	"time"

	"farmhand/farm/api/wire"
	"farmhand/farm/model"
)

// The subtests of TestEveryOperationAgainstTheDocument for joining, members
// and workers.

func testJoinFarm(t *testing.T, f *opFarm) {
	_, err := f.anon.Join(f.ctx, wire.JoinRequest{Name: ""})
	wantStatus(t, err, 400)
	_, err = f.anon.Join(f.ctx, wire.JoinRequest{Name: "box", JoinCode: "000-000-000-000"})
	wantStatus(t, err, 401)
	f.join("box")       // with the code: in at once
	f.pending("laptop") // without: waits
}

func testGetJoinStatus(t *testing.T, f *opFarm) {
	w := f.join("box")
	if st, err := w.cl.JoinStatus(f.ctx); err != nil || st.ID != w.id {
		t.Fatalf("join status %+v %v", st, err)
	}
	_, err := f.anon.JoinStatus(f.ctx)
	wantStatus(t, err, 401)
}

func testWhoami(t *testing.T, f *opFarm) {
	if me, err := f.join("box").cl.Whoami(f.ctx); err != nil || me.Role != model.RoleWorker {
		t.Fatalf("whoami %+v %v", me, err)
	}
}

func testSignOn(t *testing.T, f *opFarm) {
	f.worker()
	second, _ := member(t, f.cl, "other", model.RoleWorker)
	_, err := f.cl.AsWorker(second, "").SignOn(f.ctx, wire.WorkerRegistration{Name: "x", Platform: "linux"})
	wantStatus(t, err, 403) // an admin acting as another member's worker
}

func testScheduleTask(t *testing.T, f *opFarm) {
	job, tasks := f.job()
	w := f.join("box")
	_, _, err := f.cl.AsWorker(w.id, "wrong").Schedule(f.ctx)
	wantStatus(t, err, 401)
	_, _, err = w.wk.Schedule(f.ctx) // joined but not signed on: not a worker yet
	wantStatus(t, err, 404)
	if _, err := w.wk.SignOn(f.ctx, wire.WorkerRegistration{Name: "box", Platform: "linux", Version: "test", TaskTypes: []string{"misc"}}); err != nil {
		t.Fatal(err)
	}
	if a, _, err := w.wk.Schedule(f.ctx); err != nil || a == nil || a.Task.ID != tasks[0].ID || a.Job.ID != job.ID {
		t.Fatalf("schedule %+v %v", a, err)
	}
}

func testHeartbeat(t *testing.T, f *opFarm) {
	r := f.running()
	stats := &model.HostStats{CPUPercent: 42.5, MemUsedMB: 1024, MemTotalMB: 8192, CPUs: 2, Sampled: time.Now().UTC()}
	if hb, err := r.w.wk.Heartbeat(f.ctx, r.a.Task.ID, stats); err != nil || !hb.MayKeepRunning {
		t.Fatalf("heartbeat %+v %v", hb, err)
	}
	if w, err := f.cl.Worker(f.ctx, r.w.id); err != nil || w.Stats == nil || w.Stats.CPUPercent != 42.5 {
		t.Fatalf("worker stats after a heartbeat: %+v %v", w, err)
	}
	if _, err := f.cl.WorkerAction(f.ctx, r.w.id, model.WorkerSleep, false); err != nil {
		t.Fatal(err)
	}
	if hb, err := r.w.wk.Heartbeat(f.ctx, ""); err != nil || hb.StatusRequested != model.WorkerAsleep || !hb.Lazy {
		t.Fatalf("heartbeat carries no request: %+v %v", hb, err)
	}
}

func testUpdateWorker(t *testing.T, f *opFarm) {
	w := f.worker()
	name := "renamed box"
	if got, err := f.cl.UpdateWorker(f.ctx, w.id, wire.WorkerChange{Name: &name, Tags: &[]string{"gpu"}}); err != nil || got.Name != name {
		t.Fatalf("update worker %+v %v", got, err)
	}
	_, err := f.cl.UpdateWorker(f.ctx, w.id, wire.WorkerChange{Tags: &[]string{""}})
	wantStatus(t, err, 400)
}

func testApplyWorkerAction(t *testing.T, f *opFarm) {
	w := f.worker()
	if got, err := f.cl.WorkerAction(f.ctx, w.id, model.WorkerSleep, false); err != nil || got.StatusRequested != model.WorkerAsleep {
		t.Fatalf("sleep %+v %v", got, err)
	}
	_, err := f.cl.WorkerAction(f.ctx, w.id, model.WorkerWake, false)
	wantStatus(t, err, 409)
	_, err = f.cl.WorkerAction(f.ctx, w.id, "explode", false)
	wantStatus(t, err, 400)
	if err := w.wk.SignOff(f.ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := f.cl.WorkerAction(f.ctx, w.id, model.WorkerDelete, false); err != nil || got != nil {
		t.Fatalf("delete through actions: %v %v", got, err)
	}
}

// A requested status reaches the worker, which reports it taken; a wake
// while asleep comes with the next ask for work.
func testReportWorkerStatus(t *testing.T, f *opFarm) {
	w := f.worker()
	if _, err := f.cl.WorkerAction(f.ctx, w.id, model.WorkerSleep, false); err != nil {
		t.Fatal(err)
	}
	if got, err := w.wk.ReportStatus(f.ctx, model.WorkerAsleep); err != nil || got.Status != model.WorkerAsleep {
		t.Fatalf("report status %+v %v", got, err)
	}
	_, err := w.wk.ReportStatus(f.ctx, model.WorkerOffline)
	wantStatus(t, err, 400)
	if _, err := f.cl.WorkerAction(f.ctx, w.id, model.WorkerWake, false); err != nil {
		t.Fatal(err)
	}
	if a, change, err := w.wk.Schedule(f.ctx); err != nil || a != nil || change == nil || change.StatusRequested != model.WorkerAwake {
		t.Fatalf("schedule while a wake is pending: %v %+v %v", a, change, err)
	}
	if got, err := w.wk.ReportStatus(f.ctx, model.WorkerAwake); err != nil || got.Status != model.WorkerAwake {
		t.Fatalf("report awake %+v %v", got, err)
	}
}

func testListWorkers(t *testing.T, f *opFarm) {
	f.worker()
	if ws, err := f.cl.Workers(f.ctx); err != nil || len(ws) != 1 {
		t.Fatalf("workers %v %v", ws, err)
	}
}

func testGetWorker(t *testing.T, f *opFarm) {
	w := f.worker()
	if got, err := f.cl.Worker(f.ctx, w.id); err != nil || got.Name != "box" {
		t.Fatalf("worker %+v %v", got, err)
	}
	_, err := f.cl.Worker(f.ctx, "nope")
	wantStatus(t, err, 404)
}

func testSignOff(t *testing.T, f *opFarm) {
	w := f.worker()
	if err := w.wk.SignOff(f.ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := f.cl.Worker(f.ctx, w.id); err != nil || got.Status != model.WorkerOffline {
		t.Fatalf("after sign-off: %+v %v", got, err)
	}
}

func testDeleteWorker(t *testing.T, f *opFarm) {
	w := f.worker()
	if err := f.cl.DeleteWorker(f.ctx, w.id); err != nil {
		t.Fatal(err)
	}
	_, err := f.cl.Worker(f.ctx, w.id)
	wantStatus(t, err, 404)
	second, _ := member(t, f.cl, "other", model.RoleWorker)
	wantStatus(t, f.cl.DeleteWorker(f.ctx, second), 404) // a member, but never a worker
}

func testListMembers(t *testing.T, f *opFarm) {
	f.pending("laptop")
	if ms, err := f.cl.Members(f.ctx, model.MemberPending); err != nil || len(ms) != 1 || ms[0].Name != "laptop" {
		t.Fatalf("pending members %v %v", ms, err)
	}
	_, err := f.cl.Members(f.ctx, "sideways")
	wantStatus(t, err, 400)
}

func testApproveMember(t *testing.T, f *opFarm) {
	p := f.pending("laptop")
	_, err := f.cl.Approve(f.ctx, p.Member.ID, "overlord")
	wantStatus(t, err, 400)
	_, err = f.cl.Approve(f.ctx, "nope", model.RoleArtist)
	wantStatus(t, err, 404)
	if m, err := f.cl.Approve(f.ctx, p.Member.ID, model.RoleArtist); err != nil || m.Role != model.RoleArtist {
		t.Fatalf("approve %+v %v", m, err)
	}
}

func testRejectMember(t *testing.T, f *opFarm) {
	approved, _ := member(t, f.cl, "laptop", model.RoleArtist)
	_, err := f.cl.Reject(f.ctx, approved)
	wantStatus(t, err, 400)
	late := f.pending("stranger")
	if m, err := f.cl.Reject(f.ctx, late.Member.ID); err != nil || m.Status != model.MemberRejected {
		t.Fatalf("reject %+v %v", m, err)
	}
}

func testRevokeMember(t *testing.T, f *opFarm) {
	id, artist := member(t, f.cl, "laptop", model.RoleArtist)
	if m, err := f.cl.Revoke(f.ctx, id); err != nil || m.Status != model.MemberRevoked {
		t.Fatalf("revoke %+v %v", m, err)
	}
	_, err := artist.Jobs(f.ctx)
	wantStatus(t, err, 401)
}

func testGetJoinCode(t *testing.T, f *opFarm) {
	code, err := f.cl.JoinCode(f.ctx, false)
	if err != nil || len(code) != 15 {
		t.Fatalf("join code %q %v", code, err)
	}
	if again, err := f.cl.JoinCode(f.ctx, false); err != nil || again != code {
		t.Fatalf("the code changed on a second look: %q %v", again, err)
	}
}

func testNewJoinCode(t *testing.T, f *opFarm) {
	code, err := f.cl.JoinCode(f.ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if fresh, err := f.cl.JoinCode(f.ctx, true); err != nil || fresh == code {
		t.Fatalf("new join code %q %v", fresh, err)
	}
}
