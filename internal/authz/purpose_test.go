package authz_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Main(m) }

var fixture = authz.System(context.Background(), authz.SysTestFixture)

// org is two units with one official each, each official with one pledge; it returns the
// officials.
func org(t *testing.T, db *testutil.DB) []*ent.Official {
	t.Helper()
	testutil.Org(t, db.Client, testutil.Shape{Provinces: 1, Districts: 1, Units: 2, Officials: 1, Pledges: 1})
	offs, err := db.Client.Official.Query().WithUnit().All(fixture)
	if err != nil {
		t.Fatal(err)
	}
	if len(offs) != 2 {
		t.Fatalf("%d officials, want 2", len(offs))
	}
	return offs
}

func auditEntry(c *ent.Client) *ent.AuditEventCreate {
	return c.AuditEvent.Create().SetAction("test").SetObjectType("Test").SetObjectID("1").SetSummary("").
		SetClientIP("").SetOccurredAt(time.Now())
}

// The guard lets a purpose write its own types only, a grant the types it names only, and both
// together the types of either; without either nothing is written.
func TestGuardRefusesWritesOutOfPurpose(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		offs := org(t, db)
		c := db.Client
		pledge, err := c.Pledge.Query().First(fixture)
		if err != nil {
			t.Fatal(err)
		}
		renameOfficial := func(ctx context.Context) error {
			return c.Official.UpdateOneID(offs[0].ID).SetFullName("Đổi Tên").Exec(ctx)
		}
		touchPledge := func(ctx context.Context) error {
			return c.Pledge.UpdateOneID(pledge.ID).SetUpdatedAt(time.Now()).Exec(ctx)
		}
		audit := authz.System(context.Background(), authz.SysAudit)
		withdraw := authz.Grant(context.Background(), "pledgeWithdraw", ent.TypePledge)
		both := authz.Grant(audit, "pledgeWithdraw", ent.TypePledge)
		for _, tc := range []struct {
			name   string
			ctx    context.Context
			write  func(context.Context) error
			refuse *authz.WriteRefused // nil: the write goes through
		}{
			{"purpose writes its type", audit, func(ctx context.Context) error { return auditEntry(c).Exec(ctx) }, nil},
			{"purpose refuses another type", audit, renameOfficial,
				&authz.WriteRefused{Type: ent.TypeOfficial, Purpose: "Audit"}},
			{"grant writes its type", withdraw, touchPledge, nil},
			{"grant refuses another type", withdraw, renameOfficial,
				&authz.WriteRefused{Type: ent.TypeOfficial, Action: "pledgeWithdraw"}},
			{"grant refuses the audit log", withdraw, func(ctx context.Context) error { return auditEntry(c).Exec(ctx) },
				&authz.WriteRefused{Type: ent.TypeAuditEvent, Action: "pledgeWithdraw"}},
			{"grant and purpose write the grant's type", both, touchPledge, nil},
			{"grant and purpose refuse a third type", both, renameOfficial,
				&authz.WriteRefused{Type: ent.TypeOfficial, Purpose: "Audit", Action: "pledgeWithdraw"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := tc.write(tc.ctx)
				if tc.refuse == nil {
					if err != nil {
						t.Fatalf("refused: %v", err)
					}
					return
				}
				var refused *authz.WriteRefused
				if !errors.As(err, &refused) {
					t.Fatalf("err = %v, want the guard's refusal", err)
				}
				if *refused != *tc.refuse {
					t.Errorf("refused %+v, want %+v", *refused, *tc.refuse)
				}
				for _, word := range []string{tc.refuse.Type, tc.refuse.Purpose, tc.refuse.Action} {
					if !strings.Contains(err.Error(), word) {
						t.Errorf("%q does not name %q", err, word)
					}
				}
			})
		}
		if err := renameOfficial(context.Background()); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("a write without purpose or grant: err = %v, want ErrForbidden", err)
		}
		got, err := c.Official.Get(fixture, offs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.FullName == "Đổi Tên" {
			t.Error("a refused write was written")
		}
	})
}

type counter interface {
	Count(context.Context) (int, error)
}

// A purpose reads its own types past the viewer filters; every other type keeps the viewer's
// filter (for an anonymous viewer: none at all).
func TestPurposeReadsOnlyItsTypes(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		offs := org(t, db)
		c := db.Client
		me := offs[0]
		official := authz.WithViewer(context.Background(), authz.Viewer{AccountID: "acc-test", Role: authz.RoleOfficial,
			Scope: authz.Scope{Kind: authz.ScopeUnit, ID: me.Edges.Unit.ID}, OfficialID: me.ID})
		named := authz.System(official, authz.SysNamedOfficial) // reads Official only
		count := func(ctx context.Context, q counter) int {
			t.Helper()
			n, err := q.Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count(official, c.Official.Query()); n != 1 {
			t.Errorf("the official reads %d officials, want only themself", n)
		}
		if n := count(named, c.Official.Query()); n != 2 {
			t.Errorf("NamedOfficial reads %d officials, want both", n)
		}
		if n := count(named, c.Pledge.Query()); n != 1 {
			t.Errorf("NamedOfficial reads %d pledges, want the viewer's own 1: Pledge is not its type", n)
		}
		if n := count(fixture, c.Pledge.Query()); n != 2 {
			t.Fatalf("%d pledges in all, want 2", n)
		}
		// Through an edge too: the officials' pledges are filtered for the viewer.
		if n := count(named, c.Official.Query().QueryPledges()); n != 1 {
			t.Errorf("NamedOfficial reads %d pledges through officials, want 1", n)
		}
		anonymous := authz.System(context.Background(), authz.SysNamedOfficial)
		if n := count(anonymous, c.Official.Query()); n != 2 {
			t.Errorf("NamedOfficial without a viewer reads %d officials, want both", n)
		}
		if _, err := c.Pledge.Query().Count(anonymous); !errors.Is(err, authz.ErrUnauthenticated) {
			t.Errorf("NamedOfficial without a viewer reads pledges: err = %v, want ErrUnauthenticated", err)
		}
	})
}

// Seed, the purpose of every type, is refused in a request's context: it writes nothing there and
// reads only what the viewer may.
func TestSeedRefusedInRequest(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		org(t, db)
		c := db.Client
		seed := authz.System(context.Background(), authz.SysSeed)
		if err := auditEntry(c).Exec(seed); err != nil {
			t.Fatalf("Seed outside a request: %v", err)
		}
		request := authz.System(authz.WithClientIP(context.Background(), "203.0.113.7"), authz.SysSeed)
		var refused *authz.WriteRefused
		if err := auditEntry(c).Exec(request); !errors.As(err, &refused) || !strings.Contains(err.Error(), "refused in a request") {
			t.Errorf("Seed in a request writes: err = %v", err)
		}
		if _, err := c.Pledge.Query().Count(request); !errors.Is(err, authz.ErrUnauthenticated) {
			t.Errorf("Seed in an anonymous request reads pledges: err = %v, want ErrUnauthenticated", err)
		}
		offs, err := c.Official.Query().All(fixture)
		if err != nil {
			t.Fatal(err)
		}
		signedIn := authz.System(authz.WithViewer(context.Background(), authz.Viewer{AccountID: "acc-test",
			Role: authz.RoleOfficial, OfficialID: offs[0].ID}), authz.SysSeed)
		if n, err := c.Pledge.Query().Count(signedIn); err != nil || n != 1 {
			t.Errorf("Seed for a signed-in official reads %d pledges (%v), want their own 1", n, err)
		}
	})
}
