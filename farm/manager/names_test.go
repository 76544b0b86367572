package manager

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"farmhand/farm/model"
	"farmhand/internal/farmtest"
)

// Names and tags people type are checked where they are stored, for every
// client (found by a fresh-eyes try): a line break or tab in a job or worker
// name broke every listing; a required tag with a comma or spaces around it
// was one no worker could ever be given, so its job waited for ever.
func TestNamesAndTagsAreCheckedWhereStored(t *testing.T) {
	m := openManager(t)
	for _, name := range []string{"shot\n010", "shot\t010", "shot\x00"} {
		_, err := m.Submit(Submission{Name: name, Type: "echo-sleep-test", Settings: map[string]any{"frames": "1"}})
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "control character") {
			t.Errorf("job name %q: %v", name, err)
		}
	}
	for tags, want := range map[string]string{"gpu,big": "holds a comma", " ": "cannot be empty", "gpu\n": ""} {
		j, err := m.Submit(Submission{Name: "tagged", Type: "echo-sleep-test", Settings: map[string]any{"frames": "1"},
			RequiredTags: []string{tags}})
		if want == "" {
			if err != nil || !slices.Equal(j.RequiredTags, []string{"gpu"}) {
				t.Errorf("required tag %q: %v, %v; want it trimmed to gpu", tags, j, err)
			}
			continue
		}
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("required tag %q: %v, want %q", tags, err, want)
		}
	}
	j, err := m.Submit(Submission{Name: "trimmed", Type: "echo-sleep-test", Settings: map[string]any{"frames": "1"},
		RequiredTags: []string{" gpu ", "gpu", "big"}})
	if err != nil || !slices.Equal(j.RequiredTags, []string{"gpu", "big"}) {
		t.Errorf("required tags trimmed and once each: %v, %v", j, err)
	}

	w := register(t, m, "box")
	bad := "box\nof tricks"
	if _, err := m.UpdateWorker(w.ID, WorkerChange{Name: &bad}); !errors.Is(err, ErrInvalid) {
		t.Errorf("renaming a worker %q: %v", bad, err)
	}
	if _, err := m.UpdateWorker(w.ID, WorkerChange{Tags: &[]string{"gpu,big"}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("a worker tag with a comma: %v", err)
	}
	if _, err := m.SignOn(w.ID, WorkerInfo{Name: "box", Platform: "linux", Tags: []string{"a,b"}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("signing on with a tag holding a comma: %v", err)
	}
	got, err := m.SignOn(w.ID, WorkerInfo{Name: "box", Platform: "linux", TaskTypes: []string{"misc"}, Tags: []string{" gpu "}})
	if err != nil || !slices.Equal(got.Tags, []string{"gpu"}) {
		t.Errorf("signing on with ' gpu ': %v, %v", got, err)
	}
}

// A member cannot revoke or demote the farm's last admin: nobody could then
// approve, revoke or change a setting, the manager computer's own token
// included (found by a fresh-eyes try). With a second admin, either may go.
func TestTheLastAdminStays(t *testing.T) {
	m := openManager(t)
	first, _, err := m.CreateAdmin("studio-server (manager)")
	if err != nil {
		t.Fatal(err)
	}
	by := Actor{MemberID: first.ID, Name: first.Name, Role: model.RoleAdmin, Admin: true}
	for what, change := range map[string]func() error{
		"revoke": func() error { _, err := m.RevokeBy(by, first.ID); return err },
		"demote": func() error { _, err := m.ApproveBy(by, first.ID, model.RoleArtist); return err },
	} {
		if err := change(); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "last admin") {
			t.Errorf("%s the last admin: %v", what, err)
		}
	}
	for _, mb := range farmtest.Must(m.Members(""))(t) {
		if mb.ID == first.ID && !isAdmin(mb) {
			t.Fatalf("the last admin is now %s %s", mb.Status, mb.Role)
		}
	}
	second, _, err := m.CreateAdmin("mira")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.RevokeBy(by, first.ID); err != nil {
		t.Errorf("revoking one admin of two: %v", err)
	}
	if _, err := m.RevokeBy(Actor{MemberID: second.ID, Admin: true, Role: model.RoleAdmin}, second.ID); !errors.Is(err, ErrInvalid) {
		t.Errorf("the remaining admin revoked itself: %v", err)
	}
}
