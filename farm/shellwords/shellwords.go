// Package shellwords splits command lines into arguments as Flamenco's job
// types expect (the rules of Python's shlex): job scripts call it as
// shellSplit, and workers use it for parameters like exeArgs "-b -y". It is a
// package of its own so that workers, which do not link the script engine,
// split exactly as scripts do.
package shellwords

import (
	"errors"
	"fmt"
	"strings"
)

// Split splits a command line into arguments with the rules of the shlex
// package Flamenco uses: blanks separate words; '…' is literal; in "…" and
// outside quotes a backslash takes the next character literally; a # starting a
// word comments out the rest of the line.
func Split(s string) ([]string, error) {
	var (
		words  []string
		word   strings.Builder
		inWord bool
		quote  byte // 0, '\'' or '"'
		escape bool
		inNote bool
	)
	// Byte by byte: every special character is ASCII, and other bytes, even
	// invalid UTF-8, are copied as they are.
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inNote:
			inNote = c != '\n'
		case escape:
			word.WriteByte(c)
			escape = false
		case quote == '\'':
			if c == '\'' {
				quote = 0
			} else {
				word.WriteByte(c)
			}
		case quote == '"':
			switch c {
			case '"':
				quote = 0
			case '\\':
				escape = true
			default:
				word.WriteByte(c)
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
				word.WriteByte(c)
			}
		}
	}
	switch {
	case escape:
		return nil, errors.New("shellSplit: the text ends with an escape character")
	case quote != 0:
		return nil, fmt.Errorf("shellSplit: the text ends inside %c quotes", quote)
	case inWord:
		words = append(words, word.String())
	}
	if words == nil {
		words = []string{}
	}
	return words, nil
}
