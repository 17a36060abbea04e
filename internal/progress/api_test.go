package progress_test

import (
	"testing"

	"github.com/liemchinh/liemchinh/internal/testutil"
)

const progressQuery = `query($scope: ScopeInput!, $year: Int!) { progress(scope: $scope, year: $year) {
  scope { kind id name } year asOf suppressed headcount units
  awareness { numerator denominator rate } awarenessTarget { target met }
  pledge { numerator denominator rate } registration { numerator denominator rate }
  selfAssessment { numerator denominator rate } classifications { classification count }
  cases { received byChannel { channel count } byCategory { category count } byState { state count }
          overdueNow onTime { numerator denominator rate } satisfaction { rated mean } }
  negativity { numerator denominator rate } negativityPerThousand
  reduction { rate previousRate value targetLow targetHigh status }
  commendations { total byForm { form count } byLevel { level count } } } }`

type progressAnswer struct {
	Progress struct {
		Scope      struct{ Kind, ID, Name string }
		Suppressed bool
		Headcount  int
		Units      int
		Pledge     struct {
			Numerator   *int
			Denominator int
			Rate        *float64
		}
		Registration struct{ Numerator *int }
		Cases        *struct{ Received int }
		Reduction    struct{ Status string }
	}
}

// TestProgressThroughTheAPI checks who sees what, small-cell suppression, bad input, that a
// mutation shows at once, and that the statements a progress request costs do not grow with the
// scope.
func TestProgressThroughTheAPI(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		cfg := testutil.Config(t, nil)
		api := testutil.NewAPI(t, db, cfg)
		w := testutil.NewWorld(t, db, cfg)
		a := w.A
		login := func(role string) *testutil.API {
			tok, _ := api.Login(t, w.Logins[role], testutil.Password)
			return api.As(tok)
		}
		get := func(as *testutil.API, scope map[string]any, year int) progressAnswer {
			t.Helper()
			var got progressAnswer
			as.Query(t, progressQuery, map[string]any{"scope": scope, "year": year}).Decode(t, &got)
			return got
		}
		code := func(as *testutil.API, scope map[string]any, year int) string {
			t.Helper()
			return as.Query(t, progressQuery, map[string]any{"scope": scope, "year": year}).Code()
		}
		sup, admin, official := login("provinceSupervisor"), login("admin"), login("official")

		// Province A: 4 officials in 3 units; Clerk and Outsider pledged for 2025 and their units registered.
		p := get(sup, map[string]any{"provinceId": a.Province}, 2025).Progress
		if p.Suppressed || p.Headcount != 4 || p.Units != 3 || p.Pledge.Numerator == nil || *p.Pledge.Numerator != 2 ||
			*p.Registration.Numerator != 2 || p.Scope.Kind != "PROVINCE" || p.Scope.Name != "Tỉnh "+"A" && p.Scope.Name == "" {
			t.Fatalf("province A 2025: %+v", p)
		}
		if n := get(admin, map[string]any{"national": true}, 2025).Progress; n.Headcount != 8 || *n.Pledge.Numerator != 4 {
			t.Fatalf("nation 2025: %+v", n)
		}
		// Outside the scope: refused, not even counts.
		for _, sc := range []map[string]any{{"provinceId": w.B.Province}, {"national": true}, {"unitId": w.B.ChildUnit}, {"districtId": w.B.District}} {
			if c := code(sup, sc, 2025); c != "FORBIDDEN" {
				t.Fatalf("province supervisor on %v: %s", sc, c)
			}
		}
		if c := code(api, map[string]any{"unitId": a.ChildUnit}, 2025); c != "UNAUTHENTICATED" {
			t.Fatalf("anonymous: %s", c)
		}
		// An official sees their own unit, with the small cell hidden; nothing else.
		own := get(official, map[string]any{"unitId": a.ChildUnit}, 2025).Progress
		if !own.Suppressed || own.Headcount != 1 || own.Pledge.Numerator != nil || own.Pledge.Rate != nil || own.Cases != nil ||
			own.Reduction.Status != "NO_BASELINE" {
			t.Fatalf("official's own unit: %+v", own)
		}
		if c := code(official, map[string]any{"unitId": a.OtherUnit}, 2025); c != "FORBIDDEN" {
			t.Fatalf("official on another unit: %s", c)
		}
		// The same small unit, for its supervisors: whole.
		if sp := get(sup, map[string]any{"unitId": a.ChildUnit}, 2025).Progress; sp.Suppressed || *sp.Pledge.Numerator != 1 {
			t.Fatalf("supervisor on the small unit: %+v", sp)
		}
		// Bad input.
		for _, bad := range []struct {
			scope map[string]any
			year  int
		}{{map[string]any{"unitId": a.ChildUnit, "provinceId": a.Province}, 2025}, {map[string]any{}, 2025},
			{map[string]any{"national": false}, 2025}, {map[string]any{"unitId": a.ChildUnit}, 2019},
			{map[string]any{"unitId": a.ChildUnit}, 2100}, {map[string]any{"unitId": "unt_nope"}, 2025}} {
			if c := code(admin, bad.scope, bad.year); c != "BAD_USER_INPUT" && c != "NOT_FOUND" {
				t.Fatalf("bad input %v %d: %s", bad.scope, bad.year, c)
			}
		}

		// A pledge signed through the API shows at once.
		year := 2026
		before := get(sup, map[string]any{"unitId": a.ChildUnit}, year).Progress
		r := official.Query(t, `mutation($c: ID!, $y: Int!) { pledgeSign(input: {campaignId: $c, year: $y, idempotencyKey: "k-progress-1"}) { pledge { id } userErrors { message } } }`,
			map[string]any{"c": w.Campaign, "y": year})
		var signed struct {
			PledgeSign struct {
				Pledge     *struct{ ID string }
				UserErrors []struct{ Message string }
			}
		}
		r.Decode(t, &signed)
		if signed.PledgeSign.Pledge == nil {
			t.Fatalf("pledgeSign: %s", r.Raw)
		}
		after := get(sup, map[string]any{"unitId": a.ChildUnit}, year).Progress
		if *after.Pledge.Numerator != *before.Pledge.Numerator+1 {
			t.Fatalf("pledge count %d -> %d", *before.Pledge.Numerator, *after.Pledge.Numerator)
		}
		if pa := get(sup, map[string]any{"provinceId": a.Province}, year).Progress; *pa.Pledge.Numerator != *after.Pledge.Numerator {
			t.Fatalf("the province does not follow: %+v", pa)
		}

		// Statements per request do not depend on the scope's size.
		count := func(scope map[string]any) int {
			db.Counter.Reset()
			get(admin, scope, 2025)
			return db.Counter.Count()
		}
		nation, province, unit := count(map[string]any{"national": true}), count(map[string]any{"provinceId": a.Province}), count(map[string]any{"unitId": a.ChildUnit})
		t.Logf("%s: SQL statements per progress request: nation %d, province %d, unit %d", dia, nation, province, unit)
		if nation > unit || province > unit+1 || unit > 6 {
			t.Fatalf("statements: nation %d, province %d, unit %d", nation, province, unit)
		}
	})
}

// TestRankingAndSeries checks the ranking's order and paging and the series' months.
func TestRankingAndSeries(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		cfg := testutil.Config(t, nil)
		api := testutil.NewAPI(t, db, cfg)
		w := testutil.NewWorld(t, db, cfg)
		tok, _ := api.Login(t, w.Logins["admin"], testutil.Password)
		admin := api.As(tok)
		var got struct {
			Ranking struct {
				TotalCount int
				PageInfo   struct{ HasNextPage bool }
				Edges      []struct {
					Cursor string
					Node   struct {
						Rank      int
						Scope     struct{ Kind, ID string }
						Unit      *struct{ ID string }
						Headcount int
						Value     *float64
					}
				}
			}
			ProgressSeries struct {
				Headcount int
				Points    []struct {
					Month   int
					Pledged *int
				}
			}
		}
		q := `query($s: ScopeInput!, $m: ProgressMetric!, $top: Boolean) { ranking(scope: $s, year: 2025, metric: $m, first: 1, topLevel: $top) {
			totalCount pageInfo { hasNextPage } edges { cursor node { rank scope { kind id } unit { id } headcount value } } }
			progressSeries(scope: $s, year: 2025) { headcount points { month pledged } } }`
		admin.Query(t, q, map[string]any{"s": map[string]any{"provinceId": w.A.Province}, "m": "HEADCOUNT", "top": true}).Decode(t, &got)
		// Top-level units of province A: UBND A-1 (3 officials with its child unit) and UBND A-2 (1).
		rk := got.Ranking
		if rk.TotalCount != 2 || !rk.PageInfo.HasNextPage || len(rk.Edges) != 1 || rk.Edges[0].Node.Rank != 1 ||
			rk.Edges[0].Node.Scope.ID != w.A.ParentUnit || rk.Edges[0].Node.Headcount != 3 || *rk.Edges[0].Node.Value != 3 ||
			rk.Edges[0].Node.Unit == nil {
			t.Fatalf("ranking: %+v", rk)
		}
		s := got.ProgressSeries
		if s.Headcount != 4 || len(s.Points) != 12 || *s.Points[1].Pledged != 0 || *s.Points[2].Pledged != 2 || *s.Points[11].Pledged != 2 {
			t.Fatalf("series: %+v", s)
		}
		var nat struct {
			Ranking struct {
				Edges []struct {
					Node struct {
						Scope     struct{ Kind string }
						Headcount int
					}
				}
			}
		}
		admin.Query(t, `{ ranking(scope: {national: true}, year: 2025, metric: PLEDGE_RATE) { edges { node { scope { kind } headcount } } } }`, nil).Decode(t, &nat)
		if len(nat.Ranking.Edges) != 2 || nat.Ranking.Edges[0].Node.Scope.Kind != "PROVINCE" || nat.Ranking.Edges[0].Node.Headcount != 4 {
			t.Fatalf("national ranking: %+v", nat)
		}
	})
}
