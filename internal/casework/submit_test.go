package casework_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"entgo.io/ent/dialect"

	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/config"

	"github.com/liemchinh/liemchinh/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Main(m) }

const submitMutation = `mutation($in: CaseSubmitInput!) { caseSubmit(input: $in) { trackingCode secret userErrors { code message } } }`

// TestSubmitStatements counts the SQL statements of an anonymous submission through the real
// handler (BEGIN and COMMIT not counted): the idempotency claim with its result and the signed
// receipt kept for retries (a submission without files is signed before it is claimed), the case,
// its SUBMITTED event, the audit entry, and the progress counters' three (the case's
// contribution, its unit's chain, the counters' upsert). The unit's existence is known after the
// first submission about it; the receipt's view reads nothing back. A retry with the same key costs
// the refused claim, the claim's row, the case, its evidence and its unit (the receipt names it).
func TestSubmitStatements(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		cfg := testutil.Config(t, map[string]string{"CITIZEN_SUBMIT_RATE": "off"})
		w := testutil.NewWorld(t, db, cfg)
		api := testutil.NewAPI(t, db, cfg)
		submit := func(key string) (*testutil.Response, int) {
			in := map[string]any{"channel": "FEEDBACK", "unitId": w.A.ParentUnit, "category": "NO_BUREAUCRACY",
				"description": "Hồ sơ bị chậm trễ nhiều ngày không được giải quyết", "idempotencyKey": key}
			db.Counter.Reset()
			r := api.Query(t, submitMutation, map[string]any{"in": in})
			var out struct {
				CaseSubmit struct {
					TrackingCode *string
					UserErrors   []any
				}
			}
			r.Decode(t, &out)
			if out.CaseSubmit.TrackingCode == nil || len(out.CaseSubmit.UserErrors) > 0 {
				t.Fatalf("submission refused: %s", r.Raw)
			}
			return r, db.Counter.Count()
		}
		submit(testutil.NewKey()) // the unit is now known
		key := testutil.NewKey()
		first, n := submit(key)
		if n != 7 {
			t.Errorf("a submission cost %d statements, want 7", n)
		}
		retry, n := submit(key)
		if string(retry.Data) != string(first.Data) {
			t.Errorf("the retry answered %s, the first %s", retry.Data, first.Data)
		}
		if n != 5 {
			t.Errorf("a retry cost %d statements, want 5", n)
		}
	})
}

// TestLoadTestKey: outside production, submissions carrying LOAD_TEST_KEY in X-Load-Test-Key skip
// the per-address limit (`liemchinh load --url`); without it, or with another key, the limit
// holds. Production refuses to start with the key, and its handler ignores one all the same.
func TestLoadTestKey(t *testing.T) {
	const key = "a-load-test-key-for-this-test"
	db := testutil.Open(t, dialect.SQLite)
	env := map[string]string{"CITIZEN_SUBMIT_RATE": "2/10m", "LOAD_TEST_KEY": key}
	cfg := testutil.Config(t, env)
	w := testutil.NewWorld(t, db, cfg)
	submit := func(api *testutil.API, headers ...string) string {
		in := map[string]any{"channel": "FEEDBACK", "unitId": w.A.ParentUnit, "category": "NO_BUREAUCRACY",
			"description": "Hồ sơ bị chậm trễ nhiều ngày không được giải quyết", "idempotencyKey": testutil.NewKey()}
		r := api.Query(t, submitMutation, map[string]any{"in": in}, headers...)
		if c := r.Code(); c != "" {
			return c
		}
		var out struct {
			CaseSubmit struct{ TrackingCode *string }
		}
		r.Decode(t, &out)
		if out.CaseSubmit.TrackingCode == nil {
			t.Fatalf("no tracking code: %s", r.Raw)
		}
		return "OK"
	}
	expect := func(api *testutil.API, want []string, headers ...string) {
		t.Helper()
		var got []string
		for range want {
			got = append(got, submit(api, headers...))
		}
		if !slices.Equal(got, want) {
			t.Errorf("headers %q: got %v, want %v", headers, got, want)
		}
	}
	limited := []string{"OK", "OK", "RATE_LIMITED", "RATE_LIMITED"}
	expect(testutil.NewAPI(t, db, cfg), []string{"OK", "OK", "OK", "OK", "OK"}, config.LoadTestHeader, key)
	expect(testutil.NewAPI(t, db, cfg), limited)
	expect(testutil.NewAPI(t, db, cfg), limited, config.LoadTestHeader, key+"x")

	prodEnv := map[string]string{"APP_ENV": config.EnvProduction, "DATABASE_URL": "postgres://db/x", "SEED_DEMO": "false",
		"REPORTER_KEY": "cHJvZHVjdGlvbi1yZXBvcnRlci1rZXktMzItYnl0ZXMh", "TOKEN_KEY": "cHJvZHVjdGlvbi10b2tlbi1rZXktb2YtMzItYnl0ZXMhIQ==",
		"LOAD_TEST_KEY": key}
	if _, err := config.Load(func(k string) string { return prodEnv[k] }); err == nil || !strings.Contains(err.Error(), "LOAD_TEST_KEY") {
		t.Errorf("production started with LOAD_TEST_KEY: %v", err)
	}
	prod := cfg
	prod.Env = config.EnvProduction // as if the refusal above were bypassed: the handler must not honour the key
	expect(testutil.NewAPI(t, db, prod), limited, config.LoadTestHeader, key)
}

// TestSubmitConcurrently: 32 clients submit at once through the handler; every valid submission
// is answered with a tracking code and a receipt that receiptVerify accepts for its text, and is
// stored (on SQLite through the one writer connection, without SQLITE_BUSY); the invalid ones
// among them (one in eight, a description too short) are refused alone with a user error, and
// nothing of theirs is stored.
func TestSubmitConcurrently(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		cfg := testutil.Config(t, map[string]string{"CITIZEN_SUBMIT_RATE": "off"})
		w := testutil.NewWorld(t, db, cfg)
		api := testutil.NewAPI(t, db, cfg)
		ctx := authz.System(context.Background(), authz.SysTestFixture)
		before, err := db.Client.CitizenCase.Query().Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		type answer struct{ text, code, receipt string }
		const clients, each = 32, 8
		var wg sync.WaitGroup
		failed := make(chan string, clients*each)
		answers := make(chan answer, clients*each)
		for c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					text := fmt.Sprintf("Hồ sơ số %d-%d bị chậm trễ nhiều ngày không được giải quyết", c, i)
					invalid := (c+i)%8 == 0
					if invalid {
						text = "ngắn"
					}
					in := map[string]any{"channel": "FEEDBACK", "unitId": w.A.ParentUnit, "category": "NO_BUREAUCRACY",
						"description": text, "idempotencyKey": testutil.NewKey()}
					r := api.Query(t, submitReceiptMutation, map[string]any{"in": in})
					var out struct {
						CaseSubmit struct {
							TrackingCode, Receipt *string
							UserErrors            []struct{ Code string }
						}
					}
					if len(r.Errors) > 0 {
						failed <- string(r.Raw)
						continue
					}
					r.Decode(t, &out)
					got := out.CaseSubmit
					switch {
					case invalid && (got.TrackingCode != nil || len(got.UserErrors) != 1 || got.UserErrors[0].Code != "BAD_USER_INPUT"):
						failed <- "an invalid submission was answered " + string(r.Raw)
					case !invalid && (got.TrackingCode == nil || got.Receipt == nil || len(got.UserErrors) > 0):
						failed <- string(r.Raw)
					case !invalid:
						answers <- answer{text, *got.TrackingCode, *got.Receipt}
					}
				}
			}()
		}
		wg.Wait()
		close(failed)
		close(answers)
		for raw := range failed {
			t.Errorf("submission failed: %s", raw)
		}
		valid := 0
		for a := range answers {
			valid++
			var out struct {
				ReceiptVerify struct {
					Valid          bool
					TrackingCode   *string
					ContentMatches *bool
				}
			}
			api.Query(t, `query($r: String!, $c: ReceiptContentInput) { receiptVerify(receipt: $r, content: $c) { valid trackingCode contentMatches } }`,
				map[string]any{"r": a.receipt, "c": map[string]any{"text": a.text}}).Decode(t, &out)
			v := out.ReceiptVerify
			if !v.Valid || v.TrackingCode == nil || *v.TrackingCode != a.code || v.ContentMatches == nil || !*v.ContentMatches {
				t.Errorf("the receipt of %s does not attest its submission: %+v", a.code, v)
			}
		}
		if want := clients * each * 7 / 8; valid != want {
			t.Errorf("%d submissions answered, want %d", valid, want)
		}
		after, err := db.Client.CitizenCase.Query().Count(ctx)
		if err != nil || after-before != valid {
			t.Fatalf("%d cases stored (%v), want %d", after-before, err, valid)
		}
	})
}

const submitReceiptMutation = `mutation($in: CaseSubmitInput!) { caseSubmit(input: $in) { trackingCode receipt userErrors { code } } }`
