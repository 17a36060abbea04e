package store_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/store"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// TestAccountChangesAnnounced: every write through the client that can change what an account
// signs in as is announced in the process after its commit, and only then; writes that cannot
// (a new account, the last sign-in time) are not; a rolled-back one is not.
func TestAccountChangesAnnounced(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		testutil.Org(t, db.Client, testutil.Shape{Provinces: 1, Districts: 1, Units: 1, Officials: 1, Pledges: 1})
		ctx := authz.System(context.Background(), authz.SysTestFixture)
		var mu sync.Mutex
		var heard []string
		stop := db.WatchAccounts(func(id string) {
			mu.Lock()
			defer mu.Unlock()
			heard = append(heard, id)
		})
		defer stop()
		take := func() []string {
			mu.Lock()
			defer mu.Unlock()
			out := heard
			heard = nil
			return out
		}
		login := testutil.Account(t, db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeNation}, "")
		id, err := db.Client.Account.Query().Where(account.Login(login)).OnlyID(ctx)
		if err != nil {
			t.Fatal(err)
		}
		unitID, err := db.Client.Unit.Query().FirstID(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := take(); len(got) != 0 {
			t.Fatalf("creating an account announced %q", got)
		}
		for _, c := range []struct {
			name  string
			write func() error
			want  []string
		}{
			{"last sign-in time", func() error { return db.Client.Account.UpdateOneID(id).SetLastLoginAt(time.Now()).Exec(ctx) }, nil},
			{"disabled", func() error { return db.Client.Account.UpdateOneID(id).SetDisabled(true).Exec(ctx) }, []string{id}},
			{"token version", func() error { return db.Client.Account.UpdateOneID(id).AddTokenVersion(1).Exec(ctx) }, []string{id}},
			{"official cleared", func() error { return db.Client.Account.UpdateOneID(id).ClearOfficial().Exec(ctx) }, []string{id}},
			{"many accounts", func() error {
				return db.Client.Account.Update().Where(account.Login(login)).SetRole(account.RoleINSPECTOR).Exec(ctx)
			}, []string{store.AllAccounts}},
			{"scope from the unit's side", func() error {
				return db.Client.Unit.UpdateOneID(unitID).AddScopedAccountIDs(id).Exec(ctx)
			}, []string{store.AllAccounts}},
			{"unit renamed", func() error { return db.Client.Unit.UpdateOneID(unitID).SetName("Đơn vị mới").Exec(ctx) }, nil},
			{"in a transaction, after its commit", func() error {
				tx, err := db.Client.Tx(ctx)
				if err != nil {
					return err
				}
				if err := tx.Account.UpdateOneID(id).SetDisabled(false).Exec(ctx); err != nil {
					return err
				}
				if got := take(); len(got) != 0 {
					t.Errorf("announced before the commit: %q", got)
				}
				return tx.Commit()
			}, []string{id}},
			{"rolled back", func() error {
				tx, err := db.Client.Tx(ctx)
				if err != nil {
					return err
				}
				if err := tx.Account.UpdateOneID(id).SetDisabled(true).Exec(ctx); err != nil {
					return err
				}
				return tx.Rollback()
			}, nil},
			{"deleted", func() error { return db.Client.Account.DeleteOneID(id).Exec(ctx) }, []string{id}},
		} {
			if err := c.write(); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if got := take(); !slices.Equal(got, c.want) {
				t.Errorf("%s: announced %q, want %q", c.name, got, c.want)
			}
		}
	})
}
