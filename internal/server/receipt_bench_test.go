package server_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/internal/server"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// BenchmarkCaseSubmitReceipt times an anonymous caseSubmit through the real HTTP handler with the
// signed receipt (the default) and without it (the service built without keys), on each
// database, and reports the receipt's size and the SQL statements per submission (BEGIN and
// COMMIT not counted):
//
//	LIEMCHINH_TEST_DATABASE_URL=... go test ./internal/server -run '^$' -bench CaseSubmitReceipt -benchtime 300x -count 3
func BenchmarkCaseSubmitReceipt(b *testing.B) {
	for _, dia := range testutil.Dialects() {
		b.Run(dia+"/receipt", func(b *testing.B) { benchSubmit(b, dia, true) })
		b.Run(dia+"/none", func(b *testing.B) { benchSubmit(b, dia, false) })
	}
}

// BenchmarkCaseSubmitParallel is caseSubmit from 32 concurrent clients through the handler (as
// `liemchinh load` sends, without the network), on each database: ns/op is the wall time per
// submission with 32 in flight; it also reports the statements per submission.
//
//	LIEMCHINH_TEST_DATABASE_URL=... go test ./internal/server -run '^$' -bench CaseSubmitParallel -benchtime 2000x
func BenchmarkCaseSubmitParallel(b *testing.B) {
	for _, dia := range testutil.Dialects() {
		b.Run(dia, func(b *testing.B) {
			db := testutil.Open(b, dia)
			cfg := testutil.Config(b, map[string]string{"CITIZEN_SUBMIT_RATE": "off"})
			w := testutil.NewWorld(b, db, cfg)
			cfg.DatabaseURL, cfg.BlobDir = db.URL, b.TempDir()
			deps, err := server.Build(cfg, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)), db.DB, time.Now)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { deps.Close() })
			h := server.New(deps)
			submitOnce(b, h, w.A.ChildUnit) // the unit is known from here on
			db.Counter.Reset()
			b.SetParallelism(max(1, 32/runtime.GOMAXPROCS(0)))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					submitOnce(b, h, w.A.ChildUnit)
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(db.Counter.Count())/float64(b.N), "statements/op")
		})
	}
}

// submitOnce sends one anonymous caseSubmit through h and fails the benchmark unless it is answered
// with a tracking code.
func submitOnce(b *testing.B, h http.Handler, unitID string) {
	body, _ := json.Marshal(map[string]any{"query": `mutation($in: CaseSubmitInput!) { caseSubmit(input: $in) { trackingCode secret receipt userErrors { code } } }`,
		"variables": map[string]any{"in": map[string]any{"channel": "FEEDBACK", "unitId": unitID, "category": "NO_BUREAUCRACY",
			"description": "Hồ sơ bị chậm trễ nhiều ngày không được giải quyết", "idempotencyKey": testutil.NewKey()}}})
	req := httptest.NewRequest(http.MethodPost, "/query", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out struct {
		Data struct {
			CaseSubmit struct{ TrackingCode *string }
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.Data.CaseSubmit.TrackingCode == nil {
		b.Errorf("submission refused: %s", rec.Body)
	}
}

func benchSubmit(b *testing.B, dia string, signed bool) {
	db := testutil.Open(b, dia)
	cfg := testutil.Config(b, map[string]string{"CITIZEN_SUBMIT_RATE": "off"})
	w := testutil.NewWorld(b, db, cfg)
	cfg.DatabaseURL, cfg.BlobDir = db.URL, b.TempDir()
	deps, err := server.Build(cfg, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)), db.DB, time.Now)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { deps.Close() })
	if !signed {
		deps.Cases.Receipts = nil
	}
	h := server.New(deps)
	keys := make([]string, b.N)
	for i := range keys {
		keys[i] = testutil.NewKey()
	}
	size := 0
	db.Counter.Reset()
	b.ResetTimer()
	for i := range b.N {
		body, _ := json.Marshal(map[string]any{"query": `mutation($in: CaseSubmitInput!) { caseSubmit(input: $in) { trackingCode secret receipt userErrors { code } } }`,
			"variables": map[string]any{"in": map[string]any{"channel": "FEEDBACK", "unitId": w.A.ChildUnit, "category": "NO_BUREAUCRACY",
				"description": "Hồ sơ bị chậm trễ nhiều ngày không được giải quyết", "idempotencyKey": keys[i]}}})
		req := httptest.NewRequest(http.MethodPost, "/query", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var out struct {
			Data struct {
				CaseSubmit struct {
					TrackingCode *string
					Receipt      *string
				}
			}
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.Data.CaseSubmit.TrackingCode == nil ||
			(out.Data.CaseSubmit.Receipt != nil) != signed {
			b.Fatalf("iteration %d: %s", i, rec.Body)
		}
		if signed {
			size = len(*out.Data.CaseSubmit.Receipt)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(size), "receipt-bytes")
	b.ReportMetric(float64(db.Counter.Count())/float64(b.N), "statements/op")
}
