//go:build !unix

package upgrade

import (
	"errors"
	"fmt"
)

// Exec cannot replace a running process on this platform (Windows): the
// caller exits with its restart code instead (see CanExec).
func Exec(exe string) error {
	return fmt.Errorf("starting the upgraded %s: %w", exe, errors.ErrUnsupported)
}
