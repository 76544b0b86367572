package worker

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// renderRun is one render a Blender command line asks for: each
// --render-frame (-f) or --render-anim (-a) renders with the output path,
// format and frame range given before it, as Blender applies its options in
// order.
type renderRun struct {
	frames []int  // nil: unknown (the scene's range, or frames relative to it)
	output string // --render-output; "" for the scene's own
	format string // --render-format; "" for the scene's own
	noExt  bool   // --use-extension 0
}

// blenderValueOptions are Blender options whose values are skipped when
// looking for the render options, so a Python expression is never read as one.
var blenderValueOptions = map[string]int{
	"-P": 1, "--python": 1, "--python-expr": 1, "--python-text": 1, "--python-exit-code": 1,
	"-S": 1, "--scene": 1, "-E": 1, "--engine": 1, "-t": 1, "--threads": 1, "--log": 1,
	"--log-level": 1, "--log-file": 1, "--addons": 1, "--app-template": 1, "--debug-value": 1,
	"-p": 4, "--window-geometry": 4,
}

// plannedRenders reads what a Blender command line renders.
func plannedRenders(args []string) []renderRun {
	var runs []renderRun
	var cur renderRun
	var start, end, step = -1, -1, 1
	for i := 0; i < len(args); i++ {
		a := args[i]
		value := func() string {
			if i+1 < len(args) {
				i++
				return args[i]
			}
			return ""
		}
		switch a {
		case "--":
			return runs // the rest is for Python scripts
		case "-o", "--render-output":
			cur.output = value()
		case "-F", "--render-format":
			cur.format = strings.ToUpper(value())
		case "-x", "--use-extension":
			cur.noExt = value() == "0"
		case "-s", "--frame-start":
			start, _ = strconv.Atoi(value())
		case "-e", "--frame-end":
			end, _ = strconv.Atoi(value())
		case "-j", "--frame-jump":
			if step, _ = strconv.Atoi(value()); step < 1 {
				step = 1
			}
		case "-f", "--render-frame":
			run := cur
			run.frames, _ = parseFrames(value())
			runs = append(runs, run)
		case "-a", "--render-anim":
			run := cur
			if start >= 0 && end >= start {
				run.frames, _ = parseFrames(fmt.Sprintf("%d-%dx%d", start, end, step))
			}
			runs = append(runs, run)
		default:
			i += blenderValueOptions[a]
		}
	}
	return runs
}

// Blender's --render-format names (TGA, RAWTGA; the Python API's TARGA and
// TARGA_RAW too, for jobs of older job types), with the extension Blender
// gives each, and whether it writes a video instead of frames. JPEG 2000's
// (JP2) extension depends on its codec setting, so it is left unknown.
var (
	formatExtension = map[string]string{
		"PNG": ".png", "JPEG": ".jpg", "TIFF": ".tif", "BMP": ".bmp", "IRIS": ".rgb", "TGA": ".tga",
		"RAWTGA": ".tga", "TARGA": ".tga", "TARGA_RAW": ".tga", "CINEON": ".cin", "DPX": ".dpx",
		"HDR": ".hdr", "WEBP": ".webp", "OPEN_EXR": ".exr", "OPEN_EXR_MULTILAYER": ".exr", "EXR": ".exr",
		"MULTILAYER": ".exr",
	}
	videoFormats = map[string]bool{"FFMPEG": true, "AVI_JPEG": true, "AVI_RAW": true, "AVIJPEG": true, "AVIRAW": true}
)

// framePath is where Blender writes frame of a render output path: "//" is
// the blend file's folder; the last run of '#' in the file name becomes the
// zero-padded frame number, or four digits are appended when there is none
// (as Blender's BLI_path_frame does). The extension is not added.
func framePath(output, blendDir string, frame int) string {
	p := output
	if strings.HasPrefix(p, "//") {
		p = filepath.Join(blendDir, p[2:])
	}
	nameAt := strings.LastIndexAny(p, `/\`) + 1
	end := strings.LastIndexByte(p[nameAt:], '#')
	if end < 0 {
		return absPath(p + fmt.Sprintf("%04d", frame))
	}
	end += nameAt + 1
	start := end
	for start > nameAt && p[start-1] == '#' {
		start--
	}
	return absPath(p[:start] + fmt.Sprintf("%0*d", end-start, frame) + p[end:])
}

// frameFiles are the files that may hold a frame whose path without
// extension is stem: the one with the format's extension when it is known,
// else any stem.* and stem itself.
func frameFiles(stem string, run renderRun) []string {
	if run.noExt {
		return []string{stem}
	}
	if ext, ok := formatExtension[run.format]; ok {
		if strings.EqualFold(filepath.Ext(stem), ext) || (ext == ".jpg" && strings.EqualFold(filepath.Ext(stem), ".jpeg")) {
			return []string{stem}
		}
		return []string{stem + ext}
	}
	files, _ := filepath.Glob(globEscape(stem) + ".*")
	return append(files, stem)
}

// frameProblem says what is wrong with a frame file: "" when it looks like
// a finished image; "missing", "empty", or "cut short" for a PNG or JPEG that
// lacks its end marker (a write interrupted by a crash or a full disk).
func frameProblem(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return "missing"
	}
	defer f.Close()
	info, err := f.Stat()
	switch {
	case err != nil || !info.Mode().IsRegular():
		return "not a file"
	case info.Size() == 0:
		return "empty"
	}
	var marker []byte
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		marker = []byte("IEND\xaeB`\x82")
	case ".jpg", ".jpeg":
		marker = []byte{0xff, 0xd9}
	default:
		return ""
	}
	tail := make([]byte, len(marker))
	if _, err := f.ReadAt(tail, info.Size()-int64(len(marker))); err != nil && err != io.EOF || !bytes.Equal(tail, marker) {
		return "cut short"
	}
	return ""
}

// removeEmptyFrames deletes the zero-byte files at the paths of the frames
// about to be rendered: a frame half-written when a worker died is not a
// finished frame, and Blender, not overwriting existing files, would keep it.
func removeEmptyFrames(runs []renderRun, blendDir string, log func(string)) {
	for _, run := range runs {
		if run.output == "" || videoFormats[run.format] {
			continue
		}
		for _, frame := range run.frames {
			for _, p := range frameFiles(framePath(run.output, blendDir, frame), run) {
				if info, err := os.Stat(p); err == nil && info.Mode().IsRegular() && info.Size() == 0 {
					if os.Remove(p) == nil {
						log(fmt.Sprintf("removed the empty file %s so that frame %d is rendered again", p, frame))
					}
				}
			}
		}
	}
}

// renderCheck collects what Blender printed about the files it wrote, to
// check them against what it was asked for once it exits.
type renderCheck struct {
	runs     []renderRun
	blendDir string
	written  []string // saved or kept ("skipping existing frame") images, absolute
	video    bool     // Blender appended frames to a video ("Append frame N")
}

// verify checks, after Blender exited without error, that every frame it was
// asked for is a finished file (see frameProblem) at the path Blender gives
// it, and that every image it reported is. Frames rendered to the scene's own
// output path are counted against the images Blender reported. The error
// lists the unfinished frames with their paths; it is nil when nothing is
// known to check (a scene's own frame range).
func (c *renderCheck) verify() error {
	var problems []string
	seen := map[string]bool{}
	want, unpathed := 0, false
	for _, run := range c.runs {
		if videoFormats[run.format] || (run.format == "" && c.video) {
			continue
		}
		if run.output == "" {
			want += len(run.frames)
			unpathed = unpathed || run.frames != nil
			continue
		}
		for _, frame := range run.frames {
			stem := framePath(run.output, c.blendDir, frame)
			files := frameFiles(stem, run)
			path, problem := files[0], "missing"
			if _, known := formatExtension[run.format]; !known && !run.noExt {
				path = stem + ".*"
			}
			for _, f := range files {
				seen[f] = true
				if p := frameProblem(f); p == "" {
					problem = ""
					break
				} else if p != "missing" {
					path, problem = f, p
				}
			}
			if problem != "" {
				problems = append(problems, fmt.Sprintf("frame %d (%s is %s)", frame, path, problem))
			}
		}
	}
	distinct := map[string]bool{}
	for _, p := range c.written {
		if distinct[p] = true; seen[p] {
			continue
		}
		seen[p] = true
		if problem := frameProblem(p); problem != "" {
			problems = append(problems, fmt.Sprintf("%s is %s", p, problem))
		}
	}
	if unpathed && len(distinct) < want {
		problems = append(problems, fmt.Sprintf("Blender reported %d images for %d frames", len(distinct), want))
	}
	if len(problems) == 0 {
		return nil
	}
	if len(problems) > 10 {
		problems = append(problems[:10], fmt.Sprintf("and %d more", len(problems)-10))
	}
	return fmt.Errorf("not every frame was written, though Blender exited without error: %s", strings.Join(problems, "; "))
}
