package store

import (
	"context"
	"database/sql"
	"errors"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/liemchinh/liemchinh/ent"
)

// txProbe asks the innermost driver for the *sql.Tx under an ent transaction: code that must write
// through another library in the same transaction (the job queue's inserts, package notify) needs
// it, and ent keeps it unexported behind any number of wrapping drivers (tracing, counting).
type txProbe struct{ tx *sql.Tx }

type txProbeKey struct{}

// probeQuery is sent through the transaction's ExecContext; the innermost driver answers it
// without sending anything to the database.
const probeQuery = "SELECT 1 /* liemchinh: sql tx probe */"

// SQLTx returns the *sql.Tx of the transaction ctx carries (ent.TxFromContext), or an error when
// ctx carries none.
func SQLTx(ctx context.Context) (*sql.Tx, error) {
	tx := ent.TxFromContext(ctx)
	if tx == nil {
		return nil, errors.New("store: no transaction in the context")
	}
	p := &txProbe{}
	if _, err := tx.Client().ExecContext(context.WithValue(ctx, txProbeKey{}, p), probeQuery); err != nil {
		return nil, err
	}
	if p.tx == nil {
		return nil, errors.New("store: the transaction's driver does not expose its *sql.Tx")
	}
	return p.tx, nil
}

// probingDriver is the innermost ent driver: its transactions answer SQLTx's probe.
type probingDriver struct{ *entsql.Driver }

func (d probingDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	return probed(d.Driver.Tx(ctx))
}

func (d probingDriver) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	return probed(d.Driver.BeginTx(ctx, opts))
}

func probed(tx dialect.Tx, err error) (dialect.Tx, error) {
	if err != nil {
		return nil, err
	}
	t, ok := tx.(*entsql.Tx)
	if !ok {
		return tx, nil
	}
	return probingTx{Tx: t}, nil
}

// probingTx answers SQLTx's probe; release, when set, is called once when the transaction ends
// (the SQLite writer's turn, writerDriver).
type probingTx struct {
	*entsql.Tx
	release func()
}

func (t probingTx) Commit() error {
	err := t.Tx.Commit()
	if t.release != nil {
		t.release()
	}
	return err
}

func (t probingTx) Rollback() error {
	err := t.Tx.Rollback()
	if t.release != nil {
		t.release()
	}
	return err
}

func (t probingTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if p, ok := ctx.Value(txProbeKey{}).(*txProbe); ok && query == probeQuery {
		if stx, ok := t.Tx.Tx.(*sql.Tx); ok {
			p.tx = stx
		}
		return driverResult{}, nil
	}
	return t.Tx.ExecContext(ctx, query, args...)
}

type driverResult struct{}

func (driverResult) LastInsertId() (int64, error) { return 0, nil }
func (driverResult) RowsAffected() (int64, error) { return 0, nil }
