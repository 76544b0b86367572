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
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/model"
	"farmhand/internal/farmtest"
)

func TestScreenshots(t *testing.T) {
	for _, tool := range []string{"Xvfb", "xdotool", "import"} {
		farmtest.NeedTool(t, tool, "apt-get install xvfb xdotool imagemagick")
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
	// The studio's shared storage, as the Settings view shows it: a project
	// root seen under three names, and where renders go.
	for _, v := range []model.Variable{
		{Name: "projects", Storage: true, Values: map[string]string{
			model.PlatformWindows: `P:\`, model.PlatformLinux: "/mnt/projects", model.PlatformDarwin: "/Volumes/projects"}},
		{Name: "renders", Storage: true, Values: map[string]string{
			model.PlatformWindows: `\\fileserver\renders`, model.PlatformLinux: "/mnt/renders", model.PlatformDarwin: "/Volumes/renders"}},
	} {
		if _, err := cl.PutVariable(context.Background(), v.Name, wire.VariableChange{Storage: v.Storage, Values: v.Values}); err != nil {
			t.Fatal(err)
		}
	}
	// A second render node, played by the test: it reports its load with
	// heartbeats (for the graphs) and uploads a frame (for the last-rendered
	// view, since echo jobs render no images). A third computer asks to join
	// without the code and waits for an admin.
	beats := fakeRenderNode(t, url, code)
	if _, err := client.New(url).Join(context.Background(), wire.JoinRequest{Name: "lighting-ws-3",
		Platform: "windows", Wants: model.RoleArtist}); err != nil {
		t.Fatal(err)
	}

	display := farmtest.Xvfb(t, "1280x800x24")
	out := t.TempDir()
	if os.Getenv("FARMHAND_UPDATE_SCREENSHOTS") == "1" {
		out = filepath.Join("..", "docs", "screenshots")
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, view := range []string{"jobs", "job", "workers", "rendered", "settings", "variables"} {
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
			xdo(t, display, "mousemove", "--sync", "640", "770")
			xdo(t, display, "mousemove", "--sync", "1279", "799")
			// The window's own worker is signed on (the window is connected);
			// the workers view also needs a few load samples for its graphs.
			from := beats.Load()
			ready := func() bool {
				if view == "workers" && beats.Load() < from+8 {
					return false
				}
				ws, err := cl.Workers(context.Background())
				return err == nil && slices.ContainsFunc(ws, func(w *model.Worker) bool {
					return w.Name == "artist-desk" && w.Status == model.WorkerAwake
				})
			}
			path := filepath.Join(out, view+".png")
			shootSettled(t, display, path, ready)
			checkNotBlank(t, path)
			t.Logf("screenshot: %s", path)
			gui.Stop(syscall.SIGTERM)
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
	var desk *model.Member
	farmtest.Eventually(t, "the workstation to ask to join", 20*time.Second, func() bool {
		members, err := cl.Members(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range members {
			if m.Name == "artist-desk" {
				desk = m
			}
		}
		return desk != nil
	})
	if desk.Status == model.MemberPending {
		if _, err := cl.Approve(ctx, desk.ID, model.RoleAdmin); err != nil {
			t.Fatal(err)
		}
	}
}

// fakeRenderNode joins the farm as a worker named render-02, takes a task,
// uploads a rendered frame for it, and sends heartbeats with a changing load
// until the test ends. It returns the count of heartbeats the manager took.
func fakeRenderNode(t *testing.T, url, code string) *atomic.Int64 {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
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
	farmtest.Eventually(t, "the fake render node to get a task", 20*time.Second, func() bool {
		got, _, err := wc.Schedule(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got != nil {
			taskID = got.Task.ID
		}
		return taskID != ""
	})
	if _, err := wc.UploadRendered(ctx, taskID, "image/png", testFrame(t)); err != nil {
		t.Fatal(err)
	}
	beats := &atomic.Int64{}
	// Waited for only once it runs: a setup failure above must not leave the
	// cleanup waiting for a goroutine that never started.
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			stats := &model.HostStats{CPUPercent: 70 + 25*math.Sin(float64(i)/3), MemUsedMB: uint64(21000 + 300*(i%9)),
				MemTotalMB: 32768, CPUs: 24, Sampled: time.Now()}
			if _, err := wc.Heartbeat(ctx, taskID, stats); err == nil {
				beats.Add(1)
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
		}
	}()
	return beats
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
	farmtest.Eventually(t, "the manager to answer", 20*time.Second, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := cl.Version(ctx)
		return err == nil
	})
	return url
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
		farmtest.Eventually(t, fmt.Sprintf("job %s to be %s", id, want), 60*time.Second, func() bool {
			j, err := cl.Job(ctx, id)
			return err == nil && j.Status == want
		})
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

// waitForWindow fails the test unless a window named Farmhand appears.
func waitForWindow(t *testing.T, display string, gui *farmtest.Proc) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "xdotool", "search", "--sync", "--onlyvisible", "--name", "Farmhand")
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the window never appeared (%v, %s); the GUI's output:\n%s", err, out, gui.Out.String())
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

// shootSettled photographs the screen to path once the view shows what it is
// for: ready says the farm has what the view needs, and then the window has
// painted and settled: three shots in a row, none blank, each within 1% of
// the pixels of the first (a clock and a graph may move). A slow machine
// only takes longer, up to a minute.
func shootSettled(t *testing.T, display, path string, ready func() bool) {
	t.Helper()
	var shots []image.Image
	farmtest.Eventually(t, "the view to be painted and settled", time.Minute, func() bool {
		if !ready() {
			return false
		}
		shoot(t, display, path)
		img := decodePNG(t, path)
		if spread(img) < 8 || (len(shots) > 0 && changed(shots[0], img) > 0.01) {
			shots = nil // blank, or still changing: start again
		}
		shots = append(shots, img)
		return len(shots) == 3
	})
}

// checkNotBlank fails when the picture is one flat colour: a window that
// never painted.
func checkNotBlank(t *testing.T, path string) {
	t.Helper()
	if sd := spread(decodePNG(t, path)); sd < 8 {
		t.Fatalf("%s looks blank: brightness varies by %.1f only", path, sd)
	}
}

func decodePNG(t *testing.T, path string) image.Image {
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
	return img
}

// spread is the standard deviation of the picture's brightness (0–255), on
// every other pixel of every other row.
func spread(img image.Image) float64 {
	var sum, sumSq, n float64
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			l := luma(img, x, y)
			sum, sumSq, n = sum+l, sumSq+l*l, n+1
		}
	}
	mean := sum / n
	return math.Sqrt(sumSq/n - mean*mean)
}

// changed is the share (0–1) of pixels, on every other pixel of every other
// row, whose brightness differs between two pictures of the same size.
func changed(a, b image.Image) float64 {
	var diff, n float64
	r := a.Bounds().Intersect(b.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y += 2 {
		for x := r.Min.X; x < r.Max.X; x += 2 {
			if math.Abs(luma(a, x, y)-luma(b, x, y)) > 2 {
				diff++
			}
			n++
		}
	}
	return diff / n
}

func luma(img image.Image, x, y int) float64 {
	r, g, b, _ := img.At(x, y).RGBA()
	return (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(b)) / 257
}

// startProc starts bin with env added to the test's environment; it is
// stopped when the test ends.
func startProc(t *testing.T, name, bin string, env []string, args ...string) *farmtest.Proc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	return farmtest.Start(t, name, cmd)
}
