package manager

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"farmhand/farm/model"
	"farmhand/farm/store"
)

// AuditKeep is how many entries the audit log keeps: the newest; each new
// entry past it drops the oldest in the same transaction. Ten thousand
// entries of a few hundred bytes are a few megabytes of the database.
const AuditKeep = 10000

// auditKeep is AuditKeep, lowered by tests of the bound.
var auditKeep = AuditKeep

// MaxAuditPage is the most entries one Audit call returns.
const MaxAuditPage = 1000

// auditNote is what an audit entry says besides who and when.
type auditNote struct {
	action, targetID, targetName, detail string
}

// auditIn writes an entry of by's note at now in tx: the transaction of the
// change it records, so the entry stands or falls with the change.
func auditIn(tx *store.Tx, now time.Time, by Actor, n auditNote) error {
	e := &model.AuditEntry{Time: now.UTC(), MemberID: by.MemberID, MemberName: by.Name, Role: by.Role,
		Address: by.Address, Action: n.action, TargetID: n.targetID, TargetName: n.targetName, Detail: n.detail}
	if err := tx.AppendAudit(e, auditKeep); err != nil {
		return fmt.Errorf("recording %s in the audit log: %w", n.action, err)
	}
	return nil
}

// audit records by's note in the op's transaction.
func (o *op) audit(by Actor, n auditNote) error { return auditIn(o.tx, o.now, by, n) }

// Audit returns up to limit (1–MaxAuditPage; others take MaxAuditPage)
// entries of the audit log older than the entry whose ID is before (the
// newest when before is ""), newest first, and the cursor for the page after
// them ("" when there are no older entries). Errors: ErrInvalid for a before
// that is not an entry ID; store.ErrClosed once the manager is closing.
func (m *Manager) Audit(limit int, before string) ([]*model.AuditEntry, string, error) {
	if limit < 1 || limit > MaxAuditPage {
		limit = MaxAuditPage
	}
	out := []*model.AuditEntry{}
	more := false
	err := m.store.View(func(tx *store.Tx) error {
		return tx.AuditEntries(before, func(e *model.AuditEntry) bool {
			if len(out) == limit {
				more = true
				return false
			}
			out = append(out, e)
			return true
		})
	})
	if errors.Is(err, store.ErrBadCursor) {
		return nil, "", fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if err != nil {
		return nil, "", fmt.Errorf("reading the audit log: %w", err)
	}
	next := ""
	if more {
		next = out[len(out)-1].ID
	}
	return out, next, nil
}

// RecordAudit records an action that changes nothing the store keeps (a
// backup downloaded) in a transaction of its own. action and detail are as
// in model.AuditEntry. Errors: store.ErrClosed once the manager is closing,
// or bbolt's.
func (m *Manager) RecordAudit(by Actor, action, detail string) error {
	n := auditNote{action: action, detail: detail}
	return m.store.Update(func(tx *store.Tx) error { return auditIn(tx, m.now(), by, n) })
}

// listNames names up to five things and counts the rest: "a, b and 3 more".
func listNames(names []string) string {
	const shown = 5
	if len(names) <= shown {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:shown], ", "), len(names)-shown)
}

// settingsDiff says which settings differ between old and next, with both
// values ("task_timeout 10m0s → 15m0s"); the variables are named only, they
// have audit entries of their own when changed one by one.
func settingsDiff(old, next model.Settings) string {
	a, b := settingsFields(old), settingsFields(next)
	// Both sides' fields: an emptied setting (omitted from the JSON) is a
	// change too.
	keys := maps.Clone(a)
	maps.Copy(keys, b)
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if k == "version" || a[k] == b[k] {
			continue
		}
		if k == "variables" {
			parts = append(parts, "variables")
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %s → %s", k, shownValue(a[k]), shownValue(b[k])))
	}
	if len(parts) == 0 {
		return "no change"
	}
	return strings.Join(parts, "; ")
}

// shownValue writes an empty setting so that it can be seen.
func shownValue(v string) string {
	if v == "" {
		return "(none)"
	}
	return v
}

// settingsFields is s as its JSON fields, each value as JSON text.
func settingsFields(s model.Settings) map[string]string {
	raw, err := json.Marshal(s)
	if err != nil {
		return map[string]string{}
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return map[string]string{}
	}
	out := make(map[string]string, len(fields))
	for k, v := range fields {
		var text string
		if json.Unmarshal(v, &text) != nil {
			text = string(v) // not a string: a number, a list
		}
		out[k] = text
	}
	return out
}

// variableText shows a variable's values for the audit log:
// "storage; linux=/mnt/render, windows=R:\".
func variableText(v model.Variable) string {
	var parts []string
	for _, p := range slices.Sorted(maps.Keys(v.Values)) {
		parts = append(parts, p+"="+v.Values[p])
	}
	s := strings.Join(parts, ", ")
	if v.Storage {
		s = "storage; " + s
	}
	return s
}

// jobActionNote describes a job action for the audit log; was is the job as
// it was before the action, jc as it is after.
func jobActionNote(was *model.Job, jc *jobChange, action model.JobAction) auditNote {
	n := auditNote{action: "job." + string(action), targetID: was.ID, targetName: was.Name}
	now := jc.job
	switch {
	case action == model.JobSetPriority:
		n.detail = fmt.Sprintf("priority %d → %d", was.Priority, now.Priority)
	case jc.deleted:
		n.detail = fmt.Sprintf("deleted (was %s)", was.Status)
	case was.Status == now.Status:
		n.detail = fmt.Sprintf("status %s", now.Status)
	default:
		n.detail = fmt.Sprintf("status %s → %s", was.Status, now.Status)
	}
	return n
}

// auditTaskAction records a task action in the op: one entry per job,
// naming its tasks acted on (those of ids).
func (o *op) auditTaskAction(by Actor, action model.TaskAction, ids []string) error {
	byJob := map[string][]string{}
	for _, id := range ids {
		jobID, index, ok := model.ParseTaskID(id)
		if !ok {
			continue
		}
		if jc, found := o.jobs[jobID]; found && jc.tasks[index] != nil {
			byJob[jobID] = append(byJob[jobID], jc.tasks[index].Name)
		}
	}
	for _, jc := range o.order {
		names := byJob[jc.job.ID]
		if len(names) == 0 {
			continue
		}
		what := "task"
		if len(names) > 1 {
			what = fmt.Sprintf("%d tasks", len(names))
		}
		n := auditNote{action: "task." + string(action), targetID: jc.job.ID, targetName: jc.job.Name,
			detail: fmt.Sprintf("%s: %s", what, listNames(names))}
		if err := o.audit(by, n); err != nil {
			return err
		}
	}
	return nil
}

// memberText is a member's standing for the audit log: "pending",
// "approved as artist", "revoked".
func memberText(mb *model.Member) string {
	if mb.Status == model.MemberApproved {
		return fmt.Sprintf("%s as %s", mb.Status, mb.Role)
	}
	return string(mb.Status)
}

// workerActionNote describes a worker action for the audit log.
func workerActionNote(w *model.Worker, action model.WorkerAction, target model.WorkerStatus, now bool) auditNote {
	when := "after its current task"
	if now {
		when = "at once"
	}
	return auditNote{action: "worker." + string(action), targetID: w.ID, targetName: w.Name,
		detail: fmt.Sprintf("%s → %s, %s", w.Status, target, when)}
}

// workerChangeNote describes an edit of worker w, before it is applied, for
// the audit log.
func workerChangeNote(w *model.Worker, renamed bool, name string, retagged bool, tags []string) auditNote {
	var parts []string
	if renamed {
		parts = append(parts, fmt.Sprintf("name %s → %s", w.Name, name))
	}
	if retagged {
		parts = append(parts, fmt.Sprintf("tags [%s] → [%s]", strings.Join(w.Tags, ", "), strings.Join(tags, ", ")))
	}
	return auditNote{action: "worker.update", targetID: w.ID, targetName: w.Name, detail: strings.Join(parts, "; ")}
}
