package worker

import (
	"cmp"
	"context"
	"errors"
	"farmhand/farm/shellwords"
	"fmt"
	"regexp"
	"strings"
)

// requiredString is a string parameter that must be present and not empty.
func requiredString(params map[string]any, key string) (string, error) {
	raw, present := params[key]
	if !present || raw == nil {
		return "", fmt.Errorf("parameter %s is required", key)
	}
	s, ok := raw.(string)
	if !ok {
		return "", fmt.Errorf("parameter %s must be a string, not %T", key, raw)
	}
	if s == "" {
		return "", fmt.Errorf("parameter %s must not be empty", key)
	}
	return s, nil
}

// optionalString is a string parameter that may be missing (then "").
func optionalString(params map[string]any, key string) (string, error) {
	raw, present := params[key]
	if !present || raw == nil {
		return "", nil
	}
	s, ok := raw.(string)
	if !ok {
		return "", fmt.Errorf("parameter %s must be a string, not %T", key, raw)
	}
	return s, nil
}

// optionalStrings is a list-of-strings parameter that may be missing (then
// nil), e.g. exec's args.
func optionalStrings(params map[string]any, key string) ([]string, error) {
	raw, present := params[key]
	if !present || raw == nil {
		return nil, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, fmt.Errorf("parameter %s must be a list of strings, not %T", key, raw)
	}
	out := make([]string, len(list))
	for i, v := range list {
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("parameter %s[%d] must be a string, not %T", key, i, v)
		}
		out[i] = s
	}
	return out, nil
}

// splitParam is a string parameter holding a command line, split into words
// the way Flamenco does (shlex rules), e.g. exeArgs "-b -y".
func splitParam(params map[string]any, key string) ([]string, error) {
	s, err := optionalString(params, key)
	if err != nil {
		return nil, err
	}
	words, err := shellwords.Split(s)
	if err != nil {
		return nil, fmt.Errorf("parameter %s: %w", key, err)
	}
	return words, nil
}

// errorLine matches output lines worth quoting when a program fails, and
// pythonError the last line of a Python traceback ("RuntimeError: boom"),
// which says more than Blender's "Error: script failed" after it. When no line
// looks like an error, the last line printed is quoted: FFmpeg ends with its
// complaint.
var (
	errorLine   = regexp.MustCompile(`(?i)error|exception|fail|cannot|could not|unable|unknown|no such file|not found|invalid|denied`)
	pythonError = regexp.MustCompile(`^[A-Z]\w*(Error|Exception): `)
)

// errorTail remembers the last error-like line a program printed, so a failure
// says more than an exit code.
type errorTail struct {
	started                bool
	python, errorish, last string
}

func (e *errorTail) see(line string) {
	if !e.started { // runProcess's own "running …" line, which quotes the arguments
		e.started = true
		return
	}
	line = strings.TrimSpace(line)
	switch {
	case line == "":
		return
	case pythonError.MatchString(line):
		e.python = line
	case errorLine.MatchString(line):
		e.errorish = line
	}
	e.last = line
}

// wrap adds the remembered line to a process error (not to a cancellation).
func (e *errorTail) wrap(err error) error {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	line := cmp.Or(e.python, e.errorish, e.last)
	if line == "" {
		return err
	}
	return fmt.Errorf("%w; last error output: %s", err, truncate(line, 300))
}
