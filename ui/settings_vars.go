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
	"farmhand/farm/model"
)

func wireChange(vr model.Variable) wire.VariableChange {
	return wire.VariableChange{Storage: vr.Storage, Values: vr.Values}
}

// showVariables lists the path variables and storage locations; admins get
// Edit and Delete on each, and Add above.
func (v *settingsView) showVariables(vars []model.Variable) {
	v.vars.RemoveAll()
	admin := v.u.isAdmin()
	if admin {
		v.addVar.Show()
	} else {
		v.addVar.Hide()
	}
	for _, vr := range vars {
		v.vars.Add(v.variableRow(vr, admin))
	}
	if len(vars) == 0 {
		v.vars.Add(widget.NewLabel("None yet."))
	}
	v.relayout()
}

// variableText is how a row shows a variable's values.
func variableText(vr model.Variable) string {
	var parts []string
	for _, p := range model.Platforms {
		if val, ok := vr.Values[p]; ok {
			parts = append(parts, p+": "+val)
		}
	}
	return strings.Join(parts, " · ")
}

func (v *settingsView) variableRow(vr model.Variable, admin bool) fyne.CanvasObject {
	kind := "variable"
	if vr.Storage {
		kind = "storage location"
	}
	name := widget.NewLabelWithStyle("{"+vr.Name+"}", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	values := widget.NewLabel(kind + " · " + variableText(vr))
	values.Truncation = fyne.TextTruncateEllipsis
	var right fyne.CanvasObject = container.NewHBox()
	if admin {
		edit := widget.NewButtonWithIcon("", theme.DocumentCreateIcon(), func() { v.editVariable(vr) })
		del := widget.NewButtonWithIcon("", theme.DeleteIcon(), func() {
			dialog.ShowConfirm("Delete {"+vr.Name+"}?", "Jobs that use {"+vr.Name+"} will no longer find their files.",
				func(ok bool) {
					if ok {
						v.deleteVariable(vr.Name)
					}
				}, v.u.win)
		})
		right = container.NewHBox(edit, del)
	}
	return container.NewBorder(nil, nil, name, right, values)
}

// variableEditor is the dialog that adds or changes one variable.
type variableEditor struct {
	name    *widget.Entry
	storage *widget.Check
	values  map[string]*widget.Entry // by platform
	problem *widget.Label
	form    *widget.Form
	dlg     dialog.Dialog
}

// editVariable opens the variable dialog on vr (a zero vr adds one).
func (v *settingsView) editVariable(vr model.Variable) {
	ed := &variableEditor{name: widget.NewEntry(), storage: widget.NewCheck("Storage location (a root where projects or renders live)", nil),
		values: map[string]*widget.Entry{}, problem: widget.NewLabel("")}
	ed.name.SetText(vr.Name)
	ed.name.SetPlaceHolder("projects")
	ed.storage.SetChecked(vr.Storage)
	ed.problem.Importance = widget.DangerImportance
	ed.problem.Wrapping = fyne.TextWrapWord
	ed.problem.Hide()
	ed.form = widget.NewForm(widget.NewFormItem("Name", ed.name), widget.NewFormItem("", ed.storage))
	hints := map[string]string{model.PlatformLinux: "/mnt/projects", model.PlatformWindows: `P:\ or \\server\projects`,
		model.PlatformDarwin: "/Volumes/projects", model.PlatformAll: "for every platform without a value of its own"}
	for _, p := range model.Platforms {
		e := widget.NewEntry()
		e.SetText(vr.Values[p])
		e.SetPlaceHolder(hints[p])
		ed.values[p] = e
		ed.form.AppendItem(widget.NewFormItem(p, e))
	}
	title := "Add a path variable"
	if vr.Name != "" {
		title = "Change {" + vr.Name + "}"
		ed.name.Disable() // a new name is a new variable
	}
	ed.form.SubmitText = "Save"
	ed.form.OnSubmit = func() { v.saveVariable(ed) }
	ed.form.OnCancel = func() { ed.dlg.Hide() }
	content := container.NewVBox(widget.NewLabel("Jobs write {name}; each computer reads its platform's value."), ed.form, ed.problem)
	ed.dlg = dialog.NewCustomWithoutButtons(title, content, v.u.win)
	ed.dlg.Resize(fyne.NewSize(520, 0))
	v.varEdit = ed
	ed.dlg.Show()
}

// variable is what the dialog's fields say, checked as the manager checks.
func (ed *variableEditor) variable() (model.Variable, error) {
	vr := model.Variable{Name: strings.TrimSpace(ed.name.Text), Storage: ed.storage.Checked, Values: map[string]string{}}
	for p, e := range ed.values {
		if val := strings.TrimSpace(e.Text); val != "" {
			vr.Values[p] = val
		}
	}
	if err := vr.Validate(); err != nil {
		return vr, fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "variables["+vr.Name+"]: "))
	}
	return vr, nil
}

func (v *settingsView) saveVariable(ed *variableEditor) {
	vr, err := ed.variable()
	if err != nil {
		ed.problem.SetText(err.Error())
		ed.problem.Show()
		return
	}
	u := v.u
	go func() {
		ctx, cancel := context.WithTimeout(u.ctx, actionTimeout)
		defer cancel()
		_, err := u.client.PutVariable(ctx, vr.Name, wireChange(vr))
		u.do(func() {
			if err != nil {
				ed.problem.SetText(strings.TrimPrefix(explain(err, u.client.BaseURL()), "invalid setting: "))
				ed.problem.Show()
				return
			}
			ed.dlg.Hide()
			v.loadConfig()
		})
	}()
}

func (v *settingsView) deleteVariable(name string) {
	u := v.u
	go func() {
		ctx, cancel := context.WithTimeout(u.ctx, actionTimeout)
		defer cancel()
		err := u.client.DeleteVariable(ctx, name)
		u.do(func() {
			if err != nil {
				u.showError("Could not delete {"+name+"}", fmt.Errorf("%s", explain(err, u.client.BaseURL())))
				return
			}
			v.loadConfig()
		})
	}()
}
