package ratelimit

import (
	"context"
	"time"
)

// Limit is a limit by key (a client address, a login, an account): Burst events at once, refilled
// one per period. A Store makes them: in this process (Memory) or shared by every process on one
// PostgreSQL database (Postgres). Errors are the database's; the in-process limit has none.
type Limit interface {
	// Allow spends an event for key if one is left; if not, it says how long to wait.
	Allow(ctx context.Context, key string) (bool, time.Duration, error)
	// AllowN spends n events at once, or none. n above the burst never passes.
	AllowN(ctx context.Context, key string, n int) (bool, time.Duration, error)
	// Blocked reports whether key has no event left now, without spending one.
	Blocked(ctx context.Context, key string) (bool, time.Duration, error)
	// Charge spends an event even when none is left (a debt), unless the next event would then
	// wait longer than max; it returns how long the next event waits.
	Charge(ctx context.Context, key string, max time.Duration) (time.Duration, error)
	// AllowSince spends key's event if the last one it spent was at least gap ago (a key never
	// seen, or reset, passes), in one atomic step: of attempts made at once, one passes. If not,
	// it says how long to wait. It is for a limit of burst 1 whose keys only AllowSince spends
	// (and Reset forgets); gap is capped at the limit's period, after which every key passes.
	AllowSince(ctx context.Context, key string, gap time.Duration) (bool, time.Duration, error)
	// Refund gives back one event spent on key (by an attempt counted in advance that turned out
	// not to count), never filling it past its burst.
	Refund(ctx context.Context, key string) error
	// Reset forgets key.
	Reset(ctx context.Context, key string) error
	// Burst is how many events a key may spend at once.
	Burst() int
}

// Store makes the limits of a server. name tells one limit's keys from another's where they
// share a table; now is the clock the limit reads (time.Now outside tests).
type Store interface {
	Limit(name string, every time.Duration, burst int, now func() time.Time) Limit
}

// Memory makes limits kept in this process's memory (SQLite: one process).
type Memory struct{}

// Limit returns an in-process limit.
func (Memory) Limit(_ string, every time.Duration, burst int, now func() time.Time) Limit {
	if now == nil {
		now = time.Now
	}
	return InProcess(New(every, burst).WithClock(now))
}

// InProcess returns l as a Limit.
func InProcess(l *Limiter) Limit { return inProcess{l} }

type inProcess struct{ l *Limiter }

func (p inProcess) Allow(_ context.Context, key string) (bool, time.Duration, error) {
	ok, wait := p.l.Allow(key)
	return ok, wait, nil
}

func (p inProcess) AllowN(_ context.Context, key string, n int) (bool, time.Duration, error) {
	ok, wait := p.l.AllowN(key, n)
	return ok, wait, nil
}

func (p inProcess) AllowSince(_ context.Context, key string, gap time.Duration) (bool, time.Duration, error) {
	ok, wait := p.l.AllowSince(key, gap)
	return ok, wait, nil
}

func (p inProcess) Blocked(_ context.Context, key string) (bool, time.Duration, error) {
	blocked, wait := p.l.Blocked(key)
	return blocked, wait, nil
}

func (p inProcess) Charge(_ context.Context, key string, max time.Duration) (time.Duration, error) {
	return p.l.Charge(key, max), nil
}

func (p inProcess) Refund(_ context.Context, key string) error {
	p.l.Refund(key)
	return nil
}

func (p inProcess) Reset(_ context.Context, key string) error {
	p.l.Reset(key)
	return nil
}

func (p inProcess) Burst() int { return p.l.Burst() }

// Probe is a key of a limit, for BlockedAll and ResetAll.
type Probe struct {
	Limit Limit
	Key   string
}

// BlockedAll is Blocked for each probe, read at once: in one statement when the limits are all
// of one Postgres store (sign-in reads four).
func BlockedAll(ctx context.Context, probes ...Probe) ([]Wait, error) {
	if p, ok := onePostgres(probes); ok {
		return p.blockedAll(ctx, probes)
	}
	out := make([]Wait, len(probes))
	for i, pr := range probes {
		b, wait, err := pr.Limit.Blocked(ctx, pr.Key)
		if err != nil {
			return nil, err
		}
		out[i] = Wait{Blocked: b, Wait: wait}
	}
	return out, nil
}

// ResetAll is Reset for each probe: one statement when the limits are all of one Postgres store.
func ResetAll(ctx context.Context, probes ...Probe) error {
	if p, ok := onePostgres(probes); ok {
		return p.resetAll(ctx, probes)
	}
	for _, pr := range probes {
		if err := pr.Limit.Reset(ctx, pr.Key); err != nil {
			return err
		}
	}
	return nil
}

// Wait is what Blocked answers.
type Wait struct {
	Blocked bool
	Wait    time.Duration
}
