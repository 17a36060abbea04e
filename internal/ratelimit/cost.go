package ratelimit

import "time"

// AllowN reports whether n events for key may happen now (spending them), and if not, how long
// until they may. n above the burst never passes: callers keep n at most the burst.
func (l *Limiter) AllowN(key string, n int) (bool, time.Duration) {
	if n <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.get(key, now)
	if n > l.burst {
		return false, time.Duration(n) * l.every
	}
	r := b.lim.ReserveN(now, n)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// Burst returns how many events a key may spend at once.
func (l *Limiter) Burst() int { return l.burst }
