//go:build darwin

package availability

import (
	"context"
	"os/exec"
	"time"
)

const hasConsoleSession = true

func detect() Source { return macIdle{} }

type macIdle struct{}

// Idle reads IOHIDSystem's HIDIdleTime through ioreg, which every macOS has;
// it counts input of every session, the screen-sharing one among them.
func (macIdle) Idle() Idle {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ioreg", "-c", "IOHIDSystem", "-d", "4").Output()
	if err != nil {
		return Idle{Source: "running ioreg: " + err.Error()}
	}
	d, err := parseHIDIdleTime(out)
	if err != nil {
		return Idle{Source: err.Error()}
	}
	return Idle{Known: true, Idle: d, Source: "macos"}
}
