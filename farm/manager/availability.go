package manager

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"farmhand/farm/availability"
	"farmhand/farm/model"
	"farmhand/farm/store"
)

// WorkerAvailability returns worker id's availability rules, as kept in the
// farm's settings; a worker without rules gets the zero Rules (always
// available). Errors: ErrNotFound when there is no such worker.
func (m *Manager) WorkerAvailability(id string) (availability.Rules, error) {
	if _, err := m.Worker(id); err != nil {
		return availability.Rules{}, fmt.Errorf("availability of worker %s: %w", id, err)
	}
	return m.current().Availability[id].Clone(), nil
}

// SetWorkerAvailabilityBy replaces worker id's availability rules in the
// farm's settings (the zero Rules remove its entry), with by's change in the
// audit log. The worker's own member (a workstation's person) and admins may
// do so. Errors: ErrForbidden for anyone else, ErrNotFound for an unknown
// worker, ErrInvalid (naming the field) for rules that do not validate.
func (m *Manager) SetWorkerAvailabilityBy(by Actor, id string, r availability.Rules) (availability.Rules, error) {
	if !by.Admin && by.MemberID != id {
		return availability.Rules{}, fmt.Errorf("%w: only admins and the worker's own member may change its availability", ErrForbidden)
	}
	w, err := m.Worker(id)
	if err != nil {
		return availability.Rules{}, fmt.Errorf("availability of worker %s: %w", id, err)
	}
	if err := r.Validate(); err != nil {
		return availability.Rules{}, invalidSetting{fmt.Errorf("availability: %w", err)}
	}
	if r.IdleAfter > 0 && w.IdleUnreadable != "" {
		return availability.Rules{}, invalidSetting{fmt.Errorf("availability: idle_after: %s cannot tell whether "+
			"anybody uses it (%s), so an idle rule would keep it from ever rendering; give it a schedule instead",
			w.Name, w.IdleUnreadable)}
	}
	r = r.Clone()
	note := func(old, _ model.Settings) auditNote {
		return auditNote{action: "worker.availability", targetID: id, targetName: w.Name,
			detail: rulesText(old.Availability[id]) + " → " + rulesText(r)}
	}
	set := func(s *model.Settings) error {
		if r.IsZero() {
			delete(s.Availability, id)
			return nil
		}
		if s.Availability == nil {
			s.Availability = map[string]availability.Rules{}
		}
		s.Availability[id] = r
		return nil
	}
	if _, err := m.changeSettings(by, note, set, model.SettingsPatch{}); err != nil {
		return availability.Rules{}, fmt.Errorf("availability of worker %s: %w", id, err)
	}
	return r.Clone(), nil
}

// rulesText writes rules for the audit log: their JSON, "always" for none.
func rulesText(r availability.Rules) string {
	if r.IsZero() {
		return "always"
	}
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Sprintf("%+v", r) // Rules always encode; the log still says something
	}
	return string(b)
}

// ReportAvailability keeps what worker workerID's rules say now (d) and the
// MAC addresses it can be woken at, and answers with its rules, so that a
// worker learns an edit at its next report. The record is written only when
// the report differs from the last one. Errors: ErrNotFound for an unknown
// worker.
func (m *Manager) ReportAvailability(workerID string, d availability.Decision, macs []string, idleUnreadable string) (availability.Rules, error) {
	w, err := m.Worker(workerID)
	if err != nil {
		return availability.Rules{}, fmt.Errorf("availability report of worker %s: %w", workerID, err)
	}
	if w.Availability == nil || !sameDecision(*w.Availability, d) || !slices.Equal(w.MACs, macs) || w.IdleUnreadable != idleUnreadable {
		err := m.update(func(o *op) error {
			w, err := o.worker(workerID)
			if err != nil {
				return err
			}
			w.Availability, w.MACs, w.IdleUnreadable = &d, slices.Clone(macs), idleUnreadable
			return nil
		})
		if errors.Is(err, store.ErrNotFound) {
			return availability.Rules{}, fmt.Errorf("availability report of worker %s: %w", workerID, err)
		}
		if err != nil {
			return availability.Rules{}, fmt.Errorf("storing the availability of worker %s: %w", workerID, err)
		}
	}
	m.touch(workerID)
	return m.current().Availability[workerID].Clone(), nil
}

func sameDecision(a, b availability.Decision) bool {
	return a.Available == b.Available && a.Rule == b.Rule && a.Until.Equal(b.Until) && a.Detail == b.Detail
}
