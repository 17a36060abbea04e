package events

import (
	"context"
	"sync"
	"sync/atomic"
)

// hub is the in-process fan-out both brokers use.
type hub struct {
	mu      sync.Mutex
	subs    map[*subscriber]struct{}
	closed  bool
	dropped atomic.Uint64
}

type subscriber struct{ ch chan Event }

func newHub() *hub { return &hub{subs: make(map[*subscriber]struct{})} }

// subscribe registers a subscriber; see Broker.Subscribe.
func (h *hub) subscribe(ctx context.Context) (<-chan Event, func()) {
	s := &subscriber{ch: make(chan Event, SubscriberBuffer)}
	h.mu.Lock()
	if h.closed || ctx.Err() != nil {
		h.mu.Unlock()
		close(s.ch)
		return s.ch, func() {}
	}
	h.subs[s] = struct{}{}
	h.mu.Unlock()

	var once sync.Once
	remove := func() { once.Do(func() { h.remove(s) }) }
	stop := context.AfterFunc(ctx, remove)
	return s.ch, func() {
		stop()
		remove()
	}
}

func (h *hub) remove(s *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[s]; ok {
		delete(h.subs, s)
		close(s.ch)
	}
}

// publish hands e to every subscriber without ever blocking: a full channel loses its oldest event.
// Sends happen under h.mu, so each channel has one sender at a time and a channel is never sent on
// after it is closed.
func (h *hub) publish(e Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		select {
		case s.ch <- e:
			continue
		default:
		}
		select { // full: drop the oldest (unless the reader just took it)
		case <-s.ch:
			h.dropped.Add(1)
		default:
		}
		select { // there is room now: this is the only sender
		case s.ch <- e:
		default:
			h.dropped.Add(1)
		}
	}
}

// close closes every subscriber's channel; later subscribers get a closed channel.
func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for s := range h.subs {
		close(s.ch)
	}
	clear(h.subs)
}

func (h *hub) isClosed() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.closed
}
