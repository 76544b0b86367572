package app

import (
	"context"
	"encoding/json"
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
)

// Files in the data directory that hold tokens. Both are readable by their
// owner only: a token is a key to the farm.
const (
	adminTokenFile = "admin.token" // the manager's own computer's admin token
	memberFile     = "member.json" // this computer's membership of a farm, from 'farmhand join'
)

// ensureAdminToken gives the manager's computer an admin token at the first
// start, so its own windows and command line can do everything.
func ensureAdminToken(e *env, m *manager.Manager, dataDir string) error {
	path := filepath.Join(dataDir, adminTokenFile)
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	host, _ := os.Hostname()
	_, token, err := m.CreateAdmin(strings.TrimSpace(host + " (manager)"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, []byte(token+"\n"), 0o600); err != nil {
		return fmt.Errorf("saving the admin token: %w", err)
	}
	e.log.Info("admin token created for this computer", "file", path)
	return nil
}

// membership is what 'farmhand join' keeps.
type membership struct {
	Manager  string `json:"manager"`
	MemberID string `json:"member_id"`
	Token    string `json:"token"`
}

// tokenFor finds the token a command sends: --token, $FARMHAND_TOKEN, this
// computer's admin token (on the manager's computer), or its membership.
func tokenFor(flagValue, dataDir string) string {
	if flagValue != "" {
		return flagValue
	}
	if v := os.Getenv("FARMHAND_TOKEN"); v != "" {
		return v
	}
	if b, err := os.ReadFile(filepath.Join(dataDir, adminTokenFile)); err == nil {
		return strings.TrimSpace(string(b))
	}
	var m membership
	if b, err := os.ReadFile(filepath.Join(dataDir, memberFile)); err == nil && json.Unmarshal(b, &m) == nil {
		return m.Token
	}
	return ""
}

func runJoin(e *env, args []string) error {
	fs := &flagSet{newFlags(e, "join", "join [--manager URL] [--role artist|admin|worker] [--name NAME] [--code CODE]")}
	cf := addClientFlags(fs)
	host, _ := os.Hostname()
	name := fs.String("name", host, "how this computer appears on the farm")
	role := fs.String("role", string(model.RoleArtist), "role to ask for")
	code := fs.String("code", "", "the farm's join code (workers only: admitted at once)")
	if _, err := parse(fs.FlagSet, args); err != nil {
		return err
	}
	ctx, stop := signalContext()
	defer stop()
	cl := client.New(cf.managerURL())
	j, err := cl.Join(ctx, wire.JoinRequest{Name: *name, Platform: runtime.GOOS, Wants: model.Role(*role), JoinCode: *code})
	if err != nil {
		return err
	}
	path := filepath.Join(*cf.data, memberFile)
	if err := os.MkdirAll(*cf.data, 0o700); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(membership{Manager: cl.BaseURL(), MemberID: j.Member.ID, Token: j.Token}, "", "  ")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return fmt.Errorf("saving the membership: %w", err)
	}
	fmt.Fprintf(e.stderr, "Asked to join as %s (member %s). An admin approves with:\n  farmhand approve %s --role %s\n",
		*name, j.Member.ID, j.Member.ID, *role)
	member := cl.WithToken(j.Token)
	for {
		st, err := member.JoinStatus(ctx)
		if err != nil {
			return err
		}
		switch st.Status {
		case model.MemberApproved:
			if *cf.asJSON {
				return printJSON(e.stdout, st)
			}
			fmt.Fprintf(e.stdout, "Approved as %s. The token is in %s.\n", st.Role, path)
			return nil
		case model.MemberRejected, model.MemberRevoked:
			return fmt.Errorf("the join request was %s", st.Status)
		}
		select {
		case <-ctx.Done():
			fmt.Fprintf(e.stderr, "Stopped waiting; 'farmhand join' again later, or ask an admin to approve %s.\n", j.Member.ID)
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

func runMembers(e *env, args []string) error {
	fs := &flagSet{newFlags(e, "members", "members [--pending] [--json]")}
	cf := addClientFlags(fs)
	pending := fs.Bool("pending", false, "only join requests waiting for approval")
	if _, err := parse(fs.FlagSet, args); err != nil {
		return err
	}
	status := model.MemberStatus("")
	if *pending {
		status = model.MemberPending
	}
	return listMembers(e, cf, status)
}

func listMembers(e *env, cf *clientFlags, status model.MemberStatus) error {
	ms, err := cf.client().Members(context.Background(), status)
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
		fs := &flagSet{newFlags(e, verb, verb+" MEMBER_ID [--role worker|artist|admin] [--json]")}
		cf := addClientFlags(fs)
		role := fs.String("role", "", "with approve: the role to grant (default: what the member asked for)")
		pos, err := parse(fs.FlagSet, args)
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			fs.Usage()
			return fmt.Errorf("%w: which member? ('farmhand members --pending' lists the requests)", errUsage)
		}
		ctx := context.Background()
		cl := cf.client()
		var m *model.Member
		switch verb {
		case "approve":
			r := model.Role(*role)
			if r == "" {
				pending, err := cl.Members(ctx, "")
				if err != nil {
					return err
				}
				for _, p := range pending {
					if p.ID == pos[0] {
						r = p.Wants
					}
				}
				if r == "" {
					r = model.RoleWorker
				}
			}
			m, err = cl.Approve(ctx, pos[0], r)
		case "reject":
			m, err = cl.Reject(ctx, pos[0])
		case "revoke":
			m, err = cl.Revoke(ctx, pos[0])
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

func runJoinCode(e *env, args []string) error {
	fs := &flagSet{newFlags(e, "joincode", "joincode [--new] [--json]")}
	cf := addClientFlags(fs)
	renew := fs.Bool("new", false, "replace the code; the old one stops working")
	if _, err := parse(fs.FlagSet, args); err != nil {
		return err
	}
	code, err := cf.client().JoinCode(context.Background(), *renew)
	if err != nil {
		return err
	}
	if *cf.asJSON {
		return printJSON(e.stdout, wire.JoinCode{Code: code})
	}
	fmt.Fprintf(e.stdout, "%s\n\nA worker started with 'farmhand worker --join %s' joins this farm without waiting for approval.\n", code, code)
	return nil
}
