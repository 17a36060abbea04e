package recordscope_test

import (
	"context"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/citizencase"
	"github.com/liemchinh/liemchinh/ent/pledge"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/recordscope"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// TestCountsKeepStep: the counts kept per unit follow every acknowledgement and pledge created
// (one by one and in bulk), deleted (one, and by a filter) and made after a transfer; a marked
// unfiltered count is summed from them under the viewer's scope, once per mark, and never for an
// official's own records; the rebuild recomputes them from the records.
func TestCountsKeepStep(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		c := db.Client
		sys := authz.System(context.Background(), authz.SysTestFixture)
		camp := testutil.Org(t, c, testutil.Shape{Provinces: 2, Districts: 2, Units: 2, Officials: 2, Pledges: 2})
		check := func(when string) {
			t.Helper()
			got, err := recordscope.Unstamped(context.Background(), db.SQL)
			if err != nil {
				t.Fatal(err)
			}
			if got["record_counts"] != 0 {
				t.Fatalf("%s: %d places whose kept count is not the records'", when, got["record_counts"])
			}
		}
		check("after the fixture")

		provinces := c.Province.Query().Order(ent.Asc("code")).AllX(sys)
		p1, p2 := provinces[0], provinces[1]
		u1 := p1.QueryUnits().Order(ent.Asc("id")).FirstX(sys)
		u2 := p2.QueryUnits().Order(ent.Asc("id")).FirstX(sys)
		offs := u1.QueryOfficials().Order(ent.Asc("id")).AllX(sys)
		c.Acknowledgement.Create().SetOfficial(offs[0]).SetCampaign(camp).SetAcknowledgedAt(camp.IssuedOn).ExecX(sys)
		c.Pledge.CreateBulk(
			c.Pledge.Create().SetYear(2040).SetSignedAt(camp.IssuedOn).SetOfficial(offs[0]).SetCampaign(camp),
			c.Pledge.Create().SetYear(2040).SetSignedAt(camp.IssuedOn).SetOfficial(offs[1]).SetCampaign(camp),
		).ExecX(sys)
		check("after creating")
		c.Pledge.DeleteOne(c.Pledge.Query().Where(pledge.Year(2040)).FirstX(sys)).ExecX(sys)
		if n := c.Pledge.Delete().Where(pledge.Year(2020)).ExecX(sys); n == 0 {
			t.Fatal("nothing deleted")
		}
		check("after deleting")
		c.Official.UpdateOne(offs[1]).SetUnit(u2).ExecX(sys)
		c.Pledge.Create().SetYear(2041).SetSignedAt(camp.IssuedOn).SetOfficial(offs[1]).SetCampaign(camp).ExecX(sys)
		check("after a transfer")

		viewers := map[string]context.Context{
			"nation":    supervisor(authz.ScopeNation, ""),
			"province1": supervisor(authz.ScopeProvince, p1.ID),
			"province2": supervisor(authz.ScopeProvince, p2.ID),
			"district":  supervisor(authz.ScopeDistrict, u1.QueryDistrict().OnlyIDX(sys)),
			"unit":      supervisor(authz.ScopeUnit, u1.ID),
			"official": authz.WithViewer(context.Background(), authz.Viewer{AccountID: "acc_off", Role: authz.RoleOfficial,
				OfficialID: offs[0].ID}),
		}
		counted := map[string]int{}
		for name, ctx := range viewers {
			want := c.Pledge.Query().CountX(ctx)
			counted[name] = want
			if got := c.Pledge.Query().CountX(recordscope.Totals(ctx)); got != want {
				t.Errorf("%s: total %d from the counts, %d counted", name, got, want)
			}
			if a, b := c.Acknowledgement.Query().CountX(recordscope.Totals(ctx)), c.Acknowledgement.Query().CountX(ctx); a != b {
				t.Errorf("%s: %d acknowledgements from the counts, %d counted", name, a, b)
			}
			if a, b := c.SelfAssessment.Query().CountX(recordscope.Totals(ctx)), c.SelfAssessment.Query().CountX(ctx); a != b {
				t.Errorf("%s: %d self-assessments from the counts, %d counted", name, a, b)
			}
		}
		if counted["province1"] == 0 || counted["province2"] == 0 || counted["official"] == 0 || counted["nation"] != counted["province1"]+counted["province2"] {
			t.Fatalf("implausible fixture counts %v", counted)
		}
		if _, err := c.Pledge.Query().Count(recordscope.Totals(context.Background())); err == nil {
			t.Error("an anonymous marked count did not fail")
		}

		// A count kept for province 1 that no record backs shows who reads the counts.
		if _, err := db.SQL.Exec(`INSERT INTO record_counts (kind, scope_unit_id, scope_province_id, shard, n) VALUES ('pledges', 'unit-x', '` + p1.ID + `', 0, 1000)`); err != nil {
			t.Fatal(err)
		}
		for name, extra := range map[string]int{"nation": 1000, "province1": 1000, "province2": 0, "district": 0, "unit": 0, "official": 0} {
			ctx := recordscope.Totals(viewers[name])
			if got := c.Pledge.Query().CountX(ctx); got != counted[name]+extra {
				t.Errorf("%s: marked total %d, want %d", name, got, counted[name]+extra)
			}
			if got := c.Pledge.Query().CountX(ctx); got != counted[name] {
				t.Errorf("%s: a second count with the same mark gave %d, want the records' %d", name, got, counted[name])
			}
			if got := c.Pledge.Query().CountX(viewers[name]); got != counted[name] {
				t.Errorf("%s: unmarked count %d, want %d", name, got, counted[name])
			}
		}
		tx, err := db.SQL.Begin()
		if err != nil {
			t.Fatal(err)
		}
		if err := recordscope.RebuildCounts(context.Background(), tx); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		check("after the rebuild")
		if got := c.Pledge.Query().CountX(recordscope.Totals(viewers["province1"])); got != counted["province1"] {
			t.Errorf("after the rebuild province 1's total is %d, want %d", got, counted["province1"])
		}
	})
}

// TestCaseProvinceFollowsItsUnit: a case carries its unit's province from its creation and after
// a transfer; the province supervisors see it accordingly.
func TestCaseProvinceFollowsItsUnit(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		c := db.Client
		sys := authz.System(context.Background(), authz.SysTestFixture)
		testutil.Org(t, c, testutil.Shape{Provinces: 2, Districts: 1, Units: 1, Officials: 1})
		provinces := c.Province.Query().Order(ent.Asc("code")).AllX(sys)
		p1, p2 := provinces[0], provinces[1]
		u1 := p1.QueryUnits().FirstX(sys)
		u2 := p2.QueryUnits().FirstX(sys)
		cs := c.CitizenCase.Create().SetTrackingCode("RSC000001").SetSecretHash("x").
			SetChannel(enum.ChannelFeedback).SetRequestedChannel(enum.ChannelFeedback).SetCategory(enum.CategoryNoArrogance).
			SetDescription("Chậm trễ").SetAnonymous(true).SetState(enum.CaseSubmitted).SetReceivedAt(time.Now()).
			SetUnitID(u1.ID).SaveX(sys)
		sees := func(p *ent.Province) int {
			return c.CitizenCase.Query().Where(citizencase.ID(cs.ID)).CountX(supervisor(authz.ScopeProvince, p.ID))
		}
		if got := c.CitizenCase.GetX(sys, cs.ID).ScopeProvinceID; got != p1.ID || sees(p1) != 1 || sees(p2) != 0 {
			t.Fatalf("a new case of province 1: stamped %q, seen by province 1 %d, province 2 %d", got, sees(p1), sees(p2))
		}
		c.CitizenCase.UpdateOneID(cs.ID).SetUnitID(u2.ID).SetTransferredToID(u2.ID).ExecX(sys)
		if got := c.CitizenCase.GetX(sys, cs.ID).ScopeProvinceID; got != p2.ID || sees(p1) != 0 || sees(p2) != 1 {
			t.Fatalf("after the transfer: stamped %q, seen by province 1 %d, province 2 %d", got, sees(p1), sees(p2))
		}
		c.CitizenCase.Update().Where(citizencase.ID(cs.ID)).SetUnitID(u1.ID).ExecX(sys)
		if got := c.CitizenCase.GetX(sys, cs.ID).ScopeProvinceID; got != p1.ID {
			t.Fatalf("after a transfer back by a bulk update: stamped %q", got)
		}
		got, err := recordscope.Unstamped(context.Background(), db.SQL)
		if err != nil {
			t.Fatal(err)
		}
		if got["cases"] != 0 {
			t.Fatalf("%d cases whose province is not their unit's", got["cases"])
		}
	})
}
