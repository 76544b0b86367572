package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/model"
)

// postJoin sends a join request as anyone on the network would, with no
// client library in between, and returns the answer's status, message and
// Retry-After header.
func postJoin(t *testing.T, baseURL string, req wire.JoinRequest) (int, string, string) {
	t.Helper()
	body, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(baseURL+"/api/v1/join", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var answer wire.Error
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		t.Fatalf("decoding the %d answer: %v", resp.StatusCode, err)
	}
	return resp.StatusCode, answer.Message, resp.Header.Get("Retry-After")
}

func TestJoinOverHTTPRefusesAHugeNameAndStoresNothing(t *testing.T) {
	cl, _, _ := startServer(t)
	status, msg, _ := postJoin(t, cl.BaseURL(), wire.JoinRequest{Name: strings.Repeat("x", 100_000), Platform: "linux"})
	if status != http.StatusBadRequest || !strings.Contains(msg, "at most 64") {
		t.Fatalf("a 100,000-character name: %d %q", status, msg)
	}
	status, msg, _ = postJoin(t, cl.BaseURL(), wire.JoinRequest{Name: "render\n07", Platform: "linux"})
	if status != http.StatusBadRequest || !strings.Contains(msg, "unprintable character") {
		t.Fatalf("a name with a line break: %d %q", status, msg)
	}
	pending, err := cl.Members(context.Background(), model.MemberPending)
	if err != nil || len(pending) != 0 {
		t.Fatalf("refused requests were stored: %+v %v", pending, err)
	}
}

func TestJoinOverHTTPFourthPendingFromOneAddressIs429(t *testing.T) {
	cl, _, _ := startServer(t)
	var ids []string
	for i := range 3 {
		j, err := client.New(cl.BaseURL()).Join(context.Background(), wire.JoinRequest{Name: fmt.Sprintf("box-%d", i), Platform: "linux"})
		if err != nil {
			t.Fatal(err)
		}
		if j.Member.Address != "127.0.0.1" {
			t.Errorf("the address is the request's: %q", j.Member.Address)
		}
		ids = append(ids, j.Member.ID)
	}
	status, msg, retry := postJoin(t, cl.BaseURL(), wire.JoinRequest{Name: "box-3", Platform: "linux"})
	if status != http.StatusTooManyRequests || !strings.Contains(msg, "at most 3 from one address") {
		t.Fatalf("a 4th pending request: %d %q", status, msg)
	}
	if secs, err := strconv.Atoi(retry); err != nil || secs < 1 || !strings.Contains(msg, "retry in "+retry+" s") {
		t.Fatalf("Retry-After %q with message %q", retry, msg)
	}
	pending, err := cl.Members(context.Background(), model.MemberPending)
	if err != nil || len(pending) != 3 {
		t.Fatalf("pending %d %v", len(pending), err)
	}
	// The same name again replaces its own request instead of being refused.
	status, msg, _ = postJoin(t, cl.BaseURL(), wire.JoinRequest{Name: "box-1", Platform: "windows"})
	if status != http.StatusCreated {
		t.Fatalf("a repeat of a pending request: %d %q", status, msg)
	}
	pending, err = cl.Members(context.Background(), model.MemberPending)
	if err != nil || len(pending) != 3 || pending[2].ID != ids[1] || pending[2].Platform != "windows" {
		t.Fatalf("after the repeat %+v %v", pending, err)
	}
}
