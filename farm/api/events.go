package api

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/coder/websocket"
)

// eventBuffer is how many events a subscriber may lag behind before it is sent
// a resync instead of the events it missed.
const eventBuffer = 4096

// pingInterval keeps idle connections (and proxies) from timing out, and finds
// dead clients.
const pingInterval = 30 * time.Second

func (s *Server) streamEvents(w http.ResponseWriter, r *http.Request) {
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return // Accept has answered the request already
	}
	defer conn.CloseNow()
	sub := s.m.Events().Subscribe(eventBuffer)
	defer sub.Close()
	// Reading is only for control frames; a client's close ends the context.
	ctx := conn.CloseRead(r.Context())
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
