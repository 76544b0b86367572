package wire

import "farmhand/farm/model"

// AuditPage is the answer of getAudit: audit entries, newest first, and the
// cursor that reads the page of older ones (the before parameter); Next is
// "" when there are none.
type AuditPage struct {
	Entries []*model.AuditEntry `json:"entries"`
	Next    string              `json:"next,omitempty"`
}
