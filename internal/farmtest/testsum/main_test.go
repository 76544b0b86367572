package main

import (
	"strings"
	"testing"
)

func run(t *testing.T, stream string, ci bool) (code int, out string) {
	t.Helper()
	var b strings.Builder
	s := &summary{out: &b, output: map[string]*strings.Builder{}}
	if err := s.read(strings.NewReader(stream)); err != nil {
		t.Fatal(err)
	}
	return s.finish("", ci), b.String()
}

const skipped = `{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}
{"Action":"output","Package":"p","Test":"TestA","Output":"    a_test.go:9: skipping: blender (apt-get install blender) is missing\n"}
{"Action":"output","Package":"p","Test":"TestA","Output":"--- SKIP: TestA (0.00s)\n"}
{"Action":"skip","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Output":"ok  \tp\t0.1s\n"}
{"Action":"pass","Package":"p"}
`

func TestSkipsAreListedWithTheirReason(t *testing.T) {
	code, out := run(t, skipped, false)
	if code != 0 || !strings.Contains(out, "1 skipped:\n  p TestA: a_test.go:9: skipping: blender (apt-get install blender) is missing") {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
	if strings.Contains(out, "=== RUN") {
		t.Errorf("a passing run printed the tests' own lines:\n%s", out)
	}
}

func TestSkipsFailUnderCI(t *testing.T) {
	if code, out := run(t, skipped, true); code != 1 || !strings.Contains(out, "CI=true allows none") {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
}

func TestFailedTestShowsItsOutput(t *testing.T) {
	stream := `{"Action":"output","Package":"p","Test":"TestB","Output":"    b_test.go:3: want 2, got 3\n"}
{"Action":"fail","Package":"p","Test":"TestB"}
{"Action":"output","Package":"p","Output":"FAIL\tp\t0.1s\n"}
{"Action":"fail","Package":"p"}
`
	if code, out := run(t, stream, false); code != 1 || !strings.Contains(out, "want 2, got 3") || !strings.Contains(out, "FAIL\tp") {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
}

func TestBuildFailureAndNoResultFail(t *testing.T) {
	stream := `{"ImportPath":"p","Action":"build-output","Output":"p/x.go:1: syntax error\n"}
{"ImportPath":"p","Action":"build-fail"}
`
	if code, out := run(t, stream, false); code != 1 || !strings.Contains(out, "syntax error") {
		t.Errorf("build failure: exit %d, output:\n%s", code, out)
	}
	if code, _ := run(t, "go: some error before any test\n", false); code != 1 {
		t.Errorf("no result at all: exit %d", code)
	}
}
