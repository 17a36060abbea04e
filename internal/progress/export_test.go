package progress

import (
	"context"
	"time"
)

// RebuildInGo rebuilds the counters as SQLite does, by reading every record into Go (the
// reference the set-based PostgreSQL rebuild is checked against).
func (s *Service) RebuildInGo(ctx context.Context, now time.Time) error {
	return s.inTx(ctx, func(d db) error { return rebuildInGo(ctx, d, dayOf(now)) })
}

// RebuildInTx rebuilds the counters set-based in one transaction and on its connection alone,
// as a rebuild inside a change's transaction does (ensure); on SQLite, in Go.
func (s *Service) RebuildInTx(ctx context.Context, now time.Time) error {
	return s.inTx(ctx, func(d db) error { return rebuild(ctx, d, dayOf(now)) })
}

// inTx runs f in a transaction of its own, without a side pool, committed unless f fails.
func (s *Service) inTx(ctx context.Context, f func(db) error) error {
	tx, err := s.client.Tx(ctx)
	if err != nil {
		return err
	}
	if err := f(db{q: tx.Client(), dialect: s.e.dialect}); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
