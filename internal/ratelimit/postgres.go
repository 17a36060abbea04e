package ratelimit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/lib/pq"
)

// Table is the PostgreSQL table of shared limits (made by a migration in internal/store): one row
// per limit and key, holding the key's theoretical arrival time (GCRA), in nanoseconds since the
// Unix epoch. UNLOGGED: the state is worth less than the WAL it would cost; a crash empties it, as a
// restart emptied the in-process limits, and standbys never check limits.
const Table = "rate_limits"

// TableDDL creates Table.
const TableDDL = `CREATE UNLOGGED TABLE IF NOT EXISTS rate_limits (
	name text NOT NULL,
	key bytea NOT NULL,
	tat bigint NOT NULL,
	prev bigint,
	PRIMARY KEY (name, key)
)`

// spendSQL is the statement of Allow, AllowN and Charge. A key's bucket is its theoretical
// arrival time tat: it holds burst - (tat-now)/every events, full once tat <= now. Spending cost
// (events x every) moves tat to max(tat, now) + cost if that stays within limit of now, and
// otherwise leaves the row alone: a refusal writes nothing (no row version, no row lock), so a
// flood of refused requests is a flood of reads, not of writes. It returns the new tat (NULL when
// nothing was spent) and the tat the statement's snapshot saw (NULL for a key not stored).
// $3 now, $4 cost, $5 limit. (The column prev is no longer written.)
const spendSQL = `WITH up AS (
	UPDATE rate_limits r SET tat = GREATEST(r.tat, $3::bigint) + $4::bigint
	WHERE r.name = $1 AND r.key = $2 AND GREATEST(r.tat, $3::bigint) + $4::bigint - $3::bigint <= $5::bigint
	RETURNING r.tat)
SELECT (SELECT tat FROM up), (SELECT tat FROM rate_limits WHERE name = $1 AND key = $2)`

// sinceSQL is the statement of AllowSince: it spends the key's one event (tat becomes now +
// every) if the last was spent at least gap ago (tat - every <= now - gap), and otherwise leaves
// the row alone, as spendSQL does. An UPDATE re-reads a row that a concurrent statement changed
// before it tests it again, so of attempts made at once one passes. $3 now, $4 every, $5 gap.
const sinceSQL = `WITH up AS (
	UPDATE rate_limits r SET tat = $3::bigint + $4::bigint
	WHERE r.name = $1 AND r.key = $2 AND r.tat <= $3::bigint + $4::bigint - $5::bigint
	RETURNING r.tat)
SELECT (SELECT tat FROM up), (SELECT tat FROM rate_limits WHERE name = $1 AND key = $2)`

// insertSQL stores a key not seen yet, having spent cost; nothing if another process stored it
// meanwhile.
const insertSQL = `INSERT INTO rate_limits (name, key, tat) VALUES ($1, $2, $3) ON CONFLICT (name, key) DO NOTHING`

// spendTries bounds how often spend starts again when its snapshot allowed an event that a
// concurrent change then took (each retry follows another process's commit).
const spendTries = 50

// Postgres makes limits shared by every server process on one PostgreSQL database: each check is
// one statement on Table. Sweep (or Run) deletes the keys whose buckets have refilled.
type Postgres struct {
	db *sql.DB

	mu     sync.Mutex
	limits map[string]*shared
}

// NewPostgres returns a store of limits in db's Table.
func NewPostgres(db *sql.DB) *Postgres { return &Postgres{db: db, limits: map[string]*shared{}} }

// Limit returns the limit name, shared with every process whose limit has that name. A name
// given twice to one store is a bug (the two would count as one) and panics.
func (p *Postgres) Limit(name string, every time.Duration, burst int, now func() time.Time) Limit {
	if now == nil {
		now = time.Now
	}
	if every <= 0 || burst <= 0 {
		panic(fmt.Sprintf("ratelimit: limit %q needs a period and a burst", name))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.limits[name]; ok {
		panic(fmt.Sprintf("ratelimit: limit %q made twice", name))
	}
	s := &shared{db: p.db, store: p, name: name, every: int64(every), burst: burst, now: now}
	p.limits[name] = s
	return s
}

// Sweep deletes the keys whose buckets have refilled by their limit's clock: such a key behaves
// exactly as one never seen, so sweeping changes no answer, whenever it runs. One statement.
func (p *Postgres) Sweep(ctx context.Context) (int64, error) {
	p.mu.Lock()
	var names []string
	var nows []int64
	for name, s := range p.limits {
		names = append(names, name)
		nows = append(nows, s.now().UnixNano())
	}
	p.mu.Unlock()
	if len(names) == 0 {
		return 0, nil
	}
	res, err := p.db.ExecContext(ctx, `DELETE FROM rate_limits r USING unnest($1::text[], $2::bigint[]) AS c(name, now)
		WHERE r.name = c.name AND r.tat <= c.now`, pq.Array(names), pq.Array(nows))
	if err != nil {
		return 0, fmt.Errorf("sweep %s: %w", Table, err)
	}
	return res.RowsAffected()
}

// Run sweeps every period until stop is called.
func (p *Postgres) Run(every time.Duration, log *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if _, err := p.Sweep(ctx); err != nil && ctx.Err() == nil && log != nil {
					log.Warn("rate limits: sweep failed", "err", err)
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}

// shared is one limit in Table. Times are nanoseconds since the Unix epoch on the limit's clock
// (the processes' clocks agree to far less than any period here).
type shared struct {
	db    *sql.DB
	store *Postgres
	name  string
	every int64
	burst int
	now   func() time.Time
}

// rowKey is what Table stores for key: its SHA-256, so that neither addresses nor login names
// (personal data, of any length and bytes) are written.
func rowKey(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

// spend spends cost if tat stays within limit of now: one statement when the key is stored (two
// for a new key), writing only when it spends. It returns whether it did, and the bucket's time
// before (never earlier than now).
func (s *shared) spend(ctx context.Context, key string, now, cost, limit int64) (bool, int64, error) {
	rk := rowKey(key)
	for range spendTries {
		var spent, seen sql.NullInt64
		if err := s.db.QueryRowContext(ctx, spendSQL, s.name, rk, now, cost, limit).Scan(&spent, &seen); err != nil {
			return false, 0, fmt.Errorf("rate limit %s: %w", s.name, err)
		}
		if spent.Valid {
			return true, spent.Int64 - cost, nil
		}
		if seen.Valid {
			if start := max(seen.Int64, now); start+cost-now > limit {
				return false, start, nil // refused, nothing written
			}
			continue // allowed by the snapshot, taken (or swept) meanwhile: look again
		}
		if cost > limit {
			return false, now, nil
		}
		res, err := s.db.ExecContext(ctx, insertSQL, s.name, rk, now+cost)
		if err != nil {
			return false, 0, fmt.Errorf("rate limit %s: %w", s.name, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return false, 0, fmt.Errorf("rate limit %s: %w", s.name, err)
		} else if n == 1 {
			return true, now, nil
		}
		// stored by another process meanwhile: spend from its row
	}
	return false, 0, fmt.Errorf("rate limit %s: key changed %d times while spending", s.name, spendTries)
}

func (s *shared) Allow(ctx context.Context, key string) (bool, time.Duration, error) {
	return s.AllowN(ctx, key, 1)
}

func (s *shared) AllowN(ctx context.Context, key string, n int) (bool, time.Duration, error) {
	if n <= 0 {
		return true, 0, nil
	}
	if n > s.burst {
		return false, time.Duration(int64(n) * s.every), nil
	}
	now := s.now().UnixNano()
	cost, limit := int64(n)*s.every, int64(s.burst)*s.every
	ok, start, err := s.spend(ctx, key, now, cost, limit)
	if err != nil || ok {
		return ok, 0, err
	}
	return false, time.Duration(start + cost - now - limit), nil
}

// AllowSince: one statement when the key is stored (two for a new key), writing only when it
// spends.
func (s *shared) AllowSince(ctx context.Context, key string, gap time.Duration) (bool, time.Duration, error) {
	now := s.now().UnixNano()
	g := min(int64(gap), s.every)
	rk := rowKey(key)
	for range spendTries {
		var spent, seen sql.NullInt64
		if err := s.db.QueryRowContext(ctx, sinceSQL, s.name, rk, now, s.every, g).Scan(&spent, &seen); err != nil {
			return false, 0, fmt.Errorf("rate limit %s: %w", s.name, err)
		}
		if spent.Valid {
			return true, 0, nil
		}
		if seen.Valid {
			if wait := seen.Int64 - (now + s.every - g); wait > 0 {
				return false, time.Duration(wait), nil // refused, nothing written
			}
			continue // allowed by the snapshot, taken meanwhile: look again
		}
		res, err := s.db.ExecContext(ctx, insertSQL, s.name, rk, now+s.every)
		if err != nil {
			return false, 0, fmt.Errorf("rate limit %s: %w", s.name, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return false, 0, fmt.Errorf("rate limit %s: %w", s.name, err)
		} else if n == 1 {
			return true, 0, nil
		}
		// stored by another attempt meanwhile: test its row
	}
	return false, 0, fmt.Errorf("rate limit %s: key changed %d times while spending", s.name, spendTries)
}

func (s *shared) Blocked(ctx context.Context, key string) (bool, time.Duration, error) {
	var tat int64
	err := s.db.QueryRowContext(ctx, `SELECT tat FROM rate_limits WHERE name = $1 AND key = $2`, s.name, rowKey(key)).Scan(&tat)
	if errors.Is(err, sql.ErrNoRows) {
		return false, 0, nil
	} else if err != nil {
		return false, 0, fmt.Errorf("rate limit %s: %w", s.name, err)
	}
	if wait := tat - s.now().UnixNano() - int64(s.burst-1)*s.every; wait > 0 {
		return true, time.Duration(wait), nil
	}
	return false, 0, nil
}

func (s *shared) Charge(ctx context.Context, key string, ceiling time.Duration) (time.Duration, error) {
	now := s.now().UnixNano()
	free := int64(s.burst-1) * s.every // what tat may run ahead of now with an event still left
	ok, start, err := s.spend(ctx, key, now, s.every, free+int64(ceiling))
	if err != nil {
		return 0, err
	}
	tat := start
	if ok {
		tat += s.every
	}
	return time.Duration(max(0, tat-now-free)), nil
}

// Refund moves the key's time back by one event, not before now (a full bucket is not written).
func (s *shared) Refund(ctx context.Context, key string) error {
	now := s.now().UnixNano()
	if _, err := s.db.ExecContext(ctx, `UPDATE rate_limits SET tat = GREATEST(tat - $3::bigint, $4::bigint)
		WHERE name = $1 AND key = $2 AND tat > $4::bigint`, s.name, rowKey(key), s.every, now); err != nil {
		return fmt.Errorf("rate limit %s: %w", s.name, err)
	}
	return nil
}

func (s *shared) Reset(ctx context.Context, key string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM rate_limits WHERE name = $1 AND key = $2`, s.name, rowKey(key)); err != nil {
		return fmt.Errorf("rate limit %s: %w", s.name, err)
	}
	return nil
}

func (s *shared) Burst() int { return s.burst }

// onePostgres returns the store of probes' limits when they are all of one Postgres store.
func onePostgres(probes []Probe) (*Postgres, bool) {
	var p *Postgres
	for _, pr := range probes {
		s, ok := pr.Limit.(*shared)
		if !ok || (p != nil && s.store != p) {
			return nil, false
		}
		p = s.store
	}
	return p, p != nil
}

func probeArrays(probes []Probe) ([]string, [][]byte) {
	names, keys := make([]string, len(probes)), make([][]byte, len(probes))
	for i, pr := range probes {
		names[i], keys[i] = pr.Limit.(*shared).name, rowKey(pr.Key)
	}
	return names, keys
}

func (p *Postgres) blockedAll(ctx context.Context, probes []Probe) ([]Wait, error) {
	names, keys := probeArrays(probes)
	rows, err := p.db.QueryContext(ctx, `SELECT c.i, r.tat FROM unnest($1::text[], $2::bytea[]) WITH ORDINALITY AS c(name, key, i)
		JOIN rate_limits r ON r.name = c.name AND r.key = c.key`, pq.Array(names), pq.ByteaArray(keys))
	if err != nil {
		return nil, fmt.Errorf("rate limits: %w", err)
	}
	defer rows.Close()
	out := make([]Wait, len(probes))
	for rows.Next() {
		var i, tat int64
		if err := rows.Scan(&i, &tat); err != nil {
			return nil, fmt.Errorf("rate limits: %w", err)
		}
		s := probes[i-1].Limit.(*shared)
		if wait := tat - s.now().UnixNano() - int64(s.burst-1)*s.every; wait > 0 {
			out[i-1] = Wait{Blocked: true, Wait: time.Duration(wait)}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("rate limits: %w", err)
	}
	return out, nil
}

func (p *Postgres) resetAll(ctx context.Context, probes []Probe) error {
	names, keys := probeArrays(probes)
	if _, err := p.db.ExecContext(ctx, `DELETE FROM rate_limits r USING unnest($1::text[], $2::bytea[]) AS c(name, key)
		WHERE r.name = c.name AND r.key = c.key`, pq.Array(names), pq.ByteaArray(keys)); err != nil {
		return fmt.Errorf("rate limits: %w", err)
	}
	return nil
}
