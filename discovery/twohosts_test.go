package discovery

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"farmhand/discovery/netnstest"
)

// TestTwoHosts runs a manager and a worker on "two machines": two network
// namespaces joined by a veth pair. The test binary runs again in each, as
// the advertiser or the browser, both bound to their veth interface.
func TestTwoHosts(t *testing.T) {
	switch netnstest.Child(t) {
	case "advertise":
		advertiseChild(t)
		return
	case "browse":
		browseChild(t)
		return
	}

	a, b := netnstest.Pair(t)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()

	browser := b.Command(ctx, t, "browse", "FH_TEST_DEV="+b.Dev, "FH_TEST_WANT="+a.Addr.String())
	fromBrowser, browserDone := startChild(t, "browser in "+b.NS, browser)
	expect(t, fromBrowser, "ready")

	// The advertiser runs until cancel kills it, when the test ends.
	adv := a.Command(ctx, t, "advertise", "FH_TEST_DEV="+a.Dev, "FH_TEST_ADDR="+a.Addr.String())
	fromAdv, _ := startChild(t, "advertiser in "+a.NS, adv)
	started := expect(t, fromAdv, "started")

	found := expect(t, fromBrowser, "found")
	if err := browserDone(); err != nil {
		t.Fatalf("browser: %v", err)
	}
	t.Logf("advertiser start → browser on the other host sees it: %v",
		unixNano(found).Sub(unixNano(started)).Round(time.Millisecond))
}

// advertiseChild serves HTTP on its veth address and advertises it.
func advertiseChild(t *testing.T) {
	ln, err := net.Listen("tcp", net.JoinHostPort(os.Getenv("FH_TEST_ADDR"), "0"))
	if err != nil {
		t.Fatal(err)
	}
	// Serve ends with the listener at cleanup; its error then says only that.
	go func() {
		_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "farmhand test manager") // the reader judges what arrived
		}))
	}()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second) // in case the parent vanishes
	defer cancel()
	fmt.Printf("FH started %d\n", time.Now().UnixNano())
	cfg := Config{Interface: os.Getenv("FH_TEST_DEV"), Logger: testLogger(t)}
	ann := Announcement{FarmName: "Two Hosts", ManagerID: "m-two", APIVersion: 1, AppVersion: "test", Port: ln.Addr().(*net.TCPAddr).Port}
	if err := Advertise(ctx, cfg, ann); err != nil {
		t.Fatal(err)
	}
}

// browseChild waits for the manager, then talks HTTP to it.
func browseChild(t *testing.T) {
	b := browse(t, Config{Interface: os.Getenv("FH_TEST_DEV")})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	fmt.Println("FH ready")
	p, err := b.Wait(ctx, ByManager("m-two"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("FH found %d %s\n", time.Now().UnixNano(), p.URL)
	if want := "http://" + os.Getenv("FH_TEST_WANT") + ":"; !strings.HasPrefix(p.URL, want) || p.FarmName != "Two Hosts" {
		t.Fatalf("peer = %+v, want URL %s…", p, want)
	}
	resp, err := http.Get(p.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if body, _ := io.ReadAll(resp.Body); string(body) != "farmhand test manager" {
		t.Fatalf("GET %s: %q", p.URL, body)
	}
}

// startChild starts cmd and logs its output. Lines starting with "FH " go
// to lines without the prefix; done waits for the end and returns cmd's
// error. The test's end waits too, so nothing logs after it.
func startChild(t *testing.T, name string, cmd *exec.Cmd) (lines <-chan string, done func() error) {
	t.Helper()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ch := make(chan string, 100)
	ended := make(chan struct{})
	var waitErr error
	go func() {
		defer close(ended)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			t.Logf("%s: %s", name, sc.Text())
			if rest, ok := strings.CutPrefix(sc.Text(), "FH "); ok {
				ch <- rest
			}
		}
		close(ch)
		waitErr = cmd.Wait() // only after the output is read, as exec requires
	}()
	done = func() error {
		for range ch {
		}
		<-ended
		return waitErr
	}
	// A test that cares about the exit status calls done itself; at cleanup
	// it only reaps the process.
	t.Cleanup(func() { _ = done() })
	return ch, done
}

// expect reads lines until one starts with word, and returns the rest.
func expect(t *testing.T, lines <-chan string, word string) string {
	t.Helper()
	for l := range lines {
		if rest, ok := strings.CutPrefix(l, word+" "); ok || l == word {
			return rest
		}
	}
	t.Fatalf("the child ended without saying %q", word)
	return ""
}

// unixNano reads the time at the start of a child's line.
func unixNano(line string) time.Time {
	ns, _ := strconv.ParseInt(strings.Fields(line)[0], 10, 64)
	return time.Unix(0, ns)
}
