package app

import (
	"testing"

	"farmhand/farm/trust"
)

// This computer's manager certificate is trusted for this computer's manager
// only; a farm elsewhere needs its own fingerprint.
func TestResolveFarmPinsTheLocalCertificateOnlyOnLoopback(t *testing.T) {
	t.Setenv("FARMHAND_MANAGER", "")
	t.Setenv("FARMHAND_FINGERPRINT", "")
	t.Setenv("FARMHAND_TOKEN", "")
	data := t.TempDir()
	id, err := trust.LoadOrCreate(tlsDir(data), "test")
	if err != nil {
		t.Fatal(err)
	}
	for url, want := range map[string]trust.Fingerprint{
		"https://127.0.0.1:7780": id.Fingerprint,
		"https://localhost:7780": id.Fingerprint,
		"https://10.0.0.5:7780":  "",
	} {
		ref, err := resolveFarm(refFlags{manager: url}, data)
		if err != nil || ref.Pin != want {
			t.Errorf("%s: pin %q (%v), want %q", url, ref.Pin, err, want)
		}
	}
	ref, err := resolveFarm(refFlags{manager: "https://10.0.0.5:7780", fingerprint: "ABCD-EFGH-IJKL"}, data)
	if err != nil || ref.Pin != "ABCDEFGHIJKL" {
		t.Errorf("the flag: %q %v", ref.Pin, err)
	}
	if _, err := resolveFarm(refFlags{fingerprint: "ABCD"}, data); err == nil {
		t.Error("a 4-character fingerprint was accepted")
	}
}
