package files

import (
	"regexp"
	"strings"
)

// The reserved variables of upload jobs: the worker that runs a task
// replaces them with its own folders of the job (its files root and its
// output root); the manager never expands them, and a farm variable may not
// take their names (model.ReservedVariableNames lists the same, and
// pathvars.WorkerVariables, so that dispatch passes them through).
const (
	VarJobFiles  = "job_files"
	VarJobOutput = "job_output"
)

var unsafeInFolder = regexp.MustCompile(`[\\/:*?"<>|\x00-\x1f]`)

// FolderName makes a job's name one folder name on every system, as
// simple_blender_render.js's folderName does: path separators and characters
// Windows refuses become '_', leading dots and spaces go; "job" when nothing
// is left.
func FolderName(name string) string {
	safe := unsafeInFolder.ReplaceAllString(name, "_")
	safe = strings.TrimSpace(strings.TrimLeft(safe, ". \t\r\n"))
	if safe == "" {
		return "job"
	}
	return safe
}
