package casework_test

import (
	"testing"

	"github.com/liemchinh/liemchinh/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Main(m) }

const submitMutation = `mutation($in: CaseSubmitInput!) { caseSubmit(input: $in) { trackingCode secret userErrors { code message } } }`

// TestSubmitStatements counts the SQL statements of an anonymous submission through the real
// handler (BEGIN and COMMIT not counted): the idempotency claim with its result, the case, its
// SUBMITTED event, the audit entry, and the progress counters' three (the case's contribution,
// its unit's chain, the counters' upsert). The unit's existence is known after the first
// submission about it; the receipt's view reads nothing back. A retry with the same key costs
// the refused claim, the claim's row, the case and its evidence.
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
		if n != 4 {
			t.Errorf("a retry cost %d statements, want 4", n)
		}
	})
}
