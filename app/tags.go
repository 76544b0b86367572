package app

import "farmhand/farm/model"

// splitTags reads a comma-separated list of tags the way every command does
// (model.SplitTags). A worker's tags can never hold a comma or an outer
// space, so a job requiring "gpu,big" or " gpu" as one tag would wait for ever.
func splitTags(s string) []string { return model.SplitTags(s) }
