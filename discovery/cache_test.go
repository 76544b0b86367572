package discovery

import (
	"net/netip"
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

func peer(manager, instance string, started time.Time, port int, seen time.Time) Peer {
	a := Announcement{FarmName: "farm-" + manager, ManagerID: manager, InstanceID: instance, StartedAt: started, Port: port}
	return newPeer(a, []netip.Addr{netip.MustParseAddr("192.0.2.1")}, nil, seen)
}

func TestCacheLifecycle(t *testing.T) {
	c := newCache(15 * time.Second)
	changed := c.changes()
	steps := []struct {
		name string
		p    Peer
		want change
	}{
		{"first answer", peer("m1", "i1", t0, 7001, t0), added},
		{"same again", peer("m1", "i1", t0, 7001, t0.Add(5*time.Second)), unchanged},
		{"restarted on a new port", peer("m1", "i2", t0.Add(8*time.Second), 7002, t0.Add(10*time.Second)), replaced},
		{"old instance still answering", peer("m1", "i1", t0, 7001, t0.Add(11*time.Second)), stale},
		{"new instance again", peer("m1", "i2", t0.Add(8*time.Second), 7002, t0.Add(12*time.Second)), unchanged},
		{"another farm", peer("m2", "j1", t0, 7003, t0.Add(12*time.Second)), added},
	}
	for _, s := range steps {
		if got := c.seen(s.p); got != s.want {
			t.Errorf("%s: change %d, want %d", s.name, got, s.want)
		}
	}
	select {
	case <-changed:
	default:
		t.Error("changes channel not closed after an addition")
	}

	list := c.list(t0.Add(13 * time.Second))
	if len(list) != 2 || list[0].ManagerID != "m1" || list[0].Port != 7002 || list[1].ManagerID != "m2" {
		t.Fatalf("list = %+v, want m1 on 7002 then m2", list)
	}

	// m1 was last seen at +12s; 15s later it is gone, m2 too.
	if got := c.list(t0.Add(27 * time.Second)); len(got) != 0 {
		t.Errorf("after the ttl: list = %+v, want none", got)
	}
	gone := c.expire(t0.Add(27 * time.Second))
	if len(gone) != 2 {
		t.Errorf("expire returned %d peers, want 2", len(gone))
	}
	// A manager that comes back after expiring is new, even with its old instance.
	if got := c.seen(peer("m1", "i1", t0, 7001, t0.Add(30*time.Second))); got != added {
		t.Errorf("after expiry: change %d, want added", got)
	}
}

func TestCacheMoved(t *testing.T) {
	c := newCache(time.Minute)
	c.seen(peer("m1", "i1", t0, 7001, t0))
	p := peer("m1", "i1", t0, 7001, t0.Add(time.Second))
	p.Addrs = []netip.Addr{netip.MustParseAddr("192.0.2.9")}
	if got := c.seen(p); got != moved {
		t.Errorf("change %d, want moved", got)
	}
}

func TestPeerAddressOrder(t *testing.T) {
	addrs := []netip.Addr{
		netip.MustParseAddr("2001:db8::1"),
		netip.MustParseAddr("172.17.0.1"), // a docker bridge on the manager
		netip.MustParseAddr("2001:db8:1::5"),
		netip.MustParseAddr("192.0.2.10"),
	}
	local := []netip.Prefix{netip.MustParsePrefix("192.0.2.77/24"), netip.MustParsePrefix("2001:db8:1::9/64")}
	p := newPeer(Announcement{Port: 7780}, addrs, local, t0)
	want := []string{"192.0.2.10", "2001:db8:1::5", "172.17.0.1", "2001:db8::1"}
	var got []string
	for _, a := range p.Addrs {
		got = append(got, a.String())
	}
	if !slices.Equal(got, want) {
		t.Errorf("order = %v, want %v", got, want)
	}
	if p.URL != "http://192.0.2.10:7780" {
		t.Errorf("URL = %s", p.URL)
	}
	if v6 := newPeer(Announcement{Port: 7780}, addrs[:1], nil, t0); v6.URL != "http://[2001:db8::1]:7780" {
		t.Errorf("IPv6 URL = %s", v6.URL)
	}
}
