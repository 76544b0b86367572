package app

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"farmhand/farm/api/client"
)

// flagSet is a flag.FlagSet shared by commands that combine flag groups.
type flagSet struct{ *flag.FlagSet }

// clientFlags are the flags of every command that talks to a farm.
type clientFlags struct {
	manager *string
	token   *string
	data    *string
	asJSON  *bool
}

func addClientFlags(fs *flagSet) *clientFlags {
	return &clientFlags{
		manager: fs.String("manager", "", "manager URL (default $FARMHAND_MANAGER, else this computer's membership, else http://127.0.0.1:"+DefaultPort+")"),
		token:   fs.String("token", "", "member token (default $FARMHAND_TOKEN, else the data directory's)"),
		data:    fs.String("data", defaultDataDir(), "data directory holding this computer's token"),
		asJSON:  fs.Bool("json", false, "print machine-readable JSON"),
	}
}

// managerURL: the flag, the environment, the farm this computer joined, or
// this computer.
func (cf *clientFlags) managerURL() string {
	if *cf.manager == "" && os.Getenv("FARMHAND_MANAGER") == "" {
		var m membership
		if b, err := os.ReadFile(filepath.Join(*cf.data, memberFile)); err == nil && json.Unmarshal(b, &m) == nil && m.Manager != "" {
			return m.Manager
		}
	}
	return managerURL(*cf.manager)
}

func (cf *clientFlags) client() *client.Client {
	return client.New(cf.managerURL()).WithToken(tokenFor(*cf.token, *cf.data))
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
