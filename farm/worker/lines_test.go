package worker

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"farmhand/internal/farmtest"
)

func TestLogLinesCutsLongLines(t *testing.T) {
	for _, c := range []struct {
		name, in string
		want     []string
	}{
		{"short lines", "a\r\nb\nc", []string{"a", "b", "c"}},
		{"70000 bytes", strings.Repeat("x", 70000) + "\nafter\n", []string{
			strings.Repeat("x", keepLine) + fmt.Sprintf("… [line cut: 70000 bytes, kept first %d]", keepLine), "after"}},
		{"exactly the buffer", strings.Repeat("y", readBuffer) + "\nafter", []string{
			strings.Repeat("y", keepLine) + fmt.Sprintf("… [line cut: %d bytes, kept first %d]", readBuffer, keepLine), "after"}},
		{"long last line without newline", strings.Repeat("z", 3*readBuffer), []string{
			strings.Repeat("z", keepLine) + fmt.Sprintf("… [line cut: %d bytes, kept first %d]", 3*readBuffer, keepLine)}},
	} {
		var got []string
		logLines(strings.NewReader(c.in), func(s string) { got = append(got, s) })
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("%s: got %d lines %.80q…, want %d lines", c.name, len(got), got, len(c.want))
		}
	}

	// A cut never splits a character: "é" is 2 bytes and one straddles keepLine.
	var got []string
	logLines(strings.NewReader("a"+strings.Repeat("é", 40000)+"\n"), func(s string) { got = append(got, s) })
	if len(got) != 1 || !utf8.ValidString(got[0]) || !strings.Contains(got[0], "[line cut: 80001 bytes, kept first 8191]") {
		t.Errorf("cut in a character: %d lines, valid %v, %q", len(got), utf8.ValidString(got[0]), got[0][len(got[0])-60:])
	}
}

// Real programs printing a 70000-byte and a 5 MB line: the rest of their
// output, and the error quoted when they fail, survive the long line.
func TestLongOutputLineKeepsTheRest(t *testing.T) {
	for _, n := range []int{70000, 5 << 20} {
		var rec recorder
		err := execCommand(context.Background(), rec.env(Tools{}), map[string]any{
			"exe": "sh", "args": []any{"-c", fmt.Sprintf("head -c %d /dev/zero | tr '\\0' x; echo; echo marker-after-long-line", n)},
		})
		log := rec.log()
		if err != nil || !strings.Contains(log, "marker-after-long-line") ||
			!strings.Contains(log, fmt.Sprintf("[line cut: %d bytes, kept first %d]", n, keepLine)) {
			t.Errorf("%d bytes: err %v, log %d bytes, ends %q", n, err, len(log), log[max(0, len(log)-200):])
		}
	}
	farmtest.NeedTool(t, "python3", "apt-get install python3")
	var rec recorder
	var tail errorTail
	env := rec.env(Tools{})
	log := env.Log
	env.Log = func(s string) { log(s); tail.see(s) }
	err := tail.wrap(runProcess(context.Background(), env, "python3", []string{"-c",
		`import sys; print("x" * 70000); print("ValueError: after the long line", file=sys.stderr); sys.exit(3)`}))
	if err == nil || !strings.Contains(err.Error(), "exited with code 3; last error output: ValueError: after the long line") {
		t.Errorf("error = %v", err)
	}
}
