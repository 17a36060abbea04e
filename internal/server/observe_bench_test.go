package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/server"
	"github.com/liemchinh/liemchinh/internal/store"
	"github.com/liemchinh/liemchinh/internal/testutil"
	"github.com/liemchinh/liemchinh/internal/tracing"
)

// BenchmarkNestedQueryObserved times the nested read of BenchmarkNestedQuery (one province, 625
// pledges, as the province's supervisor) through three handlers on one database: without metrics
// or traces ("bare"), with metrics (what every server counts), and with metrics and traces (a span
// per request and per statement, batched to an OTLP/HTTP collector in the test that reads and
// drops them), wired as the serve command wires them. Each iteration sends the query once to each,
// in turn, so that the load of a shared machine falls on the three alike; it reports each one's
// median time per request (bare-ms, metrics-ms, traces-ms) and the ratios to bare.
//
//	go test ./internal/server -run '^$' -bench NestedQueryObserved -benchtime 60x -count 3
func BenchmarkNestedQueryObserved(b *testing.B) {
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer collector.Close()
	b.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	for _, dia := range testutil.Dialects() {
		b.Run(dia, func(b *testing.B) {
			ctx := context.Background()
			db := testutil.Open(b, dia)
			testutil.Org(b, db.Client, testutil.Shape{Provinces: 1, Districts: 5, Units: 5, Officials: 5, Pledges: 5})
			tr, err := tracing.Start(ctx, true, "bench")
			if err != nil {
				b.Fatal(err)
			}
			defer tr.Shutdown(ctx)
			modes := []string{"bare", "metrics", "traces"}
			apis := make([]*testutil.API, len(modes))
			for i, mode := range modes {
				wrap := (*tracing.Tracing)(nil).Driver
				if mode == "traces" {
					wrap = tr.Driver
				}
				sdb, err := store.Open(ctx, db.URL, wrap) // as serve opens it
				if err != nil {
					b.Fatal(err)
				}
				defer sdb.Close()
				cfg := testutil.Config(b, map[string]string{"BLOB_DIR": b.TempDir()})
				cfg.DatabaseURL = db.URL
				deps, err := server.Build(cfg, slog.New(slog.DiscardHandler), sdb, time.Now)
				if err != nil {
					b.Fatal(err)
				}
				defer deps.Close()
				if mode == "bare" {
					deps.Metrics = nil // counts nothing
				}
				var h http.Handler = server.New(deps)
				if mode == "traces" {
					h = tr.Handler(h, server.Route)
				}
				province, err := sdb.Client.Province.Query().OnlyID(authz.System(ctx, authz.SysTestFixture))
				if err != nil {
					b.Fatal(err)
				}
				apis[i] = (&testutil.API{Handler: h}).SignedIn(b, &testutil.DB{DB: sdb, URL: db.URL}, authz.RoleSupervisor,
					authz.Scope{Kind: authz.ScopeProvince, ID: province}, "")
				var got nestedResult
				apis[i].Query(b, nestedQuery, map[string]any{"n": 5}).Decode(b, &got)
				if len(got.Provinces.Edges) != 1 {
					b.Fatalf("%s: provinces %+v", mode, got.Provinces)
				}
			}
			took := make([][]time.Duration, len(modes))
			cpu := make([]time.Duration, len(modes))
			vars := map[string]any{"n": 5}
			b.ReportAllocs()
			b.ResetTimer()
			for n := 0; b.Loop(); n++ {
				for j := range modes {
					i := (n + j) % len(modes) // each goes first in turn
					start, c0 := time.Now(), cpuTime()
					if r := apis[i].Query(b, nestedQuery, vars); len(r.Errors) > 0 {
						b.Fatalf("%s: %s", modes[i], r.Raw)
					}
					took[i] = append(took[i], time.Since(start))
					cpu[i] += cpuTime() - c0
				}
			}
			b.StopTimer()
			med := make([]float64, len(modes))
			for i, mode := range modes {
				slices.Sort(took[i])
				med[i] = float64(took[i][len(took[i])/2]) / float64(time.Millisecond)
				b.ReportMetric(med[i], mode+"-ms")
				b.ReportMetric(float64(cpu[i])/float64(time.Millisecond)/float64(len(took[i])), mode+"-cpu-ms")
			}
			b.ReportMetric(med[1]/med[0], "metrics/bare")
			b.ReportMetric(med[2]/med[0], "traces/bare")
		})
	}
}

// cpuTime is the CPU time (user and system) this process has used: the server's and its client's
// (and SQLite's), not PostgreSQL's.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
