//go:build unix

package upgrade

import (
	"fmt"
	"os"
	"syscall"
)

// Exec replaces this process with exe, run with this process's arguments and
// environment: the same process id, so a service manager (systemd, launchd)
// keeps watching it. It returns only on failure.
func Exec(exe string) error {
	err := syscall.Exec(exe, os.Args, os.Environ())
	return fmt.Errorf("starting the upgraded %s: %w", exe, err)
}
