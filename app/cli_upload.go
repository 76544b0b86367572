package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"farmhand/addon"
	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/files"
	"farmhand/farm/model"
	"farmhand/farm/transfer"
)

// uploadFlags are submit's flags for farms with no shared storage (issue 13).
type uploadFlags struct {
	blend        *string
	allowMissing *bool
	blender      *string
}

func addUploadFlags(fs *flagSet) *uploadFlags {
	return &uploadFlags{
		blend: fs.String("upload", "", "send this .blend and every file it uses to the manager (no shared storage needed); "+
			"--type defaults to simple-blender-render, --name to the file's name, and the settings the scene knows "+
			"(frames, format, fps, scene) to the scene's"),
		allowMissing: fs.Bool("allow-missing", false, "with --upload: submit even when the .blend uses files that do not exist"),
		blender:      fs.String("blender", "", "with --upload: the Blender that finds the files the scene uses (default: blender on PATH)"),
	}
}

// defaults fills in the job type and name an upload needs no flag for.
func (uf *uploadFlags) defaults(typ, name *string) {
	if *uf.blend == "" {
		return
	}
	if *typ == "" {
		*typ = "simple-blender-render"
	}
	if *name == "" {
		*name = strings.TrimSuffix(filepath.Base(*uf.blend), filepath.Ext(*uf.blend))
	}
}

// prepare collects and hashes the .blend's files and makes sub an upload
// job; nil (whose methods do nothing) without --upload.
func (uf *uploadFlags) prepare(ctx context.Context, e *env, sub *wire.SubmitJob, jt *wire.JobType) (*upload, error) {
	if *uf.blend == "" {
		return nil, nil
	}
	u, err := prepareUpload(ctx, e, *uf.blend, *uf.blender, *uf.allowMissing)
	if err != nil {
		return nil, err
	}
	if sub.Settings == nil {
		sub.Settings = map[string]any{}
	}
	u.fillSettings(sub.Settings, jt)
	sub.Storage, sub.Files = wire.StorageUpload, u.jobFiles()
	return u, nil
}

// collected is the collector's manifest (addon/farmhand/collect.py): the
// files a .blend needs under one root, and what its scene says.
type collected struct {
	Root  string `json:"root"`
	Blend string `json:"blend"`
	Files []struct {
		Path   string `json:"path"`
		Source string `json:"source"`
	} `json:"files"`
	Missing  []string `json:"missing"`
	Warnings []string `json:"warnings"`
	Scene    struct {
		Name          string  `json:"name"`
		FrameStart    int     `json:"frame_start"`
		FrameEnd      int     `json:"frame_end"`
		FrameStep     int     `json:"frame_step"`
		FPS           float64 `json:"fps"`
		Format        string  `json:"format"`
		FileExtension string  `json:"file_extension"`
	} `json:"scene"`
}

// upload is a submission with --upload: the collected files, hashed, and
// the stage folder of the collector's copies (removed by done).
type upload struct {
	manifest *collected
	files    []transfer.Local
	stage    string
}

// done removes the collector's folder (nothing for nil).
func (u *upload) done() {
	if u != nil {
		_ = os.RemoveAll(u.stage)
	}
}

// errMissingFiles: the .blend names files that do not exist, and
// --allow-missing was not given.
var errMissingFiles = errors.New("the blend file uses files that do not exist")

// checkBlendFile refuses what --upload names when it is no .blend file: a
// path that does not exist, a folder, or a file without Blender's header
// ("BLENDER", or a compressed file's gzip or zstd magic), before Blender is
// started on it.
func checkBlendFile(path string) error {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("%w: --upload names %s, which does not exist", errUsage, path)
	case err != nil:
		return fmt.Errorf("reading %s: %w", path, err)
	case st.IsDir():
		return fmt.Errorf("%w: --upload names %s, which is a folder: name its .blend file", errUsage, path)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	defer f.Close()
	head := make([]byte, 7)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	if !bytes.HasPrefix(head, []byte("BLENDER")) && !bytes.HasPrefix(head, []byte{0x1f, 0x8b}) &&
		!bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}) {
		return fmt.Errorf("%w: --upload names %s, which is not a .blend file", errUsage, path)
	}
	return nil
}

// prepareUpload collects blend's dependencies with Blender (blenderPath, or
// "blender" on PATH) and hashes them. Missing files are refused, listed,
// unless allowMissing; warnings go to stderr.
func prepareUpload(ctx context.Context, e *env, blend, blenderPath string, allowMissing bool) (*upload, error) {
	blend, err := filepath.Abs(blend)
	if err != nil {
		return nil, fmt.Errorf("finding %s: %w", blend, err)
	}
	if err := checkBlendFile(blend); err != nil {
		return nil, err
	}
	stage, err := os.MkdirTemp("", "farmhand-upload-")
	if err != nil {
		return nil, fmt.Errorf("making a folder for the collector: %w", err)
	}
	u := &upload{stage: stage}
	if u.manifest, err = runCollector(ctx, e, blenderPath, blend, stage); err != nil {
		u.done()
		return nil, err
	}
	for _, w := range u.manifest.Warnings {
		fmt.Fprintln(e.stderr, "warning:", w)
	}
	if len(u.manifest.Missing) > 0 && !allowMissing {
		u.done()
		return nil, fmt.Errorf("%w (--allow-missing submits without them):\n  %s", errMissingFiles, strings.Join(u.manifest.Missing, "\n  "))
	}
	for _, f := range u.manifest.Files {
		if _, err := files.CleanPath(f.Path); err != nil {
			u.done()
			return nil, fmt.Errorf("a file of %s cannot go to the farm under this name: %w", blend, err)
		}
		u.files = append(u.files, transfer.Local{JobFile: wire.JobFile{Path: f.Path}, Source: f.Source})
	}
	fmt.Fprintf(e.stderr, "hashing %s under %s\n", plural(len(u.files), "file"), u.manifest.Root)
	if err := transfer.HashAll(ctx, u.files); err != nil {
		u.done()
		return nil, err
	}
	return u, nil
}

// runCollector runs the add-on's collect.py (embedded in this binary) in a
// headless Blender on blend and reads the manifest it writes.
func runCollector(ctx context.Context, e *env, blenderPath, blend, stage string) (*collected, error) {
	if blenderPath == "" {
		p, err := exec.LookPath("blender")
		if err != nil {
			return nil, fmt.Errorf("%w: --upload runs Blender to find the files the scene uses, and no blender is on PATH: "+
				"name it with --blender PATH", errUsage)
		}
		blenderPath = p
	}
	script, err := addon.FS.ReadFile(addon.Folder + "/collect.py")
	if err != nil {
		return nil, fmt.Errorf("reading the embedded collector: %w", err)
	}
	scriptPath := filepath.Join(stage, "farmhand-collect.py")
	if err := os.WriteFile(scriptPath, script, 0o644); err != nil {
		return nil, fmt.Errorf("writing the collector: %w", err)
	}
	out := filepath.Join(stage, "manifest.json")
	// Copies go to stage/copies, so that no copy can be named like the script
	// or the manifest.
	cmd := exec.CommandContext(ctx, blenderPath, "-b", blend, "--factory-startup", "--python-exit-code", "1",
		"--python", scriptPath, "--", "--out", out, "--stage", filepath.Join(stage, "copies"))
	fmt.Fprintf(e.stderr, "collecting the files %s uses, with %s\n", filepath.Base(blend), blenderPath)
	if output, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("collecting the files of %s with %s: %w\n%s", blend, blenderPath, err, lastLines(output, 15))
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("reading the collector's manifest: %w", err)
	}
	var m collected
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("reading the collector's manifest: %w", err)
	}
	return &m, nil
}

// lastLines is the end of a program's output, for an error message.
func lastLines(out []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// jobFiles is the manifest the manager gets.
func (u *upload) jobFiles() []wire.JobFile {
	out := make([]wire.JobFile, len(u.files))
	for i, f := range u.files {
		out[i] = f.JobFile
	}
	return out
}

// fillSettings sets what an upload job's settings must say, and what the
// scene says for the settings the job type declares and the command line
// left out (as Blender's add-on computes them): blendfile under {job_files},
// render_output_root {job_output} unless given, frames, format, fps, scene
// and image_file_extension.
func (u *upload) fillSettings(settings map[string]any, jt *wire.JobType) {
	settings["blendfile"] = "{job_files}/" + u.manifest.Blend
	declared := map[string]bool{}
	if jt != nil {
		for _, s := range jt.Settings {
			declared[s.Key] = true
		}
	}
	sc := u.manifest.Scene
	frames := fmt.Sprintf("%d-%d", sc.FrameStart, sc.FrameEnd)
	if sc.FrameStep > 1 {
		frames += fmt.Sprintf("x%d", sc.FrameStep)
	}
	for k, v := range map[string]any{"render_output_root": "{job_output}", "frames": frames, "format": sc.Format,
		"fps": sc.FPS, "scene": sc.Name, "image_file_extension": sc.FileExtension} {
		if _, given := settings[k]; !given && (declared[k] || k == "render_output_root") {
			settings[k] = v
		}
	}
}

// submit submits the job and, for an upload (u not nil), sends its files:
// the job is returned once the manager holds every one.
func (u *upload) submit(ctx context.Context, e *env, cl *client.Client, sub wire.SubmitJob) (*model.Job, error) {
	job, err := cl.Submit(ctx, sub)
	if err != nil {
		return nil, err
	}
	return job, u.send(ctx, e, cl, job.ID)
}

// send uploads the files the manager lacks, with a progress bar on stderr,
// and returns once the manager holds every one. Nothing for nil. When the
// upload stops, the error says what became of the job (uploadStopped).
func (u *upload) send(ctx context.Context, e *env, cl *client.Client, jobID string) error {
	if u == nil {
		return nil
	}
	bar := newProgressBar(e.stderr, "uploading")
	sent, err := transfer.UploadJob(ctx, cl, jobID, u.files, bar.update)
	bar.finish()
	if err != nil {
		return uploadStopped(ctx, cl, jobID, err)
	}
	fmt.Fprintf(e.stderr, "the manager holds all %d files (%s sent)\n", len(u.files), megabytes(sent))
	return nil
}

// uploadStopped cancels job jobID after its upload stopped on err, and
// returns the error to show: a job someone else canceled or deleted
// meanwhile (a *transfer.JobStoppedError) is only reported, since it
// neither waits for files nor needs canceling; else the job is canceled so
// that a second submission (a job of its own) is the only one to render.
// Canceled, it keeps the files it names on the manager (and a partial one
// for an hour), where the next submission resumes. Only when the cancel
// fails, for a reason other than the job having stopped meanwhile, does the
// error say that the job waits for its files.
func uploadStopped(ctx context.Context, cl *client.Client, jobID string, err error) error {
	var stopped *transfer.JobStoppedError
	if errors.As(err, &stopped) {
		return err
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if _, cerr := cl.JobAction(cctx, jobID, model.JobCancel, nil); cerr != nil {
		if s := transfer.JobStopped(cctx, cl, jobID, err); s != nil {
			return s
		}
		return fmt.Errorf("the upload stopped (%w), and job %s waits for its files; canceling it failed too (%w): "+
			"cancel it with 'farmhand job %s cancel'", err, jobID, cerr, jobID)
	}
	return fmt.Errorf("the upload stopped (%w); job %s is canceled so that it never renders. "+
		"What was sent stays on the manager: submitting again resumes there", err, jobID)
}

// progressBar draws a transfer's progress on w: one line redrawn in place
// on a terminal, plain lines at most every few seconds otherwise (a log, a
// pipe), so that logs stay readable.
type progressBar struct {
	w     io.Writer
	what  string
	tty   bool
	last  time.Time
	p     transfer.Progress
	drawn *transfer.Progress // the last state drawn
}

func newProgressBar(w io.Writer, what string) *progressBar {
	return &progressBar{w: w, what: what, tty: isTerminal(w)}
}

// isTerminal reports whether w is a character device (a person's terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func (b *progressBar) update(p transfer.Progress) {
	b.p = p
	if p.FileCount == 0 {
		return // nothing to move: no bar
	}
	every := 5 * time.Second
	if b.tty {
		every = 100 * time.Millisecond
	}
	if now := time.Now(); now.Sub(b.last) >= every || p.Done == p.Total && p.Files == p.FileCount {
		b.last = now
		b.draw(false)
	}
}

// finish draws the last state unless it is shown already, and ends a
// terminal's line.
func (b *progressBar) finish() {
	switch {
	case b.p.FileCount == 0:
	case b.drawn == nil || *b.drawn != b.p:
		b.draw(true)
	case b.tty:
		fmt.Fprintln(b.w)
	}
}

func (b *progressBar) draw(final bool) {
	p := b.p
	pct := 100.0
	if p.Total > 0 {
		pct = 100 * float64(p.Done) / float64(p.Total)
	}
	text := fmt.Sprintf("%s %d/%d files  %s of %s  %5.1f%%  %.1f MB/s", b.what, p.Files, p.FileCount,
		megabytes(p.Done), megabytes(p.Total), pct, p.Rate(time.Now())/1e6)
	b.drawn = &p
	if !b.tty {
		fmt.Fprintln(b.w, text)
		return
	}
	const width = 24
	filled := int(pct / 100 * width)
	end := ""
	if final {
		end = "\n"
	}
	fmt.Fprintf(b.w, "\r[%s%s] %s\x1b[K%s", strings.Repeat("#", filled), strings.Repeat(" ", width-filled), text, end)
}

// megabytes writes n bytes in MB (10^6), as transfer speeds are given.
func megabytes(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
