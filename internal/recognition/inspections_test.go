package recognition_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent/commendation"
	"github.com/liemchinh/liemchinh/ent/incident"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

const inspectionSel = `id inspectors findings unit { id } incidents { year category source summary occurredOn official { id } unit { id } }`

type inspectionOut struct {
	ID         string
	Inspectors []string
	Findings   string
	Unit       struct{ ID string }
	Incidents  []struct {
		Year                      int
		Category, Source, Summary string
		Official, Unit            struct{ ID string }
	}
}

func (f *fixture) inspect(t *testing.T, api *testutil.API, in map[string]any) (outcome, inspectionOut) {
	t.Helper()
	r := mutate(t, api, "inspectionRecord", "InspectionRecordInput", "inspection", inspectionSel, in)
	var out inspectionOut
	if len(r.Object) > 0 && string(r.Object) != "null" {
		if err := json.Unmarshal(r.Object, &out); err != nil {
			t.Fatal(err)
		}
	}
	return r, out
}

// award stores a commendation of an official with a status.
func (f *fixture) award(t *testing.T, officialID string, year int, form commendation.Form, status commendation.Status) string {
	t.Helper()
	return f.db.Client.Commendation.Create().SetOfficialID(officialID).SetForm(form).SetLevel(commendation.LevelUNIT).
		SetYear(year).SetReason("Thành tích").SetStatus(status).SaveX(sys).ID
}

func TestInspectionRecord(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		f := newFixture(t, dia)
		a := f.w.A
		inspector := f.api["inspector"]
		// Awards that the inspection's incidents flag (staff's of 2025 approved and proposed, the
		// clerk's proposed one of 2024) and those they must leave alone.
		staff2025 := f.award(t, a.Staff, 2025, commendation.FormGIAY_KHEN, commendation.StatusAPPROVED)
		staff2025p := f.award(t, a.Staff, 2025, commendation.FormPUBLIC_PRAISE, commendation.StatusPROPOSED)
		staff2025d := f.award(t, a.Staff, 2025, commendation.FormBANG_KHEN, commendation.StatusDECLINED)
		staff2024 := f.award(t, a.Staff, 2024, commendation.FormGIAY_KHEN, commendation.StatusAPPROVED)
		manager2025 := f.award(t, a.Manager, 2025, commendation.FormGIAY_KHEN, commendation.StatusAPPROVED)
		clerk2024 := a.Records["Commendation"] // the World's: PROPOSED, 2024
		flags := func() map[string]bool {
			out := map[string]bool{}
			for _, id := range []string{staff2025, staff2025p, staff2025d, staff2024, manager2025, clerk2024} {
				out[id] = f.commendation(t, id).Flagged
			}
			return out
		}
		counts := func() [2]int {
			return [2]int{f.db.Client.Inspection.Query().CountX(sys), f.db.Client.Incident.Query().CountX(sys)}
		}
		before, beforeFlags := counts(), flags()

		valid := func(key string) map[string]any {
			return map[string]any{
				"unitId": a.ParentUnit, "campaignId": f.w.Campaign, "inspectedOn": "2026-06-10T02:00:00Z",
				"inspectors": []string{"Nguyễn Thanh Tra", "  "}, "findings": "Phát hiện hai vi phạm",
				"idempotencyKey": key,
				"incidents": []map[string]any{
					// 1 July 2025 in Vietnam (still 30 June in UTC): a 2025 incident.
					{"officialId": a.Staff, "category": "NO_BUREAUCRACY", "occurredOn": "2025-06-30T18:00:00Z", "summary": "Chậm giải quyết hồ sơ"},
					// 1 January 2024, 01:30 in Vietnam (31 December 2023 in UTC): a 2024 incident,
					// of an official of a sub-unit of the unit inspected.
					{"officialId": a.Clerk, "category": "NO_CORRUPTION", "occurredOn": "2023-12-31T18:30:00Z", "summary": "Nhận quà"},
				},
			}
		}

		// Every invalid part refuses the whole record and writes nothing.
		invalid := []struct {
			name   string
			change func(map[string]any)
			code   string
			field  string
		}{
			{"official outside the unit inspected", func(in map[string]any) {
				in["incidents"].([]map[string]any)[1]["officialId"] = a.Outsider
			}, "BAD_USER_INPUT", "[incidents 1 officialId]"},
			{"official of another province", func(in map[string]any) {
				in["incidents"].([]map[string]any)[0]["officialId"] = f.w.B.Staff
			}, "BAD_USER_INPUT", "[incidents 0 officialId]"},
			{"conduct in the future", func(in map[string]any) {
				in["incidents"].([]map[string]any)[1]["occurredOn"] = today.AddDate(0, 0, 2).Format(time.RFC3339)
			}, "BAD_USER_INPUT", "[incidents 1 occurredOn]"},
			{"conduct after the inspection", func(in map[string]any) {
				in["incidents"].([]map[string]any)[1]["occurredOn"] = "2026-06-12T02:00:00Z"
			}, "BAD_USER_INPUT", "[incidents 1 occurredOn]"},
			{"conduct before 2020", func(in map[string]any) {
				in["incidents"].([]map[string]any)[0]["occurredOn"] = "2019-06-30T02:00:00Z"
			}, "BAD_USER_INPUT", "[incidents 0 occurredOn]"},
			{"blank summary", func(in map[string]any) {
				in["incidents"].([]map[string]any)[1]["summary"] = " "
			}, "BAD_USER_INPUT", "[incidents 1 summary]"},
			{"no inspector named", func(in map[string]any) { in["inspectors"] = []string{" ", ""} }, "BAD_USER_INPUT", "[inspectors]"},
			{"no findings", func(in map[string]any) { in["findings"] = "  " }, "BAD_USER_INPUT", "[findings]"},
			{"inspected in the future", func(in map[string]any) { in["inspectedOn"] = "2026-06-16T02:00:00Z" }, "BAD_USER_INPUT", "[inspectedOn]"},
			{"no such campaign", func(in map[string]any) { in["campaignId"] = "cmp_01jw0000000000000000000999" }, "NOT_FOUND", "[campaignId]"},
		}
		for _, tt := range invalid {
			t.Run(tt.name, func(t *testing.T) {
				in := valid("insp-1") // the same key: a refused request leaves it free
				tt.change(in)
				r, out := f.inspect(t, inspector, in)
				if r.userCode() != tt.code || r.field() != tt.field || out.ID != "" {
					t.Fatalf("got %+v, want %s on %s", r, tt.code, tt.field)
				}
				if got := counts(); got != before {
					t.Fatalf("inspections and incidents %v after a refused record, want %v", got, before)
				}
				if got := flags(); !mapsEqual(got, beforeFlags) {
					t.Fatalf("flags changed by a refused record: %v", got)
				}
			})
		}
		// Roles and scopes.
		for _, who := range []struct{ role, code string }{{"unitManager", "FORBIDDEN"}, {"official", "FORBIDDEN"}, {"anonymous", "UNAUTHENTICATED"}} {
			if r, _ := f.inspect(t, f.api[who.role], valid("insp-role")); r.Code != who.code {
				t.Errorf("%s: %+v, want %s", who.role, r, who.code)
			}
		}
		outside := valid("insp-outside")
		outside["unitId"], outside["incidents"] = f.w.B.ParentUnit, nil
		if r, _ := f.inspect(t, f.api["provinceSupervisor"], outside); r.Code != "FORBIDDEN" {
			t.Errorf("inspection of another province: %+v", r)
		}
		if got := counts(); got != before {
			t.Fatalf("refused records wrote %v, want %v", got, before)
		}

		// The valid record: the inspection, its incidents in the year of the conduct in Vietnam,
		// each against the official's unit, and the awards of those officials and years flagged.
		r, got := f.inspect(t, inspector, valid("insp-1"))
		if len(r.Errors) > 0 || r.Code != "" || got.ID == "" {
			t.Fatalf("record: %+v", r)
		}
		if !slices.Equal(got.Inspectors, []string{"Nguyễn Thanh Tra"}) || got.Unit.ID != a.ParentUnit || len(got.Incidents) != 2 {
			t.Fatalf("inspection %+v", got)
		}
		byOfficial := map[string]int{}
		for i, inc := range got.Incidents {
			byOfficial[inc.Official.ID] = i
			if inc.Source != "INSPECTION" {
				t.Errorf("incident source %s", inc.Source)
			}
		}
		staffInc, clerkInc := got.Incidents[byOfficial[a.Staff]], got.Incidents[byOfficial[a.Clerk]]
		if staffInc.Year != 2025 || staffInc.Unit.ID != a.ParentUnit || staffInc.Category != "NO_BUREAUCRACY" {
			t.Errorf("staff's incident %+v, want 2025 in the parent unit", staffInc)
		}
		if clerkInc.Year != 2024 || clerkInc.Unit.ID != a.ChildUnit || clerkInc.Summary != "Nhận quà" {
			t.Errorf("clerk's incident %+v, want 2024 in the child unit", clerkInc)
		}
		stored := f.db.Client.Incident.Query().Where(incident.SourceEQ(incident.SourceINSPECTION), incident.HasInspection()).CountX(sys)
		if stored != 2 {
			t.Errorf("%d incidents linked to an inspection, want 2", stored)
		}
		wantFlags := map[string]bool{staff2025: true, staff2025p: true, staff2025d: false, staff2024: false, manager2025: false, clerk2024: true}
		if got := flags(); !mapsEqual(got, wantFlags) {
			t.Errorf("flags %v, want %v", got, wantFlags)
		}
		// The flag is what the supervisor reads.
		var node struct{ Node struct{ Flagged bool } }
		f.api["provinceSupervisor"].Query(t, `query($id: ID!) { node(id: $id) { ... on Commendation { flagged } } }`,
			map[string]any{"id": staff2025}).Decode(t, &node)
		if !node.Node.Flagged {
			t.Error("the supervisor does not read the flag")
		}
		if log := actions(f.audit(t, got.ID)); !slices.Equal(log, []string{"inspectionRecord"}) {
			t.Errorf("audit of the inspection: %v", log)
		}
		if log := actions(f.audit(t, staff2025)); !slices.Equal(log, []string{"commendationFlag"}) {
			t.Errorf("audit of the flagged award: %v", log)
		}
		after := counts()
		if after != [2]int{before[0] + 1, before[1] + 2} {
			t.Fatalf("counts %v, want one inspection and two incidents more than %v", after, before)
		}

		// A retry with the same key returns the same inspection and writes nothing.
		r2, again := f.inspect(t, inspector, valid("insp-1"))
		if again.ID != got.ID || len(r2.Errors) > 0 {
			t.Fatalf("retry: %+v", r2)
		}
		if counts() != after {
			t.Fatal("the retry wrote")
		}
		// An inspection without incidents, by a supervisor.
		quiet := valid("insp-2")
		quiet["incidents"], quiet["unitId"] = []map[string]any{}, a.OtherUnit
		if r, out := f.inspect(t, f.api["provinceSupervisor"], quiet); len(r.Errors) > 0 || out.ID == "" || len(out.Incidents) != 0 {
			t.Fatalf("inspection without incidents: %+v %+v", r, out)
		}
		// The staff member's new incident bars a 2025 proposal.
		if r := f.propose(t, f.api["provinceSupervisor"], map[string]any{"officialId": a.Staff, "form": "GIAY_KHEN", "year": 2025}); r.userCode() != "BAD_USER_INPUT" {
			t.Fatalf("proposal after the inspection's incident: %+v", r)
		}
	})
}

func mapsEqual(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestCandidates builds, for 2025, officials who meet all four conditions and officials who miss
// exactly one, in and out of the scopes asked about.
func TestCandidates(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		f := newFixture(t, dia)
		a, b := f.w.A, f.w.B
		vn := func(s string) time.Time {
			at, err := time.Parse(time.RFC3339, s)
			if err != nil {
				t.Fatal(err)
			}
			return at
		}
		// eligible makes an official meeting all four conditions unless one is skipped.
		eligible := func(unitID, name, skip string) string {
			id := f.official(t, unitID, name)
			if skip != "pledge" {
				f.pledged(t, id, 2025, "SIGNED")
			}
			if skip != "review" {
				f.reviewed(t, id, 2025, enum.ClassificationExcellent)
			}
			if skip == "incident" {
				f.incident(t, id, unitID, 2025)
			}
			if skip != "praise" {
				// 1 January 2025, 00:30 in Vietnam, stored in UTC (still 2024 there).
				f.citizenCase(t, id, unitID, enum.ChannelPraise, vn("2024-12-31T17:30:00Z"))
			}
			return id
		}
		child := eligible(a.ChildUnit, "Ứng Viên Một", "")
		parent := eligible(a.ParentUnit, "Ứng Viên Hai", "")
		other := eligible(a.OtherUnit, "Ứng Viên Ba", "")
		inB := eligible(b.ParentUnit, "Ứng Viên Tỉnh B", "")
		eligible(a.ChildUnit, "Chưa Cam Kết", "pledge")
		eligible(a.ChildUnit, "Chưa Đánh Giá", "review")
		eligible(a.ChildUnit, "Có Vi Phạm", "incident")
		eligible(a.ChildUnit, "Không Khen Ngợi", "praise")
		withdrawn := eligible(a.ChildUnit, "Rút Cam Kết", "pledge")
		f.pledged(t, withdrawn, 2025, "WITHDRAWN")
		f.pledged(t, withdrawn, 2024, "SIGNED")
		good := eligible(a.ChildUnit, "Xếp Loại Tốt", "review")
		f.reviewed(t, good, 2025, enum.ClassificationGood)
		completed := eligible(a.ChildUnit, "Hoàn Thành", "review")
		f.reviewed(t, completed, 2025, enum.ClassificationCompleted)
		quarter := eligible(a.ChildUnit, "Theo Quý", "review")
		f.assessed(t, quarter, 2025, "QUARTER", "REVIEWED", enum.ClassificationExcellent)
		submitted := eligible(a.ChildUnit, "Chờ Duyệt", "review")
		f.assessed(t, submitted, 2025, "YEAR", "SUBMITTED", enum.ClassificationExcellent)
		lastYear := eligible(a.ChildUnit, "Vi Phạm Năm Trước", "") // an incident of another year does not count
		f.incident(t, lastYear, a.ChildUnit, 2024)
		late := eligible(a.ChildUnit, "Khen Muộn", "praise")
		// 1 January 2026, 00:30 in Vietnam: 2026 praise, although 2025 in UTC.
		f.citizenCase(t, late, a.ChildUnit, enum.ChannelPraise, vn("2025-12-31T17:30:00Z"))
		feedback := eligible(a.ChildUnit, "Chỉ Phản Ánh", "praise")
		f.citizenCase(t, feedback, a.ChildUnit, enum.ChannelFeedback, vn("2025-05-01T03:00:00Z"))

		type page struct {
			TotalCount int
			PageInfo   struct {
				HasNextPage bool
				EndCursor   *string
			}
			Edges []struct{ Node struct{ ID string } }
		}
		query := func(api *testutil.API, scope map[string]any, first int, after *string) (page, string) {
			var out struct{ CommendationCandidates page }
			r := api.Query(t, `query($scope: ScopeInput!, $year: Int!, $first: Int, $after: Cursor) {
				commendationCandidates(scope: $scope, year: $year, first: $first, after: $after) {
					totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } }`,
				map[string]any{"scope": scope, "year": 2025, "first": first, "after": after})
			if len(r.Errors) > 0 {
				return out.CommendationCandidates, r.Code()
			}
			r.Decode(t, &out)
			return out.CommendationCandidates, ""
		}
		ids := func(p page) []string {
			var out []string
			for _, e := range p.Edges {
				out = append(out, e.Node.ID)
			}
			slices.Sort(out)
			return out
		}
		sorted := func(s ...string) []string { slices.Sort(s); return s }
		tests := []struct {
			name, role string
			scope      map[string]any
			want       []string
		}{
			{"province", "provinceSupervisor", map[string]any{"provinceId": a.Province}, sorted(child, parent, other, good, lastYear)},
			{"district", "districtSupervisor", map[string]any{"districtId": a.District}, sorted(child, parent, good, lastYear)},
			{"unit with sub-units", "unitManager", map[string]any{"unitId": a.ParentUnit}, sorted(child, parent, good, lastYear)},
			{"sub-unit", "unitManager", map[string]any{"unitId": a.ChildUnit}, sorted(child, good, lastYear)},
			{"other district", "inspector", map[string]any{"districtId": a.OtherDistrict}, sorted(other)},
			{"nation", "admin", map[string]any{"national": true}, sorted(child, parent, other, good, lastYear, inB)},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p, code := query(f.api[tt.role], tt.scope, 50, nil)
				if code != "" {
					t.Fatalf("error %s", code)
				}
				if got := ids(p); !slices.Equal(got, tt.want) || p.TotalCount != len(tt.want) {
					t.Fatalf("candidates %v (total %d), want %v", got, p.TotalCount, tt.want)
				}
			})
		}
		refused := []struct {
			name, role string
			scope      map[string]any
			code       string
		}{
			{"district supervisor asks for the province", "districtSupervisor", map[string]any{"provinceId": a.Province}, "FORBIDDEN"},
			{"province supervisor asks for another province", "provinceSupervisor", map[string]any{"provinceId": b.Province}, "FORBIDDEN"},
			{"province supervisor asks for the nation", "provinceSupervisor", map[string]any{"national": true}, "FORBIDDEN"},
			{"unit manager asks for another unit", "unitManager", map[string]any{"unitId": a.OtherUnit}, "FORBIDDEN"},
			{"official asks for their unit", "official", map[string]any{"unitId": a.ChildUnit}, "FORBIDDEN"},
			{"anonymous", "anonymous", map[string]any{"unitId": a.ChildUnit}, "UNAUTHENTICATED"},
			{"two scopes", "admin", map[string]any{"unitId": a.ChildUnit, "national": true}, "BAD_USER_INPUT"},
		}
		for _, tt := range refused {
			t.Run(tt.name, func(t *testing.T) {
				if _, code := query(f.api[tt.role], tt.scope, 50, nil); code != tt.code {
					t.Fatalf("got %q, want %s", code, tt.code)
				}
			})
		}
		// Pages: in a stable order, without repeats.
		var seen []string
		var after *string
		for range 5 {
			p, code := query(f.api["provinceSupervisor"], map[string]any{"provinceId": a.Province}, 1, after)
			if code != "" || len(p.Edges) > 1 || p.TotalCount != 5 {
				t.Fatalf("page: %+v %s", p, code)
			}
			seen = append(seen, ids(p)...)
			if !p.PageInfo.HasNextPage {
				break
			}
			after = p.PageInfo.EndCursor
		}
		if got := sorted(seen...); !slices.Equal(got, sorted(child, parent, other, good, lastYear)) {
			t.Fatalf("paged through %v", seen)
		}
	})
}
