package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
)

// writerDriver is the ent driver of a SQLite file: every transaction and every write goes through
// one connection of its own (a pool of one), instead of retrying on SQLITE_BUSY in SQLite's busy
// handler (which sleeps and retries, and made the slowest submission of a load wait seconds).
// Writers take turns first come, first served, at the turn gate: database/sql hands a freed
// connection to a random waiter, so queueing in the pool alone let an unlucky writer wait many
// turns (the slowest submissions of a load). Reads outside transactions use the shared pool,
// concurrently with the writer (WAL). Raw statements through DB.SQL (seed, migrations) keep the
// shared pool and the busy timeout.
type writerDriver struct {
	read, write *entsql.Driver
	turn        chan struct{} // capacity 1: held by the writer whose turn it is
}

var _ dialect.Driver = writerDriver{}

func newWriterDriver(read, write *entsql.Driver) writerDriver {
	return writerDriver{read: read, write: write, turn: make(chan struct{}, 1)}
}

// wait takes the writer's turn, after those who asked before (a channel's blocked senders are
// served in the order they came), or gives up with ctx; release gives it back.
func (d writerDriver) wait(ctx context.Context) (release func(), err error) {
	select {
	case d.turn <- struct{}{}:
		return func() { <-d.turn }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (d writerDriver) Exec(ctx context.Context, query string, args, v any) error {
	release, err := d.wait(ctx)
	if err != nil {
		return err
	}
	defer release()
	return d.write.Exec(ctx, query, args, v)
}

func (d writerDriver) Query(ctx context.Context, query string, args, v any) error {
	if readOnly(query) {
		return d.read.Query(ctx, query, args, v)
	}
	// INSERT ... RETURNING and the like. The rows may hold the connection after the turn is
	// given back; the next writer then waits for it in the pool, alone.
	release, err := d.wait(ctx)
	if err != nil {
		return err
	}
	defer release()
	return d.write.Query(ctx, query, args, v)
}

func (d writerDriver) Tx(ctx context.Context) (dialect.Tx, error) { return d.BeginTx(ctx, nil) }

// BeginTx gives a read-only transaction a connection of the shared pool (a consistent snapshot
// that does not wait for the writer), any other the writer's turn until it commits or rolls back.
func (d writerDriver) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	if opts != nil && opts.ReadOnly {
		return probed(d.read.BeginTx(ctx, opts))
	}
	release, err := d.wait(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := probed(d.write.BeginTx(ctx, opts))
	if err != nil {
		release()
		return nil, err
	}
	p, ok := tx.(probingTx)
	if !ok {
		_ = tx.Rollback()
		release()
		return nil, errors.New("store: unexpected SQLite transaction")
	}
	// The turn is given back at commit or rollback, or when ctx ends (database/sql then rolls the
	// transaction back itself): a transaction its caller never ended does not hold it for ever.
	var once sync.Once
	free := func() { once.Do(release) }
	stop := context.AfterFunc(ctx, free)
	p.release = func() { stop(); free() }
	return p, nil
}

func (d writerDriver) Close() error { return errors.Join(d.write.Close(), d.read.Close()) }

func (d writerDriver) Dialect() string { return dialect.SQLite }

// ExecContext and QueryContext serve ent's raw statements (the sql/execquery feature).
func (d writerDriver) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	release, err := d.wait(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	return d.write.ExecContext(ctx, query, args...)
}

func (d writerDriver) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if readOnly(query) {
		return d.read.QueryContext(ctx, query, args...)
	}
	release, err := d.wait(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	return d.write.QueryContext(ctx, query, args...)
}

// readOnly reports whether a statement only reads: a SELECT, or a WITH whose body writes nothing.
// Anything else is sent to the writer (a wrong guess costs waiting for it, never correctness).
func readOnly(query string) bool {
	q := strings.TrimSpace(query)
	word, _, _ := strings.Cut(q, " ")
	switch strings.ToUpper(word) {
	case "SELECT":
		return true
	case "WITH":
		u := strings.ToUpper(q)
		return !strings.Contains(u, "INSERT ") && !strings.Contains(u, "UPDATE ") && !strings.Contains(u, "DELETE ")
	}
	return false
}

// openSQLiteWriter opens the writer's pool of one connection on dsn.
func openSQLiteWriter(dsn string) (*sql.DB, error) {
	w, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)
	return w, nil
}
