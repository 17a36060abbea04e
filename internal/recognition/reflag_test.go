package recognition_test

import (
	"strings"
	"testing"

	"github.com/liemchinh/liemchinh/ent/auditevent"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/ent/selfassessment"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// TestIncidentAfterReviewFlagsAssessment: an incident established after an EXCELLENT review of its
// year flags the self-assessment with the reason and puts it back on the unit manager's to-do; the
// new review cannot give EXCELLENT or GOOD, clears the flag, and progress follows it.
func TestIncidentAfterReviewFlagsAssessment(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		f := newFixture(t, dia)
		a := f.w.A
		manager := f.api["unitManager"]
		f.reviewed(t, a.Staff, 2025, enum.ClassificationExcellent)
		f.reviewed(t, a.Staff, 2024, enum.ClassificationGood)        // another year: left alone
		f.reviewed(t, a.Manager, 2025, enum.ClassificationExcellent) // another official: left alone
		id := func(off string, year int) string {
			return f.db.Client.SelfAssessment.Query().Where(selfassessment.HasOfficialWith(official.ID(off)),
				selfassessment.Year(year)).OnlyIDX(sys)
		}
		staff2025, staff2024, manager2025 := id(a.Staff, 2025), id(a.Staff, 2024), id(a.Manager, 2025)

		type assessed struct {
			Status              string
			FinalClassification *string
			FlaggedAt           *string
			FlagReason          *string
		}
		read := func(id string) assessed {
			t.Helper()
			var out struct{ Node assessed }
			manager.Query(t, `query($id: ID!) { node(id: $id) { ... on SelfAssessment { status finalClassification flaggedAt flagReason } } }`,
				map[string]any{"id": id}).Decode(t, &out)
			return out.Node
		}
		type todo struct {
			Kind  string
			Count int
		}
		unitYear := func() (todos []todo, waiting []string) {
			t.Helper()
			var out struct {
				Viewer struct {
					UnitYear struct {
						Todo           []todo
						AwaitingReview struct {
							Edges []struct{ Node struct{ ID string } }
						}
					}
				}
			}
			manager.Query(t, `{ viewer { unitYear(year: 2025) { todo { kind count } awaitingReview(first: 50) { edges { node { id } } } } } }`,
				nil).Decode(t, &out)
			for _, e := range out.Viewer.UnitYear.AwaitingReview.Edges {
				waiting = append(waiting, e.Node.ID)
			}
			return out.Viewer.UnitYear.Todo, waiting
		}
		classes := func() map[string]int {
			t.Helper()
			var out struct {
				Progress struct {
					Classifications []struct {
						Classification string
						Count          int
					}
				}
			}
			manager.Query(t, `query($u: ID!) { progress(scope: {unitId: $u}, year: 2025) { classifications { classification count } } }`,
				map[string]any{"u": a.ParentUnit}).Decode(t, &out)
			m := map[string]int{}
			for _, c := range out.Progress.Classifications {
				m[c.Classification] = c.Count
			}
			return m
		}
		rereview := func(todos []todo) int {
			for _, td := range todos {
				if td.Kind == "REREVIEW_SELF_ASSESSMENTS" {
					return td.Count
				}
			}
			return 0
		}
		if got := read(staff2025); got.FlaggedAt != nil || got.FlagReason != nil {
			t.Fatalf("flagged before any incident: %+v", got)
		}
		before := classes()

		r, _ := f.inspect(t, f.api["inspector"], map[string]any{
			"unitId": a.ParentUnit, "inspectedOn": "2026-06-10T02:00:00Z", "inspectors": []string{"Nguyễn Thanh Tra"},
			"findings": "Một vi phạm", "idempotencyKey": "reflag-1",
			"incidents": []map[string]any{{"officialId": a.Staff, "category": "NO_BUREAUCRACY",
				"occurredOn": "2025-09-01T02:00:00Z", "summary": "Chậm giải quyết hồ sơ"}},
		})
		if r.Code != "" || len(r.Errors) > 0 {
			t.Fatalf("inspectionRecord: %+v", r)
		}
		got := read(staff2025)
		if got.Status != "REVIEWED" || got.FlaggedAt == nil || got.FlagReason == nil || !strings.Contains(*got.FlagReason, "2025") ||
			!strings.Contains(*got.FlagReason, "48/2023") {
			t.Fatalf("the 2025 EXCELLENT review is not flagged with its reason: %+v", got)
		}
		for _, other := range []string{staff2024, manager2025} {
			if got := read(other); got.FlaggedAt != nil {
				t.Fatalf("%s flagged: %+v", other, got)
			}
		}
		if n := f.db.Client.AuditEvent.Query().Where(auditevent.Action("selfAssessmentFlag"), auditevent.ObjectID(staff2025)).CountX(sys); n != 1 {
			t.Fatalf("audit entries of the flag = %d, want 1", n)
		}
		todos, waiting := unitYear()
		if rereview(todos) != 1 || !contains(waiting, staff2025) {
			t.Fatalf("not back on the manager's to-do: %+v, awaiting %v", todos, waiting)
		}
		if c := classes(); c["EXCELLENT"] != before["EXCELLENT"] {
			t.Fatalf("progress moved before the new review: %v, was %v", c, before)
		}

		review := func(class, key string) outcome {
			return mutate(t, manager, "selfAssessmentReview", "SelfAssessmentReviewInput", "selfAssessment", "id",
				map[string]any{"selfAssessmentId": staff2025, "finalClassification": class, "comment": "Xem xét lại", "idempotencyKey": key})
		}
		for _, class := range []string{"EXCELLENT", "GOOD"} {
			if r := review(class, "rr-"+class); r.userCode() != "BAD_USER_INPUT" || r.field() != "[input finalClassification]" && r.field() != "[finalClassification]" {
				t.Fatalf("new review %s: %+v", class, r)
			}
		}
		if r := review("COMPLETED", "rr-ok"); len(r.Errors) > 0 || r.Code != "" {
			t.Fatalf("new review COMPLETED: %+v", r)
		}
		got = read(staff2025)
		if got.FlaggedAt != nil || got.FlagReason != nil || got.FinalClassification == nil || *got.FinalClassification != "COMPLETED" {
			t.Fatalf("after the new review: %+v", got)
		}
		if todos, waiting := unitYear(); rereview(todos) != 0 || contains(waiting, staff2025) {
			t.Fatalf("still on the to-do after the new review: %+v, %v", todos, waiting)
		}
		if c := classes(); c["EXCELLENT"] != before["EXCELLENT"]-1 || c["COMPLETED"] != before["COMPLETED"]+1 {
			t.Fatalf("progress after the new review: %v, was %v", c, before)
		}
		// Reviewed, no longer flagged: no third review.
		if r := review("COMPLETED", "rr-again"); r.userCode() != "CONFLICT" {
			t.Fatalf("a third review: %+v", r)
		}
	})
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
