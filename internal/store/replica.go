package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
)

// A read replica (DATABASE_READ_URL): a PostgreSQL streaming standby that takes the reads which
// tolerate a short lag. The rule is decided in one place: a context is marked LagTolerant by the
// handler or resolver of such a read (progress, ranking, reviews, exports, open data, Open311 reads,
// supervisors' lists), and the ent driver (replicaDriver) sends that context's plain reads to the
// standby. Everything else goes to the primary: writes, transactions (mutations), statements that
// write (INSERT ... RETURNING), subscriptions, the per-request account check (Primary), and every
// read nobody marked, a viewer's own fresh reads among them. While the standby is unreachable or
// lags more than its MaxLag, marked reads go to the primary too.

type lagKey struct{}

// LagTolerant marks ctx's reads as tolerating the standby's lag: with a replica, they are served
// by it.
func LagTolerant(ctx context.Context) context.Context { return context.WithValue(ctx, lagKey{}, true) }

// Primary marks ctx's reads as needing the primary, whatever an outer LagTolerant said (the
// account check of a request).
func Primary(ctx context.Context) context.Context { return context.WithValue(ctx, lagKey{}, false) }

// IsLagTolerant reports whether ctx was marked LagTolerant (and not Primary since).
func IsLagTolerant(ctx context.Context) bool {
	v, _ := ctx.Value(lagKey{}).(bool)
	return v
}

// Replica is the standby of a DB opened with a read URL.
type Replica struct {
	SQL *sql.DB

	maxLag atomic.Int64 // nanoseconds
	usable atomic.Bool  // reachable, in recovery, within MaxLag at the last check
	lag    atomic.Int64 // the last measured lag, in nanoseconds (-1: unknown)
	served atomic.Int64 // statements it served
	log    atomic.Pointer[slog.Logger]
}

// ErrNotStandby is the check's error for a read URL whose server is not in recovery.
var ErrNotStandby = errors.New("DATABASE_READ_URL is not a standby (pg_is_in_recovery() is false)")

// DefaultMaxLag is how far behind the primary a standby may be and still serve reads.
const DefaultMaxLag = 30 * time.Second

// SetMaxLag sets how far behind the primary the standby may be and still serve reads.
func (r *Replica) SetMaxLag(d time.Duration) { r.maxLag.Store(int64(d)) }

// Usable reports whether reads marked LagTolerant go to the standby now.
func (r *Replica) Usable() bool { return r != nil && r.usable.Load() }

// Lag is the standby's replay lag at its last check (negative when it could not be measured).
func (r *Replica) Lag() time.Duration { return time.Duration(r.lag.Load()) }

// Served is the number of statements the standby served.
func (r *Replica) Served() int64 { return r.served.Load() }

// Check measures the standby's lag now and decides whether it serves reads: it must answer, be in
// recovery (a standby, not a promoted or mistaken primary), and have replayed every WAL record it
// received or the last one within its maximum lag. A standby that received nothing new is not behind,
// however long ago its last transaction was replayed.
func (r *Replica) Check(ctx context.Context) error {
	var recovery, caughtUp bool
	var behind sql.NullFloat64
	err := r.SQL.QueryRowContext(ctx, `SELECT pg_is_in_recovery(),
		COALESCE(pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn(), false),
		EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())`).Scan(&recovery, &caughtUp, &behind)
	switch {
	case err != nil:
		r.lag.Store(-1)
		r.usable.Store(false)
		return err
	case !recovery:
		r.lag.Store(-1)
		r.usable.Store(false)
		return ErrNotStandby
	case caughtUp:
		r.lag.Store(0)
	case behind.Valid:
		r.lag.Store(int64(behind.Float64 * float64(time.Second)))
	default:
		r.lag.Store(-1) // nothing replayed yet
	}
	lag := r.Lag()
	r.usable.Store(lag >= 0 && lag <= time.Duration(r.maxLag.Load()))
	return nil
}

// Watch checks the standby every interval until ctx is done, logging when it stops or starts
// serving reads.
func (r *Replica) Watch(ctx context.Context, every time.Duration, log *slog.Logger) {
	if log != nil {
		r.log.Store(log)
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		was := r.Usable()
		cctx, cancel := context.WithTimeout(ctx, every)
		err := r.Check(cctx)
		cancel()
		if log := r.log.Load(); r.Usable() != was && log != nil {
			if r.Usable() {
				log.InfoContext(ctx, "read replica serves reads", "lag", r.Lag().String())
			} else {
				msg := "behind by more than its maximum lag"
				if err != nil {
					msg = err.Error()
				}
				log.WarnContext(ctx, "read replica skipped: reads go to the primary", "reason", msg, "lag", r.Lag().String())
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// replicaDriver sends the plain reads of a LagTolerant context to the standby while it is usable,
// everything else to the primary. Transactions are always the primary's.
type replicaDriver struct {
	dialect.Driver // the primary
	standby        *entsql.Driver
	r              *Replica
}

// use reports whether a statement goes to the standby.
func (d replicaDriver) use(ctx context.Context, query string) bool {
	return IsLagTolerant(ctx) && d.r.Usable() && readOnly(query)
}

func (d replicaDriver) Query(ctx context.Context, query string, args, v any) error {
	if d.use(ctx, query) {
		err := d.standby.Query(ctx, query, args, v)
		if !connectionLost(err) {
			d.r.served.Add(1)
			return err
		}
		d.r.usable.Store(false) // until the next check finds it back
	}
	return d.Driver.Query(ctx, query, args, v)
}

// BeginTx gives a read-only transaction of a LagTolerant context to the standby.
func (d replicaDriver) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	if opts != nil && opts.ReadOnly && IsLagTolerant(ctx) && d.r.Usable() {
		if tx, err := d.standby.BeginTx(ctx, opts); !connectionLost(err) {
			return tx, err
		}
	}
	if b, ok := d.Driver.(interface {
		BeginTx(context.Context, *sql.TxOptions) (dialect.Tx, error)
	}); ok {
		return b.BeginTx(ctx, opts)
	}
	return d.Driver.Tx(ctx)
}

func (d replicaDriver) Close() error { return errors.Join(d.Driver.Close(), d.standby.Close()) }

// ExecContext and QueryContext serve ent's raw statements (the sql/execquery feature).
func (d replicaDriver) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ex, ok := d.Driver.(interface {
		ExecContext(context.Context, string, ...any) (sql.Result, error)
	})
	if !ok {
		return nil, errors.New("store: the driver has no ExecContext")
	}
	return ex.ExecContext(ctx, query, args...)
}

func (d replicaDriver) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if d.use(ctx, query) {
		rows, err := d.standby.QueryContext(ctx, query, args...)
		if !connectionLost(err) {
			d.r.served.Add(1)
			return rows, err
		}
		d.r.usable.Store(false)
	}
	q, ok := d.Driver.(interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	})
	if !ok {
		return nil, errors.New("store: the driver has no QueryContext")
	}
	return q.QueryContext(ctx, query, args...)
}

// connectionLost reports whether err says the standby could not be reached (then the primary
// answers instead), rather than anything about the statement.
func connectionLost(err error) bool {
	if err == nil {
		return false
	}
	var state interface{ SQLState() string }
	if errors.As(err, &state) {
		c := state.SQLState()
		// 08: connection exception; 57P01-03: shutdown, cannot connect now (a standby starting).
		return strings.HasPrefix(c, "08") || c == "57P01" || c == "57P02" || c == "57P03"
	}
	var op *net.OpError
	return errors.Is(err, driver.ErrBadConn) || errors.As(err, &op)
}

// Reader is the pool a raw read of ctx goes to: the standby's for a LagTolerant context while it is
// usable, else the primary's.
func (d *DB) Reader(ctx context.Context) *sql.DB {
	if d.Replica != nil && IsLagTolerant(ctx) && d.Replica.Usable() {
		d.Replica.served.Add(1)
		return d.Replica.SQL
	}
	return d.SQL
}
