package app

import (
	"bufio"
	"io"
	"os"
)

// getenvAny returns the first non-empty variable of names.
func getenvAny(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}

// interactive reports whether a person can answer on stdin (a terminal).
func (e *env) interactive() bool {
	f, ok := e.stdin.(*os.File)
	if !ok || f == nil {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// readLine reads one line a person typed.
func (e *env) readLine() (string, error) {
	if e.stdin == nil {
		return "", io.EOF
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", err
	}
	return line, nil
}
