package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"github.com/lib/pq"
)

// sessionSetup is run on every PostgreSQL connection the server opens, before its first use.
//
// JIT compilation is turned off for the session: PostgreSQL compiles a statement whose estimated
// cost passes jit_above_cost (100,000 by default), and estimates of the server's small statements
// over national tables pass it easily (a recursive walk up a unit's ancestors is estimated at
// 48,000 rows for the 2 it reads). On the national seed that walk, run by every write that moves
// a progress counter, took 87-235 ms of compiling for 1.4 ms of work. The set-based rebuilds,
// whose statements read millions of rows, put the database's own setting back for their
// transaction (SET LOCAL jit TO DEFAULT).
const sessionSetup = "SET jit = off"

// OpenPostgres opens a lib/pq pool on url whose connections run sessionSetup when they are made
// and keep their statements prepared (stmtcache.go).
func OpenPostgres(url string) (*sql.DB, error) {
	c, err := pq.NewConnector(url)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(setupConnector{c}), nil
}

// setupConnector is lib/pq's connector with sessionSetup run on each new connection.
type setupConnector struct{ driver.Connector }

func (s setupConnector) Connect(ctx context.Context) (driver.Conn, error) {
	c, err := s.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	x, ok := c.(driver.ExecerContext)
	if !ok {
		c.Close()
		return nil, fmt.Errorf("store: the PostgreSQL driver's connection %T cannot run statements", c)
	}
	if _, err := x.ExecContext(ctx, sessionSetup, nil); err != nil {
		c.Close()
		return nil, fmt.Errorf("store: setting up a PostgreSQL session: %w", err)
	}
	cc, err := withStatementCache(c, int(statementsPerConn.Load()))
	if err != nil {
		c.Close()
		return nil, err
	}
	return cc, nil
}
