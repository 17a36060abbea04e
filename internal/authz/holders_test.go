package authz_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// TestCaseHoldersIsHeldIn holds CaseHolders (from a case to the staff accounts holding it) to the
// read filter the API lists and handles cases by (from an account to its cases), for every
// enabled staff account of a World and every case: a unit scope above and at the case's unit, a
// district, a province, the nation, inspectors, and the person concerned (recused whatever their
// role: an administrator linked to the official a case is about, the unit manager of World).
func TestCaseHoldersIsHeldIn(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		w := testutil.NewWorld(t, db, testutil.Config(t, nil))
		ctx := authz.System(context.Background(), authz.SysTestFixture)
		a, b := w.A, w.B
		testutil.Account(t, db, authz.RoleUnitManager, authz.Scope{Kind: authz.ScopeUnit, ID: a.ChildUnit}, a.Staff)
		testutil.Account(t, db, authz.RoleInspector, authz.Scope{Kind: authz.ScopeDistrict, ID: a.OtherDistrict}, "")
		testutil.Account(t, db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeProvince, ID: b.Province}, "")
		testutil.Account(t, db, authz.RoleAdmin, authz.Scope{Kind: authz.ScopeNation}, a.Outsider) // concerned by the outsider's case
		testutil.Account(t, db, authz.RoleUnitManager, authz.Scope{Kind: authz.ScopeUnit, ID: a.OtherUnit}, b.Staff)
		// Cases about nobody, in the parent unit and in B's child unit.
		for i, u := range []string{a.ParentUnit, b.ChildUnit} {
			if err := db.Client.CitizenCase.Create().SetTrackingCode(fmt.Sprintf("HOLD%d", i)).SetSecretHash("x").
				SetChannel(enum.ChannelFeedback).SetRequestedChannel(enum.ChannelFeedback).SetCategory(enum.CategoryOther).
				SetDescription("x").SetAnonymous(true).SetState(enum.CaseSubmitted).SetReceivedAt(time.Now()).SetUnitID(u).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		caseIDs, err := db.Client.CitizenCase.Query().IDs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		holders, err := authz.CaseHolders(context.Background(), db.SQL, db.Dialect, caseIDs)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]string{} // account -> cases
		for _, h := range holders {
			got[h.AccountID] = append(got[h.AccountID], h.CaseID)
		}
		accounts, err := db.Client.Account.Query().Where(account.Disabled(false)).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		staff := 0
		for _, acc := range accounts {
			v := authz.ViewerOfAccount(acc)
			if !v.Staff() {
				if len(got[acc.ID]) > 0 {
					t.Errorf("%s (%s) holds %v", acc.Login, v.Role, got[acc.ID])
				}
				continue
			}
			staff++
			vctx := authz.WithViewer(context.Background(), v)
			want, err := db.Client.CitizenCase.Query().Where(authz.NotConcerned(vctx)).IDs(vctx)
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(want)
			have := slices.Clone(got[acc.ID])
			slices.Sort(have)
			if !slices.Equal(have, want) {
				t.Errorf("%s (%s, %s %s): CaseHolders says %v, the read filter %v", acc.Login, v.Role, v.Scope.Kind, v.Scope.ID, have, want)
			}
		}
		if staff < 9 || len(holders) == 0 {
			t.Fatalf("%d staff accounts, %d holders: the world is not what this test needs", staff, len(holders))
		}
		// Levels: the child unit's own manager before the parent unit's, then district, province, nation.
		for _, h := range holders {
			if h.CaseID != a.Records["Case"] {
				continue
			}
			acc, err := db.Client.Account.Get(ctx, h.AccountID)
			if err != nil {
				t.Fatal(err)
			}
			want := map[account.ScopeKind]int{account.ScopeKindDISTRICT: authz.LevelDistrict, account.ScopeKindPROVINCE: authz.LevelProvince,
				account.ScopeKindNATION: authz.LevelNation}[acc.ScopeKind]
			if acc.ScopeKind == account.ScopeKindUNIT {
				want = map[string]int{a.ChildUnit: 0, a.ParentUnit: 1}[*acc.ScopeUnitID]
			}
			if h.Level != want {
				t.Errorf("%s holds the clerk's case at level %d, want %d", acc.Login, h.Level, want)
			}
		}
	})
}
