package model

import (
	"slices"
	"strings"
)

// SplitTags reads a comma-separated list of tags as people type it, the same
// in every client (worker --tags, worker ID tags, submit --tag, the Tags…
// dialog): each trimmed, empty ones dropped, each once, in the order given;
// never nil, so that "" clears a worker's tags. Spaces inside a tag stay
// ("big memory" is one tag): the manager refuses commas in tags, not spaces.
func SplitTags(s string) []string {
	tags := []string{}
	for _, t := range strings.Split(s, ",") {
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	return tags
}
