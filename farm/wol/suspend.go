package wol

import (
	"context"
	"fmt"
	"os/exec"
	"runtime"
)

// Suspender puts this computer to sleep. The worker calls it when its rules
// ask (opt-in: suspend after a while without work); tests give a fake.
type Suspender interface {
	Suspend(ctx context.Context) error
}

// SystemSuspender suspends with the operating system's own command:
// systemctl suspend (Linux with systemd), rundll32 powrprof.dll,SetSuspendState
// (Windows), pmset sleepnow (macOS).
type SystemSuspender struct{}

// SuspendCommand returns the command that suspends a computer running goos;
// false when Farmhand knows none there.
func SuspendCommand(goos string) ([]string, bool) {
	switch goos {
	case "linux":
		return []string{"systemctl", "suspend"}, true
	case "windows":
		return []string{"rundll32.exe", "powrprof.dll,SetSuspendState", "0,1,0"}, true
	case "darwin":
		return []string{"pmset", "sleepnow"}, true
	}
	return nil, false
}

// Suspend runs SuspendCommand(runtime.GOOS); the error carries the command's
// own output (a missing permission, say).
func (SystemSuspender) Suspend(ctx context.Context) error {
	argv, ok := SuspendCommand(runtime.GOOS)
	if !ok {
		return fmt.Errorf("suspending: no suspend command known on %s", runtime.GOOS)
	}
	out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("suspending with %v: %w: %s", argv, err, out)
	}
	return nil
}
