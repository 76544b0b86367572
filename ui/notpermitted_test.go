package ui

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"farmhand/farm/api/client"
	"farmhand/farm/model"
)

// A window whose member may not see the farm (a render node joined with a
// code, in the worker role) says what the role allows and how an admin
// changes it, not a red error "trying again" for ever (found by a
// fresh-eyes try).
func TestWindowOfAWorkerMemberSaysWhatItMayDo(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/api/v1/whoami" {
			_ = json.NewEncoder(w).Encode(model.Member{ID: "m-node", Name: "node-7", Role: model.RoleWorker, Status: model.MemberApproved})
			return
		}
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"error":"this needs the artist role; node-7 has worker"}`))
	}))
	defer srv.Close()
	u := newTestUI(t, nil)
	u.client = client.New(srv.URL)
	done := make(chan struct{})
	var once sync.Once
	u.do = func(f func()) { once.Do(func() { f(); close(done) }) } // the first answer; later retries are dropped
	u.reload()
	<-done
	text := u.status.farm.Text
	if !strings.Contains(text, "node-7 (worker) renders for the farm but may not see its jobs") ||
		!strings.Contains(text, "farmhand approve m-node --role artist") || strings.Contains(text, "trying again") {
		t.Errorf("status bar: %q", text)
	}
	if u.me != nil {
		t.Errorf("the window took %+v as its member, though it may not see the farm", u.me)
	}
}
