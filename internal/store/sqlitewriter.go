package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
)

// writerDriver is the ent driver of a SQLite file: every transaction and every write goes through
// one connection of its own (a pool of one), so concurrent writers queue in the pool, first come
// first served, instead of retrying on SQLITE_BUSY in SQLite's busy handler (which sleeps and
// retries, and made the slowest submission of a load wait seconds). Reads outside transactions
// use the shared pool, concurrently with the writer (WAL). Raw statements through DB.SQL (seed,
// migrations) keep the shared pool and the busy timeout.
type writerDriver struct {
	read, write *entsql.Driver
}

var _ dialect.Driver = writerDriver{}

func (d writerDriver) Exec(ctx context.Context, query string, args, v any) error {
	return d.write.Exec(ctx, query, args, v)
}

func (d writerDriver) Query(ctx context.Context, query string, args, v any) error {
	if readOnly(query) {
		return d.read.Query(ctx, query, args, v)
	}
	return d.write.Query(ctx, query, args, v) // INSERT ... RETURNING and the like
}

func (d writerDriver) Tx(ctx context.Context) (dialect.Tx, error) { return probed(d.write.Tx(ctx)) }

// BeginTx gives a read-only transaction a connection of the shared pool (a consistent snapshot
// that does not wait for the writer), any other the writer.
func (d writerDriver) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	if opts != nil && opts.ReadOnly {
		return probed(d.read.BeginTx(ctx, opts))
	}
	return probed(d.write.BeginTx(ctx, opts))
}

func (d writerDriver) Close() error { return errors.Join(d.write.Close(), d.read.Close()) }

func (d writerDriver) Dialect() string { return dialect.SQLite }

// ExecContext and QueryContext serve ent's raw statements (the sql/execquery feature).
func (d writerDriver) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return d.write.ExecContext(ctx, query, args...)
}

func (d writerDriver) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if readOnly(query) {
		return d.read.QueryContext(ctx, query, args...)
	}
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
