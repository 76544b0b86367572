package ui_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/model"
	"farmhand/ui"
)

const settingsWait = 10 * time.Second

func openSettings(t *testing.T, ctx context.Context, cl *client.Client, admin bool) *ui.Serial {
	t.Helper()
	u := ui.NewSerial(ctx, ui.Config{App: test.NewTempApp(t), Client: cl, Farm: "test"})
	u.Start()
	u.Until(t, "the first load", settingsWait, u.Online)
	if admin {
		u.Until(t, "admin rights", settingsWait, u.Admin)
	}
	u.Until(t, "the settings", settingsWait, u.SettingsShown)
	return u
}

// An admin edits the farm settings in the Settings view: a bad value is
// refused there with the field's label and the rule, and nothing is sent; a
// good one reaches the manager.
func TestSettingsViewEditsTheFarmSettings(t *testing.T) {
	cl := startFarm(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	u := openSettings(t, ctx, cl, true)
	u.Until(t, "the settings form", settingsWait, u.SettingsEditable)
	if got := u.SettingsEntry("task_timeout").Text; got != "10m0s" {
		t.Fatalf("task timeout entry %q", got)
	}
	for _, c := range []struct{ field, text, want string }{
		{"task_timeout", "soon", `Task timeout: "soon" is not a duration`},
		{"task_timeout", "0s", "Task timeout: must be between 1s"},
		{"task_timeout", "5s", `Task timeout: "5s" is too short: at least 30s`},
		{"max_task_failures", "three", `Task failures: "three" is not a whole number`},
		{"max_task_failures", "99999999999999999999", `Task failures: "99999999999999999999" is far too large a number`},
		{"fail_threshold", "10", "Job fails above: must be above 0 and at most 1"},
		{"max_file_size", "12 parsecs", `Largest upload: size "12 parsecs"`},
		{"max_job_size", "512KiB", `Upload job size: size "512KiB" is 524288 bytes, below 1 MiB`},
		{"upload_timeout", "30s", "Upload wait: must be 0 (the default, 24h0m0s) or between 1m0s"},
	} {
		u.SettingsEntry(c.field).SetText(c.text)
		u.SaveSettings()
		if got := u.SettingsProblem(); !strings.HasPrefix(got, c.want) {
			t.Errorf("%s %q: the form says %q, want %q", c.field, c.text, got, c.want)
		}
		u.SettingsEntry("task_timeout").SetText("10m0s")
		u.SettingsEntry("max_task_failures").SetText("3")
		u.SettingsEntry("fail_threshold").SetText("0.1")
		u.SettingsEntry("max_file_size").SetText("50 GiB")
		u.SettingsEntry("max_job_size").SetText("200 GiB")
		u.SettingsEntry("upload_timeout").SetText("24h0m0s")
	}
	if got := u.SettingsEntry("max_file_size").Text; got != "50 GiB" {
		t.Errorf("largest upload entry %q, want the default, 50 GiB", got)
	}
	u.SettingsEntry("max_file_size").SetText("2GiB")
	u.SettingsEntry("task_timeout").SetText("15m")
	u.SettingsEntry("worker_timeout").SetText("2m")
	u.SettingsEntry("upload_timeout").SetText("48h")
	u.SaveSettings()
	u.Until(t, "the form showing the saved settings", settingsWait, func() bool {
		return u.SettingsEntry("task_timeout").Text == "15m0s" && u.SettingsProblem() == ""
	})
	c, err := cl.Config(ctx)
	if err != nil || c.TaskTimeout != "15m0s" || c.WorkerTimeout != "2m0s" || c.MaxTaskFailures != 3 ||
		c.MaxFileSize != 2<<30 || c.MaxJobSize != 200<<30 || c.UploadTimeout != "48h0m0s" {
		t.Fatalf("the manager's settings: %+v %v", c, err)
	}

	// A change made elsewhere shows when the settings event comes.
	if _, err := cl.UpdateConfig(ctx, wire.ConfigUpdate{MaxTaskFailures: ptr(7)}); err != nil {
		t.Fatal(err)
	}
	u.SettingsChanged()
	u.Until(t, "the change made elsewhere", settingsWait, func() bool { return u.SettingsEntry("max_task_failures").Text == "7" })
}

func ptr[T any](v T) *T { return &v }

// An admin adds, refuses and deletes path variables in the Settings view.
func TestSettingsViewEditsVariables(t *testing.T) {
	cl := startFarm(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	u := openSettings(t, ctx, cl, true)
	u.Until(t, "the Add button", settingsWait, u.CanAddVariable)

	u.AddVariable("9lives", false, map[string]string{"linux": "/x"})
	if got := u.VariableProblem(); !strings.HasPrefix(got, "a name is a letter") {
		t.Errorf("a bad name: the dialog says %q", got)
	}
	u.AddVariable("projects", true, map[string]string{})
	if got := u.VariableProblem(); !strings.HasPrefix(got, "needs a value for at least one platform") {
		t.Errorf("no values: the dialog says %q", got)
	}
	u.AddVariable("projects", true, map[string]string{"linux": "/mnt/projects", "windows": `P:\`})
	want := `{projects} linux: /mnt/projects · windows: P:\`
	u.Until(t, "the new variable listed", settingsWait, func() bool { return slices.Contains(u.VariableRows(), want) })
	v, err := cl.Variable(ctx, "projects")
	if err != nil || !v.Storage || v.Values["windows"] != `P:\` {
		t.Fatalf("the manager's projects: %+v %v", v, err)
	}
	u.DeleteVariable("projects")
	u.Until(t, "the variable gone", settingsWait, func() bool { return len(u.VariableRows()) == 0 })
	if vs, _ := cl.Variables(ctx); len(vs) != 0 {
		t.Errorf("the manager still has %+v", vs)
	}
}

// Artists see the settings and variables but cannot change them.
func TestSettingsViewIsReadOnlyForArtists(t *testing.T) {
	admin := startFarm(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := admin.PutVariable(ctx, "renders", wire.VariableChange{Storage: true, Values: map[string]string{"all": "/srv/renders"}}); err != nil {
		t.Fatal(err)
	}
	joined, err := admin.WithToken("").Join(ctx, wire.JoinRequest{Name: "artist", Platform: "linux", Wants: model.RoleArtist})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Approve(ctx, joined.Member.ID, model.RoleArtist); err != nil {
		t.Fatal(err)
	}
	u := openSettings(t, ctx, admin.WithToken(joined.Token), false)
	u.Until(t, "who this window is", settingsWait, func() bool { return u.ReadOnlySetting("Task timeout") != "" })
	if u.SettingsEditable() || u.CanAddVariable() {
		t.Errorf("an artist may edit: form %v, add %v", u.SettingsEditable(), u.CanAddVariable())
	}
	if got := u.ReadOnlySetting("Task timeout"); !strings.HasPrefix(got, "10m0s") {
		t.Errorf("task timeout row %q", got)
	}
	if rows := u.VariableRows(); len(rows) != 1 || rows[0] != "{renders} all: /srv/renders" {
		t.Errorf("variables %v", rows)
	}
}
