package auth

import (
	"time"

	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/store"
	"github.com/liemchinh/liemchinh/internal/watchcache"
)

// AccountCache keeps, per process, what Authenticate compares a token with: whether the account
// is enabled, its token version, and the viewer it signs in as (role, scope, linked official). It
// saves a signed-in request its account query.
//
// It is a watchcache.Cache keyed by account id: correct only while it hears of every change of an
// account at once. Invalidate is called with the account's id (or store.AllAccounts) after every
// commit of this process and, on PostgreSQL, on every other process's NOTIFY
// (events.Postgres.Watch on store.AccountsChannel); it fails closed while that connection is down.
type AccountCache struct {
	*watchcache.Cache[cachedAccount]
}

type cachedAccount struct {
	viewer   authz.Viewer
	disabled bool
	version  int
}

// cacheTTL bounds how long an entry is trusted even when no notification came: a backstop for a
// notification connection that died without the client noticing yet (pq pings it every 90 s).
const cacheTTL = time.Minute

// NewAccountCache returns a cache of at most max accounts. It starts down: call Connected(true)
// once invalidations are heard (at once on SQLite, where every writer is in this process).
func NewAccountCache(max int) *AccountCache {
	return &AccountCache{watchcache.New[cachedAccount](max, cacheTTL, store.AllAccounts)}
}
