// Package ratelimit throttles by key (a client address, a login name): in process with token
// buckets from golang.org/x/time/rate, keeping at most a bounded number of keys in memory
// (Limiter, Memory: SQLite's one process), or shared by every server process on one PostgreSQL
// database, as GCRA state updated by one statement per check, which writes only when it spends
// (Postgres).
package ratelimit

import (
	"context"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter allows Burst events at once per key and refills Every.
type Limiter struct {
	every   time.Duration
	burst   int
	maxKeys int
	now     func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
	last time.Time // when AllowSince last spent the key's event
}

// New returns a limiter refilling one event per every, bursting to burst.
func New(every time.Duration, burst int) *Limiter {
	return &Limiter{every: every, burst: burst, maxKeys: 100_000, now: time.Now, buckets: map[string]*bucket{}}
}

// WithClock makes the limiter read the time from now (tests run it on a fake clock).
func (l *Limiter) WithClock(now func() time.Time) *Limiter {
	l.now = now
	return l
}

// Allow reports whether an event for key may happen now, and if not, how long to wait.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.get(key, now)
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// AllowSince spends key's event if AllowSince last spent it at least gap ago (capped at the
// period; a key never seen passes), under the limiter's lock; if not, it says how long to wait.
// For a limiter of burst 1 whose keys only AllowSince spends (see Limit).
func (l *Limiter) AllowSince(key string, gap time.Duration) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	gap = min(gap, l.every)
	if b, ok := l.buckets[key]; ok && !b.last.IsZero() {
		if since := now.Sub(b.last); since < gap {
			return false, gap - since
		}
	}
	b := l.get(key, now)
	b.lim = rate.NewLimiter(rate.Every(l.every), l.burst)
	b.lim.SetBurstAt(now, l.burst)
	b.lim.ReserveN(now, 1)
	b.last = now
	return true, 0
}

// Blocked reports whether key has no event left now, without spending one.
func (l *Limiter) Blocked(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[key]
	if !ok {
		return false, 0
	}
	if b.lim.TokensAt(now) >= 1 {
		return false, 0
	}
	r := b.lim.ReserveN(now, 1)
	d := r.DelayFrom(now)
	r.CancelAt(now)
	return true, d
}

// Charge spends an event for key even when none is left: the bucket goes into debt, so later
// events wait longer, but at most max (an event that would make them wait longer is not charged).
// It returns how long the next event for key has to wait.
func (l *Limiter) Charge(key string, max time.Duration) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.get(key, now)
	r := b.lim.ReserveN(now, 1)
	d := next(b.lim, now)
	if d > max {
		r.CancelAt(now)
		d = next(b.lim, now)
	}
	return d
}

// next is how long an event would wait now, without spending one.
func next(lim *rate.Limiter, now time.Time) time.Duration {
	probe := lim.ReserveN(now, 1)
	d := probe.DelayFrom(now)
	probe.CancelAt(now)
	return d
}

// Refund gives back one event spent on key, never filling its bucket past the burst.
func (l *Limiter) Refund(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		return // refilled and evicted: full already
	}
	now := l.now()
	if b.lim.TokensAt(now) > float64(l.burst-1) {
		delete(l.buckets, key) // one more fills it: as a key never seen
		return
	}
	b.lim.ReserveN(now, -1) // a negative reservation adds the token back
}

// Reset forgets key (after a successful sign-in, say).
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.buckets, key)
}

func (l *Limiter) get(key string, now time.Time) *bucket {
	if b, ok := l.buckets[key]; ok {
		b.seen = now
		return b
	}
	if len(l.buckets) >= l.maxKeys {
		l.evict(now)
	}
	b := &bucket{lim: rate.NewLimiter(rate.Every(l.every), l.burst), seen: now}
	b.lim.SetBurstAt(now, l.burst)
	l.buckets[key] = b
	return b
}

// evict drops keys whose buckets have refilled (they behave like new ones), or, if none, the
// oldest half.
func (l *Limiter) evict(now time.Time) {
	full := time.Duration(l.burst) * l.every
	for k, b := range l.buckets {
		if now.Sub(b.seen) > full {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) < l.maxKeys {
		return
	}
	n := 0
	for k := range l.buckets {
		delete(l.buckets, k)
		if n++; n >= l.maxKeys/2 {
			return
		}
	}
}

// AddressKey is the client address every limit counts by: an IPv6 client usually holds a whole
// /64, so it counts as one address (or it could draw a fresh one for every request).
func AddressKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Unmap().Is4() {
		return ip
	}
	p, _ := a.Prefix(64)
	return p.String()
}

type exemptKey struct{}

// Exempt returns a context whose request skips the per-address limits: a load test that showed
// the server's LOAD_TEST_KEY, which only a server outside production accepts (internal/server).
func Exempt(ctx context.Context) context.Context { return context.WithValue(ctx, exemptKey{}, true) }

// IsExempt reports whether ctx's request skips the per-address limits (Exempt).
func IsExempt(ctx context.Context) bool { b, _ := ctx.Value(exemptKey{}).(bool); return b }
