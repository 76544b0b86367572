//go:build e2e

package app_test

import (
	"bytes"
	"context"
	"image/jpeg"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"farmhand/farm/model"
)

// Helpers for the end-to-end tests of cases 06, 09, 10 and 12.

// managerWithScripts starts a manager whose scripts folder holds the given
// job types (file name → source), as a studio drops them in.
func managerWithScripts(t *testing.T, scripts map[string]string) (addr, data string) {
	t.Helper()
	data = t.TempDir()
	if err := os.MkdirAll(filepath.Join(data, "scripts"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, src := range scripts {
		if err := os.WriteFile(filepath.Join(data, "scripts", name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	addr = freePort(t)
	startManager(t, data, addr)
	return addr, data
}

// waitJobEnd waits for the job to reach a final status (or paused) and returns it.
func waitJobEnd(t *testing.T, addr, id string, within time.Duration) *model.Job {
	t.Helper()
	cl := adminClient(t, addr)
	var job *model.Job
	waitFor(t, "job "+id+" to end", within, func() bool {
		j, err := cl.Job(context.Background(), id)
		if err == nil && (j.Status.Final() || j.Status == model.JobPaused) {
			job = j
		}
		return job != nil
	})
	return job
}

// jobLog is the log of every task of the job, in task order.
func jobLog(t *testing.T, addr, id string) string {
	t.Helper()
	cl := adminClient(t, addr)
	tasks, err := cl.Tasks(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, task := range tasks {
		log, err := cl.TaskLog(context.Background(), task.ID)
		if err != nil {
			t.Fatal(err)
		}
		all.WriteString(log)
	}
	return all.String()
}

// lastRenderedStatus asks for the job's last-rendered thumbnail over plain
// HTTP, as the case's curl does, and checks a 200 answer is a JPEG.
func lastRenderedStatus(t *testing.T, addr, id string) int {
	t.Helper()
	token, err := os.ReadFile(filepath.Join(managerData(addr), "admin.token"))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/api/v1/jobs/"+id+"/last-rendered?size=thumb", nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		var body bytes.Buffer
		if _, err := body.ReadFrom(resp.Body); err != nil {
			t.Fatalf("reading the last-rendered thumbnail of %s: %v", id, err)
		}
		if _, err := jpeg.Decode(&body); err != nil {
			t.Errorf("last-rendered thumbnail of %s is not a JPEG: %v", id, err)
		}
	}
	return resp.StatusCode
}

// waitLastRendered waits for the job's last-rendered image: the worker sends
// it after the frame, so it may arrive just after the job ended.
func waitLastRendered(t *testing.T, addr, id string) {
	t.Helper()
	code := 0
	deadline := time.Now().Add(30 * time.Second)
	for code = lastRenderedStatus(t, addr, id); code != http.StatusOK && time.Now().Before(deadline); code = lastRenderedStatus(t, addr, id) {
		time.Sleep(200 * time.Millisecond)
	}
	if code != http.StatusOK {
		t.Errorf("last-rendered?size=thumb of job %s answers %d, want 200", id, code)
	}
}

// tinyScene saves the cases' common scene: 64×48, Cycles with 4 samples and
// no denoising, frames 1-6.
func tinyScene(t *testing.T, path string) string {
	t.Helper()
	expr := "import bpy; s=bpy.context.scene; s.render.engine='CYCLES'; s.cycles.samples=4; " +
		"s.cycles.use_denoising=False; s.render.resolution_x=64; s.render.resolution_y=48; " +
		"s.render.resolution_percentage=100; s.frame_start=1; s.frame_end=6; " +
		"bpy.ops.wm.save_as_mainfile(filepath=" + pyString(path) + ")"
	if out, err := exec.Command("blender", "-b", "--factory-startup", "--python-exit-code", "1", "--python-expr", expr).CombinedOutput(); err != nil {
		t.Fatalf("making the scene: %v\n%s", err, out)
	}
	return path
}

func pyString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// longLineJS and longLineRenderJS are the job types of case 10.
const longLineJS = `
const JOB_TYPE = {
    label: "Long output line (test)",
    settings: [ { key: "line_bytes", type: "int32", default: 70000 } ],
};
function compileJob(job) {
    const n = job.settings.line_bytes;
    const t = author.Task("print-long-line", "misc");
    t.addCommand(author.Command("exec", { exe: "python3", args: ["-c",
        ` + "`" + `print("x" * ${n}); print("marker-after-long-line")` + "`" + `] }));
    job.addTask(t);
}
`

const longLineRenderJS = `
const JOB_TYPE = {
    label: "Render after a long line (test)",
    settings: [
        { key: "blendfile", type: "string", required: true },
        { key: "frames", type: "string", default: "1-3" },
        { key: "out_dir", type: "string", required: true },
    ],
};
function compileJob(job) {
    const s = job.settings;
    const t = author.Task("render", "blender");
    t.addCommand(author.Command("blender-render", {
        exe: "{blender}", exeArgs: "{blenderArgs}", argsBefore: [], blendfile: s.blendfile,
        args: ["--python-expr", "print('x' * 70000)",
               "--render-output", path.join(s.out_dir, "######"),
               "--render-format", "PNG", "--render-frame", s.frames.replace(/-/g, "..")],
    }, frameCount(s.frames)));
    job.addTask(t);
}
`

// TestE2ECase10LongOutputLine: a 70000-byte line (and a 5 MB one) is cut
// with a note, and what the task prints after it reaches the log; in the
// Blender form the three Saved lines, the three progress steps and the
// last-rendered image survive the long line.
func TestE2ECase10LongOutputLine(t *testing.T) {
	needTool(t, "python3", "apt-get install python3")
	addr, _ := managerWithScripts(t, map[string]string{"long_line.js": longLineJS, "long_line_render.js": longLineRenderJS})
	startWorker(t, addr, "w1")
	for _, n := range []string{"70000", "5000000"} {
		id := submitType(t, addr, "long-line", "longline "+n, "line_bytes="+n)
		job := waitJobEnd(t, addr, id, time.Minute)
		log := jobLog(t, addr, id)
		if job.Status != model.JobCompleted || !strings.Contains(log, "marker-after-long-line") ||
			!strings.Contains(log, "[line cut: "+n+" bytes, kept first 8192]") {
			t.Errorf("%s bytes: job %s, log (%d bytes) without the marker or the cut note:\n%.600s", n, job.Status, len(log), log)
		}
	}

	t.Run("blender", func(t *testing.T) {
		needTool(t, "blender", "apt-get install blender")
		work := t.TempDir()
		blend := tinyScene(t, filepath.Join(work, "tiny.blend"))
		out := filepath.Join(work, "out10")
		id := submitType(t, addr, "long-line-render", "llr", "blendfile="+blend, "out_dir="+out)
		job := waitJobEnd(t, addr, id, 3*time.Minute)
		log := jobLog(t, addr, id)
		if job.Status != model.JobCompleted {
			t.Fatalf("job %s: %s\n%s", job.Status, job.StatusReason, log)
		}
		if n := strings.Count(log, "Saved:"); n != 3 {
			t.Errorf("%d Saved lines in the log, want 3", n)
		}
		tasks, _ := adminClient(t, addr).Tasks(context.Background(), id)
		if len(tasks) != 1 || tasks[0].StepsCompleted != 3 {
			t.Errorf("progress: %+v, want 3 steps", tasks)
		}
		frames, _ := filepath.Glob(filepath.Join(out, "*.png"))
		if len(frames) != 3 {
			t.Errorf("frames written: %v", frames)
		}
		waitLastRendered(t, addr, id)
	})
}
