package casework_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/liemchinh/liemchinh/internal/casework"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// TestSubmitGroupPath: a caseSubmit alone in its operation and without files is written by the
// group commit whatever the operation's form (an alias, a fragment on its payload, its input
// written inline, uploadIds null or empty): sent at once with a plain one, which forms a group,
// both are queued in it (HoldGroups fails the test when the group does not get both). An operation with two caseSubmit fields runs in
// a transaction of its own and stores both. Every submission is stored once.
func TestSubmitGroupPath(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		cfg := testutil.Config(t, map[string]string{"CITIZEN_SUBMIT_RATE": "off"})
		w := testutil.NewWorld(t, db, cfg)
		api := testutil.NewAPI(t, db, cfg)
		sendAll(t, api, []*groupSubmission{newSubmission(w.A.ParentUnit, "Hồ sơ đầu tiên bị chậm trễ nhiều ngày")})

		const payload = `{ trackingCode userErrors { code } }`
		n := 0
		in := func(extra ...any) map[string]any {
			n++
			s := newSubmission(w.A.ParentUnit, fmt.Sprintf("Hồ sơ số %d bị chậm trễ nhiều ngày", n)).in
			for j := 0; j+1 < len(extra); j += 2 {
				s[extra[j].(string)] = extra[j+1]
			}
			return s
		}
		plain := `mutation($in: CaseSubmitInput!) { caseSubmit(input: $in) ` + payload + ` }`
		// send answers query with vars and returns the tracking codes of its fields.
		send := func(name, query string, vars map[string]any) []string {
			r := api.Query(t, query, vars)
			var out map[string]struct {
				TrackingCode *string
				UserErrors   []struct{ Code string }
			}
			r.Decode(t, &out)
			var codes []string
			for field, p := range out {
				if p.TrackingCode == nil || len(p.UserErrors) > 0 {
					t.Errorf("%s: %s refused: %s", name, field, r.Raw)
					continue
				}
				codes = append(codes, *p.TrackingCode)
			}
			return codes
		}
		// form is a document and its variables for a fresh submission (extra: fields of its input).
		form := func(query string, extra ...any) func() (string, map[string]any) {
			return func() (string, map[string]any) { return query, map[string]any{"in": in(extra...)} }
		}
		for _, c := range []struct {
			name string
			form func() (string, map[string]any)
		}{
			{"plain", form(plain)},
			{"alias", form(`mutation($in: CaseSubmitInput!) { sent: caseSubmit(input: $in) ` + payload + ` }`)},
			{"fragment", form(`mutation($in: CaseSubmitInput!) { caseSubmit(input: $in) { ...r } } fragment r on CaseSubmitPayload ` + payload)},
			{"inline input", func() (string, map[string]any) {
				return fmt.Sprintf(`mutation { caseSubmit(input: {channel: DENUNCIATION, unitId: %q, category: NO_BUREAUCRACY, description: "Hồ sơ viết thẳng bị chậm trễ", idempotencyKey: %q}) `+payload+` }`,
					w.A.ParentUnit, testutil.NewKey()), nil
			}},
			{"uploadIds empty", form(plain, "uploadIds", []any{})},
			{"uploadIds null", form(plain, "uploadIds", nil)},
		} {
			// With a plain submission: it forms a group, held until both are queued.
			casework.HoldGroups(t, 2)
			var wg sync.WaitGroup
			codes := make([][]string, 2)
			for i, f := range []func() (string, map[string]any){form(plain), c.form} {
				query, vars := f()
				wg.Add(1)
				go func() {
					defer wg.Done()
					codes[i] = send(c.name, query, vars)
				}()
			}
			wg.Wait()
			if len(codes[0]) != 1 || len(codes[1]) != 1 {
				t.Fatalf("%s: answered %v", c.name, codes)
			}
			checkStored(t, db, append(codes[0], codes[1]...))
		}
		two := send("two fields", `mutation($a: CaseSubmitInput!, $b: CaseSubmitInput!) { a: caseSubmit(input: $a) `+payload+` b: caseSubmit(input: $b) `+payload+` }`,
			map[string]any{"a": in(), "b": in()})
		if len(two) != 2 {
			t.Fatalf("two fields: answered %v", two)
		}
		checkStored(t, db, two)
	})
}
