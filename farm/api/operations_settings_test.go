package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"farmhand/farm/api/wire"
	"farmhand/farm/model"
	"farmhand/internal/farmtest"
)

// The subtests of TestEveryOperationAgainstTheDocument for the farm's
// settings and path variables (issue 11), added to its table.
func init() {
	operations = append(operations, []struct {
		id  string
		run func(*testing.T, *opFarm)
	}{
		{"updateConfig", testUpdateConfig}, {"listVariables", testListVariables}, {"getVariable", testGetVariable},
		{"putVariable", testPutVariable}, {"deleteVariable", testDeleteVariable},
	}...)
}

func ptr[T any](v T) *T { return &v }

func testUpdateConfig(t *testing.T, f *opFarm) {
	c, err := f.cl.UpdateConfig(f.ctx, wire.ConfigUpdate{TaskTimeout: ptr("15m"), MaxTaskFailures: ptr(5)})
	if err != nil || c.TaskTimeout != "15m0s" || c.MaxTaskFailures != 5 || c.WorkerTimeout != "1m0s" {
		t.Fatalf("after the update: %+v %v", c, err)
	}
	if got, err := f.cl.Config(f.ctx); err != nil || got.TaskTimeout != "15m0s" || got.Variables == nil {
		t.Fatalf("config read back: %+v %v", got, err)
	}
	// Each refusal is a 400 naming the field and the rule, and changes nothing.
	for _, c := range []struct {
		u    wire.ConfigUpdate
		want string
	}{
		{wire.ConfigUpdate{TaskTimeout: ptr("soon")}, `task_timeout: "soon" is not a duration`},
		{wire.ConfigUpdate{TaskTimeout: ptr("0s")}, "task_timeout: must be between 1s"},
		{wire.ConfigUpdate{FailThreshold: ptr(2.0)}, "fail_threshold: must be above 0 and at most 1"},
		{wire.ConfigUpdate{BlocklistThreshold: ptr(0)}, "blocklist_threshold: must be a whole number from 1"},
		{wire.ConfigUpdate{FarmName: ptr("")}, "farm_name: must be 1 to 64"},
		{wire.ConfigUpdate{ScriptsDir: ptr("scripts")}, "scripts_dir: must be an absolute folder"},
		{wire.ConfigUpdate{Variables: &[]model.Variable{{Name: "x", Values: map[string]string{"amiga": "/x"}}}}, `variables[x]: "amiga" is not a platform`},
		{wire.ConfigUpdate{}, "no setting given"},
	} {
		_, err := f.cl.UpdateConfig(f.ctx, c.u)
		wantStatus(t, err, 400)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want it to say %q", err, c.want)
		}
	}
	if got, _ := f.cl.Config(f.ctx); got.TaskTimeout != "15m0s" || got.FailThreshold != model.DefaultFailThreshold {
		t.Errorf("a refused update changed the settings: %+v", got)
	}
	_, artist := member(t, f.cl, "artist", model.RoleArtist)
	_, err = artist.UpdateConfig(f.ctx, wire.ConfigUpdate{TaskTimeout: ptr("1h")})
	wantStatus(t, err, 403)
}

func projects() wire.VariableChange {
	return wire.VariableChange{Storage: true, Values: map[string]string{"linux": "/mnt/projects", "windows": `P:\`}}
}

func testListVariables(t *testing.T, f *opFarm) {
	if vs, err := f.cl.Variables(f.ctx); err != nil || len(vs) != 0 {
		t.Fatalf("a new farm's variables: %v %v", vs, err)
	}
	farmtest.Must(f.cl.PutVariable(f.ctx, "projects", projects()))(t)
	farmtest.Must(f.cl.PutVariable(f.ctx, "blender", wire.VariableChange{Values: map[string]string{"all": "/opt/blender/blender"}}))(t)
	vs, err := f.cl.Variables(f.ctx)
	if err != nil || len(vs) != 2 || vs[0].Name != "blender" || !vs[1].Storage {
		t.Fatalf("variables %+v %v", vs, err)
	}
}

func testGetVariable(t *testing.T, f *opFarm) {
	farmtest.Must(f.cl.PutVariable(f.ctx, "projects", projects()))(t)
	v, err := f.cl.Variable(f.ctx, "projects")
	if err != nil || v.Values["windows"] != `P:\` || !v.Storage {
		t.Fatalf("projects %+v %v", v, err)
	}
	_, err = f.cl.Variable(f.ctx, "nope")
	wantStatus(t, err, 404)
}

func testPutVariable(t *testing.T, f *opFarm) {
	v, err := f.cl.PutVariable(f.ctx, "projects", projects())
	if err != nil || v.Name != "projects" || v.Values["linux"] != "/mnt/projects" {
		t.Fatalf("put %+v %v", v, err)
	}
	// Replacing drops the values not given.
	v, err = f.cl.PutVariable(f.ctx, "projects", wire.VariableChange{Values: map[string]string{"darwin": "/Volumes/projects"}})
	if err != nil || len(v.Values) != 1 || v.Storage {
		t.Fatalf("replaced %+v %v", v, err)
	}
	_, err = f.cl.PutVariable(f.ctx, "9lives", projects())
	wantStatus(t, err, 400)
	_, err = f.cl.PutVariable(f.ctx, "empty", wire.VariableChange{Values: map[string]string{}})
	wantStatus(t, err, 400)
	if err == nil || !strings.Contains(err.Error(), "variables[empty]: needs a value") {
		t.Errorf("no values: %v", err)
	}
	_, artist := member(t, f.cl, "artist", model.RoleArtist)
	_, err = artist.PutVariable(f.ctx, "x", projects())
	wantStatus(t, err, 403)
}

func testDeleteVariable(t *testing.T, f *opFarm) {
	farmtest.Must(f.cl.PutVariable(f.ctx, "projects", projects()))(t)
	if err := f.cl.DeleteVariable(f.ctx, "projects"); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, f.cl.DeleteVariable(f.ctx, "projects"), 404)
}

// An admin's change reaches every event stream as a settings event.
func TestSettingsEventReachesTheStream(t *testing.T) {
	cl, _, _ := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, artist := member(t, cl, "watcher", model.RoleArtist)
	events := artist.Events(ctx)
	for ev := range events {
		if ev.Type == model.EventLive {
			break
		}
	}
	if _, err := cl.UpdateConfig(ctx, wire.ConfigUpdate{TaskTimeout: ptr("15m")}); err != nil {
		t.Fatal(err)
	}
	for ev := range events {
		if ev.Type == model.EventSettings {
			if ev.Settings == nil || ev.Settings.TaskTimeout.D() != 15*time.Minute {
				t.Fatalf("settings event %+v", ev.Settings)
			}
			return
		}
	}
	t.Fatal("the stream ended without a settings event")
}
