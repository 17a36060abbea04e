package ratelimit_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/liemchinh/liemchinh/internal/ratelimit"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Main(m) }

// stores returns the stores to hold each limit to: in memory, and (with PostgreSQL) two stores on
// one database, as two server processes would have them; a limit made by each is one limit.
func stores(t *testing.T) map[string]func(name string, every time.Duration, burst int, now func() time.Time) ratelimit.Limit {
	out := map[string]func(string, time.Duration, int, func() time.Time) ratelimit.Limit{
		"memory": func(name string, every time.Duration, burst int, now func() time.Time) ratelimit.Limit {
			return ratelimit.Memory{}.Limit(name, every, burst, now)
		},
	}
	for _, dia := range testutil.Dialects() {
		if dia != dialect.Postgres {
			continue
		}
		out["postgres"] = func(name string, every time.Duration, burst int, now func() time.Time) ratelimit.Limit {
			db := testutil.Open(t, dialect.Postgres)
			other := testutil.Reopen(t, db)
			// Pools as small as the server's for its limits (4): the database server is shared.
			db.SQL.SetMaxOpenConns(4)
			other.SQL.SetMaxOpenConns(4)
			a, b := ratelimit.NewPostgres(db.SQL), ratelimit.NewPostgres(other.SQL)
			return alternating{a.Limit(name, every, burst, now), b.Limit(name, every, burst, now)}
		}
	}
	return out
}

// alternating sends each call to the next of its limits in turn: two processes sharing one.
type alternating [2]ratelimit.Limit

var turn atomic.Int64

func (a alternating) next() ratelimit.Limit { return a[turn.Add(1)%2] }
func (a alternating) Allow(ctx context.Context, key string) (bool, time.Duration, error) {
	return a.next().Allow(ctx, key)
}
func (a alternating) AllowN(ctx context.Context, key string, n int) (bool, time.Duration, error) {
	return a.next().AllowN(ctx, key, n)
}
func (a alternating) Blocked(ctx context.Context, key string) (bool, time.Duration, error) {
	return a.next().Blocked(ctx, key)
}
func (a alternating) Charge(ctx context.Context, key string, max time.Duration) (time.Duration, error) {
	return a.next().Charge(ctx, key, max)
}
func (a alternating) AllowSince(ctx context.Context, key string, gap time.Duration) (bool, time.Duration, error) {
	return a.next().AllowSince(ctx, key, gap)
}
func (a alternating) Reset(ctx context.Context, key string) error { return a.next().Reset(ctx, key) }
func (a alternating) Refund(ctx context.Context, key string) error {
	return a.next().Refund(ctx, key)
}
func (a alternating) Burst() int { return a[0].Burst() }

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// TestLimitContract holds every store to the in-process limiter's answers: the same allowances,
// waits, debts and resets.
func TestLimitContract(t *testing.T) {
	ctx := context.Background()
	for kind, newLimit := range stores(t) {
		t.Run(kind, func(t *testing.T) {
			now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
			clock := func() time.Time { return now }
			allow := func(l ratelimit.Limit, key string, n int) (bool, time.Duration) {
				t.Helper()
				ok, wait, err := l.AllowN(ctx, key, n)
				if err != nil {
					t.Fatal(err)
				}
				return ok, wait
			}
			blocked := func(l ratelimit.Limit, key string) (bool, time.Duration) {
				t.Helper()
				b, wait, err := l.Blocked(ctx, key)
				if err != nil {
					t.Fatal(err)
				}
				return b, wait
			}

			l := newLimit("contract", time.Minute, 3, clock)
			for i := range 3 {
				if ok, _ := allow(l, "a", 1); !ok {
					t.Fatalf("event %d refused within the burst", i+1)
				}
			}
			if ok, wait := allow(l, "a", 1); ok || wait != time.Minute {
				t.Fatalf("fourth event: allowed %v, wait %s; want refused, a minute", ok, wait)
			}
			if b, wait := blocked(l, "a"); !b || wait != time.Minute {
				t.Fatalf("after the burst: blocked %v, wait %s", b, wait)
			}
			if ok, _ := allow(l, "b", 1); !ok {
				t.Fatal("another key is throttled too")
			}
			if b, _ := blocked(l, "never seen"); b {
				t.Fatal("a key never seen is blocked")
			}
			now = now.Add(30 * time.Second)
			if ok, wait := allow(l, "a", 1); ok || wait != 30*time.Second {
				t.Fatalf("half refilled: allowed %v, wait %s", ok, wait)
			}
			now = now.Add(30 * time.Second)
			if ok, _ := allow(l, "a", 1); !ok {
				t.Fatal("a not refilled after a minute")
			}
			if err := l.Reset(ctx, "a"); err != nil {
				t.Fatal(err)
			}
			if b, _ := blocked(l, "a"); b {
				t.Fatal("a still blocked after reset")
			}
			// Several at once: all or none, and never more than the burst.
			if ok, _ := allow(l, "n", 2); !ok {
				t.Fatal("2 of 3 refused")
			}
			if ok, wait := allow(l, "n", 2); ok || wait != time.Minute {
				t.Fatalf("2 more with 1 left: allowed %v, wait %s", ok, wait)
			}
			if ok, _ := allow(l, "n", 1); !ok {
				t.Fatal("the one left was spent by a refused AllowN")
			}
			if ok, wait := allow(l, "fresh", 4); ok || wait != 4*time.Minute {
				t.Fatalf("4 over a burst of 3: allowed %v, wait %s", ok, wait)
			}
			if l.Burst() != 3 {
				t.Fatalf("burst %d", l.Burst())
			}
			// Refund gives one event back, never past the burst.
			for range 3 {
				allow(l, "r", 1)
			}
			if err := l.Refund(ctx, "r"); err != nil {
				t.Fatal(err)
			}
			if ok, _ := allow(l, "r", 1); !ok {
				t.Fatal("the refunded event was not given back")
			}
			if ok, _ := allow(l, "r", 1); ok {
				t.Fatal("a refund gave back more than one event")
			}
			for range 5 {
				if err := l.Refund(ctx, "r2"); err != nil {
					t.Fatal(err)
				}
			}
			if ok, _ := allow(l, "r2", 3); !ok {
				t.Fatal("refunds on a key never seen took events away")
			}
			if ok, _ := allow(l, "r2", 1); ok {
				t.Fatal("refunds filled a bucket past its burst")
			}

			// AllowSince: once per gap, each call choosing its gap, capped at the period.
			since := func(l ratelimit.Limit, key string, gap time.Duration) string {
				t.Helper()
				ok, wait, err := l.AllowSince(ctx, key, gap)
				if err != nil {
					t.Fatal(err)
				}
				return fmt.Sprint(ok, " ", wait)
			}
			o := newLimit("since", 15*time.Minute, 1, clock)
			for i, step := range []struct {
				after, gap time.Duration
				want       string
			}{
				{0, 2 * time.Minute, "true 0s"},              // never seen
				{0, 2 * time.Minute, "false 2m0s"},           // just spent
				{time.Minute, 2 * time.Minute, "false 1m0s"}, // a minute ago
				{0, time.Minute, "true 0s"},                  // a gap of a minute: passes, spends again
				{0, 0, "true 0s"},                            // no gap: always passes
				{time.Minute, time.Hour, "false 14m0s"},      // capped at the period
				{14 * time.Minute, time.Hour, "true 0s"},     // a period later
				{time.Second, 30 * time.Second, "false 29s"}, // one second ago
			} {
				now = now.Add(step.after)
				if got := since(o, "k", step.gap); got != step.want {
					t.Fatalf("AllowSince step %d (gap %s): %s, want %s", i+1, step.gap, got, step.want)
				}
			}
			if b, wait := blocked(o, "k"); !b || wait != 15*time.Minute-time.Second {
				t.Fatalf("blocked after AllowSince: %v %s", b, wait)
			}
			if err := o.Reset(ctx, "k"); err != nil {
				t.Fatal(err)
			}
			if got := since(o, "k", time.Hour); got != "true 0s" {
				t.Fatalf("AllowSince after a reset: %s", got)
			}

			// Charge: two within the burst, then a minute of debt each, up to the 3-minute cap.
			c := newLimit("charge", time.Minute, 2, clock)
			var waits []time.Duration
			for range 6 {
				waits = append(waits, must[time.Duration](t)(c.Charge(ctx, "a", 3*time.Minute)))
			}
			want := []time.Duration{0, time.Minute, 2 * time.Minute, 3 * time.Minute, 3 * time.Minute, 3 * time.Minute}
			if fmt.Sprint(waits) != fmt.Sprint(want) {
				t.Fatalf("waits %v, want %v", waits, want)
			}
			now = now.Add(2 * time.Minute)
			if b, wait := blocked(c, "a"); !b || wait != time.Minute {
				t.Fatalf("after 2 minutes: blocked %v, wait %s; want a minute more", b, wait)
			}
			now = now.Add(time.Minute)
			if b, _ := blocked(c, "a"); b {
				t.Fatal("still blocked once the debt is paid")
			}
		})
	}
}

// TestLimitConcurrent spends one key's burst from many goroutines at once (on PostgreSQL through
// two pools, as two processes): exactly the burst passes.
func TestLimitConcurrent(t *testing.T) {
	ctx := context.Background()
	for kind, newLimit := range stores(t) {
		t.Run(kind, func(t *testing.T) {
			l := newLimit("concurrent", time.Hour, 25, time.Now)
			var allowed atomic.Int64
			var wg sync.WaitGroup
			errs := make(chan error, 100)
			for range 100 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ok, _, err := l.Allow(ctx, "203.0.113.7")
					if err != nil {
						errs <- err
					}
					if ok {
						allowed.Add(1)
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			if n := allowed.Load(); n != 25 {
				t.Fatalf("%d of 100 concurrent events allowed, burst 25", n)
			}
		})
	}
}

// TestAllowSinceConcurrent: attempts made at once on one key with AllowSince (on PostgreSQL
// through two pools, as two processes): exactly one passes, on a key never seen and on a key whose
// gap has passed; none while it has not.
func TestAllowSinceConcurrent(t *testing.T) {
	ctx := context.Background()
	for kind, newLimit := range stores(t) {
		t.Run(kind, func(t *testing.T) {
			var mu sync.Mutex
			now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
			clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			l := newLimit("since_concurrent", 15*time.Minute, 1, clock)
			burst := func() int64 {
				var allowed atomic.Int64
				var wg sync.WaitGroup
				errs := make(chan error, 50)
				for range 50 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						ok, _, err := l.AllowSince(ctx, "login\x00203.0.113.7", 2*time.Minute)
						if err != nil {
							errs <- err
						}
						if ok {
							allowed.Add(1)
						}
					}()
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					t.Fatal(err)
				}
				return allowed.Load()
			}
			advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
			if n := burst(); n != 1 {
				t.Fatalf("%d of 50 at once on a key never seen passed, want 1", n)
			}
			advance(time.Minute)
			if n := burst(); n != 0 {
				t.Fatalf("%d of 50 at once within the gap passed, want 0", n)
			}
			advance(time.Minute)
			if n := burst(); n != 1 {
				t.Fatalf("%d of 50 at once once the gap passed, want 1", n)
			}
		})
	}
}

// TestSweep deletes what has refilled, and only that, with no change to any answer.
func TestSweep(t *testing.T) {
	ctx := context.Background()
	db := testutil.Open(t, dialect.Postgres)
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	store := ratelimit.NewPostgres(db.SQL)
	l := store.Limit("sweep", time.Minute, 2, func() time.Time { return now })
	for _, key := range []string{"a", "a", "b"} {
		if ok, _, err := l.Allow(ctx, key); err != nil || !ok {
			t.Fatalf("allow %s: %v %v", key, ok, err)
		}
	}
	rows := func() (n int) {
		t.Helper()
		if err := db.SQL.QueryRowContext(ctx, `SELECT count(*) FROM rate_limits`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := must[int64](t)(store.Sweep(ctx)); n != 0 || rows() != 2 {
		t.Fatalf("swept %d at once, %d rows left; want 0 and 2", n, rows())
	}
	now = now.Add(time.Minute) // b has refilled, a has one of two back
	if n := must[int64](t)(store.Sweep(ctx)); n != 1 || rows() != 1 {
		t.Fatalf("after a minute swept %d, %d rows left; want 1 and 1", n, rows())
	}
	if ok, _, _ := l.AllowN(ctx, "a", 2); ok {
		t.Fatal("a's debt was swept away")
	}
	now = now.Add(time.Minute)
	if n := must[int64](t)(store.Sweep(ctx)); n != 1 || rows() != 0 {
		t.Fatalf("after two minutes swept %d, %d rows left; want 1 and 0", n, rows())
	}
}

// BenchmarkSharedAllow is the cost of one check on PostgreSQL (what every citizen submission and
// sign-in pays): one key per iteration out of 1,000, spending and refusing; logged, the same on
// a table written to the WAL (what UNLOGGED saves).
func BenchmarkSharedAllow(b *testing.B) {
	b.Run("unlogged", func(b *testing.B) { benchmarkAllow(b, false) })
	b.Run("logged", func(b *testing.B) { benchmarkAllow(b, true) })
}

func benchmarkAllow(b *testing.B, logged bool) {
	db := testutil.Open(b, dialect.Postgres)
	if logged {
		if _, err := db.SQL.Exec(`ALTER TABLE rate_limits SET LOGGED`); err != nil {
			b.Fatal(err)
		}
	}
	l := ratelimit.NewPostgres(db.SQL).Limit("bench", time.Minute, 5, time.Now)
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		if _, _, err := l.Allow(ctx, fmt.Sprintf("198.51.100.%d", i%1000)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSharedBlocked is the cost of a read without spending (sign-in's check).
func BenchmarkSharedBlocked(b *testing.B) {
	db := testutil.Open(b, dialect.Postgres)
	l := ratelimit.NewPostgres(db.SQL).Limit("bench", time.Minute, 5, time.Now)
	ctx := context.Background()
	for i := range 1000 {
		_, _, _ = l.Allow(ctx, fmt.Sprintf("198.51.100.%d", i))
	}
	b.ResetTimer()
	for i := range b.N {
		if _, _, err := l.Blocked(ctx, fmt.Sprintf("198.51.100.%d", i%1000)); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBlockedAll reads several limits' keys at once (one statement on PostgreSQL) with the
// answers Blocked gives one by one, and ResetAll forgets them all.
func TestBlockedAll(t *testing.T) {
	ctx := context.Background()
	kinds := map[string]ratelimit.Store{"memory": ratelimit.Memory{}}
	for _, dia := range testutil.Dialects() {
		if dia == dialect.Postgres {
			kinds["postgres"] = ratelimit.NewPostgres(testutil.Open(t, dialect.Postgres).SQL)
		}
	}
	for kind, store := range kinds {
		t.Run(kind, func(t *testing.T) {
			now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
			clock := func() time.Time { return now }
			one, two := store.Limit("one", time.Minute, 1, clock), store.Limit("two", time.Second, 2, clock)
			for _, spend := range []struct {
				l   ratelimit.Limit
				key string
			}{{one, "a"}, {two, "a"}, {two, "a"}, {two, "b"}} {
				if _, _, err := spend.l.Allow(ctx, spend.key); err != nil {
					t.Fatal(err)
				}
			}
			probes := []ratelimit.Probe{{one, "a"}, {two, "a"}, {two, "b"}, {one, "b"}, {one, "never"}}
			got, err := ratelimit.BlockedAll(ctx, probes...)
			if err != nil {
				t.Fatal(err)
			}
			want := []ratelimit.Wait{{true, time.Minute}, {true, time.Second}, {}, {}, {}}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("BlockedAll %v, want %v", got, want)
			}
			for i, p := range probes {
				if b, wait, _ := p.Limit.Blocked(ctx, p.Key); b != got[i].Blocked || wait != got[i].Wait {
					t.Fatalf("probe %d: Blocked %v %s, BlockedAll %v", i, b, wait, got[i])
				}
			}
			if err := ratelimit.ResetAll(ctx, probes[:2]...); err != nil {
				t.Fatal(err)
			}
			if got, _ := ratelimit.BlockedAll(ctx, probes...); fmt.Sprint(got) != fmt.Sprint(make([]ratelimit.Wait, 5)) {
				t.Fatalf("after ResetAll: %v", got)
			}
		})
	}
}

// BenchmarkSharedSignInCheck is the cost of sign-in's check on PostgreSQL: four limits' keys
// read in one statement.
func BenchmarkSharedSignInCheck(b *testing.B) {
	db := testutil.Open(b, dialect.Postgres)
	store := ratelimit.NewPostgres(db.SQL)
	var limits []ratelimit.Limit
	for i, n := range []int{5, 20, 20, 1} {
		limits = append(limits, store.Limit(fmt.Sprint("signin", i), time.Minute, n, time.Now))
	}
	ctx := context.Background()
	for i := range 1000 {
		_, _, _ = limits[i%4].Allow(ctx, fmt.Sprintf("198.51.100.%d", i%250))
	}
	b.ResetTimer()
	for i := range b.N {
		key := fmt.Sprintf("198.51.100.%d", i%250)
		if _, err := ratelimit.BlockedAll(ctx, ratelimit.Probe{limits[0], key}, ratelimit.Probe{limits[1], key},
			ratelimit.Probe{limits[2], key}, ratelimit.Probe{limits[3], key}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRefusalWritesNothing: on PostgreSQL a refused event leaves its key's row as it was: no new
// row version (ctid, xmin), not even a row lock (xmax), however many refusals, from either of two
// processes; the allowances around them are unchanged. (The statement used to write the row's
// previous time on every refusal: an attacker's flood became a flood of writes.)
func TestRefusalWritesNothing(t *testing.T) {
	if !slices.Contains(testutil.Dialects(), dialect.Postgres) {
		t.Skip("PostgreSQL only: in memory (SQLite) nothing is written at all")
	}
	ctx := context.Background()
	db := testutil.Open(t, dialect.Postgres)
	other := testutil.Reopen(t, db)
	now := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	l := alternating{ratelimit.NewPostgres(db.SQL).Limit("refusals", time.Minute, 3, clock),
		ratelimit.NewPostgres(other.SQL).Limit("refusals", time.Minute, 3, clock)}
	version := func() string {
		t.Helper()
		var v string
		if err := db.SQL.QueryRowContext(ctx, `SELECT ctid::text || ' ' || xmin::text || ' ' || xmax::text FROM rate_limits
			WHERE name = 'refusals'`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	for i := range 3 {
		if ok, _, err := l.Allow(ctx, "203.0.113.9"); err != nil || !ok {
			t.Fatalf("event %d within the burst: %v %v", i+1, ok, err)
		}
	}
	before := version()
	for i := range 50 {
		ok, wait, err := l.Allow(ctx, "203.0.113.9")
		if err != nil || ok || wait != time.Minute {
			t.Fatalf("refusal %d: allowed %v, wait %s, %v; want refused, a minute", i+1, ok, wait, err)
		}
		if ok, _, err := l.AllowN(ctx, "203.0.113.9", 2); err != nil || ok {
			t.Fatalf("refusal %d of two events: %v %v", i+1, ok, err)
		}
	}
	if after := version(); after != before {
		t.Fatalf("100 refusals changed the row: %s before, %s after (ctid xmin xmax)", before, after)
	}
	// AllowSince refused within its gap writes nothing either.
	if ok, _, err := l.AllowSince(ctx, "203.0.113.9", 2*time.Minute); err != nil || ok {
		t.Fatalf("AllowSince on a row spent a minute ahead, gap 2 minutes: %v %v", ok, err)
	}
	if after := version(); after != before {
		t.Fatalf("100 refusals changed the row: %s before, %s after (ctid xmin xmax)", before, after)
	}
	now = now.Add(time.Minute)
	if ok, _, err := l.Allow(ctx, "203.0.113.9"); err != nil || !ok {
		t.Fatalf("after a minute: %v %v", ok, err)
	}
	if after := version(); after == before {
		t.Fatal("an allowed event did not write (the check above proves nothing)")
	}
}
