package app

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"farmhand/farm/api/client"
)

// flagSet is a flag.FlagSet shared by commands that combine flag groups.
type flagSet struct{ *flag.FlagSet }

// clientFlags are the flags of every command that talks to a farm.
type clientFlags struct {
	manager     *string
	token       *string
	fingerprint *string
	data        *string
	asJSON      *bool
}

func addClientFlags(fs *flagSet) *clientFlags {
	return &clientFlags{
		manager: fs.String("manager", "", "manager URL (default $FARMHAND_MANAGER, else this computer's membership, else http://127.0.0.1:"+DefaultPort+")"),
		token:   fs.String("token", "", "member token (default $FARMHAND_TOKEN, else the data directory's)"),
		fingerprint: fs.String("fingerprint", "", "the manager's certificate fingerprint to trust, for https:// URLs "+
			"(default $FARMHAND_FINGERPRINT, else the one kept when this computer joined; see 'farmhand joincode' on the manager)"),
		data:   fs.String("data", defaultDataDir(), "data directory holding this computer's token"),
		asJSON: fs.Bool("json", false, "print machine-readable JSON"),
	}
}

// ref resolves the farm the flags name; see resolveFarm.
func (cf *clientFlags) ref() (farmRef, error) {
	return resolveFarm(refFlags{manager: *cf.manager, token: *cf.token, fingerprint: *cf.fingerprint}, *cf.data)
}

// client returns a client of the farm the flags name, with its token and pin.
func (cf *clientFlags) client() (*client.Client, error) {
	ref, err := cf.ref()
	if err != nil {
		return nil, err
	}
	return ref.client(), nil
}

// settingsFlag collects repeated --set key=value flags as raw strings; they
// get their types from the job type's declaration (see typedSettings).
type settingsFlag map[string]string

func (s settingsFlag) String() string { return "" }

// Set takes one key=value; a key given twice is refused, as the second
// value would silently win over the first.
func (s settingsFlag) Set(kv string) error {
	k, v, ok := strings.Cut(kv, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("want key=value, not %q", kv)
	}
	k = strings.TrimSpace(k)
	if old, twice := s[k]; twice {
		return fmt.Errorf("%s is given twice (%s=%s and %s=%s); give it once", k, k, old, k, v)
	}
	s[k] = v
	return nil
}

// printJSON writes v to w as indented JSON, as every --json flag prints.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// parseFlags is parse for commands that print a flag mistake once: the flag
// package would print it, then the whole usage, and Main the message again.
// A mistake comes back as an errUsage saying the message and where the
// flags are described ('farmhand NAME -h'); -h still prints the usage.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	usage, out := fs.Usage, fs.Output()
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	pos, err := parse(fs, args)
	fs.Usage = usage
	fs.SetOutput(out)
	switch {
	case err == nil:
		return pos, nil
	case errors.Is(err, flag.ErrHelp):
		fs.Usage()
		return nil, err
	}
	return nil, fmt.Errorf("%w: %w\nRun 'farmhand %s -h' for its flags", errUsage, err, fs.Name())
}
