package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/manager"
	"farmhand/farm/model"
	"farmhand/farm/trust"
)

// Files in the data directory that hold tokens. Both are readable by their
// owner only: a token is a key to the farm.
const (
	adminTokenFile = "admin.token" // the manager's own computer's admin token
	memberFile     = "member.json" // this computer's membership of a farm, from 'farmhand join'
)

// ensureAdminToken gives the manager's computer an admin token at the first
// start, so its own windows and command line can do everything.
//
// An admin whose token nobody holds must never be left behind, so the file
// comes first: a temporary file is created (an unwritable data directory
// fails here, before any member exists), then the member, then the token is
// written and the file renamed into place. Should that fail, the new member
// is revoked and the error returned; the next start tries again.
func ensureAdminToken(e *env, m *manager.Manager, dataDir string) error {
	path := filepath.Join(dataDir, adminTokenFile)
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	f, err := os.CreateTemp(dataDir, adminTokenFile+".new-*") // mode 0600
	if err != nil {
		return fmt.Errorf("saving the admin token: %w", err)
	}
	defer os.Remove(f.Name()) // gone after the rename; left over only on failure
	host, _ := os.Hostname()
	mb, token, err := m.CreateAdmin(strings.TrimSpace(host + " (manager)"))
	if err != nil {
		_ = f.Close() // nothing was written to it
		return err
	}
	if err := writeTokenFile(f, token, path); err != nil {
		if _, rerr := m.Revoke(mb.ID); rerr != nil {
			return errors.Join(fmt.Errorf("saving the admin token: %w", err),
				fmt.Errorf("revoking admin %s, whose token could not be saved: %w", mb.ID, rerr))
		}
		return fmt.Errorf("saving the admin token (admin %s revoked again): %w", mb.ID, err)
	}
	e.log.Info("admin token created for this computer", "file", path)
	return nil
}

// renameFile is os.Rename; a variable so that a test can make the last step
// of saving the admin token fail.
var renameFile = os.Rename

// writeTokenFile writes token to f, syncs and closes it, and renames it to
// path.
func writeTokenFile(f *os.File, token, path string) error {
	if _, err := f.WriteString(token + "\n"); err != nil {
		_ = f.Close() // the write error is the one to report
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close() // the sync error is the one to report
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return renameFile(f.Name(), path)
}

// membership is what 'farmhand join' keeps.
type membership struct {
	Manager  string `json:"manager"`
	MemberID string `json:"member_id"`
	Token    string `json:"token"`
	// Fingerprint is the manager's certificate fingerprint, learnt whole
	// when joining; commands trust no other certificate afterwards.
	Fingerprint string `json:"fingerprint,omitempty"`
}

func runJoin(e *env, args []string) error {
	fs := &flagSet{newFlags(e, "join", "join [--manager URL] [--role artist|admin|worker] [--name NAME] [--code CODE] [--fingerprint FP]")}
	cf := addClientFlags(fs)
	host, _ := os.Hostname()
	name := fs.String("name", host, "how this computer appears on the farm")
	role := fs.String("role", string(model.RoleArtist), "role to ask for")
	code := fs.String("code", "", "the farm's join code (workers only: admitted at once; it also tells which manager to trust)")
	if _, err := parseFlags(fs.FlagSet, args); err != nil {
		return err
	}
	ctx, stop := signalContext()
	defer stop()
	ref, err := cf.ref()
	if err != nil {
		return err
	}
	secret, pin, err := splitCode(*code)
	if err != nil {
		return err
	}
	if pin != "" {
		ref.Pin = pin
	}
	cl, err := trustOnFirstUse(ctx, e, farmRef{URL: ref.URL, Pin: ref.Pin})
	if err != nil {
		return err
	}
	j, err := cl.Join(ctx, wire.JoinRequest{Name: *name, Platform: runtime.GOOS, Wants: model.Role(*role), JoinCode: secret})
	if err != nil {
		return err
	}
	path := filepath.Join(*cf.data, memberFile)
	if err := saveMembership(path, membership{Manager: cl.BaseURL(), MemberID: j.Member.ID, Token: j.Token,
		Fingerprint: string(cl.Fingerprint())}); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "Asked to join as %s (member %s). An admin approves with:\n  farmhand approve %s --role %s\n",
		*name, j.Member.ID, j.Member.ID, *role)
	return waitUntilApproved(ctx, e, cl.WithToken(j.Token), j.Member.ID, path, *cf.asJSON)
}

func saveMembership(path string, m membership) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("saving the membership: %w", err)
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return fmt.Errorf("saving the membership: %w", err)
	}
	return nil
}

// waitUntilApproved asks every 2 s how the join request stands.
func waitUntilApproved(ctx context.Context, e *env, member *client.Client, id, path string, asJSON bool) error {
	for {
		st, err := member.JoinStatus(ctx)
		if err != nil {
			return err
		}
		switch st.Status {
		case model.MemberApproved:
			if asJSON {
				return printJSON(e.stdout, st)
			}
			fmt.Fprintf(e.stdout, "Approved as %s. The token is in %s.\n", st.Role, path)
			return nil
		case model.MemberRejected, model.MemberRevoked:
			return fmt.Errorf("the join request was %s", st.Status)
		}
		select {
		case <-ctx.Done():
			fmt.Fprintf(e.stderr, "Stopped waiting; 'farmhand join' again later, or ask an admin to approve %s.\n", id)
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

func runMembers(e *env, args []string) error {
	fs := &flagSet{newFlags(e, "members", "members [--pending] [--json]")}
	cf := addClientFlags(fs)
	pending := fs.Bool("pending", false, "only join requests waiting for approval")
	if _, err := parseFlags(fs.FlagSet, args); err != nil {
		return err
	}
	status := model.MemberStatus("")
	if *pending {
		status = model.MemberPending
	}
	return listMembers(e, cf, status)
}

func listMembers(e *env, cf *clientFlags, status model.MemberStatus) error {
	cl, err := cf.client()
	if err != nil {
		return err
	}
	ms, err := cl.Members(context.Background(), status)
	if err != nil {
		return err
	}
	if *cf.asJSON {
		return printJSON(e.stdout, ms)
	}
	if len(ms) == 0 {
		if status == model.MemberPending {
			fmt.Fprintln(e.stdout, "No join requests are waiting.")
		} else {
			fmt.Fprintln(e.stdout, "No members.")
		}
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSTATUS\tROLE\tWANTS\tPLATFORM\tADDRESS\tASKED")
	for _, m := range ms {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", m.ID, m.Name, m.Status, m.Role, m.Wants, m.Platform, m.Address,
			m.Requested.Local().Format(time.DateTime))
	}
	return tw.Flush()
}

// runDecide is approve, reject and revoke.
func runDecide(verb string) func(e *env, args []string) error {
	return func(e *env, args []string) error {
		fs := &flagSet{newFlags(e, verb, verb+" MEMBER_ID [--role worker|artist|admin] [--json]\n\n"+
			"MEMBER_ID may be any unique start of the member's id, as 'farmhand members' lists it (case does not matter).")}
		cf := addClientFlags(fs)
		role := fs.String("role", "", "with approve: the role to grant (default: what the member asked for)")
		pos, err := parseFlags(fs.FlagSet, args)
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			fs.Usage()
			return fmt.Errorf("%w: which member? ('farmhand members --pending' lists the requests)", errUsage)
		}
		ctx := context.Background()
		cl, err := cf.client()
		if err != nil {
			return err
		}
		id, err := resolveMemberID(ctx, cl, pos[0])
		if err != nil {
			return err
		}
		var m *model.Member
		switch verb {
		case "approve":
			r := model.Role(*role)
			if r == "" {
				if r, err = wantedRole(ctx, cl, id); err != nil {
					return err
				}
			}
			m, err = cl.Approve(ctx, id, r)
		case "reject":
			m, err = cl.Reject(ctx, id)
		case "revoke":
			m, err = cl.Revoke(ctx, id)
		}
		if err != nil {
			return err
		}
		if *cf.asJSON {
			return printJSON(e.stdout, m)
		}
		fmt.Fprintf(e.stdout, "%s (%s) is %s", m.Name, m.ID, m.Status)
		if m.Status == model.MemberApproved {
			fmt.Fprintf(e.stdout, " as %s", m.Role)
		}
		fmt.Fprintln(e.stdout)
		return nil
	}
}

// wantedRole returns the role member id asked for when joining, worker when
// it asked for none.
func wantedRole(ctx context.Context, cl *client.Client, id string) (model.Role, error) {
	members, err := cl.Members(ctx, "")
	if err != nil {
		return "", fmt.Errorf("reading the role member %s asked for: %w", id, err)
	}
	for _, p := range members {
		if p.ID == id && p.Wants != "" {
			return p.Wants, nil
		}
	}
	return model.RoleWorker, nil
}

func runJoinCode(e *env, args []string) error {
	fs := &flagSet{newFlags(e, "joincode", "joincode [--new] [--json]")}
	cf := addClientFlags(fs)
	renew := fs.Bool("new", false, "replace the code; the old one stops working")
	if _, err := parseFlags(fs.FlagSet, args); err != nil {
		return err
	}
	cl, err := cf.client()
	if err != nil {
		return err
	}
	jc, err := cl.JoinCodeInfo(context.Background(), *renew)
	if err != nil {
		return err
	}
	if *cf.asJSON {
		return printJSON(e.stdout, jc)
	}
	fmt.Fprintf(e.stdout, "%s\n\nA worker started with 'farmhand worker --join %s' joins this farm without waiting for approval\n"+
		"(it finds the manager on the network; where mDNS does not reach, add --manager https://HOST:PORT).\n", jc.Code, jc.Code)
	if jc.Fingerprint != "" {
		fmt.Fprintf(e.stdout, "The code also tells it which manager to trust: this one, whose certificate fingerprint is\n  %s\n",
			trust.Fingerprint(jc.Fingerprint))
	}
	return nil
}
