package worker

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBlenderCommandLineFormatNames renders with the real Blender in the
// formats whose command-line names differ from the Python API's (the job type
// passes TGA, RAWTGA and JP2; RAWTGA is TGA uncompressed, so TGA stands for
// both): each writes its own files and the task checks them. Given the Python
// name TARGA, Blender writes the scene's PNG instead, and the task fails
// rather than pass off the PNG (found by the cases re-run).
func TestBlenderCommandLineFormatNames(t *testing.T) {
	tools := realTools()
	needTool(t, "blender", tools.Blender)
	dir := t.TempDir()
	blend := makeScene(t, tools, dir)
	render := func(out, format string) (*recorder, error) {
		rec := &recorder{}
		err := blenderRenderCommand(context.Background(), rec.env(tools), map[string]any{
			"exe": "{blender}", "exeArgs": "{blenderArgs} --factory-startup", "blendfile": blend,
			"args": []any{"--render-output", filepath.Join(out, "frame_###"), "--render-format", format, "--render-frame", "1"},
			// Cold: the warm server takes the same arguments; one Blender a
			// format keeps this test short.
			"warmBlender": false,
		})
		return rec, err
	}
	for format, ext := range map[string]string{"TGA": ".tga", "JP2": ".jp2"} {
		out := filepath.Join(dir, format)
		rec, err := render(out, format)
		if err != nil {
			t.Errorf("%s: %v\n%s", format, err, rec.log())
			continue
		}
		if fi, err := os.Stat(filepath.Join(out, "frame_001"+ext)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: no frame_001%s: %v\n%s", format, ext, err, rec.log())
		}
	}
	rec, err := render(filepath.Join(dir, "python-name"), "TARGA")
	if err == nil || !strings.Contains(err.Error(), "frame_001.tga") {
		t.Errorf("the Python name TARGA: %v, want the task failed for its missing .tga frame\n%s", err, rec.log())
	}
}
