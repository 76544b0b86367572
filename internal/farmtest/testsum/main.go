// Command testsum reads `go test -json` on stdin and prints what a reader of
// `make test` needs: the output of failed tests (all output with -v), each
// package's ok/FAIL line, and at the end the tests that were skipped, with the
// reason each gave. It exits 1 when a test or a build failed, when no test
// result came at all, and, under CI=true, when any test was skipped: CI
// installs every tool, so a skip there hides a test that did not run.
//
//	go test -json ./... | go run ./internal/farmtest/testsum -skips skipped.txt
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// event is one line of `go test -json` (see `go doc test2json`).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

type summary struct {
	verbose bool
	out     io.Writer
	output  map[string]*strings.Builder // package+test → its output so far
	skipped []string                    // "package Test: reason"
	failed  bool
	results int // pass, fail and skip events
}

func main() {
	verbose := flag.Bool("v", false, "print every test's output, as go test -v does")
	skips := flag.String("skips", "", "append the skipped tests to this file")
	flag.Parse()
	s := &summary{verbose: *verbose, out: os.Stdout, output: map[string]*strings.Builder{}}
	if err := s.read(os.Stdin); err != nil {
		fmt.Fprintln(os.Stderr, "testsum:", err)
		os.Exit(1)
	}
	os.Exit(s.finish(*skips, os.Getenv("CI") == "true"))
}

// read takes the events one line at a time; a line that is not JSON (go test
// writes some messages plainly) is printed as it is.
func (s *summary) read(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var ev event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil || ev.Action == "" {
			fmt.Fprintln(s.out, sc.Text())
			continue
		}
		s.take(ev)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading go test -json: %w", err)
	}
	return nil
}

func (s *summary) take(ev event) {
	key := ev.Package + " " + ev.Test
	switch ev.Action {
	case "output", "build-output":
		if s.verbose || (ev.Test == "" && !isNoise(ev.Output)) {
			fmt.Fprint(s.out, ev.Output)
		}
		if ev.Test != "" {
			if s.output[key] == nil {
				s.output[key] = &strings.Builder{}
			}
			s.output[key].WriteString(ev.Output)
		}
	case "fail", "build-fail":
		s.results++
		s.failed = true
		if ev.Test != "" && !s.verbose {
			fmt.Fprint(s.out, s.text(key))
		}
	case "skip":
		s.results++
		if ev.Test != "" {
			s.skipped = append(s.skipped, fmt.Sprintf("%s %s: %s", ev.Package, ev.Test, reason(s.text(key))))
		}
	case "pass":
		s.results++
	}
	if ev.Action == "pass" || ev.Action == "fail" || ev.Action == "skip" {
		delete(s.output, key)
	}
}

func (s *summary) text(key string) string {
	if b := s.output[key]; b != nil {
		return b.String()
	}
	return ""
}

// isNoise is a package-level line that says nothing go test's ok/FAIL line
// does not, or the ok line of a package where -run matched nothing.
func isNoise(line string) bool {
	l := strings.TrimSpace(line)
	return l == "PASS" || strings.HasPrefix(l, "=== RUN") || strings.HasPrefix(l, "testing: warning: no tests to run") ||
		strings.HasSuffix(l, "[no tests to run]")
}

// reason is what a skipped test logged, without go test's own lines.
func reason(output string) string {
	var kept []string
	for _, l := range strings.Split(output, "\n") {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- SKIP") {
			continue
		}
		kept = append(kept, t)
	}
	if len(kept) == 0 {
		return "(no reason given)"
	}
	return strings.Join(kept, " | ")
}

// finish prints the skipped tests and returns the exit code.
func (s *summary) finish(skipsFile string, ci bool) int {
	if len(s.skipped) > 0 {
		fmt.Fprintf(s.out, "\n%d skipped:\n", len(s.skipped))
		for _, l := range s.skipped {
			fmt.Fprintln(s.out, "  "+l)
		}
	}
	if skipsFile != "" && len(s.skipped) > 0 {
		f, err := os.OpenFile(skipsFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err == nil {
			_, err = fmt.Fprintln(f, strings.Join(s.skipped, "\n"))
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "testsum: recording the skipped tests:", err)
			return 1
		}
	}
	switch {
	case s.results == 0:
		fmt.Fprintln(s.out, "testsum: go test reported no result (did it fail to start?)")
		return 1
	case s.failed:
		return 1
	case ci && len(s.skipped) > 0:
		fmt.Fprintf(s.out, "testsum: %d tests skipped, and CI=true allows none\n", len(s.skipped))
		return 1
	}
	return 0
}
