package farmtest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// xvfbStartWithin bounds how long Xvfb may take to open its display.
const xvfbStartWithin = 15 * time.Second

// Xvfb starts a virtual screen of the given geometry ("1280x800x24") and
// returns its display name (":N"); it stops when the test ends. Xvfb picks
// a free display number itself (-displayfd) and says which, so tests of
// several packages, run at once, never race for one. It listens on a local
// socket only (-nolisten tcp). Callers check for the Xvfb program first
// (NeedTool).
func Xvfb(t testing.TB, geometry string) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatalf("starting Xvfb: %v", err)
	}
	defer r.Close()
	// The pipe's writing end is the child's fd 3: the first of ExtraFiles.
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", geometry, "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w}
	p := Start(t, "xvfb", cmd)
	w.Close() // the child holds its own copy
	number := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		number <- strings.TrimSpace(line)
	}()
	select {
	case n := <-number:
		if n == "" {
			t.Fatalf("Xvfb opened no display:\n%s", p.Out.String())
		}
		return ":" + n
	case <-time.After(xvfbStartWithin):
		t.Fatalf("Xvfb opened no display within %s:\n%s", xvfbStartWithin, p.Out.String())
		return ""
	}
}

// MoveMouse moves the pointer of display with xdotool every 200 ms, as a
// person at work, until stop is called or the test ends; stop reports
// (t.Error) an xdotool that failed. Callers check for xdotool first
// (NeedTool).
func MoveMouse(t testing.TB, display string) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var failure error
	go func() {
		defer close(done)
		for i := 0; ctx.Err() == nil; i++ {
			cmd := exec.CommandContext(ctx, "xdotool", "mousemove", fmt.Sprint(100+i%50), fmt.Sprint(100+i%30))
			cmd.Env = append(os.Environ(), "DISPLAY="+display)
			if out, err := cmd.CombinedOutput(); err != nil && ctx.Err() == nil {
				failure = fmt.Errorf("xdotool: %w: %s", err, out)
				return
			}
			select {
			case <-ctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			<-done
			if failure != nil {
				t.Error(failure)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}
