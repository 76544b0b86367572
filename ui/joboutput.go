package ui

import (
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"farmhand/farm/model"
)

// openFolder opens a folder in the desktop's file manager. A variable, so
// that tests can watch the call instead of launching anything.
var openFolder = func(dir string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "windows":
		cmd = exec.Command("explorer", dir)
	case "darwin":
		cmd = exec.Command("open", dir)
	default:
		cmd = exec.Command("xdg-open", dir)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	// Reap it; explorer exits 1 even when it worked, so its status says nothing.
	go func() { _ = cmd.Wait() }()
	return nil
}

// outputFolder returns the job's output folder if it exists on this
// computer: the folder of render_output_path (which ends in a file pattern
// such as "######"), else render_output_root. Workers write to shared
// storage, so on another computer the path may not be there.
func outputFolder(j *model.Job) string {
	var candidates []string
	if p, ok := j.Settings["render_output_path"].(string); ok && p != "" {
		candidates = append(candidates, filepath.Dir(filepath.FromSlash(p)), filepath.FromSlash(p))
	}
	if p, ok := j.Settings["render_output_root"].(string); ok && p != "" {
		candidates = append(candidates, filepath.FromSlash(p))
	}
	for _, c := range candidates {
		if strings.ContainsAny(c, "{}#") {
			continue // still a pattern, not a folder
		}
		if fi, err := os.Stat(c); err == nil && fi.IsDir() {
			return c
		}
	}
	return ""
}

// outputView is the job panel's Output tab: the job's last-rendered frame as
// a thumbnail and a button to its output folder.
type outputView struct {
	u      *UI
	jobID  string
	thumb  *canvas.Image
	note   *widget.Label
	folder *widget.Label
	open   *widget.Button
	dir    string
	gen    int
	// seenSteps and seenStatus are the shown job's progress and status when
	// its folder was last looked for (followFolder).
	seenSteps  int
	seenStatus model.JobStatus

	download *downloadView
}

func newOutputView(u *UI) *outputView {
	v := &outputView{u: u, download: newDownloadView(u)}
	v.thumb = &canvas.Image{FillMode: canvas.ImageFillContain, ScaleMode: canvas.ImageScaleSmooth}
	v.thumb.SetMinSize(fyne.NewSize(320, 180))
	v.note = widget.NewLabel("")
	v.note.Alignment = fyne.TextAlignCenter
	v.folder = widget.NewLabel("")
	v.folder.Wrapping = fyne.TextWrapBreak
	v.open = widget.NewButtonWithIcon("Open output folder", theme.FolderOpenIcon(), v.openFolder)
	return v
}

func (v *outputView) object() fyne.CanvasObject {
	frame := container.NewStack(v.thumb, container.NewCenter(v.note))
	return container.NewVScroll(container.NewVBox(
		widget.NewLabelWithStyle("Last rendered frame", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		frame,
		widget.NewLabelWithStyle("Output", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		v.folder,
		container.NewHBox(v.open),
		v.download.object(),
	))
}

// show switches to job j: its folder now, its thumbnail once fetched.
func (v *outputView) show(j *model.Job) {
	v.jobID = j.ID
	v.thumb.Image = nil
	v.thumb.Refresh()
	v.note.SetText("Loading…")
	v.note.Show()
	v.showFolder(j)
	v.download.show(j)
	v.load()
}

// showFolder offers the output folder when this computer can open it.
func (v *outputView) showFolder(j *model.Job) {
	v.seenSteps, v.seenStatus = j.StepsCompleted, j.Status
	v.dir = outputFolder(j)
	switch {
	case v.dir != "":
		v.folder.SetText(v.dir)
		v.open.Show()
	case j.Settings["render_output_path"] != nil || j.Settings["render_output_root"] != nil:
		v.folder.SetText(fmt.Sprintf("The output folder (%v) is not reachable from this computer.",
			firstSetting(j, "render_output_path", "render_output_root")))
		v.open.Hide()
	default:
		v.folder.SetText("This job type writes no output folder.")
		v.open.Hide()
	}
}

// followFolder looks for the shown job's output folder again as the job
// moves on: its own folder exists only once its first frame is written, and
// until then the view offers the root of all renders. It looks only when the
// job's progress or status changed, as a folder on a slow share takes a
// while to stat.
func (v *outputView) followFolder(j *model.Job) {
	moved := j.StepsCompleted != v.seenSteps || j.Status != v.seenStatus
	v.seenSteps, v.seenStatus = j.StepsCompleted, j.Status
	if j.ID == v.jobID && moved {
		v.showFolder(j)
	}
}

func firstSetting(j *model.Job, keys ...string) any {
	for _, k := range keys {
		if s, ok := j.Settings[k]; ok {
			return s
		}
	}
	return nil
}

func (v *outputView) openFolder() {
	if v.dir == "" {
		return
	}
	if err := openFolder(v.dir); err != nil {
		v.u.showError("Could not open the output folder "+v.dir, err)
	}
}

// load fetches the thumbnail of the shown job.
func (v *outputView) load() {
	v.gen++
	gen, id, u := v.gen, v.jobID, v.u
	go func() {
		img, err := fetchImage(u.ctx, u.client, id, "thumb")
		u.do(func() { v.showThumb(gen, img, err) })
	}()
}

func (v *outputView) showThumb(gen int, img image.Image, err error) {
	if gen != v.gen {
		return
	}
	switch {
	case err != nil:
		v.note.SetText("Could not fetch the frame:\n" + explain(err, v.u.client.BaseURL()))
		v.note.Show()
	case img == nil:
		v.note.SetText("No frame rendered yet.")
		v.note.Show()
	default:
		v.note.Hide()
		v.thumb.Image = img
		v.thumb.Refresh()
	}
}

// newImage follows a last-rendered event: the shown job's thumbnail changes.
func (v *outputView) newImage(r *model.RenderedImage) {
	if v.jobID != "" && r.JobID == v.jobID {
		v.load()
	}
}
