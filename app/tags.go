package app

import (
	"slices"
	"strings"
)

// splitTags reads a comma-separated list of tags the way every command does
// (worker --tags, worker ID tags, submit --tag): each trimmed, empty ones
// dropped, each once, in the order given. A worker's tags can never hold a
// comma or an outer space, so a job requiring "gpu,big" or " gpu" as one tag
// would wait for ever.
func splitTags(s string) []string {
	tags := []string{}
	for _, t := range strings.Split(s, ",") {
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	return tags
}
