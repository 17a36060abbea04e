// Package watchcache is a per-process cache of database reads that stays correct only because it
// hears of every change at once: the account cache of package auth and the public reference
// cache of package server are both one.
//
// Invalidate is called with a key (or the cache's "all" key) after every commit of this process
// and, on PostgreSQL, on every other process's NOTIFY (events.Postgres.Watch hands the cache the
// payloads, it is an events.Watcher). It fails closed: while it is down (before the notification
// connection is up, and from the moment it is lost until it listens again, since what was sent
// meanwhile is lost) it holds nothing and every reader goes to the database. A read that
// overlapped an invalidation or a loss is not kept (Begin's epoch), so a stale row read just
// before a change can never be cached after the change was announced.
package watchcache

import (
	"sync"
	"time"
)

// Cache holds at most max values by key, each trusted for at most ttl.
type Cache[V any] struct {
	mu      sync.Mutex
	up      bool
	epoch   uint64 // moves on every invalidation and connection change
	max     int
	ttl     time.Duration
	all     string
	now     func() time.Time
	entries map[string]entry[V]

	seen    uint64     // invalidations and connection changes so far, for tests
	changed *sync.Cond // broadcast when seen moves
}

type entry[V any] struct {
	v  V
	at time.Time
}

// New returns a cache of at most max values, each trusted for at most ttl: a backstop for a
// notification connection that died without the client noticing yet. Invalidate(all) drops every
// value. It starts down: call Connected(true) once invalidations are heard (at once on SQLite,
// where every writer is in this process).
func New[V any](max int, ttl time.Duration, all string) *Cache[V] {
	c := &Cache[V]{max: max, ttl: ttl, all: all, now: time.Now, entries: map[string]entry[V]{}}
	c.changed = sync.NewCond(&c.mu)
	return c
}

// SetClock replaces the clock the ttl is measured with (tests).
func (c *Cache[V]) SetClock(now func() time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = now
}

// Invalidate drops a key (the "all" key: every value) and any read of it under way.
func (c *Cache[V]) Invalidate(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	if key == c.all {
		clear(c.entries)
	} else {
		delete(c.entries, key)
	}
	c.saw()
}

// Notified is Invalidate, for events.Watcher: the payload of a notification is the key.
func (c *Cache[V]) Notified(payload string) { c.Invalidate(payload) }

// Connected switches the cache on when invalidations are heard, and off (emptied) when they may be
// missed.
func (c *Cache[V]) Connected(up bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.up = up
	c.epoch++
	clear(c.entries)
	c.saw()
}

func (c *Cache[V]) saw() {
	c.seen++
	c.changed.Broadcast()
}

// Up reports whether the cache is in use.
func (c *Cache[V]) Up() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.up
}

// Seen is how many invalidations and connection changes the cache has heard; with WaitSeen, a
// test waits for a notification without sleeping.
func (c *Cache[V]) Seen() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seen
}

// WaitUp waits until the cache is up (or down, when up is false), or until the deadline; it
// reports whether it is.
func (c *Cache[V]) WaitUp(up bool, deadline time.Time) bool {
	return c.wait(deadline, func() bool { return c.up == up })
}

// WaitSeen waits until the cache has heard more than n invalidations or connection changes, or
// until the deadline; it reports whether it did.
func (c *Cache[V]) WaitSeen(n uint64, deadline time.Time) bool {
	return c.wait(deadline, func() bool { return c.seen > n })
}

// wait waits, under c.mu, until done or the deadline.
func (c *Cache[V]) wait(deadline time.Time, done func() bool) bool {
	stop := time.AfterFunc(time.Until(deadline), func() {
		c.mu.Lock()
		c.changed.Broadcast()
		c.mu.Unlock()
	})
	defer stop.Stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	for !done() && time.Now().Before(deadline) {
		c.changed.Wait()
	}
	return done()
}

// Len is how many values are cached.
func (c *Cache[V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// Get returns the value of key, if the cache is up and holds one younger than its ttl.
func (c *Cache[V]) Get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || !c.up {
		var zero V
		return zero, false
	}
	if c.now().Sub(e.at) > c.ttl {
		delete(c.entries, key)
		var zero V
		return zero, false
	}
	return e.v, true
}

// Begin returns the epoch a read of the database starts in, and whether the cache is up; Put
// keeps the read only if nothing was invalidated meanwhile.
func (c *Cache[V]) Begin() (uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epoch, c.up
}

// Put keeps v under key, unless the cache is down or anything was invalidated since Begin gave
// epoch. A full cache drops one value at random to make room.
func (c *Cache[V]) Put(key string, v V, epoch uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.up || c.epoch != epoch {
		return
	}
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.max {
		for k := range c.entries { // full: drop one at random (map order)
			delete(c.entries, k)
			break
		}
	}
	c.entries[key] = entry[V]{v: v, at: c.now()}
}
