package casework_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"entgo.io/ent/dialect"

	"github.com/liemchinh/liemchinh/ent/auditevent"
	"github.com/liemchinh/liemchinh/ent/caseevent"
	"github.com/liemchinh/liemchinh/ent/citizencase"
	"github.com/liemchinh/liemchinh/ent/idempotencykey"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/casework"
	"github.com/liemchinh/liemchinh/internal/progress"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

const groupMutation = `mutation($in: CaseSubmitInput!) { caseSubmit(input: $in) { trackingCode secret receipt notice userErrors { code } } }`

// groupSubmission is one submission of a group test and what it was answered.
type groupSubmission struct {
	in       map[string]any
	raw      string // the response's data
	code     string // its tracking code, "" when refused
	errors   int
	conflict bool // answered with a CONFLICT user error
}

// sendAll sends the submissions at once through the handler.
func sendAll(t *testing.T, api *testutil.API, subs []*groupSubmission) {
	t.Helper()
	var wg sync.WaitGroup
	for _, s := range subs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := api.Query(t, groupMutation, map[string]any{"in": s.in})
			s.raw, s.errors = string(r.Data), len(r.Errors)
			if s.errors > 0 {
				s.raw = string(r.Raw)
				return
			}
			var out struct {
				CaseSubmit struct {
					TrackingCode *string
					UserErrors   []struct{ Code string }
				}
			}
			r.Decode(t, &out)
			if out.CaseSubmit.TrackingCode != nil {
				s.code = *out.CaseSubmit.TrackingCode
			}
			for _, e := range out.CaseSubmit.UserErrors {
				s.conflict = s.conflict || e.Code == "CONFLICT"
			}
		}()
	}
	wg.Wait()
}

func newSubmission(unitID, text string) *groupSubmission {
	return &groupSubmission{in: map[string]any{"channel": "DENUNCIATION", "unitId": unitID, "category": "NO_BUREAUCRACY",
		"description": text, "idempotencyKey": testutil.NewKey()}}
}

// checkStored checks that each tracking code has exactly one case, one SUBMITTED event and one
// audit entry, and that the progress counters agree with a rebuild.
func checkStored(t *testing.T, db *testutil.DB, codes []string) {
	t.Helper()
	ctx := authz.System(context.Background(), authz.SysTestFixture)
	for _, code := range codes {
		cs, err := db.Client.CitizenCase.Query().Where(citizencase.TrackingCode(code)).All(ctx)
		if err != nil || len(cs) != 1 {
			t.Errorf("%s: %d cases (%v), want 1", code, len(cs), err)
			continue
		}
		n, err := db.Client.CaseEvent.Query().Where(caseevent.HasCaseWith(citizencase.ID(cs[0].ID)), caseevent.KindEQ(caseevent.KindSUBMITTED)).Count(ctx)
		if err != nil || n != 1 {
			t.Errorf("%s: %d SUBMITTED events (%v), want 1", code, n, err)
		}
		n, err = db.Client.AuditEvent.Query().Where(auditevent.ObjectID(cs[0].ID), auditevent.Action("caseSubmit")).Count(ctx)
		if err != nil || n != 1 {
			t.Errorf("%s: %d audit entries (%v), want 1", code, n, err)
		}
		n, err = db.Client.IdempotencyKey.Query().Where(idempotencykey.ResultID(cs[0].ID)).Count(ctx)
		if err != nil || n != 1 {
			t.Errorf("%s: %d idempotency keys (%v), want 1", code, n, err)
		}
	}
	diffs, err := progress.New(db.DB, nil).Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		t.Errorf("progress counter differs from a rebuild: %s", d)
	}
}

// TestSubmitGroupCommit: submissions sent together through the handler are written as one group
// (one transaction: the claim, the cases, the events, the audit entries and the counters' three,
// 7 statements for 16 submissions); each is answered with its own tracking code and stored once
// with its event, audit entry and key; the counters agree with a rebuild; a retry of each is
// answered the same bytes. Then a group with retries, the same key twice and a key reused for
// another text: the retries and the twins get the first answer, the reused key its conflict, as
// for a submission alone.
func TestSubmitGroupCommit(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		cfg := testutil.Config(t, map[string]string{"CITIZEN_SUBMIT_RATE": "off"})
		w := testutil.NewWorld(t, db, cfg)
		api := testutil.NewAPI(t, db, cfg)
		first := newSubmission(w.A.ParentUnit, "Hồ sơ đầu tiên bị chậm trễ nhiều ngày")
		sendAll(t, api, []*groupSubmission{first}) // the unit is now known
		if first.code == "" {
			t.Fatalf("submission refused: %s", first.raw)
		}

		const n = 16
		var subs []*groupSubmission
		for i := range n {
			subs = append(subs, newSubmission(w.A.ParentUnit, fmt.Sprintf("Hồ sơ số %d bị chậm trễ nhiều ngày", i)))
		}
		casework.HoldGroups(t, n)
		db.Counter.Reset()
		sendAll(t, api, subs)
		// 7 statements for the group (BenchmarkCaseSubmitParallel reports them per submission);
		// the server's background work (jobs, sweeps) may add a few to the count. Written alone,
		// each submission would cost 7.
		if got := db.Counter.Count(); got < 7 || got >= n {
			t.Errorf("a group of %d submissions cost %d statements, want 7 (and fewer than one a submission)", n, got)
		}
		var codes []string
		seen := map[string]bool{}
		for _, s := range subs {
			if s.code == "" || s.errors > 0 {
				t.Fatalf("submission refused: %s", s.raw)
			}
			if seen[s.code] {
				t.Errorf("tracking code %s answered twice", s.code)
			}
			seen[s.code] = true
			codes = append(codes, s.code)
			if !strings.Contains(s.raw, "Luật Tố cáo") {
				t.Errorf("an anonymous denunciation was answered without its notice: %s", s.raw)
			}
		}
		checkStored(t, db, append(codes, first.code))

		// Retries of the group, one by one: the same answers.
		for _, s := range subs {
			again := &groupSubmission{in: s.in}
			sendAll(t, api, []*groupSubmission{again})
			if again.raw != s.raw {
				t.Errorf("the retry answered %s, the first %s", again.raw, s.raw)
			}
		}

		// A group of fresh submissions, retries, a key twice, and a key reused for another text.
		var mixed []*groupSubmission
		for i := range 4 {
			mixed = append(mixed, newSubmission(w.A.ParentUnit, fmt.Sprintf("Hồ sơ mới số %d bị chậm trễ nhiều ngày", i)))
		}
		twin := *mixed[0]
		retry := &groupSubmission{in: subs[3].in}
		reused := newSubmission(w.A.ParentUnit, "Một nội dung khác hẳn với lần đầu")
		reused.in["idempotencyKey"] = subs[5].in["idempotencyKey"]
		mixed = append(mixed, &twin, retry, reused)
		casework.HoldGroups(t, len(mixed))
		sendAll(t, api, mixed)
		for _, s := range mixed[:4] {
			if s.code == "" {
				t.Fatalf("submission refused: %s", s.raw)
			}
			codes = append(codes, s.code)
		}
		if twin.raw != mixed[0].raw {
			t.Errorf("the same key twice in a group answered %s and %s", twin.raw, mixed[0].raw)
		}
		if retry.raw != subs[3].raw {
			t.Errorf("a retry in a group answered %s, the first %s", retry.raw, subs[3].raw)
		}
		if !reused.conflict || reused.code != "" {
			t.Errorf("a key reused for another text was answered %s, want a CONFLICT", reused.raw)
		}
		checkStored(t, db, append(codes, first.code))
	})
}

// TestSubmitGroupFailure: one submission of a group is refused by the database (a trigger here);
// the group's transaction fails, each of its submissions is written again alone, and the others
// are stored and answered as usual while the refused one alone is answered with an error and
// leaves nothing behind (no case, no key: a retry may claim it again).
func TestSubmitGroupFailure(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		cfg := testutil.Config(t, map[string]string{"CITIZEN_SUBMIT_RATE": "off"})
		w := testutil.NewWorld(t, db, cfg)
		api := testutil.NewAPI(t, db, cfg)
		ctx := authz.System(context.Background(), authz.SysTestFixture)
		stmts := []string{`CREATE TRIGGER lc_refuse_case BEFORE INSERT ON cases WHEN NEW.description LIKE '%REFUSE-ME%'
			BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`}
		if dia == dialect.Postgres {
			stmts = []string{`CREATE FUNCTION lc_refuse_case() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN IF NEW.description LIKE '%REFUSE-ME%' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$`,
				`CREATE TRIGGER lc_refuse_case BEFORE INSERT ON cases FOR EACH ROW EXECUTE FUNCTION lc_refuse_case()`}
		}
		for _, q := range stmts {
			if _, err := db.Client.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		var subs []*groupSubmission
		for i := range 8 {
			text := fmt.Sprintf("Hồ sơ số %d bị chậm trễ nhiều ngày", i)
			if i == 5 {
				text = "Hồ sơ này bị từ chối REFUSE-ME"
			}
			subs = append(subs, newSubmission(w.A.ParentUnit, text))
		}
		casework.HoldGroups(t, len(subs))
		sendAll(t, api, subs)
		var codes []string
		for i, s := range subs {
			if i == 5 {
				if s.errors == 0 || s.code != "" {
					t.Errorf("the refused submission was answered %s", s.raw)
				}
				continue
			}
			if s.code == "" || s.errors > 0 {
				t.Errorf("submission %d refused with the bad one: %s", i, s.raw)
				continue
			}
			codes = append(codes, s.code)
		}
		checkStored(t, db, codes)
		if n, err := db.Client.CitizenCase.Query().Where(citizencase.DescriptionContains("REFUSE-ME")).Count(ctx); err != nil || n != 0 {
			t.Errorf("%d refused cases stored (%v)", n, err)
		}
		if n, err := db.Client.IdempotencyKey.Query().Count(ctx); err != nil || n != len(codes) {
			t.Errorf("%d idempotency keys kept (%v), want %d", n, err, len(codes))
		}
	})
}
