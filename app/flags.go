package app

import (
	"encoding/json"
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

func (s settingsFlag) Set(kv string) error {
	k, v, ok := strings.Cut(kv, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("want key=value, not %q", kv)
	}
	s[strings.TrimSpace(k)] = v
	return nil
}

// printJSON writes v to w as indented JSON, as every --json flag prints.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
