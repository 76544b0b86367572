package manager

import (
	"errors"
	"strings"
	"testing"

	"farmhand/farm/model"
	"farmhand/internal/farmtest"
)

func TestJoinApproveRejectRevoke(t *testing.T) {
	m := openManager(t)
	mb, token, err := m.Join(JoinRequest{Name: "render-07", Platform: "linux", Address: "192.0.2.7"})
	if err != nil || mb.Status != model.MemberPending {
		t.Fatalf("join: %+v %v", mb, err)
	}
	if _, err := m.Authenticate(token); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("a pending member's token works: %v", err)
	}
	if st, err := m.JoinStatus(token); err != nil || st.Status != model.MemberPending {
		t.Fatalf("join status %+v %v", st, err)
	}
	pending := farmtest.Must(m.Members(model.MemberPending))(t)
	if len(pending) != 1 || pending[0].Name != "render-07" || pending[0].Address != "192.0.2.7" {
		t.Fatalf("pending %+v", pending)
	}
	if _, err := m.Approve(mb.ID, "overlord"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("unknown role: %v", err)
	}
	if _, err := m.Approve(mb.ID, model.RoleWorker); err != nil {
		t.Fatal(err)
	}
	if who, err := m.Authenticate(token); err != nil || who.ID != mb.ID || who.Role != model.RoleWorker {
		t.Fatalf("approved token: %+v %v", who, err)
	}

	// A revoked worker loses its token and its task at once.
	submit(t, m, "1")
	farmtest.Must(m.SignOn(mb.ID, WorkerInfo{Name: "render-07", Platform: "linux", TaskTypes: []string{"misc"}}))(t)
	a := mustSchedule(t, m, mb.ID)
	if _, err := m.Revoke(mb.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Authenticate(token); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("revoked token works: %v", err)
	}
	if task := mustTask(t, m, a.Task.ID); task.Status != model.TaskQueued {
		t.Fatalf("revoked worker's task is %s", task.Status)
	}
	if _, err := m.Approve(mb.ID, model.RoleWorker); !errors.Is(err, ErrInvalid) {
		t.Fatalf("re-approving a revoked member: %v", err)
	}

	other, otherToken, err := m.Join(JoinRequest{Name: "stranger", Wants: model.RoleAdmin})
	farmtest.NoErr(t, err)
	if _, err := m.Reject(other.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Authenticate(otherToken); !errors.Is(err, ErrUnauthorized) {
		t.Fatal("rejected token works")
	}
	if _, err := m.Reject(other.ID); !errors.Is(err, ErrInvalid) {
		t.Fatalf("rejecting twice: %v", err)
	}
	if _, err := m.Authenticate("made-up"); !errors.Is(err, ErrUnauthorized) {
		t.Fatal("an unknown token works")
	}
}

func TestJoinCodeAdmitsWorkersOnly(t *testing.T) {
	m := openManager(t)
	code, err := m.JoinCode()
	if err != nil || len(code) != 15 {
		t.Fatalf("code %q %v", code, err)
	}
	if again := farmtest.Must(m.JoinCode())(t); again != code {
		t.Fatal("the join code changes on every look")
	}
	mb, token, err := m.Join(JoinRequest{Name: "node", Wants: model.RoleAdmin, Code: strings.ReplaceAll(code, "-", " ")})
	if err != nil || mb.Status != model.MemberApproved || mb.Role != model.RoleWorker {
		t.Fatalf("join with code: %+v %v", mb, err)
	}
	if _, err := m.Authenticate(token); err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.Join(JoinRequest{Name: "guesser", Code: "000-000-000-000"}); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("wrong code: %v", err)
	}
	fresh := farmtest.Must(m.NewJoinCode())(t)
	if _, _, err := m.Join(JoinRequest{Name: "late", Code: code}); fresh == code || !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("the old code still works after a new one: %v", err)
	}
}

func TestCreateAdmin(t *testing.T) {
	m := openManager(t)
	_, token, err := m.CreateAdmin("this computer")
	if err != nil {
		t.Fatal(err)
	}
	if who, err := m.Authenticate(token); err != nil || who.Role != model.RoleAdmin {
		t.Fatalf("%+v %v", who, err)
	}
}
