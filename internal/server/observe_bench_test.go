package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
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
// pledges, as the province's supervisor) through the real handler without metrics or traces
// ("bare"), with metrics ("metrics", what every server counts), and with metrics and traces
// ("metrics+traces": a span per request and per statement, batched to an OTLP/HTTP collector
// in the test that reads and drops them), as the serve command wires them:
//
//	go test ./internal/server -run '^$' -bench NestedQueryObserved -benchtime 40x -count 5
func BenchmarkNestedQueryObserved(b *testing.B) {
	var received atomic.Int64
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		received.Add(n)
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer collector.Close()
	b.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	for _, dia := range testutil.Dialects() {
		db := testutil.Open(b, dia)
		testutil.Org(b, db.Client, testutil.Shape{Provinces: 1, Districts: 5, Units: 5, Officials: 5, Pledges: 5})
		for _, mode := range []string{"bare", "metrics", "metrics+traces"} {
			b.Run(dia+"/"+mode, func(b *testing.B) {
				ctx := context.Background()
				var tr *tracing.Tracing
				if mode == "metrics+traces" {
					var err error
					if tr, err = tracing.Start(ctx, true, "bench"); err != nil {
						b.Fatal(err)
					}
					defer tr.Shutdown(ctx)
				}
				sdb, err := store.Open(ctx, db.URL, tr.Driver) // as serve opens it (nil: not traced)
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
				api := &testutil.API{Handler: tr.Handler(server.New(deps), server.Route)}
				province, err := sdb.Client.Province.Query().OnlyID(authz.System(ctx, authz.SysTestFixture))
				if err != nil {
					b.Fatal(err)
				}
				api = api.SignedIn(b, &testutil.DB{DB: sdb, URL: db.URL}, authz.RoleSupervisor,
					authz.Scope{Kind: authz.ScopeProvince, ID: province}, "")
				vars := map[string]any{"n": 5}
				var got nestedResult
				api.Query(b, nestedQuery, vars).Decode(b, &got)
				if len(got.Provinces.Edges) != 1 {
					b.Fatalf("provinces: %+v", got.Provinces)
				}
				b.ReportAllocs()
				cpu0 := cpuTime()
				b.ResetTimer()
				for b.Loop() {
					if r := api.Query(b, nestedQuery, vars); len(r.Errors) > 0 {
						b.Fatalf("errors: %s", r.Raw)
					}
				}
				b.StopTimer()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
				// The process's CPU per request (the server and its client, this process; the
				// database's own is not in it): less at the mercy of a loaded machine than req/s.
				b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
			})
		}
	}
	if received.Load() == 0 && testing.Verbose() {
		b.Log("the collector received no spans (none flushed before the end)")
	}
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
