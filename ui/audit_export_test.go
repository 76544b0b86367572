package ui

// This file lets package ui_test read and drive the Settings view's audit log.

// AuditVisible reports whether the Settings view shows the audit log section.
func (s *Serial) AuditVisible() bool { return s.settings.audit.box.Visible() }

// AuditRows returns each listed audit entry as its two texts joined by " | ":
// "time | who from where · action target · detail".
func (s *Serial) AuditRows() []string {
	var out []string
	for _, e := range s.settings.audit.shown {
		out = append(out, auditWhen(e)+" | "+auditWhat(e))
	}
	return out
}

// AuditNote is the section's note ("" when hidden): loading, empty, or an error.
func (s *Serial) AuditNote() string {
	if n := s.settings.audit.note; n.Visible() {
		return n.Text
	}
	return ""
}

// RefreshAudit presses the audit log's Refresh button.
func (s *Serial) RefreshAudit() { s.settings.audit.refresh.OnTapped() }

// SelectTab opens the window's tab at index (0 Jobs … 3 Settings) as a click does.
func (s *Serial) SelectTab(index int) { s.tabs.SelectIndex(index) }

// AuditFetches is how many times the section asked the manager for the log.
func (s *Serial) AuditFetches() int { return s.settings.audit.gen }

// MeKnown reports whether whoami has answered.
func (s *Serial) MeKnown() bool { return s.me != nil }
