package server_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent/province"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// BenchmarkNestedQuery times the foundation issue's five-level query through the real HTTP
// handler, on each database:
//
//   - nation-3125: 5^5 = 3,125 pledges as a national supervisor (no scope filter);
//
//   - nation-625 and province-625: one province of 625 pledges, seen by a national and by a
//     province supervisor, the same answer with and without the scope filters, so the
//     difference is what authorization costs.
//
//     go test ./internal/server -run '^$' -bench NestedQuery -benchtime 40x -count 5
func BenchmarkNestedQuery(b *testing.B) {
	for _, dia := range testutil.Dialects() {
		for _, c := range []struct {
			name      string
			provinces int
			scoped    bool
		}{{"nation-3125", 5, false}, {"nation-625", 1, false}, {"province-625", 1, true}} {
			b.Run(dia+"/"+c.name, func(b *testing.B) { benchNested(b, dia, c.provinces, c.scoped) })
		}
	}
}

func benchNested(b *testing.B, dia string, provinces int, scoped bool) {
	db := testutil.Open(b, dia)
	testutil.Org(b, db.Client, testutil.Shape{Provinces: provinces, Districts: 5, Units: 5, Officials: 5, Pledges: 5})
	sc := authz.Scope{Kind: authz.ScopeNation}
	if scoped {
		id, err := db.Client.Province.Query().Where(province.Code("T01")).OnlyID(authz.System(b.Context(), authz.SysTestFixture))
		if err != nil {
			b.Fatal(err)
		}
		sc = authz.Scope{Kind: authz.ScopeProvince, ID: id}
	}
	api := testutil.NewAPI(b, db, testutil.Config(b, nil)).SignedIn(b, db, authz.RoleSupervisor, sc, "")
	vars := map[string]any{"n": 5}
	var got nestedResult
	api.Query(b, nestedQuery, vars).Decode(b, &got)
	pledges := 0
	for _, p := range got.Provinces.Edges {
		for _, d := range p.Node.Districts.Edges {
			for _, u := range d.Node.Units.Edges {
				for _, o := range u.Node.Officials.Edges {
					pledges += len(o.Node.Pledges.Edges)
				}
			}
		}
	}
	if want := provinces * 625; pledges != want {
		b.Fatalf("%d pledges, want %d", pledges, want)
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

// BenchmarkSelfReporting times pledgeSign and selfAssessmentSubmit through the HTTP handler (each
// iteration a new official, so every call does the real work, idempotency claim and audit
// included).
//
//	go test ./internal/server -run '^$' -bench SelfReporting -benchtime 200x
func BenchmarkSelfReporting(b *testing.B) {
	for _, dia := range testutil.Dialects() {
		b.Run(dia+"/pledgeSign", func(b *testing.B) { benchSelfReport(b, dia, false) })
		b.Run(dia+"/selfAssessmentSubmit", func(b *testing.B) { benchSelfReport(b, dia, true) })
	}
}

func benchSelfReport(b *testing.B, dia string, submit bool) {
	o := newOffice(b, dia)
	// One official per iteration, prepared before the clock starts.
	apis := make([]*testutil.API, b.N)
	drafts := make([]string, b.N)
	for i := range b.N {
		apis[i] = o.official(b, i)
		if submit {
			r := mutate(b, apis[i], "selfAssessmentSave", "selfAssessment", "SelfAssessmentSaveInput", map[string]any{
				"campaignId": o.campaign, "year": 2026, "items": items(true, 4), "score": 80, "idempotencyKey": fmt.Sprint("s", i)})
			drafts[i] = r.ID
		}
	}
	db := o.db
	db.Counter.Reset()
	b.ResetTimer()
	for i := range b.N {
		var r result
		if submit {
			r = mutate(b, apis[i], "selfAssessmentSubmit", "selfAssessment", "SelfAssessmentSubmitInput",
				map[string]any{"selfAssessmentId": drafts[i], "idempotencyKey": fmt.Sprint("b", i)})
		} else {
			r = mutate(b, apis[i], "pledgeSign", "pledge", "PledgeSignInput",
				map[string]any{"campaignId": o.campaign, "year": 2026, "idempotencyKey": fmt.Sprint("b", i)})
		}
		if r.ID == "" {
			b.Fatalf("iteration %d: %+v", i, r)
		}
	}
	b.ReportMetric(float64(db.Counter.Count())/float64(b.N), "sql/op")
}

// BenchmarkSignedInRead times a small signed-in read (the viewer and a page of provinces) through
// the HTTP handler, with the account cache (the default) and without it (ACCOUNT_CACHE_SIZE=0, one
// more statement per request: the account check as it was before the cache):
//
//	go test ./internal/server -run '^$' -bench SignedInRead -benchtime 2000x -count 5
func BenchmarkSignedInRead(b *testing.B) {
	for _, dia := range testutil.Dialects() {
		for _, c := range []struct{ name, size string }{{"cache", ""}, {"nocache", "0"}} {
			b.Run(dia+"/"+c.name, func(b *testing.B) {
				db := testutil.Open(b, dia)
				testutil.Org(b, db.Client, testutil.Shape{Provinces: 5, Districts: 1, Units: 1, Officials: 1, Pledges: 1})
				env := map[string]string{}
				if c.size != "" {
					env["ACCOUNT_CACHE_SIZE"] = c.size
				}
				api := testutil.NewAPI(b, db, testutil.Config(b, env))
				if cache := api.Auth.Cache(); cache != nil && !cache.WaitUp(true, time.Now().Add(30*time.Second)) {
					b.Fatal("the account cache did not come up")
				}
				user := api.SignedIn(b, db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeNation}, "")
				const q = `{ viewer { role } provinces(first: 5) { totalCount edges { node { id name } } } }`
				if r := user.Query(b, q, nil); len(r.Errors) > 0 {
					b.Fatalf("errors: %s", r.Raw)
				}
				db.Counter.Reset()
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					if r := user.Query(b, q, nil); len(r.Errors) > 0 {
						b.Fatalf("errors: %s", r.Raw)
					}
				}
				b.ReportMetric(float64(db.Counter.Count())/float64(b.N), "sql/op")
			})
		}
	}
}
