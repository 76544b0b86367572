//go:build e2e

// Case 11: frame ranges with steps, and the controls around them, on the real
// binary; and Blender's Frame Step from the add-on to the frames on disk.
package app_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"farmhand/farm/model"
)

// submitWait runs `farmhand submit --wait` as a user would and returns its
// exit code and output; a command that does not end within two minutes fails
// the test.
func submitWait(t *testing.T, addr, typ, name string, sets ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := []string{"submit", "--manager", "http://" + addr, "--data", managerData(addr), "--type", typ, "--name", name, "--wait"}
	for _, s := range sets {
		args = append(args, "--set", s)
	}
	cmd := exec.CommandContext(ctx, farmhandBinary(t), args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("farmhand submit --wait %s did not end:\n%s%s", name, out.String(), errOut.String())
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("farmhand submit: %v", err)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errOut.String()
}

// taskNames returns the names of a job's tasks, in order.
func taskNames(t *testing.T, addr, jobID string) []string {
	t.Helper()
	tasks, err := adminClient(t, addr).Tasks(context.Background(), jobID)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(tasks))
	for i, task := range tasks {
		names[i] = task.Name
	}
	return names
}

func TestE2ECase11FrameSteps(t *testing.T) {
	addr := freePort(t)
	startManager(t, t.TempDir(), addr)
	startWorker(t, addr, "w1")

	// 1-10x2 and 1-10:2: five tasks, frames 1, 3, 5, 7, 9, and --wait exits 0.
	for _, frames := range []string{"1-10x2", "1-10:2"} {
		code, stdout, stderr := submitWait(t, addr, "echo-sleep-test", "step "+frames, "frames="+frames, "sleep_seconds=0")
		if code != 0 {
			t.Fatalf("frames=%s: exit %d\n%s%s", frames, code, stdout, stderr)
		}
		id := strings.TrimSpace(strings.SplitN(stdout, "\n", 2)[0])
		want := []string{"echo-1", "echo-3", "echo-5", "echo-7", "echo-9"}
		if got := taskNames(t, addr, id); !slices.Equal(got, want) {
			t.Errorf("frames=%s: tasks %v, want %v", frames, got, want)
		}
	}

	// "1 10": a clear refusal, not a crash.
	code, stdout, stderr := submitWait(t, addr, "echo-sleep-test", "space", "frames=1 10", "sleep_seconds=0")
	msg := stdout + stderr
	t.Logf("frames=1 10: exit %d: %s", code, strings.TrimSpace(msg))
	want := `frames "1 10": not a frame range; use forms like 1-10, 1-10x2 (every 2nd frame), 1,3,5 or 1-10,20-30`
	if code == 0 || !strings.Contains(msg, want) || strings.Count(msg, `"1 10"`) != 1 || strings.Contains(msg, "panic") {
		t.Errorf("frames=1 10: exit %d, output %q; want a failure saying %q once", code, msg, want)
	}

	// 1-10,20-30 by 4: six chunks across the gap.
	id := submitCLI(t, addr, "gaps", "frames=1-10,20-30", "chunk_size=4", "sleep_seconds=0")
	wantNames := []string{"echo-1-4", "echo-5-8", "echo-9,10,20,21", "echo-22-25", "echo-26-29", "echo-30"}
	if got := taskNames(t, addr, id); !slices.Equal(got, wantNames) {
		t.Errorf("1-10,20-30 by 4: tasks %v, want %v", got, wantNames)
	}
}

// addonStepScript submits the open scene with Frame Step 2 through the
// add-on, as an artist would.
const addonStepScript = `
scene.frame_start, scene.frame_end, scene.frame_step = 1, 6, 2
bpy.ops.wm.save_as_mainfile(filepath=os.environ["FARMHAND_TEST_BLEND"])
say("refresh", op("refresh"))
scene.farmhand_job_type = "simple-blender-render"
scene.farmhand_job_settings.render_output_root = os.environ["FARMHAND_TEST_OUTPUT"]
scene.farmhand_job_settings.chunk_size = 2
say("submit", op("submit"))
say("job", scene.farmhand_last_job_id)
`

// TestE2ECase11BlenderFrameStep: a scene with Frame Step 2 over 1-6,
// submitted from the add-on, renders frames 1, 3 and 5 and no others.
func TestE2ECase11BlenderFrameStep(t *testing.T) {
	for _, tool := range []string{"blender", "ffmpeg", "python3"} {
		needTool(t, tool, "apt-get install blender ffmpeg python3")
	}
	work := t.TempDir()
	scene := filepath.Join(work, "scene.blend")
	makeScene(t, scene)
	addr := freePort(t)
	startManager(t, t.TempDir(), addr)
	startWorker(t, addr, "render")
	token, err := os.ReadFile(filepath.Join(managerData(addr), "admin.token"))
	if err != nil {
		t.Fatal(err)
	}
	renders := filepath.Join(work, "renders")
	env := []string{
		"FARMHAND_TEST_ADDON=" + addonDir(t), "FARMHAND_TEST_URL=http://" + addr,
		"FARMHAND_TEST_TOKEN=" + strings.TrimSpace(string(token)),
		"FARMHAND_TEST_BLEND=" + filepath.Join(work, "stepped.blend"), "FARMHAND_TEST_OUTPUT=" + renders,
		"BLENDER_USER_CONFIG=" + filepath.Join(work, "config"),
	}
	said := runBlender(t, env, scene, addonStepScript)
	if said["submit"] != "FINISHED" || said["job"] == "" {
		t.Fatalf("submitting from the add-on: %v", said)
	}
	cl := adminClient(t, addr)
	ctx := context.Background()
	job, err := cl.Job(ctx, said["job"])
	if err != nil {
		t.Fatal(err)
	}
	if job.Settings["frames"] != "1-6x2" {
		t.Errorf("the add-on submitted frames %#v, want 1-6x2", job.Settings["frames"])
	}
	waitFor(t, "the stepped render", 3*time.Minute, func() bool {
		job, err = cl.Job(ctx, said["job"])
		if err == nil && job.Status.Final() && job.Status != model.JobCompleted {
			t.Fatalf("job ended %s: %s", job.Status, job.StatusReason)
		}
		return err == nil && job.Status == model.JobCompleted
	})
	// render_output_root / job name / timestamp / frames
	frames, _ := filepath.Glob(filepath.Join(renders, "*", "*", "*.png"))
	var names []string
	for _, f := range frames {
		names = append(names, filepath.Base(f))
	}
	if want := []string{"000001.png", "000003.png", "000005.png"}; !slices.Equal(names, want) {
		t.Errorf("frames on disk %v, want %v", names, want)
	}
	if videos, _ := filepath.Glob(filepath.Join(renders, "*", "*", "stepped-1-5.mp4")); len(videos) != 1 {
		t.Errorf("no preview stepped-1-5.mp4 next to the frames")
	}
}
