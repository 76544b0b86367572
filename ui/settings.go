package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"farmhand/farm/api/wire"
	"farmhand/farm/files"
	"farmhand/farm/model"
	"farmhand/farm/trust"
)

// settingsView is the farm as configured: who this window is, the manager,
// the join code (admins), the job types, and the farm settings and path
// variables kept by the manager, which admins edit here (others read them).
type settingsView struct {
	u *UI
	// varsHead is the path variables' heading; with showVars the view keeps
	// it at the top (Config.Open "variables", for the docs' screenshot).
	varsHead *fyne.Container
	showVars bool
	farm     *widget.Form
	version  *widget.Label
	me       *widget.Label
	code     *widget.Label
	codeRow  *fyne.Container
	codeItem *widget.FormItem
	types    *fyne.Container
	typeNote *widget.Label
	config   *widget.Form // read-only settings (everyone but admins)
	edit     *configEditor
	settings *fyne.Container // config or edit's box
	vars     *fyne.Container
	addVar   *widget.Button
	varEdit  *variableEditor // the variable dialog last opened
	cfg      *wire.FarmConfig
	list     *wire.JobTypeList
	gen      int
	cfgGen   int
	scroll   *container.Scroll
	audit    *auditSection // admins only
}

func newSettingsView(u *UI) *settingsView {
	v := &settingsView{u: u}
	v.version = widget.NewLabel("…")
	v.me = widget.NewLabel("…")
	v.code = widget.NewLabelWithStyle("…", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	copyCode := widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), func() {
		if c := v.code.Text; c != "" && c != "…" {
			u.app.Clipboard().SetContent(c)
		}
	})
	v.codeRow = container.NewHBox(v.code, copyCode)
	v.codeItem = widget.NewFormItem("Join code", v.codeRow)
	v.codeItem.HintText = "What a render node needs: farmhand worker --join CODE"
	v.farm = widget.NewForm(
		widget.NewFormItem("Farm", widget.NewLabel(u.farm)),
		widget.NewFormItem("Manager", widget.NewLabel(u.client.BaseURL())),
		widget.NewFormItem("Version", v.version),
		widget.NewFormItem("Signed in as", v.me),
	)
	v.types = container.NewVBox()
	v.typeNote = widget.NewLabel("Loading…")
	v.config = widget.NewForm()
	v.edit = newConfigEditor(v)
	v.settings = container.NewVBox(v.config)
	v.vars = container.NewVBox()
	v.addVar = widget.NewButtonWithIcon("Add variable", theme.ContentAddIcon(), func() { v.editVariable(model.Variable{}) })
	v.addVar.Hide()
	v.audit = newAuditSection(u, v.relayout)
	return v
}

func (v *settingsView) object() fyne.CanvasObject {
	kept := widget.NewLabel("Kept by the manager and applied at once, without a restart. A command-line flag given where " +
		"the manager starts overrides a setting for that run only (farmhand manager --help).")
	kept.Wrapping = fyne.TextWrapWord
	about := widget.NewLabel("Jobs and job types write {name}; each computer reads its own platform's value, so that " +
		"P:\\shots on Windows is /mnt/projects/shots on Linux. Storage locations are the roots where projects and renders live.")
	about.Wrapping = fyne.TextWrapWord
	refresh := widget.NewButtonWithIcon("Refresh", theme.ViewRefreshIcon(), v.load)
	refresh.Importance = widget.LowImportance
	v.scroll = container.NewVScroll(container.NewVBox(
		heading("Farm"), v.farm, container.NewHBox(v.addonButton()),
		widget.NewSeparator(),
		container.NewBorder(nil, nil, nil, refresh, heading("Job types")),
		v.typeNote, v.types,
		widget.NewSeparator(),
		heading("Farm settings"), v.settings, kept,
		widget.NewSeparator(),
		v.varsHeading(), about, v.vars,
		v.audit.box,
	))
	return v.scroll
}

// relayout lays the page out again after rows came or went: a scroll does
// not notice that its content grew.
func (v *settingsView) relayout() {
	if v.scroll != nil {
		v.scroll.Content.Refresh()
		if v.showVars {
			v.scroll.Offset = fyne.NewPos(0, v.varsHead.Position().Y)
		}
		v.scroll.Refresh()
	}
}

func (v *settingsView) varsHeading() *fyne.Container {
	v.varsHead = container.NewBorder(nil, nil, nil, v.addVar, heading("Path variables and storage locations"))
	return v.varsHead
}

func heading(s string) *widget.Label {
	l := widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.SizeName = theme.SizeNameSubHeadingText
	return l
}

// meChanged shows who this window is, and the join code to admins.
func (v *settingsView) meChanged() {
	me := v.u.me
	// The manager's own member is named "<host> (manager)": the role gets
	// words of its own, not a second pair of brackets.
	v.me.SetText(fmt.Sprintf("%s, with the %s role", me.Name, me.Role))
	if v.u.isAdmin() && len(v.farm.Items) == 4 {
		v.farm.AppendItem(v.codeItem)
	}
	v.showTypes() // the export buttons are for admins
	if v.cfg != nil {
		v.showConfig(v.cfg) // editable for admins
	}
	v.audit.setAdmin(v.u.isAdmin(), v.u.tabs, v.scroll)
	v.relayout()
}

// showCode shows the join code the workers view fetched.
func (v *settingsView) showCode(code string) {
	v.code.SetText(code)
	v.relayout()
}

// load fetches the manager's version, job types and settings.
func (v *settingsView) load() {
	v.loadConfig()
	v.audit.load()
	v.gen++
	gen, u := v.gen, v.u
	go func() {
		ctx, cancel := context.WithTimeout(u.ctx, actionTimeout)
		defer cancel()
		ver, verr := u.client.Version(ctx)
		list, lerr := u.client.JobTypeList(ctx)
		u.do(func() {
			if gen != v.gen {
				return
			}
			if verr == nil {
				v.version.SetText(fmt.Sprintf("%s %s (API %d)", ver.Name, ver.Version, ver.APIVersion))
				v.relayout()
			}
			if lerr != nil {
				v.typeNote.SetText("Could not list the job types: " + explain(lerr, u.client.BaseURL()))
				v.typeNote.Show()
				return
			}
			v.list = list
			v.showTypes()
		})
	}()
}

// showTypes lists the job types, with what is wrong with broken scripts.
func (v *settingsView) showTypes() {
	l := v.list
	if l == nil {
		return
	}
	v.types.RemoveAll()
	for _, jt := range l.JobTypes {
		v.types.Add(v.typeRow(jt))
	}
	for _, p := range l.Problems {
		msg := widget.NewLabel(fmt.Sprintf("%s (%s): %s", p.Name, p.File, p.Error))
		msg.Wrapping = fyne.TextWrapWord
		msg.Importance = widget.DangerImportance
		v.types.Add(container.NewBorder(nil, nil, widget.NewIcon(coloredIcon(theme.IconNameError, colorBad)), nil, msg))
	}
	v.typeNote.SetText("Built-in job types come with Farmhand; custom ones are scripts in the manager's scripts folder, " +
		"picked up as they change. Export a built-in to customise it.")
	v.typeNote.Wrapping = fyne.TextWrapWord
	v.typeNote.Show()
	v.relayout()
}

// sourceWords says where a job type comes from.
var sourceWords = map[string]string{
	"built-in":   "built-in",
	"custom":     "custom script",
	"customised": "built-in, customised by a script",
}

func (v *settingsView) typeRow(jt wire.JobType) fyne.CanvasObject {
	label := jt.Label
	if label == "" {
		label = jt.Name
	}
	name := widget.NewLabelWithStyle(label, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	src, ok := sourceWords[jt.Source]
	if !ok {
		src = jt.Source
	}
	about := widget.NewLabel(fmt.Sprintf("%s · %s · %s", jt.Name, src, plural(len(jt.Settings), "setting")))
	about.Truncation = fyne.TextTruncateEllipsis
	var right fyne.CanvasObject = container.NewHBox()
	if jt.Source == "built-in" && v.u.isAdmin() {
		right = widget.NewButtonWithIcon("Export to customise", theme.DocumentSaveIcon(), func() { v.export(jt.Name) })
	}
	return container.NewBorder(nil, nil, name, right, about)
}

// export copies a built-in job type into the manager's scripts folder.
func (v *settingsView) export(name string) {
	u := v.u
	go func() {
		ctx, cancel := context.WithTimeout(u.ctx, actionTimeout)
		defer cancel()
		path, err := u.client.ExportJobType(ctx, name)
		u.do(func() {
			if err != nil {
				u.showError("Could not export "+name, fmt.Errorf("%s", explain(err, u.client.BaseURL())))
				return
			}
			dialog.ShowInformation("Exported "+name, strings.Join([]string{
				"The job type was written to", path, "on the manager's computer.",
				"Edit it there: the manager picks the changes up as you save.",
			}, "\n"), u.win)
			v.load() // it is now "customised"
		})
	}()
}

// settingsChanged is what a settings event does: an admin changed the
// settings somewhere, so the view fetches them (with the overrides and
// folders only the config route has).
func (v *settingsView) settingsChanged() { v.loadConfig() }

// loadConfig fetches the farm settings; a failure leaves what is shown.
func (v *settingsView) loadConfig() {
	v.cfgGen++
	gen, u := v.cfgGen, v.u
	go func() {
		ctx, cancel := context.WithTimeout(u.ctx, actionTimeout)
		defer cancel()
		cfg, err := u.client.Config(ctx)
		u.do(func() {
			if err == nil && gen == v.cfgGen {
				v.showConfig(cfg)
			}
		})
	}()
}

// showConfig shows the farm settings: a form to edit for admins, read-only
// rows for everyone else; and the path variables.
func (v *settingsView) showConfig(c *wire.FarmConfig) {
	v.cfg = c
	v.showVariables(c.Variables)
	v.settings.RemoveAll()
	admin := v.u.isAdmin()
	v.showReadOnly(c, !admin)
	v.settings.Add(v.config)
	if admin {
		v.edit.fill(c)
		v.settings.Add(v.edit.box)
	}
	v.relayout()
}

// showReadOnly fills the read-only rows: the certificate and data folder,
// and with all the settings too (for those who may not edit them).
func (v *settingsView) showReadOnly(c *wire.FarmConfig, all bool) {
	forget := c.ForgetWorkersAfter
	if forget == "0s" {
		forget = "never"
	}
	oldJobs := "never"
	if d := c.DeleteJobsAfter; d != "" && d != "0s" {
		oldJobs = "when they ended " + d + " ago"
	}
	v.config.Items = nil
	if c.Fingerprint != "" {
		// People compare this with what a new worker or add-on shows.
		fp := widget.NewLabelWithStyle(trust.Fingerprint(c.Fingerprint).String(), fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
		fp.Wrapping = fyne.TextWrapWord
		item := widget.NewFormItem("Certificate", fp)
		item.HintText = "Its fingerprint: other computers trust this manager only if they see the same"
		v.config.AppendItem(item)
	}
	v.config.AppendItem(widget.NewFormItem("Data folder", widget.NewLabel(c.DataDir)))
	for _, row := range [][2]string{
		{"Farm name", c.FarmName},
		{"Job-type scripts", c.ScriptsDir},
		{"Task timeout", c.TaskTimeout + " without its worker reporting on it: failed by that worker"},
		{"Worker timeout", c.WorkerTimeout + " silent: lost, its task requeued"},
		{"Task failures", fmt.Sprintf("%d workers fail a task before it fails for good", c.MaxTaskFailures)},
		{"Blocklist", fmt.Sprintf("after %d failed tasks of one type in a job", c.BlocklistThreshold)},
		{"Job fails", fmt.Sprintf("when more than %.0f%% of its tasks failed", c.FailThreshold*100)},
		{"Forget workers", "offline for " + forget},
		{"Delete old jobs", oldJobs},
		{"Uploads", fmt.Sprintf("at most %s a file, %s an upload job; canceled after %s without a file chunk",
			files.SizeText(c.MaxFileSize), files.SizeText(c.MaxJobSize), c.UploadTimeout)},
	} {
		if !all {
			break
		}
		l := widget.NewLabel(row[1])
		l.Wrapping = fyne.TextWrapWord
		v.config.AppendItem(widget.NewFormItem(row[0], l))
	}
	v.config.Refresh()
}
