package model

import "time"

// AuditEntry is one line of the farm's audit log: who did what, when and from
// where. The manager writes it in the transaction of the change it records,
// so the log holds exactly the changes that happened.
type AuditEntry struct {
	// ID orders entries (by time, then by the order they were written) and is
	// the cursor for reading older ones: 32 hex digits, opaque to clients.
	ID   string    `json:"id"`
	Time time.Time `json:"time"` // UTC
	// MemberID, MemberName and Role are who acted; all empty when the manager
	// acted for itself (its own command line, the first join code).
	MemberID   string `json:"member_id,omitempty"`
	MemberName string `json:"member_name,omitempty"`
	Role       Role   `json:"role,omitempty"`
	// Address is the IP address the request came from; empty when it did not
	// come through the API.
	Address string `json:"address,omitempty"`
	// Action is what was done, as "<kind>.<verb>": "job.cancel",
	// "task.requeue", "member.approve", "worker.sleep", "settings.update",
	// "variable.put", "joincode.renew", "backup.download", …
	Action string `json:"action"`
	// TargetID and TargetName name what it was done to (a job, worker,
	// member or variable); empty for farm-wide actions.
	TargetID   string `json:"target_id,omitempty"`
	TargetName string `json:"target_name,omitempty"`
	// Detail says what changed, for people: "priority 50 → 80".
	Detail string `json:"detail,omitempty"`
}

// Who names the actor for people: the member's name and role, or "the
// manager" when the manager acted for itself.
func (e *AuditEntry) Who() string {
	switch {
	case e.MemberID == "" && e.MemberName == "":
		return "the manager"
	case e.Role != "":
		return e.MemberName + " (" + string(e.Role) + ")"
	default:
		return e.MemberName
	}
}
