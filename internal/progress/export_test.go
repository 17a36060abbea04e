package progress

import (
	"context"
	"time"
)

// RebuildInGo rebuilds the counters as SQLite does, by reading every record into Go (the
// reference the set-based PostgreSQL rebuild is checked against).
func (s *Service) RebuildInGo(ctx context.Context, now time.Time) error {
	tx, err := s.client.Tx(ctx)
	if err != nil {
		return err
	}
	if err := rebuildInGo(ctx, db{q: tx.Client(), dialect: s.e.dialect}, dayOf(now)); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// RebuildInTx rebuilds the counters set-based in one transaction and on its connection alone,
// as a rebuild inside a change's transaction does (ensure); on SQLite, in Go.
func (s *Service) RebuildInTx(ctx context.Context, now time.Time) error {
	tx, err := s.client.Tx(ctx)
	if err != nil {
		return err
	}
	if err := rebuild(ctx, db{q: tx.Client(), dialect: s.e.dialect}, dayOf(now)); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
