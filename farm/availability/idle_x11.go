//go:build !windows && !darwin

package availability

import (
	"fmt"
	"io"
	"log"
	"os"
	"sync"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/screensaver"
	"github.com/jezek/xgb/xproto"
)

const hasConsoleSession = false

func detect() Source {
	if os.Getenv("DISPLAY") == "" {
		return Unknown{Why: "no X display (DISPLAY is not set)"}
	}
	return NewX11(os.Getenv("DISPLAY"))
}

// X11 reads the idle time of an X display from its MIT-SCREEN-SAVER
// extension (what xprintidle and screen lockers read), over the X protocol in
// pure Go. It keeps one connection and opens it again after an error.
type X11 struct {
	display string
	mu      sync.Mutex
	conn    *xgb.Conn
	root    xproto.Window
}

var quietXGB sync.Once

// NewX11 returns the source for display (such as ":0"); it connects on first
// use.
func NewX11(display string) *X11 {
	// xgb logs to stderr on every connection (a missing .Xauthority, say);
	// the errors this source returns say what matters.
	quietXGB.Do(func() { xgb.Logger = log.New(io.Discard, "", 0) })
	return &X11{display: display}
}

// Idle reads the display's time since the last input; an unreachable display
// or one without the extension is an unknown reading saying so.
func (x *X11) Idle() Idle {
	x.mu.Lock()
	defer x.mu.Unlock()
	ms, err := x.query()
	if err != nil {
		x.closeLocked()
		return Idle{Source: err.Error()}
	}
	return Idle{Known: true, Idle: time.Duration(ms) * time.Millisecond, Source: "x11"}
}

func (x *X11) query() (uint32, error) {
	if x.conn == nil {
		conn, err := xgb.NewConnDisplay(x.display)
		if err != nil {
			return 0, fmt.Errorf("connecting to X display %s: %w", x.display, err)
		}
		if err := screensaver.Init(conn); err != nil {
			conn.Close()
			return 0, fmt.Errorf("the X display %s has no screen-saver extension: %w", x.display, err)
		}
		x.conn, x.root = conn, xproto.Setup(conn).DefaultScreen(conn).Root
	}
	reply, err := screensaver.QueryInfo(x.conn, xproto.Drawable(x.root)).Reply()
	if err != nil {
		return 0, fmt.Errorf("asking X display %s for its idle time: %w", x.display, err)
	}
	return reply.MsSinceUserInput, nil
}

// Close ends the connection, if open.
func (x *X11) Close() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.closeLocked()
}

func (x *X11) closeLocked() {
	if x.conn != nil {
		x.conn.Close()
		x.conn = nil
	}
}
