package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
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
}

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

// stale reports PostgreSQL's refusal to run a prepared statement whose tables changed shape
// since it was prepared (a migration of another process): the statement is dropped and, outside a
// transaction (which the error has aborted), run once more freshly prepared.
func stale(err error) bool {
	var pe *pq.Error
	return errors.As(err, &pe) && pe.Code == "0A000" && strings.Contains(pe.Message, "cached plan")
}

func (c *cachingConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	if len(args) == 0 {
		return c.query.QueryContext(ctx, q, args) // the simple protocol: nothing to prepare
	}
	for try := 0; ; try++ {
		st, err := c.stmt(ctx, q)
		if err != nil {
			return nil, err
		}
		rows, err := st.(driver.StmtQueryContext).QueryContext(ctx, args)
		if err != nil && stale(err) {
			c.stmts.Remove(q)
			if try == 0 && !c.inTx {
				continue
			}
		}
		return rows, err
	}
}

func (c *cachingConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	if len(args) == 0 {
		return c.exec.ExecContext(ctx, q, args)
	}
	for try := 0; ; try++ {
		st, err := c.stmt(ctx, q)
		if err != nil {
			return nil, err
		}
		res, err := st.(driver.StmtExecContext).ExecContext(ctx, args)
		if err != nil && stale(err) {
			c.stmts.Remove(q)
			if try == 0 && !c.inTx {
				continue
			}
		}
		return res, err
	}
}

// PrepareContext is database/sql's own Prepare (and lib/pq's COPY): not cached, the caller closes it.
func (c *cachingConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	return c.prep.PrepareContext(ctx, q)
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
