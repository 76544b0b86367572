package beacon

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"

	"farmhand/discovery/netnstest"
)

const testType = "_farmhand-test._tcp"

func testService(port int) Service {
	return Service{
		Instance: "farmhand-test1", Type: testType, Host: "fh-test1", Port: port,
		Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("192.0.2.7")},
		TXT:   []string{"farm=Über \\ farm", "manager=m1"},
	}
}

// A responder is found with all its addresses and exact TXT values, and
// Update changes what the next query sees.
func TestQueryFindsResponder(t *testing.T) {
	if !netnstest.Isolated(t) {
		return
	}
	r, err := Listen(Options{}, testService(7001))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	e := queryOne(t)
	if e.Port != 7001 || !slices.Equal(e.TXT, testService(0).TXT) {
		t.Errorf("entry = %+v", e)
	}
	want := testService(0).Addrs
	if !slices.Equal(e.Addrs, want) {
		t.Errorf("addrs = %v, want %v (from the TXT, not only the last A record)", e.Addrs, want)
	}

	svc := testService(7002)
	svc.TXT = []string{"manager=m2"}
	if err := r.Update(svc); err != nil {
		t.Fatal(err)
	}
	if e := queryOne(t); e.Port != 7002 || !slices.Equal(e.TXT, svc.TXT) {
		t.Errorf("after Update: entry = %+v", e)
	}

	svc.Addrs = nil // nothing to advertise: answer nothing
	if err := r.Update(svc); err != nil {
		t.Fatal(err)
	}
	if got := query(t); len(got) != 0 {
		t.Errorf("without addresses: got %+v, want no answer", got)
	}
}

func TestReservedTXTKey(t *testing.T) {
	svc := testService(7001)
	svc.TXT = append(svc.TXT, "addrs=1.2.3.4")
	if err := (&Responder{}).Update(svc); err == nil {
		t.Error("Update accepted a TXT string with the reserved addrs key")
	}
}

// Without a multicast route both halves fail with ErrNoMulticast.
func TestNoMulticastRoute(t *testing.T) {
	if !netnstest.IsolatedNoMulticast(t) {
		return
	}
	if _, err := Listen(Options{}, testService(7001)); !errors.Is(err, ErrNoMulticast) {
		t.Errorf("Listen: err = %v, want ErrNoMulticast", err)
	}
	if _, err := Query(context.Background(), Options{}, testType, 100*time.Millisecond); !errors.Is(err, ErrNoMulticast) {
		t.Errorf("Query: err = %v, want ErrNoMulticast", err)
	} else {
		t.Logf("the error reads: %v", err)
	}
}

func query(t *testing.T) []Entry {
	t.Helper()
	got, err := Query(context.Background(), Options{}, testType, 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func queryOne(t *testing.T) Entry {
	t.Helper()
	got := query(t)
	if len(got) != 1 {
		t.Fatalf("got %d entries, want 1: %+v", len(got), got)
	}
	return got[0]
}
