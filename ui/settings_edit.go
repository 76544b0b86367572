package ui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"farmhand/farm/api/wire"
	"farmhand/farm/files"
	"farmhand/farm/model"
)

// settingField is one farm setting the Settings view shows and admins edit.
type settingField struct {
	field, label, hint string
	get                func(*wire.FarmConfig) string
	// set puts the entry's text into an update; the error names the label.
	set func(u *wire.ConfigUpdate, text string) error
}

func textField(dst func(*wire.ConfigUpdate) **string) func(*wire.ConfigUpdate, string) error {
	return func(u *wire.ConfigUpdate, s string) error { s = strings.TrimSpace(s); *dst(u) = &s; return nil }
}

func intField(label string, dst func(*wire.ConfigUpdate) **int) func(*wire.ConfigUpdate, string) error {
	return func(u *wire.ConfigUpdate, s string) error {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if errors.Is(err, strconv.ErrRange) {
			// A whole number all the same: say what is wrong with it.
			return fmt.Errorf("%s: %q is far too large a number", label, s)
		}
		if err != nil {
			return fmt.Errorf("%s: %q is not a whole number", label, s)
		}
		*dst(u) = &n
		return nil
	}
}

var settingFields = []settingField{
	{"farm_name", "Farm name", "As workers and windows list it",
		func(c *wire.FarmConfig) string { return c.FarmName }, textField(func(u *wire.ConfigUpdate) **string { return &u.FarmName })},
	{"task_timeout", "Task timeout", "A running task its worker stops reporting on this long fails on that worker (e.g. 15m)",
		func(c *wire.FarmConfig) string { return c.TaskTimeout }, textField(func(u *wire.ConfigUpdate) **string { return &u.TaskTimeout })},
	{"worker_timeout", "Worker timeout", "A worker silent this long is lost and its task requeued (e.g. 1m)",
		func(c *wire.FarmConfig) string { return c.WorkerTimeout }, textField(func(u *wire.ConfigUpdate) **string { return &u.WorkerTimeout })},
	{"max_task_failures", "Task failures", "Workers that may fail a task before it fails for good",
		func(c *wire.FarmConfig) string { return strconv.Itoa(c.MaxTaskFailures) },
		intField("Task failures", func(u *wire.ConfigUpdate) **int { return &u.MaxTaskFailures })},
	{"blocklist_threshold", "Blocklist", "Failed tasks of one type in a job that keep a worker from them",
		func(c *wire.FarmConfig) string { return strconv.Itoa(c.BlocklistThreshold) },
		intField("Blocklist", func(u *wire.ConfigUpdate) **int { return &u.BlocklistThreshold })},
	{"fail_threshold", "Job fails above", "Share of its tasks failed, e.g. 0.1 for 10%",
		func(c *wire.FarmConfig) string { return strconv.FormatFloat(c.FailThreshold, 'g', -1, 64) },
		func(u *wire.ConfigUpdate, s string) error {
			f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil {
				return fmt.Errorf("Job fails above: %q is not a number such as 0.1", s)
			}
			u.FailThreshold = &f
			return nil
		}},
	{"forget_workers_after", "Forget workers", "Offline workers are deleted after this long; 0 keeps them (e.g. 720h)",
		func(c *wire.FarmConfig) string { return c.ForgetWorkersAfter },
		textField(func(u *wire.ConfigUpdate) **string { return &u.ForgetWorkersAfter })},
	{"scripts_dir", "Job-type scripts", "Folder of custom job types on the manager's computer; empty for the data folder's",
		func(c *wire.FarmConfig) string { return c.ScriptsDir }, textField(func(u *wire.ConfigUpdate) **string { return &u.ScriptsDir })},
	{"max_file_size", "Largest upload", "The largest file an upload job may send, in or out (e.g. 50 GiB; 0 for the default)",
		func(c *wire.FarmConfig) string { return files.SizeText(c.MaxFileSize) },
		sizeField("Largest upload", func(u *wire.ConfigUpdate) **int64 { return &u.MaxFileSize })},
	{"max_job_size", "Upload job size", "The most an upload job's files may take together, in and out each (e.g. 200 GiB; 0 for the default)",
		func(c *wire.FarmConfig) string { return files.SizeText(c.MaxJobSize) },
		sizeField("Upload job size", func(u *wire.ConfigUpdate) **int64 { return &u.MaxJobSize })},
	{"upload_timeout", "Upload wait", "An upload job no file chunk reached this long is canceled (e.g. 24h; 0 for the default)",
		func(c *wire.FarmConfig) string { return c.UploadTimeout },
		textField(func(u *wire.ConfigUpdate) **string { return &u.UploadTimeout })},
	{"delete_jobs_after", "Delete old jobs", "Jobs that ended this long ago are deleted (their frames stay); 0 keeps them (e.g. 2160h)",
		func(c *wire.FarmConfig) string { return c.DeleteJobsAfter },
		textField(func(u *wire.ConfigUpdate) **string { return &u.DeleteJobsAfter })},
}

// sizeField takes a size as people write it, or 0 for the farm's default
// (files.ParseLimit).
func sizeField(label string, dst func(*wire.ConfigUpdate) **int64) func(*wire.ConfigUpdate, string) error {
	return func(u *wire.ConfigUpdate, s string) error {
		n, err := files.ParseLimit(s)
		if err != nil {
			return fmt.Errorf("%s: %w", label, err)
		}
		*dst(u) = &n
		return nil
	}
}

// configEditor is the admins' form of the farm settings: entries, a line
// saying what is wrong, Save and Revert.
type configEditor struct {
	v       *settingsView
	entries map[string]*widget.Entry // by JSON field
	form    *widget.Form
	problem *widget.Label
	save    *widget.Button
	revert  *widget.Button
	box     *fyne.Container
	base    *wire.FarmConfig // what the entries were filled from
	dirty   bool
	filling bool
}

func newConfigEditor(v *settingsView) *configEditor {
	ed := &configEditor{v: v, entries: map[string]*widget.Entry{}, form: widget.NewForm()}
	for _, f := range settingFields {
		e := widget.NewEntry()
		e.OnChanged = func(string) {
			if !ed.filling {
				ed.dirty = true
				ed.problem.SetText("")
				ed.problem.Hide()
			}
		}
		ed.entries[f.field] = e
		item := widget.NewFormItem(f.label, e)
		item.HintText = f.hint
		ed.form.AppendItem(item)
	}
	ed.problem = widget.NewLabel("")
	ed.problem.Wrapping = fyne.TextWrapWord
	ed.problem.Importance = widget.DangerImportance
	ed.problem.Hide()
	ed.save = widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), ed.submit)
	ed.save.Importance = widget.HighImportance
	ed.revert = widget.NewButtonWithIcon("Revert", theme.ContentUndoIcon(), func() { ed.dirty = false; ed.fill(ed.base) })
	ed.box = container.NewVBox(ed.form, ed.problem, container.NewHBox(ed.save, ed.revert))
	return ed
}

// fill shows c, unless the admin is editing: then c becomes what Save
// compares with, and the entries stay as typed.
func (ed *configEditor) fill(c *wire.FarmConfig) {
	ed.base = c
	if ed.dirty {
		ed.problem.SetText("The settings changed elsewhere meanwhile: Revert shows them as they are now.")
		ed.problem.Show()
		return
	}
	ed.filling = true
	for _, f := range settingFields {
		e := ed.entries[f.field]
		e.SetText(f.get(c))
		if slices.Contains(c.Overridden, f.field) {
			ed.form.Items[ed.index(f.field)].HintText = f.hint + " · overridden by a command-line flag for this run of the manager"
		} else {
			ed.form.Items[ed.index(f.field)].HintText = f.hint
		}
	}
	ed.filling = false
	ed.form.Refresh()
	ed.problem.SetText("")
	ed.problem.Hide()
}

func (ed *configEditor) index(field string) int {
	for i, f := range settingFields {
		if f.field == field {
			return i
		}
	}
	return -1
}

// update is the change the entries ask for: the fields whose text differs
// from base, checked as the manager will check them. The error uses the
// form's labels, e.g. "Task timeout: must be between 1s and 8760h0m0s, not 0s".
func (ed *configEditor) update() (wire.ConfigUpdate, error) {
	var u wire.ConfigUpdate
	for _, f := range settingFields {
		text := ed.entries[f.field].Text
		if strings.TrimSpace(text) == f.get(ed.base) {
			continue
		}
		if err := f.set(&u, text); err != nil {
			return u, err
		}
	}
	p, err := u.Patch()
	if err != nil {
		if strings.HasPrefix(err.Error(), "no setting given") {
			return u, errors.New("nothing changed")
		}
		return u, labelled(err)
	}
	s, err := settingsOf(ed.base)
	if err != nil {
		return u, err
	}
	p.Apply(&s)
	if err := s.Validate(); err != nil {
		return u, labelled(err)
	}
	if err := p.CheckChange(); err != nil { // as the manager will
		return u, labelled(err)
	}
	return u, nil
}

// labelled puts the form's label in place of the JSON field an error names.
func labelled(err error) error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "invalid setting: ")
	for _, f := range settingFields {
		if rest, ok := strings.CutPrefix(msg, f.field+": "); ok {
			return errors.New(f.label + ": " + rest)
		}
	}
	return errors.New(msg)
}

// settingsOf reads a FarmConfig back into settings, to check a change.
func settingsOf(c *wire.FarmConfig) (model.Settings, error) {
	s := model.Settings{FarmName: c.FarmName, MaxTaskFailures: c.MaxTaskFailures, BlocklistThreshold: c.BlocklistThreshold,
		FailThreshold: c.FailThreshold, ScriptsDir: c.ScriptsDir, Variables: c.Variables}
	for _, d := range []struct {
		text string
		dst  *model.Duration
	}{{c.WorkerTimeout, &s.WorkerTimeout}, {c.TaskTimeout, &s.TaskTimeout}, {c.ForgetWorkersAfter, &s.ForgetWorkersAfter},
		{cmp.Or(c.UploadTimeout, "0"), &s.UploadTimeout}, // "" from a manager without the setting
		{cmp.Or(c.DeleteJobsAfter, "0"), &s.DeleteJobsAfter}} {
		v, err := model.ParseDuration(d.text)
		if err != nil {
			return s, fmt.Errorf("the manager sent %w", err)
		}
		*d.dst = v
	}
	return s, nil
}

// submit checks the entries and sends the change; the manager's answer (the
// settings now, or why not) comes back on the UI goroutine.
func (ed *configEditor) submit() {
	u, err := ed.update()
	if err != nil {
		ed.problem.SetText(err.Error())
		ed.problem.Show()
		return
	}
	ui := ed.v.u
	ed.save.Disable()
	go func() {
		ctx, cancel := context.WithTimeout(ui.ctx, actionTimeout)
		defer cancel()
		c, err := ui.client.UpdateConfig(ctx, u)
		ui.do(func() {
			ed.save.Enable()
			if err != nil {
				ed.problem.SetText(labelled(errors.New(explain(err, ui.client.BaseURL()))).Error())
				ed.problem.Show()
				return
			}
			ed.dirty = false
			ed.v.showConfig(c)
		})
	}()
}
