package worker

import (
	"context"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParseCyclesDevice(t *testing.T) {
	for in, want := range map[string]string{"cpu": "CPU", " OptiX ": "OPTIX", "cuda": "CUDA", "hip": "HIP",
		"metal": "METAL", "oneapi": "ONEAPI", "": ""} {
		if got, err := ParseCyclesDevice(in); err != nil || got != want {
			t.Errorf("%q: %q %v, want %q", in, got, err, want)
		}
	}
	if _, err := ParseCyclesDevice("gpu"); err == nil || !strings.Contains(err.Error(), "choose one of CPU, CUDA, OPTIX, HIP, METAL, ONEAPI") {
		t.Errorf("gpu: %v", err)
	}
}

// withCyclesDevice sets this worker's Cycles device for the test.
func withCyclesDevice(t *testing.T, device string) {
	was := CyclesDevice()
	if err := UseCyclesDevice(device); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = UseCyclesDevice(was) })
}

// TestBlenderArgvAddsTheDeviceOverride checks that the override comes right
// after the blend file (so it applies to the loaded scenes), before the
// job's own arguments, and only when a device is set.
func TestBlenderArgvAddsTheDeviceOverride(t *testing.T) {
	params := map[string]any{"exe": "/usr/bin/blender", "blendfile": "/shots/a.blend", "args": []any{"--render-frame", "1"}}
	withCyclesDevice(t, "")
	_, args, err := blenderArgv(Tools{}, params)
	if err != nil || slices.Contains(args, "--python-expr") {
		t.Fatalf("no device set: %q %v", args, err)
	}
	withCyclesDevice(t, "optix")
	_, args, err = blenderArgv(Tools{}, params)
	i := slices.Index(args, "/shots/a.blend")
	if err != nil || i < 0 || len(args) != i+5 || args[i+1] != "--python-expr" || args[i+3] != "--render-frame" ||
		!strings.Contains(args[i+2], `kind = "OPTIX"`) || !strings.Contains(args[i+2], "scene.cycles.device = 'GPU'") {
		t.Fatalf("device OPTIX: %q %v", args, err)
	}
}

// TestCyclesDeviceWithRealBlender renders with Debian's Blender: a file set
// to render on the GPU renders on the CPU when the worker is set to CPU, as
// Blender itself then reports; and a GPU type this computer lacks fails the
// render, saying so, instead of rendering on the CPU unasked.
func TestCyclesDeviceWithRealBlender(t *testing.T) {
	tools := realTools()
	needTool(t, "blender", tools.Blender)
	dir := t.TempDir()
	blend := makeScene(t, tools, dir)
	gpuBlend := filepath.Join(dir, "gpu.blend")
	out, err := exec.Command(tools.Blender, "-b", "--factory-startup", "--python-exit-code", "1", blend, "--python-expr",
		"import bpy\nbpy.context.scene.cycles.device = 'GPU'\nbpy.ops.wm.save_as_mainfile(filepath=r'"+gpuBlend+"')").CombinedOutput()
	if err != nil {
		t.Fatalf("saving the scene set to GPU: %v\n%s", err, out)
	}
	// Printed after the override, before the render: what the scene and the
	// preferences now say.
	report := "import bpy\nprint('device check:', bpy.context.scene.cycles.device, " +
		"bpy.context.preferences.addons['cycles'].preferences.compute_device_type)"
	render := func(device string) (string, error) {
		withCyclesDevice(t, device)
		var rec recorder
		err := blenderRenderCommand(context.Background(), rec.env(tools), map[string]any{
			"exe": "{blender}", "exeArgs": "{blenderArgs} --factory-startup", "blendfile": gpuBlend,
			"args": []any{"--python-expr", report, "--render-output", filepath.Join(dir, device, "frame_###"),
				"--render-format", "PNG", "--render-frame", "1"},
		})
		return rec.log(), err
	}

	log, err := render("CPU")
	if err != nil {
		t.Fatalf("render on CPU: %v\n%s", err, log)
	}
	if !strings.Contains(log, "Farmhand: Cycles renders on CPU (this worker's setting)") || !strings.Contains(log, "device check: CPU NONE") {
		t.Fatalf("the CPU override is not in Blender's output:\n%s", log)
	}
	checkPNG(t, filepath.Join(dir, "CPU", "frame_001.png"), 64, 64)

	if _, err := exec.LookPath("nvidia-smi"); err == nil {
		t.Log("this computer may have a CUDA device: the no-device case is not checked")
		return
	}
	log, err = render("CUDA")
	if err == nil || !strings.Contains(err.Error()+log, "this worker is set to render with Cycles device CUDA, but Blender finds no CUDA device") {
		t.Fatalf("render on CUDA without a CUDA device: %v\n%s", err, log)
	}
}
