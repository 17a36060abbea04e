package recordscope_test

import (
	"context"
	"testing"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/commendation"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/pledge"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/recordscope"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Main(m) }

// supervisor is the read context of a supervisor of scope.
func supervisor(kind authz.ScopeKind, id string) context.Context {
	return authz.WithViewer(context.Background(), authz.Viewer{AccountID: "acc_test", Role: authz.RoleSupervisor,
		Scope: authz.Scope{Kind: kind, ID: id}})
}

// TestRecordsStayWhereTheyWereMade: every record about an official is stamped with the
// official's unit and province when it is made; after the official moves to another province,
// their old records stay in the old unit's and province's scope and the new ones belong to the
// new: supervisors see exactly that. A collective commendation is stamped with its unit.
func TestRecordsStayWhereTheyWereMade(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		c := db.Client
		sys := authz.System(context.Background(), authz.SysTestFixture)
		camp := testutil.Org(t, c, testutil.Shape{Provinces: 2, Districts: 1, Units: 2, Officials: 2, Pledges: 2})

		for _, p := range c.Pledge.Query().WithOfficial(func(q *ent.OfficialQuery) {
			q.WithUnit(func(q *ent.UnitQuery) { q.WithProvince() })
		}).AllX(sys) {
			u := p.Edges.Official.Edges.Unit
			if p.ScopeUnitID != u.ID || p.ScopeProvinceID != u.Edges.Province.ID {
				t.Fatalf("pledge %s stamped %q/%q, official's unit %s", p.ID, p.ScopeUnitID, p.ScopeProvinceID, u.ID)
			}
		}

		provinces := c.Province.Query().Order(ent.Asc("code")).AllX(sys)
		p1, p2 := provinces[0], provinces[1]
		from := p1.QueryUnits().Order(ent.Asc("id")).FirstX(sys)
		to := p2.QueryUnits().Order(ent.Asc("id")).FirstX(sys)
		mover := from.QueryOfficials().Order(ent.Asc("id")).FirstX(sys)
		c.Official.UpdateOne(mover).SetUnit(to).ExecX(sys)
		fresh := c.Pledge.Create().SetYear(2030).SetSignedAt(camp.IssuedOn).SetOfficial(mover).SetCampaign(camp).SaveX(sys)

		count := func(ctx context.Context) (old, now int) {
			for _, id := range c.Pledge.Query().Where(pledge.HasOfficialWith(official.ID(mover.ID))).IDsX(ctx) {
				if id == fresh.ID {
					now++
				} else {
					old++
				}
			}
			return old, now
		}
		for _, tc := range []struct {
			name     string
			ctx      context.Context
			old, now int
		}{
			{"old province", supervisor(authz.ScopeProvince, p1.ID), 2, 0},
			{"new province", supervisor(authz.ScopeProvince, p2.ID), 0, 1},
			{"old unit", supervisor(authz.ScopeUnit, from.ID), 2, 0},
			{"new unit", supervisor(authz.ScopeUnit, to.ID), 0, 1},
			{"nation", supervisor(authz.ScopeNation, ""), 2, 1},
		} {
			if old, now := count(tc.ctx); old != tc.old || now != tc.now {
				t.Errorf("%s sees %d pledges made before the move and %d after, want %d and %d", tc.name, old, now, tc.old, tc.now)
			}
		}

		unitAward := c.Commendation.Create().SetUnit(to).SetForm(commendation.FormTAP_THE_LAO_DONG_TIEN_TIEN).
			SetLevel(commendation.LevelPROVINCE).SetYear(2030).SetReason("Tập thể lao động tiên tiến").SaveX(sys)
		if unitAward.ScopeUnitID != to.ID || unitAward.ScopeProvinceID != p2.ID {
			t.Errorf("collective commendation stamped %q/%q, want %s/%s", unitAward.ScopeUnitID, unitAward.ScopeProvinceID, to.ID, p2.ID)
		}
		if n := c.Commendation.Query().CountX(supervisor(authz.ScopeProvince, p1.ID)); n != 0 {
			t.Errorf("the other province's supervisor sees %d commendations", n)
		}
		if n := c.Commendation.Query().CountX(supervisor(authz.ScopeProvince, p2.ID)); n != 1 {
			t.Errorf("the province's supervisor sees %d commendations, want 1", n)
		}
	})
}

// TestBackfill: rows written before the scope columns existed (empty columns) are stamped by the
// migration's backfill as the hook stamps new ones.
func TestBackfill(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		c := db.Client
		sys := authz.System(context.Background(), authz.SysTestFixture)
		camp := testutil.Org(t, c, testutil.Shape{Provinces: 2, Districts: 1, Units: 2, Officials: 2, Pledges: 3})
		off := c.Official.Query().FirstX(sys)
		u := c.Unit.Query().FirstX(sys)
		c.Acknowledgement.Create().SetOfficial(off).SetCampaign(camp).SetAcknowledgedAt(camp.IssuedOn).ExecX(sys)
		c.Commendation.Create().SetUnit(u).SetForm(commendation.FormTAP_THE_LAO_DONG_TIEN_TIEN).
			SetLevel(commendation.LevelPROVINCE).SetYear(2025).SetReason("tốt").ExecX(sys)
		c.Commendation.Create().SetOfficial(off).SetForm(commendation.FormGIAY_KHEN).
			SetLevel(commendation.LevelUNIT).SetYear(2025).SetReason("tốt").ExecX(sys)

		tables := []string{"acknowledgements", "pledges", "self_assessments", "commendations"}
		snapshot := func() map[string]string {
			out := map[string]string{}
			for _, table := range tables {
				rows, err := db.SQL.Query(`SELECT id, COALESCE(scope_unit_id, ''), COALESCE(scope_province_id, '') FROM ` + table)
				if err != nil {
					t.Fatal(err)
				}
				for rows.Next() {
					var id, unit, province string
					if err := rows.Scan(&id, &unit, &province); err != nil {
						t.Fatal(err)
					}
					out[id] = unit + "/" + province
				}
				rows.Close()
			}
			return out
		}
		before := snapshot()
		if len(before) < 2*2*2*3+2 {
			t.Fatalf("only %d records", len(before))
		}
		for _, table := range tables {
			if _, err := db.SQL.Exec(`UPDATE ` + table + ` SET scope_unit_id = NULL, scope_province_id = NULL`); err != nil {
				t.Fatal(err)
			}
		}
		unstamped := func() int {
			got, err := recordscope.Unstamped(context.Background(), db.SQL)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, table := range tables {
				n += got[table]
			}
			return n
		}
		if n := unstamped(); n != len(before) {
			t.Errorf("Unstamped counts %d of the %d emptied records", n, len(before))
		}
		tx, err := db.SQL.Begin()
		if err != nil {
			t.Fatal(err)
		}
		if err := recordscope.Backfill(context.Background(), tx); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		after := snapshot()
		if n := unstamped(); n != 0 {
			t.Errorf("Unstamped counts %d records after the backfill", n)
		}
		// Restamped where the hook had put them, the records match their kept counts again.
		if got, err := recordscope.Unstamped(context.Background(), db.SQL); err != nil || got["record_counts"] != 0 || got["cases"] != 0 {
			t.Errorf("after the backfill: %v, %v", got, err)
		}
		for id, want := range before {
			if want == "/" {
				t.Fatalf("%s was not stamped by the hook", id)
			}
			if after[id] != want {
				t.Errorf("%s: backfill stamped %q, the hook %q", id, after[id], want)
			}
		}
	})
}
