package worker

import (
	"cmp"
	"context"
	"errors"
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

// splitParam is a string parameter holding a command line, split into words
// the way Flamenco does (shlex rules), e.g. exeArgs "-b -y".
func splitParam(params map[string]any, key string) ([]string, error) {
	s, err := optionalString(params, key)
	if err != nil {
		return nil, err
	}
	words, err := shellSplit(s)
	if err != nil {
		return nil, fmt.Errorf("parameter %s: %w", key, err)
	}
	return words, nil
}

// shellSplit splits a command line into arguments with the rules of the shlex
// package Flamenco uses: blanks separate words; '…' is literal; in "…" and
// outside quotes a backslash takes the next character literally; a # starting a
// word comments out the rest of the line. (farm/jobtype has the same function for
// job scripts; the worker does not link the script engine, so it keeps its own.)
func shellSplit(s string) ([]string, error) {
	var (
		words  []string
		word   strings.Builder
		inWord bool
		quote  rune // 0, '\'' or '"'
		escape bool
		inNote bool
	)
	for _, c := range s {
		switch {
		case inNote:
			inNote = c != '\n'
		case escape:
			word.WriteRune(c)
			escape = false
		case quote == '\'':
			if c == '\'' {
				quote = 0
			} else {
				word.WriteRune(c)
			}
		case quote == '"':
			switch c {
			case '"':
				quote = 0
			case '\\':
				escape = true
			default:
				word.WriteRune(c)
			}
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			if inWord {
				words = append(words, word.String())
				word.Reset()
				inWord = false
			}
		case c == '#' && !inWord:
			inNote = true
		default:
			inWord = true
			switch c {
			case '\\':
				escape = true
			case '\'', '"':
				quote = c
			default:
				word.WriteRune(c)
			}
		}
	}
	switch {
	case escape:
		return nil, errors.New("the text ends with an escape character")
	case quote != 0:
		return nil, fmt.Errorf("the text ends inside %c quotes", quote)
	case inWord:
		words = append(words, word.String())
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
