package auth

import (
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/store"
)

// TestAccountCache checks the cache's own rules: nothing is held or kept while it is down; a read
// that overlapped an invalidation or a connection change is not kept; the size is bounded; an old
// entry is read again.
func TestAccountCache(t *testing.T) {
	e := cachedAccount{viewer: authz.Viewer{AccountID: "a", Role: authz.RoleSupervisor}, version: 1}
	fill := func(c *AccountCache, id string) {
		epoch, _ := c.Begin()
		c.Put(id, e, epoch)
	}
	t.Run("down until connected", func(t *testing.T) {
		c := NewAccountCache(10)
		fill(c, "a")
		if _, ok := c.Get("a"); ok || c.Len() != 0 {
			t.Fatal("a cache that never heard it was connected kept an account")
		}
		c.Connected(true)
		fill(c, "a")
		if _, ok := c.Get("a"); !ok {
			t.Fatal("connected cache did not keep the account")
		}
		c.Connected(false)
		if _, ok := c.Get("a"); ok || c.Len() != 0 {
			t.Fatal("the cache kept its accounts when the connection was lost")
		}
		fill(c, "a")
		if c.Len() != 0 {
			t.Fatal("the cache kept a read while down")
		}
	})
	for _, race := range []struct {
		name string
		in   func(c *AccountCache)
	}{
		{"invalidated", func(c *AccountCache) { c.Invalidate("a") }},
		{"another invalidated", func(c *AccountCache) { c.Invalidate("b") }},
		{"all invalidated", func(c *AccountCache) { c.Invalidate(store.AllAccounts) }},
		{"connection lost and back", func(c *AccountCache) { c.Connected(false); c.Connected(true) }},
	} {
		t.Run("read overlapping: "+race.name, func(t *testing.T) {
			c := NewAccountCache(10)
			c.Connected(true)
			epoch, up := c.Begin() // the database read starts
			race.in(c)             // a change is announced before it ends
			if !up {
				t.Fatal("connected cache is down")
			}
			c.Put("a", e, epoch)
			if _, ok := c.Get("a"); ok {
				t.Fatal("a read that overlapped an invalidation was kept: it may be the row before the change")
			}
		})
	}
	t.Run("invalidate", func(t *testing.T) {
		c := NewAccountCache(10)
		c.Connected(true)
		fill(c, "a")
		fill(c, "b")
		c.Invalidate("a")
		if _, ok := c.Get("a"); ok {
			t.Fatal("invalidated account still cached")
		}
		if _, ok := c.Get("b"); !ok {
			t.Fatal("another account was dropped")
		}
		c.Invalidate(store.AllAccounts)
		if c.Len() != 0 {
			t.Fatal("AllAccounts left accounts cached")
		}
	})
	t.Run("bounded", func(t *testing.T) {
		c := NewAccountCache(3)
		c.Connected(true)
		for _, id := range []string{"a", "b", "c", "d", "e"} {
			fill(c, id)
		}
		if c.Len() != 3 {
			t.Fatalf("%d accounts cached, at most 3", c.Len())
		}
		if _, ok := c.Get("e"); !ok {
			t.Fatal("the latest read was not kept")
		}
	})
	t.Run("old entries are read again", func(t *testing.T) {
		c := NewAccountCache(3)
		now := time.Now()
		c.SetClock(func() time.Time { return now })
		c.Connected(true)
		fill(c, "a")
		now = now.Add(cacheTTL + time.Second)
		if _, ok := c.Get("a"); ok {
			t.Fatal("an entry older than the TTL was used")
		}
	})
}
