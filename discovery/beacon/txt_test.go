package beacon

import (
	"testing"

	"github.com/miekg/dns"
)

// TXT values survive miekg/dns's presentation format byte for byte.
func TestTXTRoundTrip(t *testing.T) {
	in := []string{`farm=Über "Farm" \ one`, "id=a=b", "ctl=\x01\x7f", `trailing=\`, "x=\\123"}
	var esc []string
	for _, s := range in {
		esc = append(esc, escapeTXT(s))
	}
	msg := new(dns.Msg)
	msg.Answer = []dns.RR{&dns.TXT{Hdr: dns.RR_Header{Name: "x.local.", Rrtype: dns.TypeTXT, Class: dns.ClassINET}, Txt: esc}}
	wire, err := msg.Pack()
	if err != nil {
		t.Fatal(err)
	}
	var back dns.Msg
	if err := back.Unpack(wire); err != nil {
		t.Fatal(err)
	}
	got := back.Answer[0].(*dns.TXT).Txt
	for i := range in {
		if u := unescapeTXT(got[i]); u != in[i] {
			t.Errorf("round trip of %q: wire form %q, back %q", in[i], got[i], u)
		}
	}
}
