//go:build e2e

// The screenshot test runs the real desktop binary under Xvfb against a
// manager with jobs in several states, and photographs each view:
//
//	go test -tags e2e -run Screenshot -v ./ui/
//	FARMHAND_UPDATE_SCREENSHOTS=1 go test -tags e2e -run Screenshot ./ui/   # refresh docs/screenshots
//
// It needs the Debian packages xvfb, xdotool and imagemagick, and the GUI
// build's (see the Makefile). Everything listens on 127.0.0.1 only.
package ui_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/model"
)

func TestScreenshots(t *testing.T) {
	for _, tool := range []string{"Xvfb", "xdotool", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (apt-get install xvfb xdotool imagemagick)", tool)
		}
	}
	dir := t.TempDir()
	bin := buildGUI(t, dir)
	url := startManager(t, bin, dir)
	token, err := os.ReadFile(filepath.Join(dir, "manager", "admin.token"))
	if err != nil {
		t.Fatal(err)
	}
	cl := client.New(url).WithToken(strings.TrimSpace(string(token)))
	code, err := cl.JoinCode(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	// A headless worker renders the farm's jobs, so that they move through
	// their states as they would in a studio.
	startProc(t, "worker", bin, nil, "worker", "--headless", "--manager", url, "--data", filepath.Join(dir, "worker"),
		"--name", "render-01", "--tags", "gpu", "--join", code)
	makeJobs(t, cl)
	// A second render node, played by the test: it reports its load with
	// heartbeats (for the graphs) and uploads a frame (for the last-rendered
	// view, since echo jobs render no images). A third computer asks to join
	// without the code and waits for an admin.
	fakeRenderNode(t, url, code)
	if _, err := client.New(url).Join(context.Background(), wire.JoinRequest{Name: "lighting-ws-3",
		Platform: "windows", Wants: model.RoleArtist}); err != nil {
		t.Fatal(err)
	}

	display := startXvfb(t)
	out := t.TempDir()
	if os.Getenv("FARMHAND_UPDATE_SCREENSHOTS") == "1" {
		out = filepath.Join("..", "docs", "screenshots")
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, view := range []string{"jobs", "job", "workers", "rendered", "settings"} {
		t.Run(view, func(t *testing.T) {
			env := []string{"DISPLAY=" + display, "FARMHAND_OPEN=" + view, "LANG=en_US.UTF-8",
				// No session bus: the tray then only logs that it has no host,
				// instead of auto-launching a dbus-daemon that outlives the test.
				"DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent"}
			// One data directory for every run: the same computer, so the farm
			// lists one artist-desk worker rather than one per screenshot.
			gui := startProc(t, "gui-"+view, bin, env, "worker", "--manager", url,
				"--data", filepath.Join(dir, "desk"), "--name", "artist-desk")
			approveDesk(t, cl)
			waitForWindow(t, display, gui)
			// The pointer rests off the window, so that no hover text shows;
			// it passes over the status bar first, which has none, since the
			// window may have opened under it and Fyne sees no leaving.
			xdo(t, display, "mousemove", "640", "770")
			time.Sleep(300 * time.Millisecond)
			xdo(t, display, "mousemove", "1279", "799")
			wait := 4 * time.Second // the first load, the events after it, a repaint
			if view == "workers" {
				wait = 16 * time.Second // a few polls, for the load graphs
			}
			time.Sleep(wait)
			path := filepath.Join(out, view+".png")
			shoot(t, display, path)
			checkNotBlank(t, path)
			t.Logf("screenshot: %s", path)
			gui.stop()
		})
	}
}

// approveDesk lets the workstation in the first time it asks, as an admin
// would after seeing its join request. It is made an admin (a lead's desk),
// so that the screenshots show the admin's views: worker actions, join
// requests, the join code.
func approveDesk(t *testing.T, cl *client.Client) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		members, err := cl.Members(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range members {
			if m.Name != "artist-desk" {
				continue
			}
			if m.Status == "pending" {
				if _, err := cl.Approve(ctx, m.ID, model.RoleAdmin); err != nil {
					t.Fatal(err)
				}
			}
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("the workstation never asked to join")
}

// fakeRenderNode joins the farm as a worker named render-02, takes a task,
// uploads a rendered frame for it, and sends heartbeats with a changing load
// until the test ends.
func fakeRenderNode(t *testing.T, url, code string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	j, err := client.New(url).Join(ctx, wire.JoinRequest{Name: "render-02", Platform: "windows", Wants: model.RoleWorker, JoinCode: code})
	if err != nil {
		t.Fatal(err)
	}
	wc := client.New(url).AsWorker(j.Member.ID, j.Token)
	if _, err := wc.SignOn(ctx, wire.WorkerRegistration{Name: "render-02", Platform: "windows", Version: "e2e",
		TaskTypes: []string{"misc"}, Tags: []string{"gpu", "big-memory"}}); err != nil {
		t.Fatal(err)
	}
	var taskID string
	deadline := time.Now().Add(20 * time.Second)
	for taskID == "" {
		got, _, err := wc.Schedule(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got != nil {
			taskID = got.Task.ID
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the fake render node got no task")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if _, err := wc.UploadRendered(ctx, taskID, "image/png", testFrame(t)); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			stats := &model.HostStats{CPUPercent: 70 + 25*math.Sin(float64(i)/3), MemUsedMB: uint64(21000 + 300*(i%9)),
				MemTotalMB: 32768, CPUs: 24, Sampled: time.Now()}
			wc.Heartbeat(ctx, taskID, stats)
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
		}
	}()
}

// testFrame draws a 1280×720 frame: an evening sky, a sun, hills.
func testFrame(t *testing.T) []byte {
	t.Helper()
	const w, h = 1280, 720
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			f := float64(y) / h
			c := color.NRGBA{uint8(40 + 200*f), uint8(60 + 90*f), uint8(140 - 60*f), 255}
			if dx, dy := float64(x-900), float64(y-430); dx*dx+dy*dy < 90*90 {
				c = color.NRGBA{255, 214, 120, 255}
			}
			hill := 520 + 60*math.Sin(float64(x)/180) + 30*math.Sin(float64(x)/57)
			if float64(y) > hill {
				c = color.NRGBA{uint8(30 + 20*f), uint8(70 + 30*f), 50, 255}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// buildGUI builds the desktop binary.
func buildGUI(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "farmhand")
	start := time.Now()
	cmd := exec.Command("go", "build", "-tags", "migrated_fynedo", "-o", bin, "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the GUI binary: %v\n%s", err, out)
	}
	t.Logf("built the GUI binary in %s", time.Since(start).Round(time.Millisecond))
	return bin
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startManager runs a headless manager on 127.0.0.1 and waits until it answers.
func startManager(t *testing.T, bin, dir string) string {
	t.Helper()
	url := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	// --no-discovery: tests never multicast on the host's network.
	startProc(t, "manager", bin, nil, "manager", "--headless", "--no-discovery", "--data", filepath.Join(dir, "manager"),
		"--listen", url[len("http://"):])
	cl := client.New(url)
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := cl.Version(ctx)
		cancel()
		if err == nil {
			return url
		}
		if time.Now().After(deadline) {
			t.Fatalf("the manager did not answer: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// makeJobs leaves the farm with a job in each of several states: completed,
// active, paused, canceled and queued.
func makeJobs(t *testing.T, cl *client.Client) {
	t.Helper()
	ctx := context.Background()
	submit := func(name string, prio int, frames string, chunk int, sleep float64) *model.Job {
		t.Helper()
		j, err := cl.Submit(ctx, wire.SubmitJob{Name: name, Type: "echo-sleep-test", Priority: &prio, Submitter: "mira",
			Settings: map[string]any{"frames": frames, "chunk_size": chunk, "sleep_seconds": sleep}})
		if err != nil {
			t.Fatalf("submitting %s: %v", name, err)
		}
		return j
	}
	waitJob := func(id string, want model.JobStatus) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for {
			j, err := cl.Job(ctx, id)
			if err == nil && j.Status == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("job %s did not become %s (last: %v, %v)", id, want, j.Status, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	act := func(id string, a model.JobAction) {
		t.Helper()
		if _, err := cl.JobAction(ctx, id, a, nil); err != nil {
			t.Fatalf("%s %s: %v", a, id, err)
		}
	}
	done := submit("sh010 layout previz", 80, "1-24", 6, 0)
	waitJob(done.ID, model.JobCompleted)
	done2 := submit("sh020 lighting pass", 80, "1-12", 4, 0.05)
	waitJob(done2.ID, model.JobCompleted)
	canceled := submit("sh030 fx smoke v2", 40, "1-60", 5, 3)
	act(canceled.ID, model.JobCancel)
	paused := submit("sh040 crowd sim", 40, "1-120", 4, 3)
	act(paused.ID, model.JobPause)
	active := submit("sh050 beauty render", 90, "1-240", 1, 4)
	waitJob(active.ID, model.JobActive)
	submit("sh060 comp slap", 30, "1-96", 8, 2)
	submit("turntable asset review", 20, "1-48", 12, 1)
	waitJob(canceled.ID, model.JobCanceled)
	waitJob(paused.ID, model.JobPaused)
}

// startXvfb starts a virtual screen on a free display number.
func startXvfb(t *testing.T) string {
	t.Helper()
	n := 90
	for ; n < 200; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); os.IsNotExist(err) {
			if _, err := os.Stat(fmt.Sprintf("/tmp/.X%d-lock", n)); os.IsNotExist(err) {
				break
			}
		}
	}
	display := fmt.Sprintf(":%d", n)
	startProc(t, "xvfb", "Xvfb", nil, display, "-screen", "0", "1280x800x24", "-nolisten", "tcp")
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil {
			return display
		}
		if time.Now().After(deadline) {
			t.Fatal("Xvfb did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitForWindow fails the test unless a window named Farmhand appears.
func waitForWindow(t *testing.T, display string, gui *proc) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "xdotool", "search", "--sync", "--onlyvisible", "--name", "Farmhand")
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the window never appeared (%v, %s); the GUI's output:\n%s", err, out, gui.out.String())
	}
}

func xdo(t *testing.T, display string, args ...string) {
	t.Helper()
	cmd := exec.Command("xdotool", args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("xdotool %v: %v\n%s", args, err, out)
	}
}

func shoot(t *testing.T, display, path string) {
	t.Helper()
	cmd := exec.Command("import", "-window", "root", path)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("screenshot: %v\n%s", err, out)
	}
}

// checkNotBlank fails when the picture is one flat colour: a window that
// never painted.
func checkNotBlank(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decoding %s: %v", path, err)
	}
	var sum, sumSq, n float64
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			l := luma(img, x, y)
			sum, sumSq, n = sum+l, sumSq+l*l, n+1
		}
	}
	mean := sum / n
	if sd := math.Sqrt(sumSq/n - mean*mean); sd < 8 {
		t.Fatalf("%s looks blank: brightness varies by %.1f only", path, sd)
	}
}

func luma(img image.Image, x, y int) float64 {
	r, g, b, _ := img.At(x, y).RGBA()
	return (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(b)) / 257
}

// proc is a process started by the test, stopped at its end.
type proc struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
	once sync.Once
}

func startProc(t *testing.T, name, bin string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(bin, args...), out: &syncBuffer{}, done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("%s output:\n%s", name, p.out.String())
		}
	})
	return p
}

// stop ends the process with SIGTERM, then SIGKILL if it lingers.
func (p *proc) stop() {
	p.once.Do(func() {
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			p.cmd.Process.Kill()
			<-p.done
		}
	})
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
