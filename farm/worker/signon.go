package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/model"
)

// errPending: the join request waits for an admin; the worker asks again.
var errPending = errors.New("waiting for an admin to approve this worker")

// signOn joins the farm if this worker is not a member yet, waits for an
// admin's approval, then signs on; it retries until the manager answers.
func (w *Worker) signOn(ctx context.Context) error {
	if b, err := os.ReadFile(w.credentialsPath()); err == nil {
		if err := json.Unmarshal(b, &w.creds); err != nil {
			w.log.Warn("ignoring unreadable credentials; joining anew", "file", w.credentialsPath(), "err", err)
		}
	}
	backoff := retryMin
	told := false
	for {
		err := w.trySignOn(ctx)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, ErrNotAdmitted):
			w.setState(StateStopped)
			return err
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, errPending):
			if !told {
				w.log.Warn("waiting for approval: on the manager run 'farmhand approve "+w.creds.WorkerID+"', or start this worker with --join CODE (see 'farmhand joincode')",
					"member", w.creds.WorkerID)
				told = true
			}
			backoff = 2 * time.Second
		default:
			w.setState(StateUnreachable)
			w.log.Warn("cannot sign on yet; retrying", "manager", w.cfg.Client.BaseURL(), "retry_in", backoff, "err", err)
			w.relocate(ctx)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		if !errors.Is(err, errPending) {
			backoff = min(backoff*2, retryMax)
		}
	}
}

func (w *Worker) trySignOn(ctx context.Context) error {
	v, err := w.cfg.Client.Version(ctx)
	if err != nil {
		return err
	}
	// Versions one release apart work together; further apart, the message
	// says which side to upgrade (upgrade.go in package wire).
	if err := wire.CheckAPI(v.APIVersion, "this worker (Farmhand "+w.cfg.Version+")", "the manager (Farmhand "+v.Version+")"); err != nil {
		return err
	}
	if w.creds.ManagerID != v.ManagerID || w.creds.Token == "" {
		if err := w.join(ctx, v.ManagerID); err != nil {
			return err
		}
	}
	if err := w.keepFingerprint(); err != nil {
		return err
	}
	member := w.cfg.Client.WithToken(w.creds.Token)
	st, err := member.JoinStatus(ctx)
	if client.StatusOf(err) == http.StatusUnauthorized {
		w.creds = Credentials{} // the manager forgot us (a new database): join again
		return fmt.Errorf("manager does not know this worker any more: %w", err)
	}
	if err != nil {
		return fmt.Errorf("asking about the join request: %w", err)
	}
	switch st.Status {
	case model.MemberPending:
		return errPending
	case model.MemberRejected, model.MemberRevoked:
		return fmt.Errorf("%w: its membership was %s on the manager; an admin must approve a new join request (delete %s to ask again)",
			ErrNotAdmitted, st.Status, w.credentialsPath())
	}
	w.cl = w.cfg.Client.AsWorker(w.creds.WorkerID, w.creds.Token)
	me, err := w.cl.SignOn(ctx, w.registration())
	if err != nil {
		return fmt.Errorf("signing on: %w", err)
	}
	w.status = me.Status // a worker sent to sleep comes back asleep
	w.farmName = me.Name
	w.log.Info("signed on", "manager", w.cfg.Client.BaseURL(), "task_types", me.TaskTypes, "status", me.Status)
	return nil
}

// join asks the farm to let this worker in and keeps the token it gets.
func (w *Worker) join(ctx context.Context, managerID string) error {
	wants := w.cfg.Wants
	if wants == "" {
		wants = model.RoleWorker
	}
	j, err := w.cfg.Client.Join(ctx, wire.JoinRequest{Name: w.cfg.Name, Platform: runtime.GOOS, Wants: wants, JoinCode: w.cfg.JoinCode})
	if client.StatusOf(err) == http.StatusUnauthorized {
		// The API error stays text: callers (the windows' explanations among
		// them) must see "not admitted", not the manager's 401.
		return fmt.Errorf("%w: the join code was not accepted: %v", ErrNotAdmitted, err) //nolint:errorlint // see above
	}
	if err != nil {
		return fmt.Errorf("asking to join the farm: %w", err)
	}
	w.creds = Credentials{ManagerID: managerID, WorkerID: j.Member.ID, Token: j.Token,
		Fingerprint: string(w.cfg.Client.Fingerprint())}
	if err := w.saveCredentials(); err != nil {
		return err
	}
	w.log.Info("asked to join the farm", "manager", w.cfg.Client.BaseURL(), "member", j.Member.ID, "status", j.Member.Status)
	return nil
}

// Member makes sure this worker is a member (or asked to be) of its farm and
// returns its token, without waiting for approval. The windows of a
// workstation use the same token.
func (w *Worker) Member(ctx context.Context) (string, error) {
	if b, err := os.ReadFile(w.credentialsPath()); err == nil {
		_ = json.Unmarshal(b, &w.creds) // unreadable: join anew, as signOn does
	}
	v, err := w.cfg.Client.Version(ctx)
	if err != nil {
		return "", err
	}
	if w.creds.ManagerID != v.ManagerID || w.creds.Token == "" {
		if err := w.join(ctx, v.ManagerID); err != nil {
			return "", err
		}
	}
	return w.creds.Token, nil
}

// Credentials are what a worker keeps in its data dir (CredentialsFile), so
// that a restarted worker is the same worker to the same manager.
type Credentials struct {
	ManagerID string `json:"manager_id"`
	WorkerID  string `json:"worker_id"`
	Token     string `json:"token"`
	// Fingerprint is the manager's certificate fingerprint, learnt whole
	// when the worker joined (it may have been given only a join code's
	// prefix of it): the worker trusts no other certificate afterwards.
	Fingerprint string `json:"fingerprint,omitempty"`
}

// CredentialsFile is the file in a worker's data dir holding its Credentials.
const CredentialsFile = "worker.json"

// ReadCredentials returns the credentials kept in dataDir; none kept gives
// the zero Credentials and an error wrapping fs.ErrNotExist, a damaged file
// an error naming it.
func ReadCredentials(dataDir string) (Credentials, error) {
	var c Credentials
	path := filepath.Join(dataDir, CredentialsFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("reading worker credentials: %w", err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return Credentials{}, fmt.Errorf("worker credentials %s are damaged: %w", path, err)
	}
	return c, nil
}

func (w *Worker) credentialsPath() string { return filepath.Join(w.cfg.DataDir, CredentialsFile) }

// keepFingerprint saves the manager's whole fingerprint once the client has
// seen it pass its pin (a worker that joined with a prefix, or before its
// manager spoke TLS), so that later starts trust that certificate only.
func (w *Worker) keepFingerprint() error {
	f := string(w.cfg.Client.Fingerprint())
	if f == "" || f == w.creds.Fingerprint {
		return nil
	}
	w.creds.Fingerprint = f
	return w.saveCredentials()
}

func (w *Worker) saveCredentials() error {
	if err := os.MkdirAll(w.cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("creating data directory: %w", err)
	}
	b, _ := json.MarshalIndent(w.creds, "", "  ")
	tmp := w.credentialsPath() + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("saving credentials: %w", err)
	}
	if err := os.Rename(tmp, w.credentialsPath()); err != nil {
		return fmt.Errorf("saving credentials: %w", err)
	}
	return nil
}
