package testutil

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/province"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/authz"
)

// Shape says how many children each level of a test organisation has.
type Shape struct{ Provinces, Districts, Units, Officials, Pledges int }

// Org creates provinces -> districts -> units -> officials -> pledges (one pledge per year from
// 2020) in the given shape, with province codes T01, T02, ... and district codes T01-01, ...
func Org(tb testing.TB, client *ent.Client, s Shape) *ent.Campaign {
	tb.Helper()
	ctx := authz.System(context.Background(), authz.SysTestFixture)
	day := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	camp, err := client.Campaign.Create().SetCode(fmt.Sprintf("TEST-%d", time.Now().UnixNano())).
		SetPlanNumber("1/KH-TEST").SetIssuer("Test").SetTitleVi("Thử").SetTitleEn("Test").
		SetIssuedOn(day).Save(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	for p := range s.Provinces {
		prov, err := client.Province.Create().SetCode(fmt.Sprintf("T%02d", p+1)).
			SetName(fmt.Sprintf("Tỉnh Thử %d", p+1)).SetKind(province.KindPROVINCE).SetValidFrom(day).Save(ctx)
		if err != nil {
			tb.Fatal(err)
		}
		for d := range s.Districts {
			dist, err := client.District.Create().SetCode(fmt.Sprintf("T%02d-%02d", p+1, d+1)).
				SetName(fmt.Sprintf("Huyện Thử %d-%d", p+1, d+1)).SetKind("Huyện").SetValidFrom(day).
				SetProvince(prov).Save(ctx)
			if err != nil {
				tb.Fatal(err)
			}
			units := make([]*ent.UnitCreate, s.Units)
			for u := range units {
				units[u] = client.Unit.Create().SetName(fmt.Sprintf("Đơn vị %d-%d-%d", p+1, d+1, u+1)).
					SetLevel(unit.LevelDISTRICT).SetKind(unit.KindAGENCY).SetProvince(prov).SetDistrict(dist)
			}
			us, err := client.Unit.CreateBulk(units...).Save(ctx)
			if err != nil {
				tb.Fatal(err)
			}
			for ui, un := range us {
				offs := make([]*ent.OfficialCreate, s.Officials)
				for o := range offs {
					offs[o] = client.Official.Create().SetFullName(fmt.Sprintf("Nguyễn Văn %d", o+1)).
						SetCategory("CONG_CHUC").SetEmployeeCode(fmt.Sprintf("T-%d-%d-%d-%d", p, d, ui, o)).
						SetActiveFrom(day).SetUnit(un)
				}
				os, err := client.Official.CreateBulk(offs...).Save(ctx)
				if err != nil {
					tb.Fatal(err)
				}
				var pledges []*ent.PledgeCreate
				for _, off := range os {
					for y := range s.Pledges {
						pledges = append(pledges, client.Pledge.Create().SetYear(2020+y).
							SetSignedAt(day.AddDate(y, 0, 1)).SetOfficial(off).SetCampaign(camp))
					}
				}
				if len(pledges) > 0 {
					if _, err := client.Pledge.CreateBulk(pledges...).Save(ctx); err != nil {
						tb.Fatal(err)
					}
				}
			}
		}
	}
	return camp
}
