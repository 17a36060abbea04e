package progress_test

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/progress"
	"github.com/liemchinh/liemchinh/internal/sealbox"
	"github.com/liemchinh/liemchinh/internal/seed"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

var sys = authz.System(context.Background(), authz.SysTestFixture)

// demoNow is the day the demo is loaded and served at (the current year's reference day).
var demoNow = time.Date(2026, time.November, 29, 10, 0, 0, 0, time.UTC)

// demo loads the demo campaign into a fresh database of the dialect and serves it at demoNow.
func demo(t *testing.T, dia string) (*testutil.DB, *testutil.API) {
	t.Helper()
	db := testutil.Open(t, dia)
	box, err := sealbox.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Demo(sys, db.Client, seed.Options{Box: box, Now: demoNow}); err != nil {
		t.Fatal(err)
	}
	api := testutil.NewAPIAt(t, db, testutil.Config(t, nil), func() time.Time { return demoNow })
	// The counters are built here, not by the first request, which has a deadline.
	if err := progress.New(db.DB, func() time.Time { return demoNow }).Rebuild(sys); err != nil {
		t.Fatal(err)
	}
	return db, api
}

// TestDemoFigures checks on the demo, through the handler, that a unit manager's headcount is
// progress's for every unit (this year and a past one), and what a province's ranking orders.
func TestDemoFigures(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the whole demo")
	}
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db, api := demo(t, dia)
		units := db.Client.Unit.Query().WithProvince().AllX(sys)
		admin := api.SignedInQuick(t, db, authz.RoleAdmin, authz.Scope{Kind: authz.ScopeNation}, "")

		t.Run("one headcount", func(t *testing.T) {
			mismatches := 0
			for _, u := range units {
				manager := api.SignedInQuick(t, db, authz.RoleUnitManager, authz.Scope{Kind: authz.ScopeUnit, ID: u.ID}, "")
				for _, year := range []int{2026, 2025} {
					var out struct {
						Viewer   struct{ UnitYear struct{ Headcount int } }
						Progress struct{ Headcount int }
					}
					manager.Query(t, `query($u: ID!, $y: Int!) { viewer { unitYear(year: $y) { headcount } }
						progress(scope: {unitId: $u}, year: $y) { headcount } }`, map[string]any{"u": u.ID, "y": year}).Decode(t, &out)
					if out.Viewer.UnitYear.Headcount != out.Progress.Headcount {
						mismatches++
						if mismatches <= 5 {
							t.Errorf("%s %d: unitYear.headcount %d, progress.headcount %d", u.Name, year,
								out.Viewer.UnitYear.Headcount, out.Progress.Headcount)
						}
					}
				}
			}
			if mismatches > 0 {
				t.Errorf("%d of %d unit-years disagree", mismatches, 2*len(units))
			}
		})

		t.Run("province figures at once", func(t *testing.T) {
			// ProvinceFigures (the open progress export) is Figures of each province, merged
			// provinces included (the reference provinces: the 63 merged into the 34 in July 2025).
			svc := progress.New(db.DB, func() time.Time { return demoNow })
			provs := db.Client.Province.Query().AllX(sys)
			for _, year := range []int{2026, 2025, 2024} {
				all, err := svc.ProvinceFigures(sys, provs, year)
				if err != nil {
					t.Fatal(err)
				}
				for i, p := range provs {
					one, err := svc.Figures(sys, authz.Scope{Kind: authz.ScopeProvince, ID: p.ID}, year)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(all[i], one) {
						t.Errorf("%s %d: at once %+v, alone %+v", p.Name, year, all[i], one)
					}
				}
			}
		})

		t.Run("province ranking", func(t *testing.T) {
			prov := ""
			levels := map[unit.Level]int{}
			top := 0
			for _, u := range units {
				prov = u.Edges.Province.ID // every demo unit is in Bến Tre
				levels[u.Level]++
				if !u.QueryParent().ExistX(sys) {
					top++
				}
			}
			if levels[progress.ProvinceRankLevel] <= levels[unit.LevelPROVINCE] || levels[progress.ProvinceRankLevel] <= levels[unit.LevelDISTRICT] {
				t.Fatalf("the default level is not the demo's largest: %v", levels)
			}
			rank := func(extra string) (int, map[string]int, string) {
				t.Helper()
				var out struct {
					Ranking struct {
						TotalCount int
						Edges      []struct {
							Node struct {
								Unit struct{ Level string }
							}
						}
					}
				}
				r := admin.Query(t, fmt.Sprintf(`query($p: ID!) { ranking(scope: {provinceId: $p}, year: 2026, metric: PLEDGE_RATE, first: 100%s) {
					totalCount edges { node { unit { level } } } } }`, extra), map[string]any{"p": prov})
				if r.Code() != "" {
					return 0, nil, r.Code()
				}
				r.Decode(t, &out)
				got := map[string]int{}
				for _, e := range out.Ranking.Edges {
					got[e.Node.Unit.Level]++
				}
				return out.Ranking.TotalCount, got, ""
			}
			n, got, code := rank("")
			if code != "" {
				t.Fatalf("default province ranking: %s", code)
			}
			want := levels[progress.ProvinceRankLevel]
			if n != want || got[string(progress.ProvinceRankLevel)] != min(want, 100) || len(got) != 1 {
				t.Fatalf("default province ranking: %d entries %v, want the %d units of level %s", n, got, want, progress.ProvinceRankLevel)
			}
			if n, got, _ := rank(", level: DISTRICT"); n != levels[unit.LevelDISTRICT] || len(got) != 1 || got["DISTRICT"] == 0 {
				t.Fatalf("level DISTRICT: %d %v, want %d", n, got, levels[unit.LevelDISTRICT])
			}
			if n, _, _ := rank(", topLevel: true"); n != top || top != 2 {
				t.Fatalf("topLevel: %d entries, want the %d top-level units (2)", n, top)
			}
			if _, _, code := rank(", level: COMMUNE, topLevel: true"); code != "BAD_USER_INPUT" {
				t.Fatalf("level with topLevel: %q, want BAD_USER_INPUT", code)
			}
		})
	})
}
