package review_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/xuri/excelize/v2"

	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/ent/auditevent"
	"github.com/liemchinh/liemchinh/ent/official"
	entprovince "github.com/liemchinh/liemchinh/ent/province"
	"github.com/liemchinh/liemchinh/ent/review"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/testutil"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

func TestMain(m *testing.M) { testutil.Main(m) }

// today is the domain clock of these tests: March 2026, so 2025 is a closed past year and the
// final review runs 2021-2026.
var today = time.Date(2026, 3, 10, 9, 0, 0, 0, workdays.Vietnam)

// The World's province A has four officials active since March 2022: Manager and Staff in
// ParentUnit, Clerk in ChildUnit (under ParentUnit), Outsider in OtherUnit. Clerk and Outsider
// acknowledged the campaign, pledged for 2025 and each have an incident in 2025.
const headcountA = 4

type fixture struct {
	db   *testutil.DB
	w    *testutil.World
	now  *time.Time
	anon *testutil.API
	as   map[string]*testutil.API // by testutil.Roles name, plus "outsider": province B's supervisor
}

func setup(t *testing.T, dia string) *fixture { return setupWith(t, dia, nil) }

// setupWith is setup with settings (environment variables) of its own.
func setupWith(t *testing.T, dia string, env map[string]string) *fixture {
	t.Helper()
	db := testutil.Open(t, dia)
	cfg := testutil.Config(t, env)
	fx := &fixture{db: db, w: testutil.NewWorld(t, db, cfg), as: map[string]*testutil.API{}}
	now := today
	fx.now = &now
	fx.anon = testutil.NewAPIAt(t, db, cfg, func() time.Time { return *fx.now })
	for _, role := range testutil.Roles {
		access, _ := fx.anon.Login(t, fx.w.Logins[role], testutil.Password)
		fx.as[role] = fx.anon.As(access)
	}
	fx.as["outsider"] = fx.anon.SignedIn(t, db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeProvince, ID: fx.w.B.Province}, "")
	return fx
}

func sys() context.Context { return authz.System(context.Background(), authz.SysTestFixture) }

// userError is one entry of a payload's userErrors.
type userError struct {
	Field         []string
	Code, Message string
}

// figuresSel is the part of Progress the tests compare.
const figuresSel = `figures { scope { kind id name } year asOf suppressed headcount units
	awareness { numerator denominator rate } pledge { numerator denominator rate }
	selfAssessment { numerator denominator rate } negativity { numerator denominator rate }
	negativityPerThousand cases { received } commendations { total } }`

type metric struct {
	Numerator   *int
	Denominator int
	Rate        *float64
}

type figures struct {
	Scope                                         struct{ Kind, ID, Name string }
	Year                                          int
	Suppressed                                    bool
	Headcount, Units                              int
	Awareness, Pledge, SelfAssessment, Negativity metric
}

type reviewOut struct {
	ID, ScopeKind, ScopeName, ClosedAt string
	Year, Version                      int
	Reason                             *string
	Scope                              struct {
		Kind string
		ID   *string
		Name string
	}
	Figures json.RawMessage
}

func (r reviewOut) figures(t *testing.T) figures {
	t.Helper()
	var f figures
	if err := json.Unmarshal(r.Figures, &f); err != nil {
		t.Fatalf("figures %s: %v", r.Figures, err)
	}
	return f
}

type closeResult struct {
	Code   string // top-level error code
	Review *reviewOut
	Errors []userError
}

func (c closeResult) userCode() string {
	if len(c.Errors) == 0 {
		return ""
	}
	return c.Errors[0].Code
}

func closeReview(t *testing.T, api *testutil.API, scope map[string]any, year int, reason any, key string) closeResult {
	t.Helper()
	in := map[string]any{"scope": scope, "year": year, "idempotencyKey": key}
	if reason != nil {
		in["reason"] = reason
	}
	r := api.Query(t, `mutation($in: ReviewCloseInput!) { reviewClose(input: $in) {
		review { id year version reason closedAt scopeKind scopeName scope { kind id name } `+figuresSel+` }
		userErrors { field code message } } }`, map[string]any{"in": in})
	if len(r.Errors) > 0 {
		return closeResult{Code: r.Code()}
	}
	var out struct {
		ReviewClose struct {
			Review     *reviewOut
			UserErrors []userError
		}
	}
	r.Decode(t, &out)
	return closeResult{Review: out.ReviewClose.Review, Errors: out.ReviewClose.UserErrors}
}

// try closes a review a minute after the previous one, so that closing times (and the order of
// the list) are distinct.
func (fx *fixture) try(t *testing.T, api *testutil.API, scope map[string]any, year int, reason any, key string) closeResult {
	t.Helper()
	*fx.now = fx.now.Add(time.Minute)
	return closeReview(t, api, scope, year, reason, key)
}

func (fx *fixture) mustClose(t *testing.T, api *testutil.API, scope map[string]any, year int, reason any, key string) reviewOut {
	t.Helper()
	c := fx.try(t, api, scope, year, reason, key)
	if c.Review == nil {
		t.Fatalf("close %v %d: %+v", scope, year, c)
	}
	return *c.Review
}

// reviews lists the reviews the API's viewer may read, oldest first.
func reviews(t *testing.T, api *testutil.API) (int, []reviewOut, string) {
	t.Helper()
	r := api.Query(t, `{ reviews(first: 50, orderBy: {field: CLOSED_AT, direction: ASC}) { totalCount
		edges { node { id year version reason scopeKind scopeName scope { kind id name } `+figuresSel+` } } } }`, nil)
	if len(r.Errors) > 0 {
		return 0, nil, r.Code()
	}
	var out struct {
		Reviews struct {
			TotalCount int
			Edges      []struct{ Node reviewOut }
		}
	}
	r.Decode(t, &out)
	var list []reviewOut
	for _, e := range out.Reviews.Edges {
		list = append(list, e.Node)
	}
	return out.Reviews.TotalCount, list, ""
}

// node reads a review by id; nil when not found.
func node(t *testing.T, api *testutil.API, id string) (*reviewOut, string) {
	t.Helper()
	r := api.Query(t, `query($id: ID!) { node(id: $id) { ... on Review { id year version scopeName `+figuresSel+` } } }`,
		map[string]any{"id": id})
	var out struct{ Node *reviewOut }
	_ = json.Unmarshal(r.Data, &out)
	if out.Node == nil || out.Node.ID == "" {
		return nil, r.Code()
	}
	return out.Node, ""
}

func province(id string) map[string]any  { return map[string]any{"provinceId": id} }
func district(id string) map[string]any  { return map[string]any{"districtId": id} }
func unitScope(id string) map[string]any { return map[string]any{"unitId": id} }

func TestReviewClose(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		fx := setup(t, dia)
		a := fx.w.A
		sup := fx.as["provinceSupervisor"]

		v1 := fx.mustClose(t, sup, province(a.Province), 2025, nil, "close-1")
		if v1.Version != 1 || v1.Year != 2025 || v1.Reason != nil || v1.ScopeKind != "PROVINCE" || v1.ScopeName != "Tỉnh WA" {
			t.Fatalf("first close: %+v", v1)
		}
		if v1.Scope.Kind != "PROVINCE" || v1.Scope.ID == nil || *v1.Scope.ID != a.Province || v1.Scope.Name != "Tỉnh WA" {
			t.Fatalf("scope of the review: %+v", v1.Scope)
		}
		f1 := v1.figures(t)
		if f1.Headcount != headcountA || f1.Year != 2025 || f1.Suppressed {
			t.Fatalf("frozen figures: %+v", f1)
		}
		if f1.Pledge.Numerator == nil || *f1.Pledge.Numerator != 2 || f1.Pledge.Denominator != headcountA {
			t.Fatalf("frozen pledge: %+v", f1.Pledge)
		}
		if f1.Negativity.Numerator == nil || *f1.Negativity.Numerator != 2 {
			t.Fatalf("frozen negativity: %+v", f1.Negativity)
		}
		stored, err := fx.db.Client.Review.Get(sys(), v1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.ScopeID != a.Province || stored.ProvinceID != a.Province || stored.UnitID != "" || stored.DistrictID != "" {
			t.Fatalf("stored scope columns: %+v", stored)
		}

		// A retry with the same key returns the first result and writes nothing.
		if retry := fx.mustClose(t, sup, province(a.Province), 2025, nil, "close-1"); retry.ID != v1.ID || retry.Version != 1 {
			t.Fatalf("retry: %+v", retry)
		}
		// Closing again needs a reason; blank is none.
		for _, reason := range []any{nil, "   "} {
			r := fx.try(t, sup, province(a.Province), 2025, reason, fmt.Sprintf("close-noreason-%v", reason))
			if r.userCode() != "BAD_USER_INPUT" || !slices.Equal(r.Errors[0].Field, []string{"reason"}) || r.Review != nil {
				t.Fatalf("close again with reason %q: %+v", reason, r)
			}
		}
		if n := fx.db.Client.Review.Query().CountX(sys()); n != 1 {
			t.Fatalf("%d reviews after refused closes, want 1", n)
		}

		// The records change: a new official joins province A.
		fx.db.Client.Official.Create().SetFullName("Người Mới").SetCategory(official.CategoryVIEN_CHUC).
			SetEmployeeCode("NEW-1").SetActiveFrom(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)).SetUnitID(a.ParentUnit).
			ExecX(sys())
		v2 := fx.mustClose(t, sup, province(a.Province), 2025, "Bổ sung cán bộ được tuyển", "close-2")
		if v2.Version != 2 || v2.Reason == nil || *v2.Reason != "Bổ sung cán bộ được tuyển" || v2.ID == v1.ID {
			t.Fatalf("second close: %+v", v2)
		}
		if f := v2.figures(t); f.Headcount != headcountA+1 {
			t.Fatalf("second close headcount %d, want %d", f.Headcount, headcountA+1)
		}

		// Version 1 is still there, unchanged.
		total, list, code := reviews(t, sup)
		if code != "" || total != 2 || len(list) != 2 || list[0].ID != v1.ID || list[1].ID != v2.ID {
			t.Fatalf("reviews: %d %+v %s", total, list, code)
		}
		if !sameJSON(t, list[0].Figures, v1.Figures) {
			t.Fatalf("version 1 changed:\n%s\nwas\n%s", list[0].Figures, v1.Figures)
		}
		if again, err := fx.db.Client.Review.Get(sys(), v1.ID); err != nil || !bytes.Equal(again.Figures, stored.Figures) {
			t.Fatalf("stored figures of version 1 changed (%v)", err)
		}
		if got, _ := node(t, sup, v1.ID); got == nil || got.Version != 1 || !sameJSON(t, got.Figures, v1.Figures) {
			t.Errorf("node(version 1) for the province supervisor: %+v", got)
		}

		// Every close is in the audit log, with its reason.
		events := fx.db.Client.AuditEvent.Query().Where(auditevent.Action("reviewClose")).AllX(sys())
		if len(events) != 2 || events[1].Reason == nil || *events[1].Reason != "Bổ sung cán bộ được tuyển" {
			t.Fatalf("audit: %+v", events)
		}

		// Years outside 2020..2026 are refused.
		for _, y := range []int{2019, 2027} {
			if r := fx.try(t, sup, province(a.Province), y, nil, fmt.Sprintf("close-y-%d", y)); r.userCode() != "BAD_USER_INPUT" ||
				!slices.Equal(r.Errors[0].Field, []string{"year"}) {
				t.Fatalf("close %d: %+v", y, r)
			}
		}

		// Only supervisors and administrators whose scope holds the scope close it.
		for role, want := range map[string]string{"official": "FORBIDDEN", "unitManager": "FORBIDDEN",
			"inspector": "FORBIDDEN", "outsider": "FORBIDDEN", "districtSupervisor": "FORBIDDEN"} {
			if r := fx.try(t, fx.as[role], province(a.Province), 2025, "x", "close-"+role); r.Code != want {
				t.Errorf("%s closing province A: %+v, want %s", role, r, want)
			}
		}
		if r := fx.try(t, fx.anon, province(a.Province), 2025, "x", "close-anon"); r.Code != "UNAUTHENTICATED" {
			t.Errorf("anonymous close: %+v", r)
		}
		if r := fx.try(t, fx.as["outsider"], unitScope(a.ChildUnit), 2025, nil, "close-out-unit"); r.Code != "FORBIDDEN" {
			t.Errorf("outsider closing a unit of A: %+v", r)
		}

		// The district supervisor closes the district and a unit in it; the administrator the nation.
		dist := fx.mustClose(t, fx.as["districtSupervisor"], district(a.District), 2025, nil, "close-d")
		unitRv := fx.mustClose(t, fx.as["districtSupervisor"], unitScope(a.ChildUnit), 2025, nil, "close-u")
		nation := fx.mustClose(t, fx.as["admin"], map[string]any{"national": true}, 2025, nil, "close-n")
		if nation.Scope.Kind != "NATION" || nation.Scope.ID != nil || nation.Version != 1 {
			t.Fatalf("national review: %+v", nation)
		}
		if f := unitRv.figures(t); f.Headcount != 1 || f.Suppressed {
			t.Fatalf("unit review figures (whole, never suppressed): %+v", f)
		}
		if f := nation.figures(t); f.Headcount != 2*headcountA+1 {
			t.Fatalf("national headcount %d, want %d", f.Headcount, 2*headcountA+1)
		}

		// Who reads which reviews: the scope filter holds for the list and for node.
		want := map[string][]string{
			"admin":              {v1.ID, v2.ID, dist.ID, unitRv.ID, nation.ID},
			"provinceSupervisor": {v1.ID, v2.ID, dist.ID, unitRv.ID},
			"inspector":          {v1.ID, v2.ID, dist.ID, unitRv.ID},
			"districtSupervisor": {dist.ID, unitRv.ID},
			"unitManager":        {unitRv.ID}, // ParentUnit holds ChildUnit
			"official":           nil,
			"outsider":           nil,
		}
		for role, ids := range want {
			total, list, code := reviews(t, fx.as[role])
			var got []string
			for _, r := range list {
				got = append(got, r.ID)
			}
			if code != "" || total != len(ids) || !slices.Equal(got, ids) {
				t.Errorf("%s reads reviews %v (total %d, %s), want %v", role, got, total, code, ids)
			}
		}
		for _, role := range []string{"outsider", "official", "districtSupervisor"} {
			if got, _ := node(t, fx.as[role], v1.ID); got != nil {
				t.Errorf("%s read the province review by node: %+v", role, got)
			}
		}
		r := fx.as["outsider"].Query(t, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": []string{v1.ID, v2.ID}})
		if strings.Contains(string(r.Data), v1.ID) || strings.Contains(string(r.Data), v2.ID) {
			t.Errorf("outsider read reviews through nodes: %s", r.Raw)
		}
		if _, _, code := reviews(t, fx.anon); code != "UNAUTHENTICATED" {
			t.Errorf("anonymous reviews: %s", code)
		}
	})
}

// TestReviewOfMergedProvince: a province's supervisor reads the reviews of the provinces merged
// into it (history stays in scope) and closes them; another province's cannot.
func TestReviewOfMergedProvince(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		fx := setup(t, dia)
		old := fx.db.Client.Province.Create().SetCode("WO").SetName("Tỉnh Cũ").SetKind(entprovince.KindPROVINCE).
			SetValidFrom(time.Date(2004, 1, 1, 0, 0, 0, 0, time.UTC)).SetValidTo(time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)).
			SetSuccessorID(fx.w.A.Province).SaveX(sys())
		rv := fx.mustClose(t, fx.as["provinceSupervisor"], province(old.ID), 2024, nil, "m-1")
		if stored := fx.db.Client.Review.GetX(sys(), rv.ID); stored.ProvinceID != old.ID {
			t.Fatalf("province_id %q, want %q", stored.ProvinceID, old.ID)
		}
		if total, list, _ := reviews(t, fx.as["provinceSupervisor"]); total != 1 || list[0].ID != rv.ID || list[0].ScopeName != "Tỉnh Cũ" {
			t.Fatalf("province A supervisor's reviews: %d %+v", total, list)
		}
		for _, role := range []string{"outsider", "districtSupervisor"} {
			if total, _, _ := reviews(t, fx.as[role]); total != 0 {
				t.Errorf("%s reads %d reviews of the merged province", role, total)
			}
		}
		if r := fx.try(t, fx.as["outsider"], province(old.ID), 2024, "x", "m-2"); r.Code != "FORBIDDEN" {
			t.Errorf("province B supervisor closing the province merged into A: %+v", r)
		}
	})
}

func sameJSON(t *testing.T, a, b json.RawMessage) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(x, y)
}

// TestReviewCloseConcurrent closes one scope and year from several requests at once: every
// version is taken once; a request that lost the race twice gets CONFLICT, nothing else.
func TestReviewCloseConcurrent(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		fx := setup(t, dia)
		const n = 4
		results := make([]closeResult, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = closeReview(t, fx.as["admin"], province(fx.w.A.Province), 2025, "Chốt song song", fmt.Sprintf("race-%d", i))
			}()
		}
		wg.Wait()
		var versions []int
		for _, r := range results {
			switch {
			case r.Review != nil:
				versions = append(versions, r.Review.Version)
			case r.userCode() == "CONFLICT":
			default:
				t.Fatalf("concurrent close: %+v", r)
			}
		}
		slices.Sort(versions)
		t.Logf("versions %v, %d CONFLICT", versions, n-len(versions))
		if len(versions) == 0 || versions[0] != 1 || len(slices.Compact(slices.Clone(versions))) != len(versions) {
			t.Fatalf("versions %v: want distinct, from 1", versions)
		}
		stored := fx.db.Client.Review.Query().Where(review.ProvinceID(fx.w.A.Province)).CountX(sys())
		if stored != len(versions) {
			t.Fatalf("%d reviews stored, %d answered", stored, len(versions))
		}
	})
}

func TestFinalReview(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		fx := setup(t, dia)
		a := fx.w.A
		sup := fx.as["provinceSupervisor"]
		fx.mustClose(t, sup, province(a.Province), 2023, nil, "f-1")
		v2 := fx.mustClose(t, sup, province(a.Province), 2023, "Điều chỉnh", "f-2")
		fx.mustClose(t, sup, unitScope(a.ChildUnit), 2024, nil, "f-3")

		type row struct {
			Year   int
			Review *struct {
				ID      string
				Version int
			}
			Figures figures
		}
		final := func(api *testutil.API, scope map[string]any) ([]row, string) {
			r := api.Query(t, `query($s: ScopeInput!) { finalReview(scope: $s) { scope { kind id name }
				rows { year review { id version } figures { scope { kind id name } year suppressed headcount units
				pledge { numerator denominator rate } negativity { numerator denominator } } } } }`, map[string]any{"s": scope})
			if len(r.Errors) > 0 {
				return nil, r.Code()
			}
			var out struct {
				FinalReview struct {
					Scope struct{ Kind, Name string }
					Rows  []row
				}
			}
			r.Decode(t, &out)
			return out.FinalReview.Rows, ""
		}
		rows, code := final(sup, province(a.Province))
		if code != "" || len(rows) != 6 {
			t.Fatalf("final review: %d rows, %s", len(rows), code)
		}
		for i, r := range rows {
			if r.Year != 2021+i {
				t.Fatalf("row %d is year %d", i, r.Year)
			}
			wantHead := headcountA
			if r.Year == 2021 {
				wantHead = 0 // the officials started in March 2022
			}
			if r.Figures.Headcount != wantHead || r.Figures.Year != r.Year {
				t.Errorf("%d: headcount %d, want %d", r.Year, r.Figures.Headcount, wantHead)
			}
			if (r.Review != nil) != (r.Year == 2023) {
				t.Errorf("%d: review %+v", r.Year, r.Review)
			}
		}
		if rv := rows[2].Review; rv == nil || rv.ID != v2.ID || rv.Version != 2 {
			t.Fatalf("2023 row comes from %+v, want version 2 (%s)", rv, v2.ID)
		}
		if p := rows[4].Figures.Pledge; p.Numerator == nil || *p.Numerator != 2 {
			t.Errorf("2025 live pledges: %+v", p)
		}

		// The official sees their own unit live, hidden under 10 officials, never a review.
		rows, code = final(fx.as["official"], unitScope(a.ChildUnit))
		if code != "" || len(rows) != 6 {
			t.Fatalf("official's final review: %d rows, %s", len(rows), code)
		}
		if r := rows[3]; r.Review != nil || !r.Figures.Suppressed || r.Figures.Pledge.Numerator != nil {
			t.Errorf("official's 2024 row: %+v", r)
		}
		// Staff in scope get the unit's closed review.
		rows, _ = final(fx.as["districtSupervisor"], unitScope(a.ChildUnit))
		if len(rows) != 6 || rows[3].Review == nil || rows[3].Figures.Headcount != 1 {
			t.Errorf("district supervisor's unit rows: %+v", rows)
		}

		for role, scope := range map[string]map[string]any{"outsider": province(a.Province),
			"districtSupervisor": province(a.Province), "official": unitScope(a.ParentUnit)} {
			if _, code := final(fx.as[role], scope); code != "FORBIDDEN" {
				t.Errorf("%s final review of %v: %q, want FORBIDDEN", role, scope, code)
			}
		}
		if _, code := final(fx.anon, province(a.Province)); code != "UNAUTHENTICATED" {
			t.Errorf("anonymous final review: %q", code)
		}
	})
}

type linkResult struct {
	Code      string
	URL       string
	ExpiresAt time.Time
	Errors    []userError
}

func exportLink(t *testing.T, api *testutil.API, in map[string]any, headers ...string) linkResult {
	t.Helper()
	r := api.Query(t, `mutation($in: ExportLinkInput!) { exportLink(input: $in) { url expiresAt userErrors { field code message } } }`,
		map[string]any{"in": in}, headers...)
	if len(r.Errors) > 0 {
		return linkResult{Code: r.Code()}
	}
	var out struct {
		ExportLink struct {
			URL        *string
			ExpiresAt  *time.Time
			UserErrors []userError
		}
	}
	r.Decode(t, &out)
	res := linkResult{Errors: out.ExportLink.UserErrors}
	if out.ExportLink.URL != nil {
		res.URL = *out.ExportLink.URL
	}
	if out.ExportLink.ExpiresAt != nil {
		res.ExpiresAt = *out.ExportLink.ExpiresAt
	}
	return res
}

func mustLink(t *testing.T, api *testutil.API, in map[string]any) string {
	t.Helper()
	l := exportLink(t, api, in)
	if l.URL == "" || !strings.HasPrefix(l.URL, "/exports/") || len(l.Errors) > 0 {
		t.Fatalf("export link %v: %+v", in, l)
	}
	return l.URL
}

// get downloads a URL with no header: the link is the credential.
func get(api *testutil.API, url string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	api.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
	return rec
}

func mustGet(t *testing.T, api *testutil.API, url, contentType, filename string) []byte {
	t.Helper()
	rec := get(api, url)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != contentType {
		t.Fatalf("Content-Type %q, want %q", ct, contentType)
	}
	if cd := rec.Header().Get("Content-Disposition"); cd != `attachment; filename="`+filename+`"` {
		t.Fatalf("Content-Disposition %q, want file %q", cd, filename)
	}
	return rec.Body.Bytes()
}

const (
	xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	csvType  = "text/csv; charset=utf-8"
)

var (
	progressHeader = []string{"Chỉ số", "Tử số", "Mẫu số", "Tỷ lệ", "Công thức"}
	rankingHeader  = []string{"Hạng", "Đơn vị", "Số CBCCVC", "Tỷ lệ nhận thức", "Tỷ lệ cam kết", "Tỷ lệ tự đánh giá", "Tỷ lệ vi phạm/1000"}
)

// rowOf finds the row whose first cell is name.
func rowOf(rows [][]string, name string) []string {
	for _, r := range rows {
		if len(r) > 0 && r[0] == name {
			return r
		}
	}
	return nil
}

func openXLSX(t *testing.T, body []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("open xlsx: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func sheetRows(t *testing.T, f *excelize.File, sheet string) [][]string {
	t.Helper()
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("sheet %q: %v", sheet, err)
	}
	return rows
}

// readCSV checks the byte order mark and returns the records (tables separated by an empty line,
// which encoding/csv skips).
func readCSV(t *testing.T, body []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(body, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("CSV without a UTF-8 byte order mark: %q", body[:min(len(body), 20)])
	}
	r := csv.NewReader(bytes.NewReader(body[3:]))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("parse CSV: %v", err)
	}
	return recs
}

func TestExportProgress(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		fx := setup(t, dia)
		a := fx.w.A
		sup := fx.as["provinceSupervisor"]
		in := map[string]any{"kind": "PROGRESS", "format": "XLSX", "scope": province(a.Province), "year": 2025}
		l := exportLink(t, sup, in)
		if !strings.HasPrefix(l.URL, "/exports/") || !l.ExpiresAt.Equal(today.Add(10*time.Minute)) {
			t.Fatalf("link: %+v", l)
		}

		f := openXLSX(t, mustGet(t, fx.anon, l.URL, xlsxType, "tien-do_tinh-wa_2025.xlsx"))
		if got := f.GetSheetList(); !slices.Equal(got, []string{"Tiến độ", "Xếp hạng đơn vị", "Thông tin"}) {
			t.Fatalf("sheets %v", got)
		}
		rows := sheetRows(t, f, "Tiến độ")
		if !slices.Equal(rows[0], progressHeader) {
			t.Fatalf("header %v", rows[0])
		}
		if r := rowOf(rows, "Số CBCCVC"); len(r) < 2 || r[1] != fmt.Sprint(headcountA) {
			t.Errorf("headcount row %v", r)
		}
		if r := rowOf(rows, "Tỷ lệ cam kết"); len(r) < 4 || r[1] != "2" || r[2] != "4" || r[3] != "0.5" {
			t.Errorf("pledge row %v", r)
		}
		if r := rowOf(rows, "Tỷ lệ vi phạm"); len(r) < 4 || r[1] != "2" || r[3] != "0.5" {
			t.Errorf("negativity row %v", r)
		}
		for _, name := range []string{"Vụ việc nhận được", "Theo kênh: Tố cáo", "Tỷ lệ giải quyết đúng hạn",
			"Mức giảm tỷ lệ vi phạm", "Kết quả giảm", "Khen thưởng được duyệt", "Mục tiêu giảm (tối thiểu)"} {
			if rowOf(rows, name) == nil {
				t.Errorf("no row %q", name)
			}
		}
		if r := rowOf(rows, "Theo kênh: Tố cáo"); len(r) < 2 || r[1] != "2" {
			t.Errorf("denunciations row %v", r)
		}
		rank := sheetRows(t, f, "Xếp hạng đơn vị")
		if !slices.Equal(rank[0], rankingHeader) || len(rank) != 3 {
			t.Fatalf("ranking sheet %v", rank)
		}
		if r := rowOf(rank[1:], "1"); r == nil {
			t.Errorf("no first place: %v", rank)
		}
		byName := map[string][]string{}
		for _, r := range rank[1:] {
			byName[r[1]] = r
		}
		if r := byName["UBND WA-1"]; len(r) < 7 || r[2] != "3" || !strings.HasPrefix(r[4], "0.333") {
			t.Errorf("ranking of UBND WA-1 (3 officials, 1 pledged): %v", r)
		}
		if r := byName["UBND WA-2"]; len(r) < 7 || r[2] != "1" || r[6] != "1000" {
			t.Errorf("ranking of UBND WA-2 (1 official, 1 incident): %v", r)
		}

		// CSV: the same tables, with a byte order mark.
		in["format"] = "CSV"
		body := mustGet(t, fx.anon, mustLink(t, sup, in), csvType, "tien-do_tinh-wa_2025.csv")
		recs := readCSV(t, body)
		if !slices.Equal(recs[0], progressHeader) {
			t.Fatalf("CSV header %v", recs[0])
		}
		if r := rowOf(recs, "Số CBCCVC"); len(r) < 2 || r[1] != fmt.Sprint(headcountA) {
			t.Errorf("CSV headcount %v", r)
		}
		if r := rowOf(recs, "Tỷ lệ cam kết"); len(r) < 4 || r[1] != "2" || r[2] != "4" || r[3] != "0.5" {
			t.Errorf("CSV pledge row %v", r)
		}
		if rowOf(recs, "Hạng") == nil || !slices.Equal(rowOf(recs, "Hạng"), rankingHeader) {
			t.Errorf("CSV without the ranking table")
		}
		if bytes.Contains(body, []byte(a.Reporter)) {
			t.Errorf("the export names a reporter")
		}
		if n := fx.db.Client.AuditEvent.Query().Where(auditevent.Action("exportDownload")).CountX(sys()); n != 2 {
			t.Errorf("%d downloads audited, want 2", n)
		}

		// An official exports their own unit as progress shows it to them: under 10 officials only
		// the headcount and the number of units.
		recs = readCSV(t, mustGet(t, fx.anon, mustLink(t, fx.as["official"], map[string]any{"kind": "PROGRESS", "format": "CSV",
			"scope": unitScope(a.ChildUnit), "year": 2025}), csvType, "tien-do_phong-wa-1_2025.csv"))
		if r := rowOf(recs, "Số CBCCVC"); len(r) < 2 || r[1] != "1" {
			t.Errorf("official's headcount row %v", r)
		}
		if r := rowOf(recs, "Tỷ lệ cam kết"); len(r) < 4 || r[1] != "" || r[3] != "" {
			t.Errorf("official's pledge row not hidden: %v", r)
		}
		if r := rowOf(recs, "Số liệu bị ẩn"); r == nil {
			t.Errorf("the file does not say figures are hidden")
		}
	})
}

func TestExportReviews(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		fx := setup(t, dia)
		a := fx.w.A
		sup := fx.as["provinceSupervisor"]
		fx.mustClose(t, sup, province(a.Province), 2025, nil, "e-1")
		v2 := fx.mustClose(t, sup, province(a.Province), 2025, "Sửa số liệu", "e-2")

		f := openXLSX(t, mustGet(t, fx.anon, mustLink(t, sup, map[string]any{"kind": "REVIEW", "format": "XLSX", "reviewId": v2.ID}),
			xlsxType, "so-ket_tinh-wa_2025_v2.xlsx"))
		if got := f.GetSheetList(); !slices.Equal(got, []string{"Tiến độ", "Thông tin"}) {
			t.Fatalf("sheets %v", got)
		}
		rows := sheetRows(t, f, "Tiến độ")
		if !slices.Equal(rows[0], progressHeader) || rowOf(rows, "Số CBCCVC")[1] != fmt.Sprint(headcountA) {
			t.Fatalf("review sheet %v", rows)
		}
		info := sheetRows(t, f, "Thông tin")
		if r := rowOf(info, "Phiên bản sơ kết"); len(r) < 2 || r[1] != "2" {
			t.Errorf("version %v", r)
		}
		if r := rowOf(info, "Lý do chốt lại"); len(r) < 2 || r[1] != "Sửa số liệu" {
			t.Errorf("reason %v", r)
		}
		if r := rowOf(info, "Thời điểm chốt"); len(r) < 2 || !strings.HasPrefix(r[1], "10/03/2026 09:0") {
			t.Errorf("closed at %v", r)
		}

		body := mustGet(t, fx.anon, mustLink(t, sup, map[string]any{"kind": "REVIEW", "format": "CSV", "reviewId": v2.ID}),
			csvType, "so-ket_tinh-wa_2025_v2.csv")
		recs := readCSV(t, body)
		if !slices.Equal(recs[0], progressHeader) {
			t.Fatalf("CSV header %v", recs[0])
		}
		if r := rowOf(recs, "Phiên bản sơ kết"); len(r) < 2 || r[1] != "2" {
			t.Errorf("CSV version %v", r)
		}

		// The final review: one row per year.
		f = openXLSX(t, mustGet(t, fx.anon, mustLink(t, sup, map[string]any{"kind": "FINAL_REVIEW", "format": "XLSX",
			"scope": province(a.Province)}), xlsxType, "tong-ket-2021-2026_tinh-wa.xlsx"))
		rows = sheetRows(t, f, "Tổng kết 2021-2026")
		if len(rows) != 7 || rows[0][0] != "Năm" || rows[0][2] != "Số CBCCVC" {
			t.Fatalf("final review sheet %v", rows)
		}
		for i, r := range rows[1:] {
			if r[0] != fmt.Sprint(2021+i) {
				t.Fatalf("row %d: %v", i, r)
			}
		}
		if r := rowOf(rows, "2025"); !strings.HasPrefix(r[1], "Sơ kết phiên bản 2") || r[2] != fmt.Sprint(headcountA) {
			t.Errorf("2025 row %v", r)
		}
		if r := rowOf(rows, "2024"); r[1] != "Số liệu hiện tại" || r[2] != fmt.Sprint(headcountA) {
			t.Errorf("2024 row %v", r)
		}
		recs = readCSV(t, mustGet(t, fx.anon, mustLink(t, sup, map[string]any{"kind": "FINAL_REVIEW", "format": "CSV",
			"scope": province(a.Province)}), csvType, "tong-ket-2021-2026_tinh-wa.csv"))
		if recs[0][0] != "Năm" || rowOf(recs, "2026") == nil {
			t.Errorf("final review CSV %v", recs)
		}

		// Someone who may not read the review gets no link.
		if l := exportLink(t, fx.as["outsider"], map[string]any{"kind": "REVIEW", "format": "CSV", "reviewId": v2.ID}); l.URL != "" ||
			len(l.Errors) != 1 || l.Errors[0].Code != "NOT_FOUND" {
			t.Errorf("outsider's link to a review of A: %+v", l)
		}
	})
}

func TestExportLinkRefusals(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		fx := setup(t, dia)
		a, b := fx.w.A, fx.w.B
		sup := fx.as["provinceSupervisor"]
		bad := []struct {
			in    map[string]any
			field string
		}{
			{map[string]any{"kind": "PROGRESS", "format": "XLSX", "scope": province(a.Province)}, "year"},
			{map[string]any{"kind": "PROGRESS", "format": "XLSX", "year": 2025}, "scope"},
			{map[string]any{"kind": "PROGRESS", "format": "CSV", "scope": province(a.Province), "year": 2025, "reviewId": "rvw_x"}, "reviewId"},
			{map[string]any{"kind": "PROGRESS", "format": "CSV", "scope": province(a.Province), "year": 2031}, "year"},
			{map[string]any{"kind": "REVIEW", "format": "CSV"}, "reviewId"},
			{map[string]any{"kind": "REVIEW", "format": "CSV", "reviewId": "rvw_x", "scope": province(a.Province)}, "scope"},
			{map[string]any{"kind": "FINAL_REVIEW", "format": "XLSX", "scope": province(a.Province), "year": 2025}, "year"},
			{map[string]any{"kind": "FINAL_REVIEW", "format": "XLSX", "scope": map[string]any{"provinceId": a.Province, "national": true}}, "scope"},
		}
		for _, tc := range bad {
			vi := exportLink(t, sup, tc.in)
			en := exportLink(t, sup, tc.in, "Accept-Language", "en")
			if vi.URL != "" || len(vi.Errors) != 1 || vi.Errors[0].Code != "BAD_USER_INPUT" || !slices.Equal(vi.Errors[0].Field, []string{tc.field}) {
				t.Errorf("%v: %+v, want BAD_USER_INPUT on %s", tc.in, vi, tc.field)
				continue
			}
			if len(en.Errors) != 1 || en.Errors[0].Message == vi.Errors[0].Message || en.Errors[0].Message == "" {
				t.Errorf("%v: messages %q / %+v, want Vietnamese and English", tc.in, vi.Errors[0].Message, en.Errors)
			}
		}
		if l := exportLink(t, sup, map[string]any{"kind": "REVIEW", "format": "CSV", "reviewId": "rvw_01jw0000000000000000000000"}); len(l.Errors) != 1 || l.Errors[0].Code != "NOT_FOUND" {
			t.Errorf("unknown review: %+v", l)
		}
		// A province supervisor cannot export another province, nor the nation.
		for _, in := range []map[string]any{
			{"kind": "PROGRESS", "format": "XLSX", "scope": province(b.Province), "year": 2025},
			{"kind": "FINAL_REVIEW", "format": "CSV", "scope": province(b.Province)},
			{"kind": "PROGRESS", "format": "CSV", "scope": unitScope(b.ChildUnit), "year": 2025},
			{"kind": "PROGRESS", "format": "CSV", "scope": map[string]any{"national": true}, "year": 2025},
		} {
			if l := exportLink(t, sup, in); l.Code != "FORBIDDEN" || l.URL != "" {
				t.Errorf("province A supervisor exporting %v: %+v", in, l)
			}
		}
		if l := exportLink(t, fx.anon, map[string]any{"kind": "PROGRESS", "format": "XLSX", "scope": province(a.Province), "year": 2025}); l.Code != "UNAUTHENTICATED" {
			t.Errorf("anonymous export link: %+v", l)
		}
	})
}

func TestExportDownloadRefusals(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		fx := setup(t, dia)
		a := fx.w.A
		progressIn := map[string]any{"kind": "PROGRESS", "format": "CSV", "scope": province(a.Province), "year": 2025}
		refused := func(url string, status int, words ...string) {
			t.Helper()
			rec := get(fx.anon, url)
			body := rec.Body.String()
			if rec.Code != status {
				t.Errorf("GET %.40s...: %d %q, want %d", url, rec.Code, body, status)
				return
			}
			if ct := rec.Header().Get("Content-Type"); ct != "text/plain; charset=utf-8" || len(body) > 300 ||
				strings.Contains(body, "goroutine") || strings.Contains(body, ".go:") {
				t.Errorf("refusal body %q (%s)", body, ct)
			}
			for _, w := range words {
				if !strings.Contains(body, w) {
					t.Errorf("refusal %q lacks %q", body, w)
				}
			}
		}

		url := mustLink(t, fx.as["provinceSupervisor"], progressIn)
		token := strings.TrimPrefix(url, "/exports/")
		// Tampered: another signature, another payload, garbage.
		parts := strings.Split(token, ".")
		sig := []byte(parts[2])
		if sig[0] == 'A' {
			sig[0] = 'g'
		} else {
			sig[0] = 'A'
		}
		refused("/exports/"+parts[0]+"."+parts[1]+"."+string(sig), http.StatusUnauthorized, "không hợp lệ", "not valid")
		refused("/exports/"+parts[0]+"."+parts[1]+"x."+parts[2], http.StatusUnauthorized)
		refused("/exports/not-a-token", http.StatusUnauthorized)
		// An access token is not a download link, and a link is not an access token.
		refused("/exports/"+fx.as["provinceSupervisor"].Token(), http.StatusUnauthorized)
		if r := fx.anon.As(token).Query(t, `{ viewer { id } }`, nil); r.Status != http.StatusUnauthorized || r.Code() != "UNAUTHENTICATED" {
			t.Errorf("a download token used as an access token: %d %s", r.Status, r.Raw)
		}

		// Expired after 10 minutes.
		*fx.now = today.Add(10*time.Minute + time.Second)
		refused(url, http.StatusGone, "hết hạn", "expired")
		*fx.now = today
		if rec := get(fx.anon, url); rec.Code != http.StatusOK {
			t.Fatalf("the link within its 10 minutes: %d %s", rec.Code, rec.Body)
		}

		// An account disabled after the link was made.
		login := testutil.Account(t, fx.db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeProvince, ID: a.Province}, "")
		access, _ := fx.anon.Login(t, login, testutil.Password)
		url = mustLink(t, fx.anon.As(access), progressIn)
		fx.db.Client.Account.Update().Where(account.Login(login)).SetDisabled(true).ExecX(sys())
		refused(url, http.StatusUnauthorized)

		// Sessions ended (token version bumped) after the link was made.
		login = testutil.Account(t, fx.db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeProvince, ID: a.Province}, "")
		access, _ = fx.anon.Login(t, login, testutil.Password)
		url = mustLink(t, fx.anon.As(access), progressIn)
		fx.db.Client.Account.Update().Where(account.Login(login)).AddTokenVersion(1).ExecX(sys())
		refused(url, http.StatusUnauthorized)

		// Access is checked again at download: the account's scope moved to province B.
		login = testutil.Account(t, fx.db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeProvince, ID: a.Province}, "")
		access, _ = fx.anon.Login(t, login, testutil.Password)
		url = mustLink(t, fx.anon.As(access), progressIn)
		rv := fx.mustClose(t, fx.anon.As(access), province(a.Province), 2025, nil, "d-1")
		reviewURL := mustLink(t, fx.anon.As(access), map[string]any{"kind": "REVIEW", "format": "XLSX", "reviewId": rv.ID})
		fx.db.Client.Account.Update().Where(account.Login(login)).SetScopeProvinceID(fx.w.B.Province).ExecX(sys())
		refused(url, http.StatusForbidden, "không có quyền", "not allowed")
		refused(reviewURL, http.StatusNotFound) // the review of A is no longer readable for it
	})
}

// TestExportDownloadRate: an account's downloads past EXPORT_DOWNLOAD_RATE answer 429 with
// Retry-After and a text in both languages, whatever link they use; another account is not
// affected; the allowance comes back with time. On PostgreSQL the downloads go in turn to two
// server instances on one database (two processes): the account still gets 2, not 2 from each.
func TestExportDownloadRate(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		env := map[string]string{"EXPORT_DOWNLOAD_RATE": "2/10m"}
		fx := setupWith(t, dia, env)
		instances := []*testutil.API{fx.anon}
		if dia == dialect.Postgres {
			instances = append(instances, testutil.NewAPIAt(t, testutil.Reopen(t, fx.db), testutil.Config(t, env),
				func() time.Time { return *fx.now }))
		}
		via := func(i int) *testutil.API { return instances[i%len(instances)] }
		in := map[string]any{"kind": "PROGRESS", "format": "CSV", "scope": province(fx.w.A.Province), "year": 2025}
		url := mustLink(t, fx.as["provinceSupervisor"], in)
		other := mustLink(t, fx.as["provinceSupervisor"], in)
		for i, u := range []string{url, other} {
			if rec := get(via(i), u); rec.Code != http.StatusOK {
				t.Fatalf("download %d: %d %s", i+1, rec.Code, rec.Body)
			}
		}
		for i := range 2 {
			rec := get(via(i), url)
			if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" ||
				!strings.Contains(rec.Body.String(), "thử lại sau") || !strings.Contains(rec.Body.String(), "try again in") {
				t.Fatalf("download %d past the limit (instance %d of %d): %d, Retry-After %q, %q", 3+i, i%len(instances)+1,
					len(instances), rec.Code, rec.Header().Get("Retry-After"), rec.Body)
			}
		}
		if rec := get(via(1), mustLink(t, fx.as["admin"], in)); rec.Code != http.StatusOK {
			t.Errorf("another account's download: %d", rec.Code)
		}
		*fx.now = fx.now.Add(5 * time.Minute)
		if rec := get(via(1), url); rec.Code != http.StatusOK {
			t.Errorf("five minutes later: %d %s", rec.Code, rec.Body)
		}
	})
}
