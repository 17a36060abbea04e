package server_test

import (
	"testing"

	"github.com/liemchinh/liemchinh/internal/testutil"
)

// BenchmarkNestedQuery times the foundation issue's five-level query returning 5^5 = 3,125
// pledges through the real HTTP handler, on each database:
//
//	go test ./internal/server -run '^$' -bench NestedQuery -benchtime 100x
func BenchmarkNestedQuery(b *testing.B) {
	for _, dia := range testutil.Dialects() {
		b.Run(dia, func(b *testing.B) {
			db := testutil.Open(b, dia)
			testutil.Org(b, db.Client, testutil.Shape{Provinces: 5, Districts: 5, Units: 5, Officials: 5, Pledges: 5})
			api := testutil.NewAPI(b, db, testutil.Config(b, nil))
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
		})
	}
}
