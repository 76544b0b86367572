package availability

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Source reads how long this computer's person has not touched keyboard or
// mouse. Implementations: X11 (the MIT-SCREEN-SAVER extension), Windows
// (GetLastInputInfo), macOS (IOHIDSystem's HIDIdleTime), and Unknown.
type Source interface {
	Idle() Idle
}

// Unknown is the source where none works; Why says why, for the tray.
type Unknown struct{ Why string }

// Idle reports an unknown reading.
func (u Unknown) Idle() Idle { return Idle{Known: false, Source: u.Why} }

// Detect returns this computer's idle source. A remote shell (SSH_CONNECTION
// set) without a display of its own has no person at this computer's
// keyboard to read: it gets Unknown, not an idle computer. A remote desktop
// is a session with input, which the display's idle time counts.
func Detect() Source {
	if os.Getenv("SSH_CONNECTION") != "" && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" && !hasConsoleSession {
		return Unknown{Why: "an SSH session without a display"}
	}
	return detect()
}

// parseHIDIdleTime reads HIDIdleTime (nanoseconds) from the output of
// "ioreg -c IOHIDSystem -d 4", as macOS's own tools do. The error says when
// the output holds no such line.
func parseHIDIdleTime(out []byte) (time.Duration, error) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		i := strings.Index(line, `"HIDIdleTime"`)
		if i < 0 {
			continue
		}
		_, val, ok := strings.Cut(line[i:], "=")
		if !ok {
			continue
		}
		ns, err := strconv.ParseUint(strings.TrimSpace(val), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("reading HIDIdleTime %q: %w", strings.TrimSpace(val), err)
		}
		return time.Duration(ns), nil
	}
	return 0, fmt.Errorf("no HIDIdleTime in ioreg's output")
}
