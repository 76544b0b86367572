package app

import (
	"encoding/json"
	"flag"
	"io"
)

// flagSet is a flag.FlagSet shared by commands that combine flag groups.
type flagSet struct{ *flag.FlagSet }

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
