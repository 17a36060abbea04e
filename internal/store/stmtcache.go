package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/lib/pq"
)

// SetStatementsPerConn sets how many prepared statements each PostgreSQL connection made from then
// on keeps (0: none; DefaultStatementsPerConn until it is called).
//
// lib/pq runs a statement with arguments as an unnamed prepared statement: a Parse and Describe
// round trip, then Bind and Execute, and PostgreSQL parses, analyses and plans the text again
// every time. The server sends a few hundred distinct statement texts (ent writes them from the
// schema, with the same text for the same shape of query), so each connection prepares a text
// once, by name, and then only binds and executes it: one round trip, no parsing, and after five
// runs PostgreSQL's own choice between a generic plan and a plan for the values (plan_cache_mode
// auto). The least recently used statement is closed beyond the limit, which bounds what each
// session holds (a statement and its plans take a few kilobytes to some tens of kilobytes).
func SetStatementsPerConn(n int) { statementsPerConn.Store(int64(n)) }

// DefaultStatementsPerConn is the statements a connection keeps prepared unless told otherwise.
const DefaultStatementsPerConn = 256

var statementsPerConn = func() *atomic.Int64 {
	var n atomic.Int64
	n.Store(DefaultStatementsPerConn)
	return &n
}()

// cachingConn is a lib/pq connection that runs statements with arguments through its cache of
// prepared statements. database/sql uses a connection from one goroutine at a time, so the
// cache needs no lock.
//
// While a result or a COPY is open on the connection (open > 0) another statement is refused
// with errBusy: its messages would be sent into the middle of the open result and break the
// connection. lib/pq refuses a statement the same way after one of its own unprepared queries,
// but it does not know about the results of prepared statements.
type cachingConn struct {
	driver.Conn
	prep  driver.ConnPrepareContext
	query driver.QueryerContext
	exec  driver.ExecerContext
	begin driver.ConnBeginTx
	check driver.NamedValueChecker
	reset driver.SessionResetter
	valid driver.Validator
	ping  driver.Pinger
	stmts *simplelru.LRU[string, driver.Stmt]
	inTx  bool
	open  int
}

// A cachingConn is everything database/sql probes a lib/pq connection for, and what callers of
// the raw connection use (the national seed's COPY begins its transaction through ConnBeginTx).
var _ interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.QueryerContext
	driver.ExecerContext
	driver.NamedValueChecker
	driver.SessionResetter
	driver.Validator
	driver.Pinger
} = (*cachingConn)(nil)

// Statements larger than these are run unprepared: a bulk insert of hundreds of rows, or a list
// of many values written out, is a text of its own that would only push out the ones reused.
const (
	maxCachedArgs = 64
	maxCachedText = 8 << 10
)

// withStatementCache returns c with a statement cache of size entries, or c itself when size is
// not positive.
func withStatementCache(c driver.Conn, size int) (driver.Conn, error) {
	if size <= 0 {
		return c, nil
	}
	cc := &cachingConn{Conn: c}
	var ok [8]bool
	cc.prep, ok[0] = c.(driver.ConnPrepareContext)
	cc.query, ok[1] = c.(driver.QueryerContext)
	cc.exec, ok[2] = c.(driver.ExecerContext)
	cc.begin, ok[3] = c.(driver.ConnBeginTx)
	cc.check, ok[4] = c.(driver.NamedValueChecker)
	cc.reset, ok[5] = c.(driver.SessionResetter)
	cc.valid, ok[6] = c.(driver.Validator)
	cc.ping, ok[7] = c.(driver.Pinger)
	for _, o := range ok {
		if !o {
			return nil, fmt.Errorf("store: the PostgreSQL driver's connection %T lacks a method the statement cache needs", c)
		}
	}
	stmts, err := simplelru.NewLRU[string, driver.Stmt](size, func(_ string, st driver.Stmt) {
		_ = st.Close() // a failure leaves the connection marked bad, and database/sql drops it
	})
	if err != nil {
		return nil, err
	}
	cc.stmts = stmts
	return cc, nil
}

// errBusy refuses a statement sent while a result or a COPY is open on the connection.
var errBusy = errors.New("store: the PostgreSQL connection is still reading an earlier result or COPY: close it first")

// cached reports whether a statement goes through the cache.
func cached(q string, args []driver.NamedValue) bool {
	return len(args) > 0 && len(args) <= maxCachedArgs && len(q) <= maxCachedText
}

// stmt returns the connection's prepared statement for q, preparing it the first time.
func (c *cachingConn) stmt(ctx context.Context, q string) (driver.Stmt, error) {
	if st, ok := c.stmts.Get(q); ok {
		return st, nil
	}
	st, err := c.prep.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	c.stmts.Add(q, st)
	return st, nil
}

// stale reports an error of a prepared statement that a freshly prepared one may not have: its
// tables changed shape or column types since it was prepared (a migration of another process:
// SQLSTATE 0A000 "cached plan must not change result type", or a class 42 error of the types it
// was prepared with), or the session lost it (class 26). The statement is dropped and, outside a
// transaction (which the error has aborted), run once more freshly prepared; an error that was
// not the statement's fault simply comes back again.
func stale(err error) bool {
	var pe *pq.Error
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code.Class() {
	case "0A", "26", "42":
		return true
	}
	return false
}

func (c *cachingConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	if c.open > 0 {
		return nil, errBusy
	}
	if !cached(q, args) {
		return c.track(c.query.QueryContext(ctx, q, args))
	}
	return c.track(prepared(c, ctx, q, func(st driver.Stmt) (driver.Rows, error) {
		return st.(driver.StmtQueryContext).QueryContext(ctx, args)
	}))
}

func (c *cachingConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	if c.open > 0 {
		return nil, errBusy
	}
	if !cached(q, args) {
		return c.exec.ExecContext(ctx, q, args)
	}
	return prepared(c, ctx, q, func(st driver.Stmt) (driver.Result, error) {
		return st.(driver.StmtExecContext).ExecContext(ctx, args)
	})
}

// prepared runs q's prepared statement with run, dropping a stale one (stale) and, outside a
// transaction, running a freshly prepared one once more.
func prepared[T any](c *cachingConn, ctx context.Context, q string, run func(driver.Stmt) (T, error)) (T, error) {
	for try := 0; ; try++ {
		st, err := c.stmt(ctx, q)
		if err != nil {
			var zero T
			return zero, err
		}
		out, err := run(st)
		if err != nil && stale(err) {
			c.stmts.Remove(q)
			if try == 0 && !c.inTx {
				continue
			}
		}
		return out, err
	}
}

// PrepareContext is database/sql's own Prepare (and lib/pq's COPY): not cached, the caller closes
// it. A COPY keeps the connection busy until it is closed.
func (c *cachingConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	if c.open > 0 {
		return nil, errBusy
	}
	st, err := c.prep.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if cp, ok := st.(copier); ok {
		return &copyStmt{copier: cp, busy: c.start()}, nil
	}
	return st, nil
}

// copier is lib/pq's COPY statement.
type copier interface {
	driver.Stmt
	CopyData(ctx context.Context, line string) (driver.Result, error)
}

// copyStmt is a COPY, which keeps its connection busy until it is closed.
type copyStmt struct {
	copier
	busy
}

func (s *copyStmt) Close() error {
	defer s.end()
	return s.copier.Close()
}

// busy is what keeps a connection busy (a result, a COPY) until its end.
type busy struct {
	c     *cachingConn
	ended bool
}

// start counts the connection busy once more.
func (c *cachingConn) start() busy {
	c.open++
	return busy{c: c}
}

// end counts the connection busy once less, the first time it is called.
func (b *busy) end() {
	if !b.ended {
		b.ended = true
		b.c.open--
	}
}

// fullRows is what lib/pq's rows implement and database/sql asks of them.
type fullRows interface {
	driver.Rows
	driver.RowsNextResultSet
	driver.RowsColumnTypeScanType
	driver.RowsColumnTypeDatabaseTypeName
	driver.RowsColumnTypeLength
	driver.RowsColumnTypePrecisionScale
}

// track counts rows as open on the connection until they are closed.
func (c *cachingConn) track(rows driver.Rows, err error) (driver.Rows, error) {
	if err != nil {
		return nil, err
	}
	full, ok := rows.(fullRows)
	if !ok {
		rows.Close()
		return nil, fmt.Errorf("store: the PostgreSQL driver's rows %T lack a method the statement cache forwards", rows)
	}
	return &trackedRows{fullRows: full, busy: c.start()}, nil
}

// trackedRows are a result open on a cachingConn.
type trackedRows struct {
	fullRows
	busy
}

func (r *trackedRows) Close() error {
	defer r.end()
	return r.fullRows.Close()
}
func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	tx, err := c.begin.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	c.inTx = true
	return &cachingTx{Tx: tx, c: c}, nil
}

func (c *cachingConn) CheckNamedValue(nv *driver.NamedValue) error {
	return c.check.CheckNamedValue(nv)
}

func (c *cachingConn) ResetSession(ctx context.Context) error { return c.reset.ResetSession(ctx) }

func (c *cachingConn) IsValid() bool { return c.valid.IsValid() }

func (c *cachingConn) Ping(ctx context.Context) error { return c.ping.Ping(ctx) }

// Close closes the connection, and with it the session's prepared statements.
func (c *cachingConn) Close() error { return c.Conn.Close() }

// cachingTx notes the end of the connection's transaction.
type cachingTx struct {
	driver.Tx
	c *cachingConn
}

func (t *cachingTx) Commit() error {
	t.c.inTx = false
	return t.Tx.Commit()
}

func (t *cachingTx) Rollback() error {
	t.c.inTx = false
	return t.Tx.Rollback()
}
