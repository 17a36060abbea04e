package auth

import (
	"sync"
	"time"

	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/store"
)

// AccountCache keeps, per process, what Authenticate compares a token with: whether the account
// is enabled, its token version, and the viewer it signs in as (role, scope, linked official). It
// saves a signed-in request its account query.
//
// It is correct only while it hears of every change of an account at once: Invalidate is called
// with the account's id (or store.AllAccounts) after every commit of this process and, on
// PostgreSQL, on every other process's NOTIFY (events.Postgres.Watch). It fails closed: while it
// is down (before the notification connection is up, and from the moment it is lost until it
// listens again, since what was sent meanwhile is lost) it holds nothing and every request reads
// the account. A read that overlapped an invalidation or a loss is not kept (epoch), so a stale
// row read just before a change can never be cached after the change was announced.
type AccountCache struct {
	mu      sync.Mutex
	up      bool
	epoch   uint64 // moves on every invalidation and connection change
	max     int
	ttl     time.Duration
	now     func() time.Time
	entries map[string]cachedAccount

	seen    uint64     // invalidations and connection changes so far, for tests
	changed *sync.Cond // broadcast when seen moves
}

type cachedAccount struct {
	viewer   authz.Viewer
	disabled bool
	version  int
	at       time.Time
}

// cacheTTL bounds how long an entry is trusted even when no notification came: a backstop for a
// notification connection that died without the client noticing yet (pq pings it every 90 s).
const cacheTTL = time.Minute

// NewAccountCache returns a cache of at most max accounts. It starts down: call Connected(true)
// once invalidations are heard (at once on SQLite, where every writer is in this process).
func NewAccountCache(max int) *AccountCache {
	c := &AccountCache{max: max, ttl: cacheTTL, now: time.Now, entries: map[string]cachedAccount{}}
	c.changed = sync.NewCond(&c.mu)
	return c
}

// Invalidate drops an account (store.AllAccounts: every account) and any read of it under way.
func (c *AccountCache) Invalidate(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	if id == store.AllAccounts {
		clear(c.entries)
	} else {
		delete(c.entries, id)
	}
	c.saw()
}

// Notified is Invalidate, for events.Watcher: the payload of a notification is the account id.
func (c *AccountCache) Notified(payload string) { c.Invalidate(payload) }

// Connected switches the cache on when invalidations are heard, and off (emptied) when they may be
// missed.
func (c *AccountCache) Connected(up bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.up = up
	c.epoch++
	clear(c.entries)
	c.saw()
}

func (c *AccountCache) saw() {
	c.seen++
	c.changed.Broadcast()
}

// Up reports whether the cache is in use.
func (c *AccountCache) Up() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.up
}

// Seen is how many invalidations and connection changes the cache has heard; with WaitSeen, a
// test waits for a notification without sleeping.
func (c *AccountCache) Seen() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seen
}

// WaitUp waits until the cache is up (or down, when up is false), or until the deadline; it
// reports whether it is.
func (c *AccountCache) WaitUp(up bool, deadline time.Time) bool {
	return c.wait(deadline, func() bool { return c.up == up })
}

// WaitSeen waits until the cache has heard more than n invalidations or connection changes, or
// until the deadline; it reports whether it did.
func (c *AccountCache) WaitSeen(n uint64, deadline time.Time) bool {
	return c.wait(deadline, func() bool { return c.seen > n })
}

// wait waits, under c.mu, until done or the deadline.
func (c *AccountCache) wait(deadline time.Time, done func() bool) bool {
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

// Len is how many accounts are cached.
func (c *AccountCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

func (c *AccountCache) get(id string) (cachedAccount, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok || !c.up {
		return cachedAccount{}, false
	}
	if c.now().Sub(e.at) > c.ttl {
		delete(c.entries, id)
		return cachedAccount{}, false
	}
	return e, true
}

// begin returns the epoch a read of the database starts in; put keeps the read only if nothing
// was invalidated meanwhile.
func (c *AccountCache) begin() (uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epoch, c.up
}

func (c *AccountCache) put(id string, e cachedAccount, epoch uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.up || c.epoch != epoch {
		return
	}
	if _, ok := c.entries[id]; !ok && len(c.entries) >= c.max {
		for k := range c.entries { // full: drop one at random (map order)
			delete(c.entries, k)
			break
		}
	}
	e.at = c.now()
	c.entries[id] = e
}
