package store

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"entgo.io/ent/dialect"

	"github.com/liemchinh/liemchinh/ent"
)

// Every committed change of the public reference data (provinces, districts, units: created,
// updated or deleted, edges between them included) is announced, as account changes are (see
// AccountsChannel), so that caches of what is built from it (the server's public reference
// cache) drop it at once: a NOTIFY on ReferenceChannel in the writing transaction, and the
// functions given to WatchReference right after the commit.
//
// The hooks sit on the ent client: a write in raw SQL (the national seed's COPY, a data migration)
// is not announced; caches bound how long they trust an entry for that reason too.
const (
	// ReferenceChannel is the PostgreSQL notification channel of reference data changes; the
	// payload is AllReference.
	ReferenceChannel = "liemchinh_reference"
	// AllReference is the payload of every reference change: what is cached from reference data
	// combines many rows, so any change drops all of it.
	AllReference = "*"
)

const notifyReferenceSQL = "SELECT pg_notify('" + ReferenceChannel + "', $1)"

// WatchReference calls fn (with AllReference) after every commit through this database's client
// that changed a province, district or unit, in this process only (other processes hear of it
// through ReferenceChannel on PostgreSQL). fn must not block. The returned func stops the calls.
func (d *DB) WatchReference(fn func(string)) (stop func()) { return d.reference.add(fn) }

// installReferenceHooks announces reference changes (see ReferenceChannel) on the client.
//
// In a transaction the announcement is made once, when it commits: a seed creating thousands of
// units in one transaction sends one NOTIFY, not one per row. Every mutation registers a commit
// hook (ent gives a mutation no handle on its transaction to remember it by), and the hooks,
// which all receive the committing *ent.Tx, let the first one announce.
func installReferenceHooks(c *ent.Client, dia string, w *watchers) {
	var committing sync.Map // *ent.Tx whose announcement is made by an outer commit hook
	onCommit := func(next ent.Committer) ent.Committer {
		return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
			if _, dup := committing.LoadOrStore(tx, struct{}{}); dup {
				return next.Commit(ctx, tx)
			}
			defer committing.Delete(tx)
			if dia == dialect.Postgres {
				if _, err := tx.ExecContext(ctx, notifyReferenceSQL, AllReference); err != nil {
					// Not committed: roll back, as the caller would after a failed commit.
					return errors.Join(fmt.Errorf("store: announce reference change: %w", err), tx.Rollback())
				}
			}
			if err := next.Commit(ctx, tx); err != nil {
				return err
			}
			w.tell(AllReference)
			return nil
		})
	}
	hook := func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return v, err
			}
			tx, err := txOf(m)
			if err != nil {
				return v, err
			}
			if tx == nil { // committed already
				return v, announce(ctx, m, dia, notifyReferenceSQL, w, AllReference)
			}
			tx.OnCommit(onCommit)
			return v, nil
		})
	}
	c.Province.Use(hook)
	c.District.Use(hook)
	c.Unit.Use(hook)
}
