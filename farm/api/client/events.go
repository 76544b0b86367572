package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"

	"farmhand/farm/api/wire"
	"farmhand/farm/model"
)

// maxEventSize bounds one event message; a job event carries the job's settings.
const maxEventSize = 4 << 20

// Events streams the manager's live events until ctx ends. The first event of
// every connection is a live event (model.EventLive): load what you show
// then, and again after each later live event, since the connection dropped
// and what happened in between was missed. It reconnects with backoff. The
// channel closes when ctx ends.
func (c *Client) Events(ctx context.Context) <-chan model.Event {
	out := make(chan model.Event, 256)
	go func() {
		defer close(out)
		backoff := 100 * time.Millisecond
		for ctx.Err() == nil {
			conn, err := c.dialEvents(ctx)
			if err == nil {
				backoff = 100 * time.Millisecond
				c.readEvents(ctx, conn, out)
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 5*time.Second)
		}
	}()
	return out
}

func (c *Client) dialEvents(ctx context.Context) (*websocket.Conn, error) {
	u := "ws" + strings.TrimPrefix(c.BaseURL(), "http") + "/api/v1/events"
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	header := http.Header{}
	if c.token != "" {
		header.Set("Authorization", "Bearer "+c.token)
	}
	header.Set(wire.APIVersionHeader, strconv.Itoa(wire.APIVersion))
	conn, _, err := websocket.Dial(dctx, u, &websocket.DialOptions{HTTPClient: c.http, HTTPHeader: header})
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", u, err)
	}
	conn.SetReadLimit(maxEventSize)
	return conn, nil
}

func (c *Client) readEvents(ctx context.Context, conn *websocket.Conn, out chan<- model.Event) {
	// Closing a connection that already failed or closed says so; there is
	// nothing to do about it on the way out.
	defer func() { _ = conn.CloseNow() }()
	for {
		_, msg, err := conn.Read(ctx)
		if err != nil {
			return
		}
		var ev model.Event
		if err := json.Unmarshal(msg, &ev); err != nil {
			continue // an event this client does not understand is skipped, not fatal
		}
		select {
		case out <- ev:
		case <-ctx.Done():
			return
		}
	}
}
