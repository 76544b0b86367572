package manager

import (
	"strings"
	"testing"

	"farmhand/farm/model"
)

// The join code as people see it, with the start of the manager's
// fingerprint after the digits, admits as the digits alone do.
func TestJoinCodeWithFingerprintPart(t *testing.T) {
	m := openManager(t)
	code, err := m.JoinCode()
	if err != nil {
		t.Fatal(err)
	}
	for i, given := range []string{code, code + "-ABCD-EFGH-IJKL", strings.ReplaceAll(code, "-", "") + "abcdefghijkl"} {
		mb, _, err := m.Join(JoinRequest{Name: "node-" + string(rune('a'+i)), Platform: "linux", Code: given})
		if err != nil || mb.Status != model.MemberApproved {
			t.Errorf("code %q: %v %v", given, mb, err)
		}
	}
	if _, _, err := m.Join(JoinRequest{Name: "node-x", Platform: "linux", Code: "000-000-000-000-ABCD-EFGH-IJKL"}); err == nil {
		t.Error("a wrong code with a fingerprint part was accepted")
	}
}
