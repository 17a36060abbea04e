package server_test

import (
	"testing"

	"github.com/liemchinh/liemchinh/ent/province"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// BenchmarkNestedQuery times the foundation issue's five-level query returning 5^5 = 3,125
// pledges through the real HTTP handler, on each database, as a national supervisor (no scope
// filter) and as a province supervisor (every level of officials and pledges filtered by scope):
//
//	go test ./internal/server -run '^$' -bench NestedQuery -benchtime 100x
func BenchmarkNestedQuery(b *testing.B) {
	for _, dia := range testutil.Dialects() {
		for _, scope := range []string{"nation", "province"} {
			b.Run(dia+"/"+scope, func(b *testing.B) { benchNested(b, dia, scope) })
		}
	}
}

func benchNested(b *testing.B, dia, scope string) {
	{
		{
			db := testutil.Open(b, dia)
			testutil.Org(b, db.Client, testutil.Shape{Provinces: 5, Districts: 5, Units: 5, Officials: 5, Pledges: 5})
			sc := authz.Scope{Kind: authz.ScopeNation}
			if scope == "province" {
				// A province of the same shape in scope: all 3,125 pledges come back, filtered.
				id, err := db.Client.Province.Query().Where(province.Code("T01")).OnlyID(authz.System(b.Context()))
				if err != nil {
					b.Fatal(err)
				}
				sc = authz.Scope{Kind: authz.ScopeProvince, ID: id}
			}
			api := testutil.NewAPI(b, db, testutil.Config(b, nil)).SignedIn(b, db, authz.RoleSupervisor, sc, "")
			vars := map[string]any{"n": 5}
			if r := api.Query(b, nestedQuery, vars); len(r.Errors) > 0 {
				b.Fatalf("errors: %s", r.Raw)
			}
			db.Counter.Reset()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if r := api.Query(b, nestedQuery, vars); len(r.Errors) > 0 {
					b.Fatalf("errors: %s", r.Raw)
				}
			}
			b.ReportMetric(float64(db.Counter.Count())/float64(b.N), "sql/op")
		}
	}
}
