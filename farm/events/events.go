// Package events fans the manager's changes out to live subscribers (the
// websocket stream). Publishing never blocks: a subscriber that falls behind
// loses events and is told so with a resync event, instead of slowing the farm.
package events

import (
	"sync"

	"farmhand/farm/model"
)

// Hub delivers published events to every subscriber.
type Hub struct {
	mu     sync.Mutex
	subs   map[*Subscription]struct{}
	closed bool
}

// Subscription receives events on C until Close.
type Subscription struct {
	C      <-chan model.Event
	c      chan model.Event
	hub    *Hub
	missed bool
}

// NewHub returns a hub with no subscribers.
func NewHub() *Hub { return &Hub{subs: map[*Subscription]struct{}{}} }

// Subscribe starts a subscription buffering up to buffer events. On a closed
// hub the subscription's C is closed already, so its reader ends at once.
func (h *Hub) Subscribe(buffer int) *Subscription {
	c := make(chan model.Event, buffer)
	s := &Subscription{C: c, c: c, hub: h}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		close(c)
		return s
	}
	h.subs[s] = struct{}{}
	return s
}

// Close ends every subscription (their C is closed once the events already
// buffered are read) and refuses new ones: the manager is going away, and
// the readers (the websocket streams) return instead of waiting for a ping
// to fail. Publish after Close does nothing. Close may be called more than
// once.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for s := range h.subs {
		delete(h.subs, s)
		close(s.c)
	}
}

// Close ends the subscription; after Hub.Close it does nothing.
func (s *Subscription) Close() {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	if _, ok := s.hub.subs[s]; ok {
		delete(s.hub.subs, s)
		close(s.c)
	}
}

// Publish sends ev to every subscriber that has room for it. A subscriber
// without room gets a resync event as soon as it has room again.
func (h *Hub) Publish(ev model.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		if s.missed {
			select {
			case s.c <- model.Event{Type: model.EventResync}:
				s.missed = false
			default:
				continue
			}
		}
		select {
		case s.c <- ev:
		default:
			s.missed = true
		}
	}
}

// Subscribers returns how many subscriptions are open.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}
