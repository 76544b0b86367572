package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/coder/websocket"

	"farmhand/farm/model"
)

// eventBuffer is how many events a subscriber may lag behind before it is sent
// a resync instead of the events it missed.
const eventBuffer = 4096

// pingInterval keeps idle connections (and proxies) from timing out, and finds
// dead clients.
const pingInterval = 30 * time.Second

// WaitStreams waits until every event stream has ended, or ctx ends (then it
// returns ctx's error, wrapped, with how many streams are left). A stream ends
// when its client goes, or at once when the manager's event hub is closed;
// http.Server.Shutdown does not wait for streams, since their connections are
// hijacked. Shutdown order: Shutdown the http.Server, close the hub, then
// WaitStreams.
func (s *Server) WaitStreams(ctx context.Context) error {
	s.streamsMu.Lock()
	if s.streams == 0 {
		s.streamsMu.Unlock()
		return nil
	}
	if s.noStreams == nil {
		s.noStreams = make(chan struct{})
	}
	done := s.noStreams
	s.streamsMu.Unlock()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.streamsMu.Lock()
		n := s.streams
		s.streamsMu.Unlock()
		return fmt.Errorf("waiting for %d event streams to end: %w", n, ctx.Err())
	}
}

func (s *Server) streamStarted() {
	s.streamsMu.Lock()
	s.streams++
	s.streamsMu.Unlock()
}

func (s *Server) streamEnded() {
	s.streamsMu.Lock()
	defer s.streamsMu.Unlock()
	s.streams--
	if s.streams == 0 && s.noStreams != nil {
		close(s.noStreams)
		s.noStreams = nil
	}
}

func (s *Server) streamEvents(w http.ResponseWriter, r *http.Request) {
	s.streamStarted()
	defer s.streamEnded()
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return // Accept has answered the request already
	}
	// Closing a connection that already failed or closed says so; there is
	// nothing to do about it on the way out.
	defer func() { _ = conn.CloseNow() }()
	sub := s.m.Events().Subscribe(eventBuffer)
	defer sub.Close()
	// Reading is only for control frames; a client's close ends the context.
	ctx := conn.CloseRead(r.Context())
	// Subscribed: tell the client, so that it loads now rather than guess
	// when the stream stands.
	live, _ := json.Marshal(model.Event{Type: model.EventLive})
	wctx, cancel := context.WithTimeout(ctx, writeTimeout)
	err = conn.Write(wctx, websocket.MessageText, live)
	cancel()
	if err != nil {
		return
	}
	ping := time.NewTicker(pingInterval)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			conn.Close(websocket.StatusNormalClosure, "")
			return
		case <-ping.C:
			pctx, cancel := context.WithTimeout(ctx, writeTimeout)
			err := conn.Ping(pctx)
			cancel()
			if err != nil {
				return
			}
		case ev, ok := <-sub.C:
			if !ok {
				// The hub closed: the manager is shutting down. No close
				// handshake, which may wait up to 10 s for a client that is
				// gone; clients reconnect whenever a stream ends.
				return
			}
			msg, err := json.Marshal(ev)
			if err != nil {
				s.log.Error("encoding event", "err", err)
				continue
			}
			wctx, cancel := context.WithTimeout(ctx, writeTimeout)
			err = conn.Write(wctx, websocket.MessageText, msg)
			cancel()
			if err != nil {
				return
			}
		}
	}
}
