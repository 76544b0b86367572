//go:build windows

package availability

import (
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// A Windows service runs in session 0, without the desktop's input; the
// worker started from the tray runs in the person's session, where
// GetLastInputInfo sees the keyboard and mouse (a Remote Desktop session's
// too).
const hasConsoleSession = true

var (
	user32           = windows.NewLazySystemDLL("user32.dll")
	kernel32         = windows.NewLazySystemDLL("kernel32.dll")
	getLastInputInfo = user32.NewProc("GetLastInputInfo")
	getTickCount     = kernel32.NewProc("GetTickCount")
)

type lastInputInfo struct {
	size uint32
	time uint32
}

func detect() Source { return windowsIdle{} }

type windowsIdle struct{}

// Idle reads the time since the session's last input; both counts are
// milliseconds since boot in 32 bits, so their difference is right across
// the 49-day wrap-around.
func (windowsIdle) Idle() Idle {
	info := lastInputInfo{size: uint32(unsafe.Sizeof(lastInputInfo{}))}
	if ok, _, err := getLastInputInfo.Call(uintptr(unsafe.Pointer(&info))); ok == 0 {
		return Idle{Source: "GetLastInputInfo failed: " + err.Error()}
	}
	now, _, _ := getTickCount.Call()
	return Idle{Known: true, Idle: time.Duration(uint32(now)-info.time) * time.Millisecond, Source: "windows"}
}
