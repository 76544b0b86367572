package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"farmhand/farm/api/client"
	"farmhand/farm/trust"
	"farmhand/farm/worker"
)

// farmRef is how a command reaches its farm: the manager's URL, the member
// token it sends, and the fingerprint of the manager's certificate it trusts.
type farmRef struct {
	URL   string
	Token string
	Pin   trust.Fingerprint
}

// refFlags are the three flags every command that talks to a farm takes;
// empty means "not given".
type refFlags struct {
	manager, token, fingerprint string
}

// resolveFarm is the one resolver of a command's farm. Each part comes from
// the first of these that has it:
//
//   - URL: --manager, $FARMHAND_MANAGER, this computer's membership
//     (member.json from 'farmhand join'), this computer's manager
//     (http://127.0.0.1:7780: plain HTTP is allowed on loopback);
//   - token: --token, $FARMHAND_TOKEN, this computer's admin token (on the
//     manager's computer), its membership, its worker's credentials;
//   - fingerprint: --fingerprint, $FARMHAND_FINGERPRINT, the membership's,
//     the worker's, this computer's manager's own certificate.
//
// dataDir is the data directory those files are in. A fingerprint that is not
// one is an error wrapping errUsage; unreadable files are skipped.
func resolveFarm(f refFlags, dataDir string) (farmRef, error) {
	var mb membership
	path := filepath.Join(dataDir, memberFile)
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &mb); err != nil {
			// A damaged file counts as none, but not in silence: the
			// command would otherwise reach another farm unexplained.
			slog.Warn("ignoring this computer's damaged membership file", "file", path, "err", err)
			mb = membership{}
		}
	}
	creds, _ := worker.ReadCredentials(dataDir)
	ref := farmRef{
		URL:   firstOf(f.manager, os.Getenv("FARMHAND_MANAGER"), mb.Manager, localManagerURL(dataDir), "http://127.0.0.1:"+DefaultPort),
		Token: firstOf(f.token, os.Getenv("FARMHAND_TOKEN"), readAdminToken(dataDir), mb.Token, creds.Token),
	}
	pin := firstOf(f.fingerprint, os.Getenv("FARMHAND_FINGERPRINT"), mb.Fingerprint, creds.Fingerprint, string(localFingerprint(dataDir)))
	if pin != "" {
		p, err := trust.ParseFingerprint(pin)
		if err != nil {
			return ref, fmt.Errorf("%w: %w", errUsage, err)
		}
		if len(p) < trust.PrefixLen {
			return ref, fmt.Errorf("%w: fingerprint %s is too short: give the whole fingerprint, or at least its first %d characters, as 'farmhand joincode' on the manager shows it",
				errUsage, p, trust.PrefixLen)
		}
		ref.Pin = p
	}
	return ref, nil
}

// client returns an API client for the reference.
func (r farmRef) client() *client.Client {
	return client.New(r.URL).WithToken(r.Token).WithPin(r.Pin)
}

func firstOf(values ...string) string {
	for _, v := range values {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// readAdminToken is the manager's computer's own admin token, or "".
func readAdminToken(dataDir string) string {
	b, err := os.ReadFile(filepath.Join(dataDir, adminTokenFile))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// managerURLFile, in a manager's data directory, holds how commands on its
// computer reach it (plain HTTP on loopback, at the port it listens on).
const managerURLFile = "manager.url"

// localManagerURL is the URL of the manager whose data directory this is, as
// it last started, or "".
func localManagerURL(dataDir string) string {
	b, err := os.ReadFile(filepath.Join(dataDir, managerURLFile))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// tlsDir is where a manager keeps its certificate and key.
func tlsDir(dataDir string) string { return filepath.Join(dataDir, "tls") }

// localFingerprint is the certificate fingerprint of the manager whose data
// directory this is, or "" when this computer runs none.
func localFingerprint(dataDir string) trust.Fingerprint {
	f, err := trust.ReadFingerprint(tlsDir(dataDir))
	if err != nil {
		return ""
	}
	return f
}

// splitCode reads a join code given on the command line ("" for none) into
// the secret the manager checks and the fingerprint prefix to trust.
func splitCode(code string) (secret string, pin trust.Fingerprint, err error) {
	if strings.TrimSpace(code) == "" {
		return "", "", nil
	}
	secret, pin, err = trust.SplitJoinCode(code)
	if err != nil {
		return "", "", fmt.Errorf("%w: %w", errUsage, err)
	}
	return secret, pin, nil
}

// trustOnFirstUse returns a client of ref's manager that has passed its pin.
// With no pin for an https manager it shows the certificate's fingerprint
// and, on a terminal, asks whether to trust it, as SSH does; elsewhere it
// fails saying how to give the fingerprint.
func trustOnFirstUse(ctx context.Context, e *env, ref farmRef) (*client.Client, error) {
	cl := ref.client()
	_, err := cl.Version(ctx)
	var unknown *trust.UnknownError
	if !errors.As(err, &unknown) {
		return cl, err
	}
	if !e.interactive() {
		return nil, fmt.Errorf("%w; pass --fingerprint %s after checking it, or use the join code", err, unknown.Got)
	}
	fmt.Fprintf(e.stderr, "The manager at %s presents a certificate with fingerprint\n  %s\n"+
		"Compare it with what 'farmhand joincode' shows on the manager. Trust it? [y/N] ", ref.URL, unknown.Got)
	answer, _ := e.readLine()
	if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
		return nil, errors.New("not trusted: nothing was sent to the manager")
	}
	ref.Pin = unknown.Got
	cl = ref.client()
	if _, err := cl.Version(ctx); err != nil {
		return nil, err
	}
	return cl, nil
}
