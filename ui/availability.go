package ui

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"farmhand/farm/availability"
	"farmhand/farm/model"
)

// ruleWords names an availability rule as the workers view and the tray
// say it.
var ruleWords = map[string]string{
	availability.RuleAlways:      "always",
	availability.RuleRenderNow:   "render now",
	availability.RulePaused:      "paused",
	availability.RuleSchedule:    "schedule",
	availability.RuleIdle:        "nobody at it",
	availability.RulePresent:     "in use",
	availability.RuleIdleUnknown: "idle time unreadable",
	availability.RuleBusy:        "CPU busy",
	availability.RuleMemory:      "low memory",
}

// availabilityText is the workers view's Available column: "yes · schedule
// until 08:00", "no · in use", or "—" before the worker's first report.
func availabilityText(w *model.Worker) string {
	d := w.Availability
	if d == nil || !workerAnswers(w) {
		return "—" // an offline worker's last report says nothing about now
	}
	word := "no"
	if d.Available {
		word = "yes"
	}
	s := word + " · " + cmp.Or(ruleWords[d.Rule], d.Rule)
	if !d.Until.IsZero() {
		s += " until " + shortWhen(d.Until, time.Now())
	}
	return s
}

func availabilityTip(w *model.Worker) string {
	switch {
	case w.Availability == nil:
		return "Not reported yet: workers report it once they run this version"
	case !workerAnswers(w):
		return "The worker is " + string(w.Status) + "; it last said: " + w.Availability.Detail
	}
	return w.Availability.Detail
}

// shortWhen writes t as a time of day within the next 20 hours, else with
// its weekday.
func shortWhen(t, now time.Time) string {
	t = t.Local()
	if t.Sub(now) < 20*time.Hour {
		return t.Format("15:04")
	}
	return t.Format("Mon 15:04")
}

func availabilityColumn() column[*model.Worker] {
	return column[*model.Worker]{title: "Available", width: 190, kind: textCell,
		text: availabilityText,
		tip:  availabilityTip,
		cmp:  func(a, b *model.Worker) int { return strings.Compare(availabilityText(a), availabilityText(b)) }}
}

// availabilityBar holds the workers view's "Availability…" (edit the
// selected worker's rules: admins, or the person whose worker it is) and
// "Wake" (Wake-on-LAN for an offline worker: admins) buttons.
type availabilityBar struct {
	u        *UI
	bar      *fyne.Container
	edit     *widget.Button
	wake     *widget.Button
	selected *model.Worker
}

// newAvailabilityBar adds the buttons to bar, the worker actions' bar, so
// that they lay out with the others.
func newAvailabilityBar(u *UI, bar *fyne.Container) *availabilityBar {
	b := &availabilityBar{u: u, bar: bar}
	b.edit = widget.NewButtonWithIcon("Availability…", theme.Icon(theme.IconNameSettings), b.openEditor)
	b.wake = widget.NewButtonWithIcon("Wake-on-LAN", theme.Icon(theme.IconNameMediaPlay), b.sendWake)
	bar.Add(b.edit)
	bar.Add(b.wake)
	b.update(nil)
	return b
}

// update shows the buttons the selection (one worker) and role allow.
func (b *availabilityBar) update(selected []*model.Worker) {
	b.selected = nil
	if len(selected) == 1 {
		b.selected = selected[0]
	}
	w := b.selected
	mine := w != nil && b.u.me != nil && b.u.me.ID == w.ID
	b.edit.Hidden = w == nil || (!b.u.isAdmin() && !mine)
	b.wake.Hidden = w == nil || !b.u.isAdmin() || (w.Status != model.WorkerOffline && w.Status != model.WorkerLost)
	if w == nil || len(w.MACs) == 0 {
		b.wake.Disable() // nothing to send a magic packet to
	} else {
		b.wake.Enable()
	}
	b.bar.Refresh()
}

func (b *availabilityBar) sendWake() {
	w := b.selected
	if w == nil {
		return
	}
	go func() {
		res, err := b.u.client.WakeWorker(b.u.ctx, w.ID)
		b.u.do(func() {
			if err != nil {
				b.u.showError("Could not wake "+w.Name, err)
				return
			}
			dialog.ShowInformation("Wake-on-LAN", fmt.Sprintf("Magic packet sent to %s:\n%s", w.Name, strings.Join(res.Packets, "\n")), b.u.win)
		})
	}()
}

// openEditor loads the worker's rules, then shows them in a form.
func (b *availabilityBar) openEditor() {
	w := b.selected
	if w == nil {
		return
	}
	go func() {
		a, err := b.u.client.WorkerAvailability(b.u.ctx, w.ID)
		b.u.do(func() {
			if err != nil {
				b.u.showError("Could not read the availability of "+w.Name, err)
				return
			}
			showAvailabilityForm(b.u, w, a.Rules)
		})
	}()
}

// ruleForm is the editor's fields for one worker's rules.
type ruleForm struct {
	idle, schedule, grace, cpu, memory, suspend *widget.Entry
	onReturn                                    *widget.RadioGroup
	wake                                        *widget.Check
}

func newRuleForm(r availability.Rules) *ruleForm {
	f := &ruleForm{idle: widget.NewEntry(), schedule: widget.NewEntry(), grace: widget.NewEntry(), cpu: widget.NewEntry(),
		memory: widget.NewEntry(), suspend: widget.NewEntry(),
		onReturn: widget.NewRadioGroup([]string{"Finish the task", "Stop the task"}, nil), wake: widget.NewCheck("Wake this computer when work waits", nil)}
	minutes := func(d availability.Duration) string {
		if d == 0 {
			return ""
		}
		return strconv.FormatFloat(d.D().Minutes(), 'f', -1, 64)
	}
	f.idle.SetText(minutes(r.IdleAfter))
	f.idle.SetPlaceHolder("off")
	f.schedule.SetText(r.Schedule.String())
	f.schedule.SetPlaceHolder("mon-fri 19:00-08:00, sat-sun 00:00-24:00")
	f.grace.SetText(r.GraceOrDefault().String())
	if r.MaxOtherCPU > 0 {
		f.cpu.SetText(strconv.FormatFloat(r.MaxOtherCPU*100, 'f', -1, 64))
	}
	f.cpu.SetPlaceHolder("off")
	if r.MinFreeMemory > 0 {
		f.memory.SetText(strconv.FormatUint(r.MinFreeMemory>>20, 10))
	}
	f.memory.SetPlaceHolder("off")
	f.suspend.SetText(minutes(r.SuspendAfter))
	f.suspend.SetPlaceHolder("never")
	f.onReturn.SetSelected("Finish the task")
	if r.ReturnOrDefault() == availability.ReturnStop {
		f.onReturn.SetSelected("Stop the task")
	}
	f.wake.SetChecked(r.WakeForWork)
	return f
}

func (f *ruleForm) items() []*widget.FormItem {
	item := func(label string, w fyne.CanvasObject, hint string) *widget.FormItem {
		i := widget.NewFormItem(label, w)
		i.HintText = hint
		return i
	}
	return []*widget.FormItem{
		item("Idle after (minutes)", f.idle, "Render only after this long without keyboard or mouse input."),
		item("Schedule", f.schedule, "Local times to render in; empty: any time."),
		item("When someone comes back", f.onReturn, ""),
		item("Grace period", f.grace, "How long a running task goes on first, e.g. 60s."),
		item("Other programs' CPU at most (%)", f.cpu, ""),
		item("Free memory at least (MB)", f.memory, ""),
		item("Suspend after (minutes)", f.suspend, "Without work and nobody at the computer."),
		item("Wake-on-LAN", f.wake, ""),
	}
}

// rules reads the fields back into r (keeping its override); the error
// names the field.
func (f *ruleForm) rules(r availability.Rules) (availability.Rules, error) {
	num := func(label, s string) (float64, error) {
		if strings.TrimSpace(s) == "" {
			return 0, nil
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || v < 0 {
			return 0, fmt.Errorf("%s: %q is not a number of 0 or more (empty: off)", label, s)
		}
		return v, nil
	}
	idle, err := num("Idle after", f.idle.Text)
	if err != nil {
		return r, err
	}
	suspend, err := num("Suspend after", f.suspend.Text)
	if err != nil {
		return r, err
	}
	cpu, err := num("Other programs' CPU", f.cpu.Text)
	if err != nil {
		return r, err
	}
	mem, err := num("Free memory", f.memory.Text)
	if err != nil {
		return r, err
	}
	sched, err := availability.ParseSchedule(f.schedule.Text)
	if err != nil {
		return r, err
	}
	grace, err := time.ParseDuration(strings.TrimSpace(cmp.Or(f.grace.Text, "0s")))
	if err != nil {
		return r, fmt.Errorf("grace period: %q is not a duration such as 60s or 2m", f.grace.Text)
	}
	r.IdleAfter = availability.Duration(time.Duration(idle * float64(time.Minute)))
	r.SuspendAfter = availability.Duration(time.Duration(suspend * float64(time.Minute)))
	r.MaxOtherCPU, r.MinFreeMemory = cpu/100, uint64(mem)<<20
	r.Schedule, r.Grace, r.WakeForWork = sched, availability.Duration(grace), f.wake.Checked
	r.OnReturn = availability.ReturnFinish
	if f.onReturn.Selected == "Stop the task" {
		r.OnReturn = availability.ReturnStop
	}
	return r, r.Validate()
}

// showAvailabilityForm shows w's rules r in a form and saves them. A value
// it cannot read, or rules the manager refuses, bring the form back as it
// was typed once the error is read, so that one mistake costs no retyping.
// It returns the form's fields.
func showAvailabilityForm(u *UI, w *model.Worker, r availability.Rules) *ruleForm {
	f := newRuleForm(r)
	var d dialog.Dialog
	failed := func(err error) {
		u.showErrorThen("Could not save the availability of "+w.Name, err, d.Show)
	}
	d = dialog.NewForm("Availability of "+w.Name, "Save", "Cancel", f.items(), func(ok bool) {
		if !ok {
			return
		}
		rules, err := f.rules(r)
		if err != nil {
			failed(err)
			return
		}
		go func() {
			_, err := u.client.SetWorkerAvailability(u.ctx, w.ID, rules)
			u.do(func() {
				if err != nil {
					failed(err)
				}
			})
		}()
	}, u.win)
	d.Resize(fyne.NewSize(620, 0))
	d.Show()
	return f
}

// myWorkerID is this computer's worker's id on the farm: the local worker's
// own once it joined, else the window's member's, as an artist's workstation
// renders as its member. On the manager's computer the two differ: the window
// is the admin's, the worker a member of its own (found by a fresh-eyes try:
// the tray's overrides went to the admin and failed with 404).
func (u *UI) myWorkerID() string {
	if u.worker != nil {
		if id := u.worker.WorkerID(); id != "" {
			return id
		}
	}
	if u.me == nil {
		return ""
	}
	return u.me.ID
}

// trayAvailability shows this computer's worker's availability in the tray
// (its record comes with the workers), and lets the tray's override items
// change its rules.
func (u *UI) trayAvailability() {
	if u.tray == nil || u.me == nil || u.tray.avail == nil {
		return
	}
	u.tray.setOverride = u.setMyOverride
	if w, ok := u.workers.list.Get(u.myWorkerID()); ok {
		u.tray.decision = w.Availability
	}
	u.tray.show(u.worker, u.stopping)
}

// setMyOverride sets this computer's worker's "render now until" (render)
// or "don't render until" override; a zero until ends it.
func (u *UI) setMyOverride(render bool, until time.Time) {
	id := u.myWorkerID()
	go func() {
		ctx, cancel := context.WithTimeout(u.ctx, 30*time.Second)
		defer cancel()
		a, err := u.client.WorkerAvailability(ctx, id)
		if err == nil {
			r := a.Rules
			r.Override = nil
			if !until.IsZero() {
				r.Override = &availability.Override{Render: render, Until: until}
			}
			_, err = u.client.SetWorkerAvailability(ctx, id, r)
		}
		if err != nil {
			u.do(func() { u.showError("Could not change when this computer renders", err) })
		}
	}()
}

// trayAvailabilityText is the tray's line on this computer's availability:
// whether it renders, by which rule, until when.
func trayAvailabilityText(d *availability.Decision, now time.Time) string {
	if d == nil {
		return "Availability: not reported yet"
	}
	s := "Not rendering: "
	if d.Available {
		s = "May render: "
	}
	s += cmp.Or(ruleWords[d.Rule], d.Rule)
	if !d.Until.IsZero() {
		s += " until " + shortWhen(d.Until, now)
	}
	return s
}

// overrideMenu is the child menu of "Render now until…" (render) or "Don't
// render until…": a few times from now, and the end of the override. set
// is looked up at the click, once the farm told the windows who they are.
func overrideMenu(render bool, set func() func(bool, time.Time)) *fyne.Menu {
	at := func(label string, until func(now time.Time) time.Time) *fyne.MenuItem {
		return fyne.NewMenuItem(label, func() {
			if f := set(); f != nil {
				f(render, until(time.Now()))
			}
		})
	}
	after := func(d time.Duration) func(time.Time) time.Time {
		return func(now time.Time) time.Time { return now.Add(d).Truncate(time.Minute) }
	}
	tomorrow := func(now time.Time) time.Time {
		return time.Date(now.Year(), now.Month(), now.Day()+1, 9, 0, 0, 0, now.Location())
	}
	return fyne.NewMenu("",
		at("1 hour from now", after(time.Hour)),
		at("4 hours from now", after(4*time.Hour)),
		at("Tomorrow 09:00", tomorrow),
		fyne.NewMenuItemSeparator(),
		at("Follow the rules again", func(time.Time) time.Time { return time.Time{} }),
	)
}
