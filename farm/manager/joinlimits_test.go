package manager

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"farmhand/farm/model"
	"farmhand/farm/store"
	"farmhand/internal/farmtest"
)

// Join requests need no token, so their limits are what stands between the
// farm and anyone on the studio's network (issue 17, item 2).

func allMembers(t *testing.T, m *Manager) []*model.Member {
	t.Helper()
	return farmtest.Must(m.Members(""))(t)
}

func mustJoin(t *testing.T, m *Manager, req JoinRequest) *model.Member {
	t.Helper()
	mb, _, err := m.Join(req)
	if err != nil {
		t.Fatalf("join %q from %s: %v", req.Name, req.Address, err)
	}
	return mb
}

func wantLimit(t *testing.T, err error, reason string) (retryAfter time.Duration) {
	t.Helper()
	var limit *LimitError
	if !errors.Is(err, ErrTooMany) || !errors.As(err, &limit) {
		t.Fatalf("want a join limit (%s), got %v", reason, err)
	}
	if !strings.Contains(err.Error(), reason) || !strings.Contains(err.Error(), fmt.Sprintf("retry in %d s", limit.RetrySeconds())) {
		t.Fatalf("the message must name the limit (%q) and the wait: %v", reason, err)
	}
	return limit.RetryAfter
}

func TestJoinRefusesAHugeNameAndStoresNothing(t *testing.T) {
	m := openManager(t)
	_, _, err := m.Join(JoinRequest{Name: strings.Repeat("x", 100_000), Platform: "linux", Address: "192.0.2.66"})
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "100000 characters long; at most 64") {
		t.Fatalf("a 100,000-character name: %v", err)
	}
	if len(err.Error()) > 200 {
		t.Errorf("the error quotes the name (%d bytes)", len(err.Error()))
	}
	if ms := allMembers(t, m); len(ms) != 0 {
		t.Fatalf("a refused request was stored: %d members", len(ms))
	}
}

func TestJoinNamesArePrintableAndBounded(t *testing.T) {
	m := openManager(t)
	refused := []struct{ name, platform, want string }{
		{"render\n07", "linux", "name has an unprintable character (U+000A"},
		{"render\x0007", "linux", "unprintable character (U+0000"},
		{"render\t07", "linux", "unprintable character (U+0009"},
		{"render\x1b[2J07", "linux", "unprintable character (U+001B"},
		{"\u202egnp.exe", "linux", "unprintable character (U+202E"}, // right-to-left override
		{"render-07", "linux\x07", "platform has an unprintable character (U+0007"},
		{strings.Repeat("é", 65), "linux", "name is 65 characters long; at most 64"},
		{"render-07", strings.Repeat("p", 33), "platform is 33 characters long; at most 32"},
		{"bad \xff utf-8", "linux", "name is not valid UTF-8"},
		{"   ", "linux", "say who is joining"},
	}
	for _, c := range refused {
		if _, _, err := m.Join(JoinRequest{Name: c.name, Platform: c.platform, Address: "192.0.2.7"}); !errors.Is(err, ErrInvalid) ||
			!strings.Contains(err.Error(), c.want) {
			t.Errorf("name %q platform %q: got %v, want %q", c.name, c.platform, err, c.want)
		}
	}
	if ms := allMembers(t, m); len(ms) != 0 {
		t.Fatalf("refused requests were stored: %+v", ms)
	}

	long := strings.Repeat("é", 64) // 64 characters, 128 bytes: the limit counts characters
	for _, name := range []string{"  render-07  ", "ライティング 3", long} {
		if _, _, err := m.Join(JoinRequest{Name: name, Platform: " linux ", Address: "192.0.2." + fmt.Sprint(len(name))}); err != nil {
			t.Errorf("name %q: %v", name, err)
		}
	}
	got := map[string]string{}
	for _, mb := range allMembers(t, m) {
		got[mb.Name] = mb.Platform
	}
	if len(got) != 3 || got["render-07"] != "linux" || got["ライティング 3"] != "linux" || got[long] != "linux" {
		t.Fatalf("names and platforms must be stored trimmed: %q", got)
	}
}

func TestJoinAtMostThreePendingPerAddress(t *testing.T) {
	m := openManager(t)
	var first *model.Member
	for i := range MaxPendingPerAddress {
		mb, _, err := m.Join(JoinRequest{Name: fmt.Sprintf("box-%d", i), Address: "192.0.2.7"})
		farmtest.NoErr(t, err)
		if first == nil {
			first = mb
		}
	}
	_, _, err := m.Join(JoinRequest{Name: "box-3", Address: "192.0.2.7"})
	wait := wantLimit(t, err, "3 join requests from 192.0.2.7 already wait for an admin (at most 3 from one address)")
	if wait <= 0 || wait > maxPendingRetry {
		t.Errorf("retry after %s", wait)
	}
	if n := len(farmtest.Must(m.Members(model.MemberPending))(t)); n != MaxPendingPerAddress {
		t.Fatalf("%d pending, want %d", n, MaxPendingPerAddress)
	}
	// Another address is not held back, and an answer makes room.
	_, _, err = m.Join(JoinRequest{Name: "box-3", Address: "192.0.2.8"})
	farmtest.NoErr(t, err)
	farmtest.Must(m.Reject(first.ID))(t)
	_, _, err = m.Join(JoinRequest{Name: "box-3", Address: "192.0.2.7"})
	farmtest.NoErr(t, err)
}

func TestJoinFloodFromManyAddressesStopsAtTheTotal(t *testing.T) {
	m := openManager(t)
	refused := 0
	for i := range MaxPending + 20 {
		_, _, err := m.Join(JoinRequest{Name: "flood", Address: fmt.Sprintf("10.0.%d.%d", i/250, i%250)})
		switch {
		case err == nil:
		case errors.Is(err, ErrTooMany):
			wantLimit(t, err, "100 join requests already wait for an admin (at most 100 in all)")
			refused++
		default:
			t.Fatal(err)
		}
	}
	if pending := farmtest.Must(m.Members(model.MemberPending))(t); len(pending) != MaxPending || refused != 20 {
		t.Fatalf("%d pending, %d refused; want %d and 20", len(pending), refused, MaxPending)
	}
	if n := len(allMembers(t, m)); n != MaxPending {
		t.Fatalf("%d members stored, want %d", n, MaxPending)
	}
	// A worker with the join code needs no admin, so the flood does not lock it out.
	code := farmtest.Must(m.JoinCode())(t)
	mb, _, err := m.Join(JoinRequest{Name: "render-07", Address: "192.0.2.7", Code: code})
	if err != nil || mb.Status != model.MemberApproved {
		t.Fatalf("join with the code during a flood: %+v %v", mb, err)
	}
}

func TestJoinRepeatFromSameAddressAndNameReplacesItsRequest(t *testing.T) {
	m := openManager(t)
	old, oldToken, err := m.Join(JoinRequest{Name: "render-07", Platform: "linux", Address: "192.0.2.7"})
	farmtest.NoErr(t, err)
	for range 2 * MaxPendingPerAddress { // a worker restarting over and over
		mustJoin(t, m, JoinRequest{Name: "render-07", Platform: "linux", Address: "192.0.2.7"})
	}
	again, token, err := m.Join(JoinRequest{Name: "render-07", Platform: "windows", Address: "192.0.2.7", Wants: model.RoleArtist})
	farmtest.NoErr(t, err)
	if again.ID != old.ID || again.Platform != "windows" || again.Wants != model.RoleArtist {
		t.Fatalf("the repeat must replace the request: %+v, was %+v", again, old)
	}
	pending := farmtest.Must(m.Members(model.MemberPending))(t)
	if len(pending) != 1 || pending[0].Platform != "windows" {
		t.Fatalf("pending %+v", pending)
	}
	if _, err := m.JoinStatus(oldToken); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("the replaced request's token still answers: %v", err)
	}
	if st, err := m.JoinStatus(token); err != nil || st.ID != old.ID {
		t.Errorf("the new token: %+v %v", st, err)
	}
	// The same name from elsewhere is someone else; once decided, a request is not replaced.
	other := mustJoin(t, m, JoinRequest{Name: "render-07", Address: "192.0.2.8"})
	farmtest.Must(m.Approve(old.ID, model.RoleWorker))(t)
	after := mustJoin(t, m, JoinRequest{Name: "render-07", Address: "192.0.2.7"})
	if other.ID == old.ID || after.ID == old.ID || after.Status != model.MemberPending {
		t.Fatalf("other %s, after approval %s (%s); first %s", other.ID, after.ID, after.Status, old.ID)
	}
}

func TestJoinRequestsExpireAfterADay(t *testing.T) {
	m, c := openWithClock(t, time.Hour)
	mb, token, err := m.Join(JoinRequest{Name: "box-0", Address: "192.0.2.7"})
	farmtest.NoErr(t, err)
	c.advance(time.Hour)
	for i := 1; i < MaxPendingPerAddress; i++ {
		mustJoin(t, m, JoinRequest{Name: fmt.Sprintf("box-%d", i), Address: "192.0.2.7"})
	}
	_, _, err = m.Join(JoinRequest{Name: "box-x", Address: "192.0.2.7"})
	if wait := wantLimit(t, err, "at most 3 from one address"); wait != maxPendingRetry {
		t.Errorf("retry after %s: the oldest expires in 23 h, so the cap applies", wait)
	}

	c.advance(JoinRequestTTL - time.Hour - time.Second)
	if n := len(farmtest.Must(m.Members(model.MemberPending))(t)); n != 3 {
		t.Fatalf("a second before its day is up: %d pending", n)
	}
	_, _, err = m.Join(JoinRequest{Name: "box-x", Address: "192.0.2.7"})
	if wait := wantLimit(t, err, "at most 3 from one address"); wait != time.Second {
		t.Errorf("retry after %s, want the 1 s until the oldest expires", wait)
	}

	c.advance(time.Second) // box-0 expires; a new request takes its place
	mustJoin(t, m, JoinRequest{Name: "box-x", Address: "192.0.2.7"})
	st, err := m.JoinStatus(token)
	if err != nil || st.ID != mb.ID || st.Status != model.MemberRejected || !strings.Contains(st.Note, "expired") {
		t.Fatalf("the expired request: %+v %v", st, err)
	}
	if _, err := m.Authenticate(token); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("an expired request's token works: %v", err)
	}

	// Listing expires too, and so does the export the manager's timers call.
	c.advance(time.Hour)
	names := func(status model.MemberStatus) (out []string) {
		for _, mb := range farmtest.Must(m.Members(status))(t) {
			out = append(out, mb.Name)
		}
		return out
	}
	if got := fmt.Sprint(names(model.MemberPending)); got != "[box-x]" {
		t.Fatalf("pending after a day for box-1 and box-2: %s", got)
	}
	c.advance(JoinRequestTTL - time.Hour)
	m.ExpireJoinRequests()
	var stillPending []string
	farmtest.NoErr(t, m.store.View(func(tx *store.Tx) error {
		return tx.Members(func(mb *model.Member) bool {
			if mb.Status == model.MemberPending {
				stillPending = append(stillPending, mb.Name)
			}
			return true
		})
	}))
	if len(stillPending) != 0 {
		t.Fatalf("ExpireJoinRequests left %v pending", stillPending)
	}
}

func TestWrongJoinCodesAreSlowedDownAndASuccessResets(t *testing.T) {
	m, c := openWithClock(t, time.Hour)
	code := farmtest.Must(m.JoinCode())(t)
	try := func(addr, code string) error {
		_, _, err := m.Join(JoinRequest{Name: "guesser", Address: addr, Code: code})
		return err
	}
	for i := range CodeFailuresAllowed {
		if err := try("192.0.2.66", "000-000-000-000"); !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("wrong code %d: %v", i+1, err)
		}
	}
	// Now every attempt waits, the right code too, and each failure doubles the wait.
	want := CodeDelayFirst
	for range 12 {
		if wait := wantLimit(t, try("192.0.2.66", code), "too many wrong join codes from 192.0.2.66"); wait != want {
			t.Fatalf("wait %s, want %s", wait, want)
		}
		c.advance(want - time.Millisecond)
		wantLimit(t, try("192.0.2.66", code), "too many wrong join codes")
		c.advance(time.Millisecond)
		if err := try("192.0.2.66", "111-111-111-111"); !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("after the wait: %v", err)
		}
		want = min(2*want, CodeDelayMax)
	}
	if want != CodeDelayMax {
		t.Fatalf("the wait grew to %s only", want)
	}
	// Other addresses are not held back.
	mustJoin(t, m, JoinRequest{Name: "render-07", Address: "192.0.2.7", Code: code})

	c.advance(CodeDelayMax)
	if mb, _, err := m.Join(JoinRequest{Name: "guesser", Address: "192.0.2.66", Code: code}); err != nil || mb.Status != model.MemberApproved {
		t.Fatalf("the right code after the wait: %+v %v", mb, err)
	}
	// The success forgot the failures: the allowance is whole again.
	for i := range CodeFailuresAllowed {
		if err := try("192.0.2.66", "000-000-000-000"); !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("wrong code %d after a success: %v", i+1, err)
		}
	}
	wantLimit(t, try("192.0.2.66", code), "too many wrong join codes")

	// So does a quiet spell: failures further apart than the window do not add up.
	for i := range 2 * CodeFailuresAllowed {
		c.advance(CodeFailureWindow + time.Second)
		if err := try("192.0.2.77", "000-000-000-000"); !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("spaced-out wrong code %d: %v", i+1, err)
		}
	}
}

// A burst of simultaneous guesses gets no more than the allowance checked:
// the guard counts each failure before the next attempt is looked at.
func TestWrongJoinCodeBurstGetsOnlyTheAllowance(t *testing.T) {
	m, _ := openWithClock(t, time.Hour)
	farmtest.Must(m.JoinCode())(t)
	var mu sync.Mutex
	counts := map[string]int{}
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			_, _, err := m.Join(JoinRequest{Name: "guesser", Address: "192.0.2.66", Code: fmt.Sprintf("%012d", i)})
			kind := "other"
			switch {
			case errors.Is(err, ErrUnauthorized):
				kind = "wrong code"
			case errors.Is(err, ErrTooMany):
				kind = "too many"
			}
			mu.Lock()
			counts[kind]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if counts["wrong code"] != CodeFailuresAllowed || counts["too many"] != 40-CodeFailuresAllowed {
		t.Fatalf("outcomes %v: only %d codes may be checked", counts, CodeFailuresAllowed)
	}
}

func TestCodeGuardForgetsTheQuietestAddressWhenFull(t *testing.T) {
	g := &codeGuard{by: map[string]*codeFailures{}}
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	wrong := func() bool { return false }
	for i := range codeGuardSize + 10 {
		ok, err := g.attempt(fmt.Sprintf("10.%d.%d.1", i/256, i%256), start.Add(time.Duration(i)*time.Millisecond), wrong)
		if ok || err != nil {
			t.Fatalf("a new address's first wrong code: %v, %v; want false, no limit", ok, err)
		}
	}
	if len(g.by) != codeGuardSize {
		t.Fatalf("%d addresses remembered, want at most %d", len(g.by), codeGuardSize)
	}
	if _, ok := g.by["10.0.0.1"]; ok {
		t.Error("the address quiet the longest is still remembered")
	}
	if _, ok := g.by[fmt.Sprintf("10.%d.%d.1", (codeGuardSize+9)/256, (codeGuardSize+9)%256)]; !ok {
		t.Error("the latest address is forgotten")
	}
}
