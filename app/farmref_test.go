package app

import (
	"testing"

	"farmhand/farm/trust"
)

// On the manager's computer, commands trust its own certificate (also when
// they name it by a network address); a --fingerprint wins; a fragment too
// short to identify anything is refused.
func TestResolveFarmPins(t *testing.T) {
	t.Setenv("FARMHAND_MANAGER", "")
	t.Setenv("FARMHAND_FINGERPRINT", "")
	t.Setenv("FARMHAND_TOKEN", "")
	data := t.TempDir()
	id, err := trust.LoadOrCreate(tlsDir(data), "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, url := range []string{"https://127.0.0.1:7780", "https://10.0.0.5:7780"} {
		if ref, err := resolveFarm(refFlags{manager: url}, data); err != nil || ref.Pin != id.Fingerprint {
			t.Errorf("%s: pin %q (%v), want this computer's", url, ref.Pin, err)
		}
	}
	if ref, err := resolveFarm(refFlags{fingerprint: "ABCD-EFGH-IJKL"}, data); err != nil || ref.Pin != "ABCDEFGHIJKL" {
		t.Errorf("the flag: %q %v", ref.Pin, err)
	}
	if _, err := resolveFarm(refFlags{fingerprint: "ABCD"}, data); err == nil {
		t.Error("a 4-character fingerprint was accepted")
	}
}
