package api_test

import (
	"strings"
	"testing"
	"time"

	"farmhand/farm/api/wire"
	"farmhand/farm/availability"
	"farmhand/farm/model"
)

// The subtests of TestEveryOperationAgainstTheDocument for availability
// rules and Wake-on-LAN (issue 14), added to its table.
func init() {
	operations = append(operations, []struct {
		id  string
		run func(*testing.T, *opFarm)
	}{
		{"getWorkerAvailability", testGetWorkerAvailability}, {"putWorkerAvailability", testPutWorkerAvailability},
		{"reportAvailability", testReportAvailability}, {"wakeWorker", testWakeWorker},
	}...)
}

func testPutWorkerAvailability(t *testing.T, f *opFarm) {
	w := f.worker()
	sched, _ := availability.ParseSchedule("mon-fri 19:00-08:00, sat-sun 00:00-24:00")
	rules := availability.Rules{IdleAfter: availability.Duration(10 * time.Minute), Schedule: sched,
		OnReturn: availability.ReturnStop, Grace: availability.Duration(90 * time.Second)}
	// The worker's own member sets its rules...
	got, err := w.cl.SetWorkerAvailability(f.ctx, w.id, rules)
	if err != nil || got.Rules.Schedule.String() != sched.String() || got.Rules.GraceOrDefault() != 90*time.Second {
		t.Fatalf("set by its own member: %+v, %v", got, err)
	}
	// ...an admin too, and a render-now override goes with the rest.
	rules.Override = &availability.Override{Render: true, Until: time.Now().Add(time.Hour).UTC().Truncate(time.Second)}
	if got, err := f.cl.SetWorkerAvailability(f.ctx, w.id, rules); err != nil || got.Rules.Override == nil || !got.Rules.Override.Render {
		t.Fatalf("set by an admin: %+v, %v", got, err)
	}
	// Another member may not.
	other := f.join("other")
	_, err = other.cl.SetWorkerAvailability(f.ctx, w.id, availability.Rules{})
	wantStatus(t, err, 403)
	// Invalid rules are a 400 naming the field.
	_, err = f.cl.SetWorkerAvailability(f.ctx, w.id, availability.Rules{OnReturn: "later"})
	wantStatus(t, err, 400)
	if err == nil || !strings.Contains(err.Error(), "on_return") {
		t.Errorf("error %v does not name on_return", err)
	}
	_, err = f.cl.SetWorkerAvailability(f.ctx, "nobody", rules)
	wantStatus(t, err, 404)
}

func testGetWorkerAvailability(t *testing.T, f *opFarm) {
	w := f.worker()
	got, err := w.cl.WorkerAvailability(f.ctx, w.id)
	if err != nil || got.WorkerID != w.id || !got.Rules.IsZero() || got.Decision != nil {
		t.Fatalf("a new worker's availability: %+v, %v", got, err)
	}
	other := f.join("other")
	_, err = other.cl.WorkerAvailability(f.ctx, w.id)
	wantStatus(t, err, 403)
	_, artist := member(t, f.cl, "artist", model.RoleArtist)
	if _, err := artist.WorkerAvailability(f.ctx, w.id); err != nil {
		t.Errorf("an artist reading: %v", err)
	}
	_, err = f.cl.WorkerAvailability(f.ctx, "nobody")
	wantStatus(t, err, 404)
}

func testReportAvailability(t *testing.T, f *opFarm) {
	w := f.worker()
	if _, err := f.cl.SetWorkerAvailability(f.ctx, w.id, availability.Rules{IdleAfter: availability.Duration(5 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	until := time.Now().Add(5 * time.Minute).UTC().Truncate(time.Second)
	rules, err := w.wk.ReportAvailability(f.ctx, wire.AvailabilityReport{
		Decision: availability.Decision{Available: false, Rule: availability.RulePresent, Until: until, Detail: "in use"},
		MACs:     []string{"aa:bb:cc:dd:ee:ff"}})
	if err != nil || rules.IdleAfter.D() != 5*time.Minute {
		t.Fatalf("the report answered %+v, %v", rules, err)
	}
	wk, err := f.cl.Worker(f.ctx, w.id)
	if err != nil || wk.Availability == nil || wk.Availability.Rule != availability.RulePresent || !wk.Availability.Until.Equal(until) ||
		len(wk.MACs) != 1 {
		t.Fatalf("the workers view sees %+v %v, %v", wk.Availability, wk.MACs, err)
	}
	got, err := f.cl.WorkerAvailability(f.ctx, w.id)
	if err != nil || got.Decision == nil || got.Decision.Rule != availability.RulePresent {
		t.Errorf("availability with its decision: %+v, %v", got, err)
	}
}

// Waking by hand with a packet is tested on 127.0.0.1 in the manager's
// tests; here the API's other answers, which send nothing.
func testWakeWorker(t *testing.T, f *opFarm) {
	w := f.worker()
	_, err := f.cl.WakeWorker(f.ctx, w.id) // awake already
	wantStatus(t, err, 400)
	if _, err := f.cl.WorkerAction(f.ctx, w.id, model.WorkerSleep, false); err != nil {
		t.Fatal(err)
	}
	if _, err := w.wk.ReportStatus(f.ctx, model.WorkerAsleep); err != nil {
		t.Fatal(err)
	}
	res, err := f.cl.WakeWorker(f.ctx, w.id)
	if err != nil || !res.StatusChanged || len(res.Packets) != 0 || res.Worker.StatusRequested != model.WorkerAwake {
		t.Fatalf("waking an asleep worker: %+v, %v", res, err)
	}
	if err := w.wk.SignOff(f.ctx); err != nil {
		t.Fatal(err)
	}
	_, err = f.cl.WakeWorker(f.ctx, w.id) // offline without a MAC
	wantStatus(t, err, 400)
	if err == nil || !strings.Contains(err.Error(), "no MAC") {
		t.Errorf("error %v does not say there is no MAC", err)
	}
	_, err = f.cl.WakeWorker(f.ctx, "nobody")
	wantStatus(t, err, 404)
}
