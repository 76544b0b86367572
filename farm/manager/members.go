package manager

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"farmhand/farm/model"
	"farmhand/farm/store"
	"farmhand/farm/trust"
)

// JoinRequest is a machine or person asking to become a member of the farm.
type JoinRequest struct {
	Name     string
	Platform string
	Address  string
	Wants    model.Role
	// Code is the farm's join code, if the requester has it: a worker joins
	// at once with it, without waiting for an admin.
	Code string
}

// Join records a request to join and returns the new member and its token. The
// token works once an admin approves the member (or at once, for a worker
// that gave the right join code); until then it only asks JoinStatus.
//
// Anyone may ask, so requests are bounded (issue 17): the name (at most
// MaxNameLength characters) and platform (MaxPlatformLength) must be
// printable, else ErrInvalid; at most MaxPendingPerAddress requests from one
// req.Address and MaxPending in all may wait for an admin, else a
// *LimitError (ErrTooMany); a request with the name of one still pending
// from the same address replaces it (same member id, new token). A wrong
// join code is ErrUnauthorized, and after CodeFailuresAllowed of them from
// one address further codes from it get a *LimitError for a doubling wait.
func (m *Manager) Join(req JoinRequest) (*model.Member, string, error) {
	name, err := cleanText("name", req.Name, MaxNameLength)
	if err != nil {
		return nil, "", err
	}
	if name == "" {
		return nil, "", fmt.Errorf("%w: say who is joining (a name)", ErrInvalid)
	}
	platform, err := cleanText("platform", req.Platform, MaxPlatformLength)
	if err != nil {
		return nil, "", err
	}
	if req.Wants == "" {
		req.Wants = model.RoleWorker
	}
	if !req.Wants.Valid() {
		return nil, "", fmt.Errorf("%w: unknown role %q; roles are worker, artist and admin", ErrInvalid, req.Wants)
	}
	admitted := false
	if req.Code != "" {
		ok, err := m.codeGuard().attempt(req.Address, m.now(), func() bool { return m.checkJoinCode(req.Code) })
		if err != nil {
			return nil, "", err
		}
		if !ok {
			return nil, "", fmt.Errorf("%w: wrong join code (see 'farmhand joincode' on the manager)", ErrUnauthorized)
		}
		admitted = true
	}
	if _, err := m.expireJoinRequests(); err != nil {
		return nil, "", err
	}
	token := randomToken()
	var member *model.Member
	replaced := false
	err = m.update(func(o *op) error {
		c, err := countPending(o.tx, req.Address, name, o.now)
		if err != nil {
			return err
		}
		member, replaced = c.same, c.same != nil
		if member == nil {
			// A join code admits without an admin, so the pending limits do not apply.
			if refused := c.refusal(req.Address, o.now); refused != nil && !admitted {
				return refused
			}
			member = &model.Member{ID: newID(), Name: name, Address: req.Address}
		}
		member.Platform, member.Wants, member.Status, member.Requested = platform, req.Wants, model.MemberPending, o.now
		if admitted {
			// A join code admits workers only: more is an admin's decision.
			member.Status, member.Role, member.Decided = model.MemberApproved, model.RoleWorker, o.now
		}
		if err := o.putMember(member); err != nil {
			return err
		}
		return o.tx.SetToken(member.ID, token)
	})
	if err != nil {
		return nil, "", fmt.Errorf("recording join request of %q from %s: %w", name, req.Address, err)
	}
	m.forgetTokens()
	m.log.Info("join request", "member", member.ID, "name", name, "wants", req.Wants, "status", member.Status,
		"address", req.Address, "replaced", replaced)
	return member, token, nil
}

// Members lists the farm's members, optionally only those in one status,
// oldest request first. Join requests past JoinRequestTTL are rejected first,
// so that the pending ones listed are those an admin may still answer.
func (m *Manager) Members(status model.MemberStatus) ([]*model.Member, error) {
	if _, err := m.expireJoinRequests(); err != nil {
		return nil, err
	}
	var out []*model.Member
	err := m.store.View(func(tx *store.Tx) error {
		return tx.Members(func(mb *model.Member) bool {
			if status == "" || mb.Status == status {
				out = append(out, mb)
			}
			return true
		})
	})
	slices.SortFunc(out, func(a, b *model.Member) int { return a.Requested.Compare(b.Requested) })
	return out, err
}

// Approve lets a member in with a role, as the manager itself; see ApproveBy.
func (m *Manager) Approve(id string, role model.Role) (*model.Member, error) {
	return m.ApproveBy(AsAdmin, id, role)
}

// ApproveBy lets a member in with a role, and records by's decision in the
// audit log. Errors: ErrInvalid for an unknown role or a revoked member;
// store.ErrNotFound (wrapped) for an unknown member.
func (m *Manager) ApproveBy(by Actor, id string, role model.Role) (*model.Member, error) {
	if !role.Valid() {
		return nil, fmt.Errorf("%w: unknown role %q; roles are worker, artist and admin", ErrInvalid, role)
	}
	return m.decide(by, "member.approve", id, func(mb *model.Member) error {
		if mb.Status == model.MemberRevoked {
			return fmt.Errorf("%w: member %s was revoked; it must ask to join again", ErrInvalid, mb.Name)
		}
		mb.Status, mb.Role = model.MemberApproved, role
		return nil
	})
}

// Reject turns a join request down, as the manager itself; see RejectBy.
func (m *Manager) Reject(id string) (*model.Member, error) { return m.RejectBy(AsAdmin, id) }

// RejectBy turns a join request down (its token never works) and records
// by's decision in the audit log. Errors: ErrInvalid when the member is not
// pending; store.ErrNotFound (wrapped) for an unknown member.
func (m *Manager) RejectBy(by Actor, id string) (*model.Member, error) {
	return m.decide(by, "member.reject", id, func(mb *model.Member) error {
		if mb.Status != model.MemberPending {
			return fmt.Errorf("%w: member %s is %s, not pending; revoke it instead", ErrInvalid, mb.Name, mb.Status)
		}
		mb.Status = model.MemberRejected
		return nil
	})
}

// Revoke takes a member's access away as the manager itself; see RevokeBy.
func (m *Manager) Revoke(id string) (*model.Member, error) { return m.RevokeBy(AsAdmin, id) }

// RevokeBy takes a member's access away: its token stops working at once, and
// a worker's running task goes back to the queue. by's decision goes into the
// audit log. Errors: ErrInvalid for the farm's last admin; store.ErrNotFound
// (wrapped) for an unknown member.
func (m *Manager) RevokeBy(by Actor, id string) (*model.Member, error) {
	mb, err := m.decide(by, "member.revoke", id, func(mb *model.Member) error {
		mb.Status = model.MemberRevoked
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The token stays on record, refused by Authenticate, so that the member
	// can still learn from JoinStatus that it was revoked rather than forgotten.
	err = m.update(func(o *op) error {
		if _, err := o.worker(id); errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return o.workerGone(id, model.WorkerOffline, "its access was revoked")
	})
	m.forgetTokens()
	return mb, err
}

// isAdmin says whether mb is an admin who may act now.
func isAdmin(mb *model.Member) bool { return mb.Status == model.MemberApproved && mb.Role == model.RoleAdmin }

// keepAnAdmin refuses a change that leaves the farm without an admin: nobody
// could then approve, revoke or change a setting, this computer's own token
// included (found by a fresh-eyes try). mb is the member as changed.
func (o *op) keepAnAdmin(mb *model.Member) error {
	others := 0
	err := o.tx.Members(func(other *model.Member) bool {
		if other.ID != mb.ID && isAdmin(other) {
			others++
		}
		return others == 0
	})
	if err != nil {
		return err
	}
	if others == 0 {
		return fmt.Errorf("%w: %s is the farm's last admin: make another member an admin first "+
			"(farmhand approve MEMBER_ID --role admin)", ErrInvalid, mb.Name)
	}
	return nil
}

// decide changes a member by change and records it in the audit log as
// action, in one transaction. A member's change that would leave the farm
// without an admin is refused (ErrInvalid).
func (m *Manager) decide(by Actor, action, id string, change func(*model.Member) error) (*model.Member, error) {
	var result *model.Member
	err := m.update(func(o *op) error {
		mb, err := o.tx.Member(id)
		if err != nil {
			return err
		}
		was, wasAdmin := memberText(mb), isAdmin(mb)
		if err := change(mb); err != nil {
			return err
		}
		// The manager itself may: it withdraws an admin whose token it
		// could not save (app's ensureAdminToken), and makes another.
		if wasAdmin && !isAdmin(mb) && by.MemberID != "" {
			if err := o.keepAnAdmin(mb); err != nil {
				return err
			}
		}
		mb.Decided = o.now
		result = mb
		if err := o.audit(by, auditNote{action: action, targetID: mb.ID, targetName: mb.Name,
			detail: was + " → " + memberText(mb)}); err != nil {
			return err
		}
		return o.putMember(mb)
	})
	if err != nil {
		return nil, err
	}
	m.forgetTokens()
	m.log.Info("member decided", "member", id, "name", result.Name, "status", result.Status, "role", result.Role)
	return result, nil
}

// Caller is who makes a request: the member its token belongs to.
type Caller struct {
	*model.Member
}

// Authenticate finds the approved member a token belongs to. Every request
// does this, so members found are remembered (by token hash) until any member
// changes. Unknown, rejected and revoked tokens get the same answer, which
// does not tell them apart.
func (m *Manager) Authenticate(token string) (*model.Member, error) {
	hash := store.TokenHash(token)
	key := string(hash)
	if cached, ok := m.tokens.Load(key); ok {
		return cached.(*model.Member), nil
	}
	var mb *model.Member
	err := m.store.View(func(tx *store.Tx) (err error) {
		if id := tx.TokenMember(hash); id != "" {
			mb, err = tx.Member(id)
		}
		return err
	})
	if err != nil {
		// Every caller gets the same 401, but the manager's log says why.
		m.log.Error("reading the member of a token", "err", err)
		return nil, ErrUnauthorized
	}
	if mb == nil || mb.Status != model.MemberApproved {
		return nil, ErrUnauthorized
	}
	m.tokens.Store(key, mb)
	return mb, nil
}

// JoinStatus tells a member that asked to join where its request stands; it
// works with a token that is not approved (yet).
func (m *Manager) JoinStatus(token string) (*model.Member, error) {
	var mb *model.Member
	err := m.store.View(func(tx *store.Tx) (err error) {
		if id := tx.TokenMember(store.TokenHash(token)); id != "" {
			mb, err = tx.Member(id)
		}
		return err
	})
	if err != nil {
		// As in Authenticate: the caller gets a 401, the log says why.
		m.log.Error("reading the member of a token", "err", err)
		return nil, ErrUnauthorized
	}
	if mb == nil {
		return nil, ErrUnauthorized
	}
	return mb, nil
}

func (m *Manager) forgetTokens() { m.tokens.Clear() }

// CreateAdmin makes an approved admin member and returns its token; the app
// does this at the manager's first start, for the manager's own computer.
func (m *Manager) CreateAdmin(name string) (*model.Member, string, error) {
	token := randomToken()
	mb := &model.Member{ID: newID(), Name: name, Role: model.RoleAdmin, Status: model.MemberApproved,
		Requested: m.now(), Decided: m.now()}
	err := m.update(func(o *op) error {
		if err := o.putMember(mb); err != nil {
			return err
		}
		return o.tx.SetToken(mb.ID, token)
	})
	if err != nil {
		return nil, "", fmt.Errorf("creating the admin member: %w", err)
	}
	m.forgetTokens()
	return mb, token, nil
}

// JoinCode returns the farm's join code, making one if it has none.
func (m *Manager) JoinCode() (string, error) {
	var code string
	// A failed read must not replace the code: that would turn away every
	// worker given the old one.
	if err := m.store.View(func(tx *store.Tx) error { code = tx.JoinCode(); return nil }); err != nil {
		return "", fmt.Errorf("reading the join code: %w", err)
	}
	if code != "" {
		return code, nil
	}
	return m.newJoinCode(nil) // the farm's first: nobody's decision to record
}

// NewJoinCode replaces the join code as the manager itself; see NewJoinCodeBy.
func (m *Manager) NewJoinCode() (string, error) { return m.NewJoinCodeBy(AsAdmin) }

// NewJoinCodeBy replaces the join code (the old one stops working) and
// records by's renewal in the audit log. Errors: the store's, wrapped.
func (m *Manager) NewJoinCodeBy(by Actor) (string, error) { return m.newJoinCode(&by) }

// newJoinCode stores a new join code, recording by's renewal unless by is nil.
func (m *Manager) newJoinCode(by *Actor) (string, error) {
	code := joinCode()
	err := m.store.Update(func(tx *store.Tx) error {
		if by != nil {
			if err := auditIn(tx, m.now(), *by, auditNote{action: "joincode.renew", detail: "the old code stops working"}); err != nil {
				return err
			}
		}
		return tx.SetJoinCode(code)
	})
	if err != nil {
		return "", fmt.Errorf("storing a new join code: %w", err)
	}
	return code, nil
}

func (m *Manager) checkJoinCode(given string) bool {
	var code string
	if err := m.store.View(func(tx *store.Tx) error { code = tx.JoinCode(); return nil }); err != nil {
		m.log.Error("reading the join code", "err", err)
		return false
	}
	norm := func(s string) string {
		return strings.ReplaceAll(strings.ReplaceAll(strings.TrimSpace(s), "-", ""), " ", "")
	}
	// The code as people see it carries the start of the manager's
	// fingerprint after the digits (trust.JoinCode); clients check that part
	// and send the digits, but a script may send it all.
	if secret, _, err := trust.SplitJoinCode(given); err == nil {
		given = secret
	}
	return code != "" && subtle.ConstantTimeCompare([]byte(norm(given)), []byte(norm(code))) == 1
}

// joinCode makes a code people can read out and type: twelve digits in threes.
func joinCode() string {
	var parts []string
	for range 4 {
		n, _ := rand.Int(rand.Reader, big.NewInt(1000))
		parts = append(parts, fmt.Sprintf("%03d", n.Int64()))
	}
	return strings.Join(parts, "-")
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}
