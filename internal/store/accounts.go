package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"entgo.io/ent/dialect"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/ent/district"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/province"
	"github.com/liemchinh/liemchinh/ent/unit"
)

// Every committed change of what an account signs in as (enabled, token version, role, scope,
// linked official) is announced, so that caches of it (auth's) drop it at once:
//
//   - on PostgreSQL with a NOTIFY on AccountsChannel sent in the writing transaction, so every
//     process hears of it when, and only if, the transaction commits;
//   - in this process, to the functions given to WatchAccounts, right after the commit, so the
//     writer's own next request never waits for its notification to come back.
//
// The hooks sit on the ent client, so every writer through it (GraphQL mutations, the services,
// seeds, tests) announces its changes; a write in raw SQL does not and must not touch accounts.
const (
	// AccountsChannel is the PostgreSQL notification channel of account changes; the payload is
	// the account's id, or AllAccounts.
	AccountsChannel = "liemchinh_accounts"
	// AllAccounts is announced when a change may concern any account (a bulk update or delete,
	// an edge changed from the other side).
	AllAccounts = "*"
)

const notifyAccountsSQL = "SELECT pg_notify('" + AccountsChannel + "', $1)"

// watchers are the in-process listeners of one kind of change (accounts, reference data) on one
// database.
type watchers struct {
	mu   sync.Mutex
	next int
	fns  map[int]func(id string)
}

func (w *watchers) add(fn func(string)) func() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fns == nil {
		w.fns = map[int]func(string){}
	}
	w.next++
	k := w.next
	w.fns[k] = fn
	return func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		delete(w.fns, k)
	}
}

func (w *watchers) tell(id string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, fn := range w.fns {
		fn(id)
	}
}

// WatchAccounts calls fn with the id of every account (or AllAccounts) whose sign-in state a
// commit through this database's client changed, right after the commit, in this process only
// (other processes hear of it through AccountsChannel on PostgreSQL). fn must not block. The
// returned func stops the calls.
func (d *DB) WatchAccounts(fn func(id string)) (stop func()) { return d.accounts.add(fn) }

// accountSignInIrrelevant are the account fields whose change alone does not change what the
// account signs in as; every other change is announced (a new field is announced until listed).
var accountSignInIrrelevant = map[string]bool{account.FieldLastLoginAt: true, account.FieldUpdatedAt: true}

// installAccountHooks announces account changes (see AccountsChannel) on the client.
func installAccountHooks(c *ent.Client, dia string, w *watchers) {
	announce := func(changed func(ent.Mutation) (string, bool)) ent.Hook {
		return func(next ent.Mutator) ent.Mutator {
			return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
				id, ok := changed(m)
				if !ok {
					return next.Mutate(ctx, m)
				}
				v, err := next.Mutate(ctx, m)
				if err != nil {
					return v, err
				}
				return v, announce(ctx, m, dia, notifyAccountsSQL, w, id)
			})
		}
	}
	c.Account.Use(announce(accountChange))
	// The scope and official edges can be changed from their other side; deleting a unit,
	// district, province or official may clear an account's column too.
	for _, h := range []struct {
		use  func(...ent.Hook)
		edge string
	}{
		{c.Unit.Use, unit.EdgeScopedAccounts}, {c.District.Use, district.EdgeScopedAccounts},
		{c.Province.Use, province.EdgeScopedAccounts}, {c.Official.Use, official.EdgeAccount},
	} {
		edge := h.edge
		h.use(announce(func(m ent.Mutation) (string, bool) {
			if m.Op().Is(ent.OpDelete | ent.OpDeleteOne) {
				return AllAccounts, true
			}
			for _, edges := range [][]string{m.AddedEdges(), m.RemovedEdges(), m.ClearedEdges()} {
				for _, e := range edges {
					if e == edge {
						return AllAccounts, true
					}
				}
			}
			return "", false
		}))
	}
}

// accountChange tells whether an account mutation may change what an account signs in as, and
// which account: its id for one row, AllAccounts for many.
func accountChange(m ent.Mutation) (string, bool) {
	if m.Op().Is(ent.OpCreate) {
		// A new row is in no cache; an id is never reused (deletes are announced).
		return "", false
	}
	relevant := len(m.ClearedFields()) > 0 || len(m.AddedFields()) > 0 || len(m.AddedEdges()) > 0 ||
		len(m.RemovedEdges()) > 0 || len(m.ClearedEdges()) > 0 || m.Op().Is(ent.OpDelete|ent.OpDeleteOne)
	for _, f := range m.Fields() {
		if !accountSignInIrrelevant[f] {
			relevant = true
		}
	}
	if !relevant {
		return "", false
	}
	if am, ok := m.(*ent.AccountMutation); ok && m.Op().Is(ent.OpUpdateOne|ent.OpDeleteOne) {
		if id, ok := am.ID(); ok {
			return id, true
		}
	}
	return AllAccounts, true
}

// announce sends the NOTIFY (notify, with payload as $1) in the mutation's transaction
// (PostgreSQL) and tells this process's watchers after the commit; outside a transaction the write
// is committed already, and both happen at once.
func announce(ctx context.Context, m ent.Mutation, dia, notify string, w *watchers, payload string) error {
	if dia == dialect.Postgres {
		ex, ok := m.(interface {
			ExecContext(context.Context, string, ...any) (sql.Result, error)
		})
		if !ok {
			return fmt.Errorf("store: %T cannot send a notification", m)
		}
		if _, err := ex.ExecContext(ctx, notify, payload); err != nil {
			return fmt.Errorf("store: announce change: %w", err)
		}
	}
	if tx, err := txOf(m); err == nil && tx != nil {
		tx.OnCommit(func(next ent.Committer) ent.Committer {
			return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
				if err := next.Commit(ctx, tx); err != nil {
					return err
				}
				w.tell(payload)
				return nil
			})
		})
		return nil
	}
	w.tell(payload)
	return nil
}

// txOf returns the transaction a mutation runs in, or nil.
func txOf(m ent.Mutation) (*ent.Tx, error) {
	t, ok := m.(interface{ Tx() (*ent.Tx, error) })
	if !ok {
		return nil, fmt.Errorf("store: %T has no Tx", m)
	}
	tx, err := t.Tx()
	if err != nil { // not transactional
		return nil, nil
	}
	return tx, nil
}
