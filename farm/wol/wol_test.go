package wol

import (
	"bytes"
	"context"
	"net"
	"testing"
	"time"
)

func TestMagicPacket(t *testing.T) {
	p, err := MagicPacket("00-1A-2b-3c-4D-5e")
	if err != nil {
		t.Fatal(err)
	}
	if len(p) != PacketLen {
		t.Fatalf("%d bytes, want %d", len(p), PacketLen)
	}
	if !bytes.Equal(p[:6], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}) {
		t.Errorf("starts with % x", p[:6])
	}
	mac := []byte{0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e}
	for i := range 16 {
		if got := p[6+6*i : 12+6*i]; !bytes.Equal(got, mac) {
			t.Errorf("repetition %d is % x", i, got)
		}
	}
	for _, bad := range []string{"", "00:1a:2b", "00:00:5e:10:00:00:00:01", "zz:1a:2b:3c:4d:5e"} {
		if _, err := MagicPacket(bad); err == nil {
			t.Errorf("%q made a packet", bad)
		}
	}
}

// The packet reaches a UDP listener on 127.0.0.1 whole; tests never
// broadcast on the host's network.
func TestSendReachesListener(t *testing.T) {
	l, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := Send(ctx, "aa:bb:cc:dd:ee:ff", l.LocalAddr().String()); err != nil {
		t.Fatal(err)
	}
	if err := l.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1024)
	n, _, err := l.ReadFromUDP(buf)
	if err != nil {
		t.Fatalf("no packet arrived: %v", err)
	}
	want, _ := MagicPacket("aa:bb:cc:dd:ee:ff")
	if !bytes.Equal(buf[:n], want) {
		t.Errorf("got % x\nwant % x", buf[:n], want)
	}
	if err := Send(ctx, "not a mac", l.LocalAddr().String()); err == nil {
		t.Error("a bad MAC was sent")
	}
}

func TestBroadcastOf(t *testing.T) {
	_, n, _ := net.ParseCIDR("192.168.1.20/24")
	n.IP = net.ParseIP("192.168.1.20")
	if b := broadcastOf(n); b.String() != "192.168.1.255" {
		t.Errorf("broadcast of %s is %s", n, b)
	}
	_, n6, _ := net.ParseCIDR("fe80::1/64")
	if b := broadcastOf(n6); b != nil {
		t.Errorf("an IPv6 network has broadcast %s", b)
	}
}

func TestSuspendCommand(t *testing.T) {
	for goos, first := range map[string]string{"linux": "systemctl", "windows": "rundll32.exe", "darwin": "pmset"} {
		if argv, ok := SuspendCommand(goos); !ok || argv[0] != first {
			t.Errorf("%s: %v, %v", goos, argv, ok)
		}
	}
	if _, ok := SuspendCommand("plan9"); ok {
		t.Error("plan9 has a suspend command")
	}
}
