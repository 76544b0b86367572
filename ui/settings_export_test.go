package ui

import (
	"fyne.io/fyne/v2/widget"

	"farmhand/farm/model"
)

// This file lets package ui_test read and drive the Settings view.

// SettingsShown reports whether the Settings view shows the farm settings.
func (s *Serial) SettingsShown() bool { return s.settings.cfg != nil }

// SettingsEditable reports whether the Settings view offers the settings
// form (admins only).
func (s *Serial) SettingsEditable() bool {
	for _, o := range s.settings.settings.Objects {
		if o == s.settings.edit.box {
			return true
		}
	}
	return false
}

// SettingsEntry is the form's entry of a setting, by its JSON name.
func (s *Serial) SettingsEntry(field string) *widget.Entry { return s.settings.edit.entries[field] }

// SaveSettings presses Save.
func (s *Serial) SaveSettings() { s.settings.edit.save.OnTapped() }

// SettingsProblem is what the form says is wrong, "" when nothing.
func (s *Serial) SettingsProblem() string {
	if p := s.settings.edit.problem; p.Visible() {
		return p.Text
	}
	return ""
}

// ReadOnlySetting returns the text of a read-only row, by its label.
func (s *Serial) ReadOnlySetting(label string) string {
	for _, it := range s.settings.config.Items {
		if l, ok := it.Widget.(*widget.Label); ok && it.Text == label {
			return l.Text
		}
	}
	return ""
}

// VariableRows returns each listed variable as "{name} kind · values".
func (s *Serial) VariableRows() []string {
	var out []string
	for _, vr := range s.settings.cfg.Variables {
		out = append(out, "{"+vr.Name+"} "+variableText(vr))
	}
	return out
}

// CanAddVariable reports whether the Add variable button shows.
func (s *Serial) CanAddVariable() bool { return s.settings.addVar.Visible() }

// AddVariable fills the variable dialog and presses Save.
func (s *Serial) AddVariable(name string, storage bool, values map[string]string) {
	s.settings.editVariable(model.Variable{})
	ed := s.settings.varEdit
	ed.name.SetText(name)
	ed.storage.SetChecked(storage)
	for p, v := range values {
		ed.values[p].SetText(v)
	}
	ed.form.OnSubmit()
}

// VariableProblem is what the variable dialog says is wrong, "" when nothing.
func (s *Serial) VariableProblem() string {
	if p := s.settings.varEdit.problem; p.Visible() {
		return p.Text
	}
	return ""
}

// DeleteVariable deletes a variable as the confirmed Delete button does.
func (s *Serial) DeleteVariable(name string) { s.settings.deleteVariable(name) }

// SettingsChanged does what a settings event does to the view.
func (s *Serial) SettingsChanged() { s.settings.settingsChanged() }
