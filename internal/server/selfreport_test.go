package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/criterion"
	"github.com/liemchinh/liemchinh/ent/incident"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/pledge"
	"github.com/liemchinh/liemchinh/ent/province"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/assessment"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// officeDay is "now" for these tests: a Sunday morning in late November 2026, window open.
var officeDay = time.Date(2026, 11, 29, 9, 0, 0, 0, assessment.Vietnam)

var prohibitions = []string{"NO_ARROGANCE", "NO_BUREAUCRACY", "NO_CORRUPTION", "NO_FLATTERY", "NO_ABUSE_OF_POWER"}
var virtues = []string{"DISCIPLINE", "RESPONSIBILITY", "DEDICATION", "PROFESSIONALISM"}

type office struct {
	campaign                 string
	parent, child, other     string // units: child under parent; other elsewhere
	clerk, manager, newcomer string // officials: clerk in child, manager in parent, newcomer (hired Aug 2026) in child
	clerkAPI, managerAPI     *testutil.API
	newcomerAPI, outsiderAPI *testutil.API // outsider: unit manager of other
	supervisorAPI, anonymous *testutil.API
	now                      *time.Time
	db                       *testutil.DB
}

func newOffice(t testing.TB, dia string) *office {
	t.Helper()
	db := testutil.Open(t, dia)
	ctx := authz.System(context.Background(), authz.SysTestFixture)
	c := db.Client
	now := officeDay
	o := &office{db: db, now: &now}
	day := time.Date(2020, 3, 15, 0, 0, 0, 0, time.UTC)
	camp := c.Campaign.Create().SetCode("KH-TEST").SetPlanNumber("153/KH-LĐLĐ").SetIssuer("LĐLĐ").
		SetTitleVi("CVĐ").SetTitleEn("Campaign").SetIssuedOn(day).SaveX(ctx)
	o.campaign = camp.ID
	for i, code := range prohibitions {
		c.Criterion.Create().SetCampaign(camp).SetCode(code).SetKind(criterion.KindINDIVIDUAL_PROHIBITION).
			SetTitleVi(code).SetTitleEn(code).SetPosition(i).ExecX(ctx)
	}
	for i, code := range virtues {
		c.Criterion.Create().SetCampaign(camp).SetCode(code).SetKind(criterion.KindINDIVIDUAL_VIRTUE).
			SetTitleVi(code).SetTitleEn(code).SetPosition(10 + i).ExecX(ctx)
	}
	c.Criterion.Create().SetCampaign(camp).SetCode("ADMIN_REFORM").SetKind(criterion.KindCOLLECTIVE_CAMPAIGN).
		SetTitleVi("CCHC").SetTitleEn("Admin reform").ExecX(ctx)
	p := c.Province.Create().SetCode("S1").SetName("Tỉnh S1").SetKind(province.KindPROVINCE).SetValidFrom(day).SaveX(ctx)
	mk := func(name string, parent *ent.Unit) *ent.Unit {
		q := c.Unit.Create().SetName(name).SetLevel(unit.LevelDISTRICT).SetKind(unit.KindAGENCY).SetProvince(p)
		if parent != nil {
			q.SetParent(parent)
		}
		return q.SaveX(ctx)
	}
	parent := mk("UBND huyện", nil)
	child := mk("Phòng Nội vụ", parent)
	other := mk("UBND huyện khác", nil)
	o.parent, o.child, o.other = parent.ID, child.ID, other.ID
	off := func(name, code string, u *ent.Unit, from time.Time) string {
		return c.Official.Create().SetFullName(name).SetCategory(official.CategoryCONG_CHUC).SetEmployeeCode(code).
			SetActiveFrom(from).SetUnit(u).SaveX(ctx).ID
	}
	o.clerk = off("Lê Văn Thư", "S-1", child, day)
	o.manager = off("Trần Trưởng", "S-2", parent, day)
	o.newcomer = off("Phạm Mới", "S-3", child, time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC))
	boss := off("Ngô Khác", "S-4", other, day)
	api := testutil.NewAPIAt(t, db, testutil.Config(t, nil), func() time.Time { return *o.now })
	o.anonymous = api
	o.clerkAPI = api.SignedIn(t, db, authz.RoleOfficial, authz.Scope{Kind: authz.ScopeUnit, ID: child.ID}, o.clerk)
	o.managerAPI = api.SignedIn(t, db, authz.RoleUnitManager, authz.Scope{Kind: authz.ScopeUnit, ID: parent.ID}, o.manager)
	o.newcomerAPI = api.SignedIn(t, db, authz.RoleOfficial, authz.Scope{Kind: authz.ScopeUnit, ID: child.ID}, o.newcomer)
	o.outsiderAPI = api.SignedIn(t, db, authz.RoleUnitManager, authz.Scope{Kind: authz.ScopeUnit, ID: other.ID}, boss)
	o.supervisorAPI = api.SignedIn(t, db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeProvince, ID: p.ID}, "")
	return o
}

// result is a mutation payload: the object's id and status, and the userErrors.
type result struct {
	ID, Status string
	Code       string // top-level error code, if any
	Errors     []struct {
		Field         []string
		Code, Message string
	}
}

func (r result) userCode() string {
	if len(r.Errors) == 0 {
		return ""
	}
	return r.Errors[0].Code
}

func mutate(t testing.TB, api *testutil.API, field, object, inputType string, input map[string]any, headers ...string) result {
	t.Helper()
	sel := "id"
	if object == "selfAssessment" || object == "pledge" {
		sel = "id status"
	}
	q := fmt.Sprintf(`mutation($in: %s!) { %s(input: $in) { %s { %s } userErrors { field code message } } }`, inputType, field, object, sel)
	r := api.Query(t, q, map[string]any{"in": input}, headers...)
	var out result
	if len(r.Errors) > 0 {
		out.Code = r.Code()
		return out
	}
	var data map[string]struct {
		Object     map[string]any `json:"-"`
		UserErrors []struct {
			Field         []string
			Code, Message string
		}
	}
	if err := json.Unmarshal(r.Data, &data); err != nil {
		t.Fatal(err)
	}
	var raw map[string]map[string]json.RawMessage
	_ = json.Unmarshal(r.Data, &raw)
	var obj struct{ ID, Status string }
	_ = json.Unmarshal(raw[field][object], &obj)
	out.ID, out.Status = obj.ID, obj.Status
	out.Errors = data[field].UserErrors
	return out
}

func items(kept bool, rating int) []map[string]any {
	var out []map[string]any
	for _, c := range prohibitions {
		out = append(out, map[string]any{"criterionCode": c, "kept": kept, "note": "Giữ nghiêm"})
	}
	for _, c := range virtues {
		out = append(out, map[string]any{"criterionCode": c, "rating": rating})
	}
	return out
}

func TestPledgesAndAcknowledgement(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		o := newOffice(t, dia)
		ack := func(api *testutil.API, key string) result {
			return mutate(t, api, "campaignAcknowledge", "acknowledgement", "CampaignAcknowledgeInput",
				map[string]any{"campaignId": o.campaign, "idempotencyKey": key})
		}
		first := ack(o.clerkAPI, "k-ack-1")
		if first.ID == "" || len(first.Errors) > 0 {
			t.Fatalf("acknowledge: %+v", first)
		}
		if retry := ack(o.clerkAPI, "k-ack-1"); retry.ID != first.ID {
			t.Fatalf("retry returned %q, want %q", retry.ID, first.ID)
		}
		if again := ack(o.clerkAPI, "k-ack-2"); again.userCode() != "CONFLICT" {
			t.Fatalf("second acknowledgement: %+v", again)
		}
		if r := ack(o.supervisorAPI, "k-ack-3"); r.Code != "FORBIDDEN" {
			t.Fatalf("supervisor without an official acknowledged: %+v", r)
		}
		if r := ack(o.anonymous, "k-ack-4"); r.Code != "UNAUTHENTICATED" {
			t.Fatalf("anonymous acknowledged: %+v", r)
		}
		if n := o.db.Client.Acknowledgement.Query().CountX(authz.System(context.Background(), authz.SysTestFixture)); n != 1 {
			t.Fatalf("%d acknowledgements, want 1", n)
		}

		sign := func(year int, key string) result {
			return mutate(t, o.clerkAPI, "pledgeSign", "pledge", "PledgeSignInput",
				map[string]any{"campaignId": o.campaign, "year": year, "idempotencyKey": key})
		}
		p1 := sign(2026, "k-p-1")
		if p1.ID == "" || p1.Status != "SIGNED" {
			t.Fatalf("sign: %+v", p1)
		}
		if r := sign(2026, "k-p-2"); r.userCode() != "CONFLICT" || r.Errors[0].Field[0] != "year" {
			t.Fatalf("second pledge the same year: %+v", r)
		}
		if r := sign(2025, "k-p-3"); r.userCode() != "BAD_USER_INPUT" {
			t.Fatalf("pledge for a past year: %+v", r)
		}
		withdraw := func(api *testutil.API, id, reason string) result {
			return mutate(t, api, "pledgeWithdraw", "pledge", "PledgeWithdrawInput", map[string]any{"pledgeId": id, "reason": reason})
		}
		if r := withdraw(o.clerkAPI, p1.ID, "  "); r.userCode() != "BAD_USER_INPUT" {
			t.Fatalf("withdraw without a reason: %+v", r)
		}
		if r := withdraw(o.newcomerAPI, p1.ID, "không phải của tôi"); r.userCode() != "NOT_FOUND" {
			t.Fatalf("withdrawing another's pledge: %+v", r)
		}
		if r := withdraw(o.clerkAPI, p1.ID, "Ký nhầm năm"); r.Status != "WITHDRAWN" {
			t.Fatalf("withdraw: %+v", r)
		}
		if r := withdraw(o.clerkAPI, p1.ID, "Ký nhầm năm"); r.userCode() != "CONFLICT" {
			t.Fatalf("withdraw twice: %+v", r)
		}
		p2 := sign(2026, "k-p-4")
		if p2.Status != "SIGNED" || p2.ID == p1.ID {
			t.Fatalf("re-sign after withdrawal: %+v", p2)
		}
		pledges := o.db.Client.Pledge.Query().AllX(authz.System(context.Background(), authz.SysTestFixture))
		if len(pledges) != 2 {
			t.Fatalf("%d pledges kept, want 2 (the withdrawn one stays)", len(pledges))
		}
		for _, p := range pledges {
			if p.ID == p1.ID && (p.Status != pledge.StatusWITHDRAWN || p.WithdrawalReason == nil || *p.WithdrawalReason != "Ký nhầm năm") {
				t.Fatalf("withdrawn pledge: %+v", p)
			}
		}
		// English messages on request.
		r := mutate(t, o.clerkAPI, "pledgeSign", "pledge", "PledgeSignInput",
			map[string]any{"campaignId": o.campaign, "year": 2026, "idempotencyKey": "k-p-5"}, "Accept-Language", "en")
		if r.userCode() != "CONFLICT" || !strings.Contains(r.Errors[0].Message, "already signed") {
			t.Fatalf("english message: %+v", r)
		}
	})
}

func TestEmulationRegistration(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		o := newOffice(t, dia)
		reg := func(api *testutil.API, unitID, goals, key string) result {
			return mutate(t, api, "emulationRegister", "registration", "EmulationRegisterInput",
				map[string]any{"unitId": unitID, "campaignId": o.campaign, "year": 2026, "goals": goals, "idempotencyKey": key})
		}
		tests := []struct {
			name     string
			api      *testutil.API
			unit     string
			goals    string
			wantCode string // top-level or user error code; "" for success
		}{
			{"official", o.clerkAPI, o.child, "Mục tiêu", "FORBIDDEN"},
			{"manager outside the scope", o.outsiderAPI, o.parent, "Mục tiêu", "FORBIDDEN"},
			{"no goals", o.managerAPI, o.parent, " ", "BAD_USER_INPUT"},
			{"unknown unit", o.managerAPI, "unt_01jw0000000000000000000000", "Mục tiêu", "NOT_FOUND"},
			{"manager of the unit", o.managerAPI, o.parent, "Cải cách hành chính, phục vụ nhân dân", ""},
			{"manager of a sub-unit", o.managerAPI, o.child, "Văn minh, hiện đại", ""},
			{"twice", o.managerAPI, o.parent, "Lại", "CONFLICT"},
			{"province supervisor", o.supervisorAPI, o.other, "Mục tiêu", ""},
		}
		for i, tt := range tests {
			r := reg(tt.api, tt.unit, tt.goals, fmt.Sprintf("k-reg-%d", i))
			got := r.Code
			if got == "" {
				got = r.userCode()
			}
			if got != tt.wantCode || (tt.wantCode == "" && r.ID == "") {
				t.Errorf("%s: got %q %+v, want %q", tt.name, got, r, tt.wantCode)
			}
		}
	})
}

func TestSelfAssessmentLifecycle(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		o := newOffice(t, dia)
		save := func(api *testutil.API, in map[string]any) result {
			base := map[string]any{"campaignId": o.campaign, "year": 2026, "items": items(true, 4), "score": 85,
				"summary": "Hoàn thành tốt", "idempotencyKey": fmt.Sprintf("k-save-%d", time.Now().UnixNano())}
			for k, v := range in {
				base[k] = v
			}
			return mutate(t, api, "selfAssessmentSave", "selfAssessment", "SelfAssessmentSaveInput", base)
		}
		submit := func(api *testutil.API, id, key string) result {
			return mutate(t, api, "selfAssessmentSubmit", "selfAssessment", "SelfAssessmentSubmitInput",
				map[string]any{"selfAssessmentId": id, "idempotencyKey": key})
		}
		review := func(api *testutil.API, id string, final any, key string) result {
			return mutate(t, api, "selfAssessmentReview", "selfAssessment", "SelfAssessmentReviewInput",
				map[string]any{"selfAssessmentId": id, "finalClassification": final, "comment": "Đồng ý", "idempotencyKey": key})
		}
		bad := []struct {
			name  string
			in    map[string]any
			field string
		}{
			{"unknown criterion", map[string]any{"items": []map[string]any{{"criterionCode": "NO_SUCH", "kept": true}}}, "items.0.criterionCode"},
			{"collective criterion", map[string]any{"items": []map[string]any{{"criterionCode": "ADMIN_REFORM", "kept": true}}}, "items.0.criterionCode"},
			{"prohibition rated", map[string]any{"items": []map[string]any{{"criterionCode": "NO_CORRUPTION", "rating": 3}}}, "items.0.kept"},
			{"virtue out of range", map[string]any{"items": []map[string]any{{"criterionCode": "DISCIPLINE", "rating": 6}}}, "items.0.rating"},
			{"duplicate", map[string]any{"items": []map[string]any{{"criterionCode": "DISCIPLINE", "rating": 3}, {"criterionCode": "DISCIPLINE", "rating": 4}}}, "items.1.criterionCode"},
			{"score out of range", map[string]any{"score": 120}, "score"},
			{"score against classification", map[string]any{"score": 85, "proposedClassification": "EXCELLENT"}, "proposedClassification"},
			{"score before 2026", map[string]any{"year": 2025, "score": 80}, "score"},
			{"quarter 5", map[string]any{"periodKind": "QUARTER", "period": 5}, "period"},
			{"future year", map[string]any{"year": 2027}, "year"},
		}
		for _, tt := range bad {
			r := save(o.clerkAPI, tt.in)
			if r.ID != "" || len(r.Errors) != 1 || strings.Join(r.Errors[0].Field, ".") != tt.field {
				t.Errorf("%s: %+v", tt.name, r)
			}
		}
		if n := o.db.Client.SelfAssessment.Query().CountX(authz.System(context.Background(), authz.SysTestFixture)); n != 0 {
			t.Fatalf("rejected drafts wrote %d assessments", n)
		}

		// A draft missing a virtue cannot be submitted; completed, it can.
		draft := save(o.clerkAPI, map[string]any{"items": items(true, 4)[:8]})
		if draft.Status != "DRAFT" {
			t.Fatalf("draft: %+v", draft)
		}
		if r := submit(o.clerkAPI, draft.ID, "k-sub-0"); r.userCode() != "BAD_USER_INPUT" || r.Errors[0].Field[0] != "items" {
			t.Fatalf("incomplete submission: %+v", r)
		}
		if r := submit(o.clerkAPI, draft.ID, "k-sub-0"); r.userCode() != "BAD_USER_INPUT" {
			t.Fatalf("a refused request kept its key (a retry must be judged again, not be 'busy'): %+v", r)
		}
		again := save(o.clerkAPI, map[string]any{"idempotencyKey": "k-save-fixed"})
		if again.ID != draft.ID {
			t.Fatalf("saving again made a new assessment: %+v vs %s", again, draft.ID)
		}
		if r := save(o.clerkAPI, map[string]any{"idempotencyKey": "k-save-fixed", "summary": "khác"}); r.userCode() != "CONFLICT" || r.Errors[0].Field[0] != "idempotencyKey" {
			t.Fatalf("a key reused for another input: %+v", r)
		}
		var detail struct {
			Node struct {
				Scheme, ProposedClassification string
				Score                          int
				Items                          []struct{ ID string }
			}
		}
		o.clerkAPI.Query(t, `query($id: ID!) { node(id: $id) { ... on SelfAssessment { scheme proposedClassification score items { id } } } }`,
			map[string]any{"id": draft.ID}).Decode(t, &detail)
		if detail.Node.Scheme != "SCORE_100" || detail.Node.ProposedClassification != "GOOD" || len(detail.Node.Items) != 9 {
			t.Fatalf("saved assessment: %+v", detail.Node)
		}
		if r := submit(o.newcomerAPI, draft.ID, "k-sub-x"); r.userCode() != "BAD_USER_INPUT" {
			t.Fatalf("submitting another's assessment: %+v", r)
		}
		sub := submit(o.clerkAPI, draft.ID, "k-sub-1")
		if sub.Status != "SUBMITTED" {
			t.Fatalf("submit: %+v", sub)
		}
		if r := submit(o.clerkAPI, draft.ID, "k-sub-1"); r.Status != "SUBMITTED" || r.ID != draft.ID || len(r.Errors) > 0 {
			t.Fatalf("retried submission: %+v", r)
		}
		if r := save(o.clerkAPI, nil); r.userCode() != "CONFLICT" {
			t.Fatalf("saving a submitted assessment: %+v", r)
		}

		// Return and resubmit.
		ret := func(api *testutil.API, comment string) result {
			return mutate(t, api, "selfAssessmentReturn", "selfAssessment", "SelfAssessmentReturnInput",
				map[string]any{"selfAssessmentId": draft.ID, "comment": comment})
		}
		if r := ret(o.clerkAPI, "tự trả"); r.Code != "FORBIDDEN" {
			t.Fatalf("an official returned an assessment: %+v", r)
		}
		if r := ret(o.outsiderAPI, "ngoài phạm vi"); r.userCode() != "BAD_USER_INPUT" || r.Errors[0].Field[0] != "selfAssessmentId" {
			t.Fatalf("a manager outside the scope returned it: %+v", r)
		}
		if r := ret(o.managerAPI, ""); r.userCode() != "BAD_USER_INPUT" {
			t.Fatalf("return without a comment: %+v", r)
		}
		if r := ret(o.managerAPI, "Bổ sung minh chứng"); r.Status != "RETURNED" {
			t.Fatalf("return: %+v", r)
		}
		var year struct {
			Viewer struct {
				OfficialYear struct {
					Pledge *struct{ ID string }
					Todo   []struct {
						Kind    string
						Overdue bool
					}
				}
			}
		}
		o.clerkAPI.Query(t, `{ viewer { officialYear { pledge { id } todo { kind overdue } } } }`, nil).Decode(t, &year)
		kinds := []string{}
		for _, td := range year.Viewer.OfficialYear.Todo {
			kinds = append(kinds, td.Kind)
		}
		if strings.Join(kinds, ",") != "ACKNOWLEDGE_CAMPAIGN,SIGN_PLEDGE,RESUBMIT_SELF_ASSESSMENT" {
			t.Fatalf("to-do after the return: %v", kinds)
		}
		if r := save(o.clerkAPI, map[string]any{"summary": "Đã bổ sung"}); r.Status != "RETURNED" {
			t.Fatalf("saving a returned assessment: %+v", r)
		}
		if r := submit(o.clerkAPI, draft.ID, "k-sub-2"); r.Status != "SUBMITTED" {
			t.Fatalf("resubmit: %+v", r)
		}

		// Review: an incident in the year forbids GOOD; the manager cannot review their own.
		o.db.Client.Incident.Create().SetOfficialID(o.clerk).SetUnitID(o.child).SetYear(2026).
			SetCategory(enum.CategoryNoBureaucracy).SetOccurredOn(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)).
			SetSource(incident.SourceINSPECTION).SetSummary("Chậm trễ").ExecX(authz.System(context.Background(), authz.SysTestFixture))
		if r := review(o.clerkAPI, draft.ID, "GOOD", "k-rev-0"); r.Code != "FORBIDDEN" {
			t.Fatalf("an official reviewed: %+v", r)
		}
		if r := review(o.managerAPI, draft.ID, "GOOD", "k-rev-1"); r.userCode() != "BAD_USER_INPUT" || r.Errors[0].Field[0] != "finalClassification" {
			t.Fatalf("GOOD despite an incident: %+v", r)
		}
		if r := review(o.managerAPI, draft.ID, nil, "k-rev-2"); r.userCode() != "BAD_USER_INPUT" {
			t.Fatalf("review without a classification: %+v", r)
		}
		if r := review(o.managerAPI, draft.ID, "COMPLETED", "k-rev-3"); r.Status != "REVIEWED" {
			t.Fatalf("review: %+v", r)
		}
		if r := review(o.managerAPI, draft.ID, "COMPLETED", "k-rev-3"); r.Status != "REVIEWED" || len(r.Errors) > 0 {
			t.Fatalf("a retried review must return the review: %+v", r)
		}
		if r := review(o.supervisorAPI, draft.ID, "COMPLETED", "k-rev-4"); r.userCode() != "CONFLICT" {
			t.Fatalf("reviewing twice: %+v", r)
		}

		// The manager's own assessment goes to someone else.
		own := save(o.managerAPI, nil)
		submit(o.managerAPI, own.ID, "k-own-sub")
		if r := review(o.managerAPI, own.ID, "GOOD", "k-own-rev"); r.Code != "FORBIDDEN" {
			t.Fatalf("a manager reviewed their own assessment: %+v", r)
		}
		if r := review(o.supervisorAPI, own.ID, "GOOD", "k-own-rev-2"); r.Status != "REVIEWED" {
			t.Fatalf("supervisor review: %+v", r)
		}

		// Fewer than 6 months in the year: not rated.
		nc := save(o.newcomerAPI, nil)
		submit(o.newcomerAPI, nc.ID, "k-nc-sub")
		if r := review(o.managerAPI, nc.ID, "GOOD", "k-nc-1"); r.userCode() != "BAD_USER_INPUT" {
			t.Fatalf("newcomer rated: %+v", r)
		}
		if r := review(o.managerAPI, nc.ID, nil, "k-nc-2"); r.Status != "REVIEWED" {
			t.Fatalf("newcomer not rated: %+v", r)
		}
		var nr struct{ Node struct{ NotRated bool } }
		o.managerAPI.Query(t, `query($id: ID!) { node(id: $id) { ... on SelfAssessment { notRated } } }`, map[string]any{"id": nc.ID}).Decode(t, &nr)
		if !nr.Node.NotRated {
			t.Fatal("notRated not set")
		}

		// The audit log has every step.
		admin := o.anonymous.SignedIn(t, o.db, authz.RoleAdmin, authz.Scope{Kind: authz.ScopeNation}, "")
		var audit struct{ AuditEvents struct{ TotalCount int } }
		admin.Query(t, `{ auditEvents(where: {objectID: "`+draft.ID+`"}) { totalCount } }`, nil).Decode(t, &audit)
		// 3 saves, 2 submissions (the retry writes nothing), 1 return, 1 review; refusals write nothing.
		if audit.AuditEvents.TotalCount != 7 {
			t.Fatalf("audit events of the assessment: %d, want 7", audit.AuditEvents.TotalCount)
		}
	})
}

func TestSubmissionWindow(t *testing.T) {
	o := newOffice(t, "sqlite3")
	r := mutate(t, o.clerkAPI, "selfAssessmentSave", "selfAssessment", "SelfAssessmentSaveInput", map[string]any{
		"campaignId": o.campaign, "year": 2026, "items": items(true, 5), "score": 95, "idempotencyKey": "k-w-1"})
	*o.now = time.Date(2026, 12, 16, 0, 0, 1, 0, assessment.Vietnam)
	for _, lang := range []struct{ header, want string }{{"vi", "Đã hết hạn nộp"}, {"en", "window for 2026"}} {
		sub := mutate(t, o.clerkAPI, "selfAssessmentSubmit", "selfAssessment", "SelfAssessmentSubmitInput",
			map[string]any{"selfAssessmentId": r.ID, "idempotencyKey": "k-w-2-" + lang.header}, "Accept-Language", lang.header)
		if sub.userCode() != "BAD_USER_INPUT" || !strings.Contains(sub.Errors[0].Message, lang.want) {
			t.Fatalf("%s: submission after the window: %+v", lang.header, sub)
		}
	}
	var a struct{ Node struct{ Status string } }
	o.clerkAPI.Query(t, `query($id: ID!) { node(id: $id) { ... on SelfAssessment { status } } }`, map[string]any{"id": r.ID}).Decode(t, &a)
	if a.Node.Status != "DRAFT" {
		t.Fatalf("status after a refused submission: %s", a.Node.Status)
	}
}

func TestUnitYear(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		o := newOffice(t, dia)
		mutate(t, o.clerkAPI, "pledgeSign", "pledge", "PledgeSignInput", map[string]any{"campaignId": o.campaign, "year": 2026, "idempotencyKey": "k1"})
		s := mutate(t, o.clerkAPI, "selfAssessmentSave", "selfAssessment", "SelfAssessmentSaveInput", map[string]any{
			"campaignId": o.campaign, "year": 2026, "items": items(true, 4), "score": 75, "idempotencyKey": "k2"})
		mutate(t, o.clerkAPI, "selfAssessmentSubmit", "selfAssessment", "SelfAssessmentSubmitInput", map[string]any{"selfAssessmentId": s.ID, "idempotencyKey": "k3"})
		var out struct {
			Viewer struct {
				UnitYear struct {
					Headcount  int
					NotPledged struct {
						TotalCount int
						Edges      []struct{ Node struct{ FullName string } }
					}
					AwaitingReview struct{ TotalCount int }
					Todo           []struct {
						Kind  string
						Count int
						Title string
					}
				}
			}
		}
		o.managerAPI.Query(t, `{ viewer { unitYear { headcount notPledged { totalCount edges { node { fullName } } }
			awaitingReview { totalCount } todo { kind count title } } } }`, nil).Decode(t, &out)
		u := out.Viewer.UnitYear
		if u.Headcount != 3 || u.NotPledged.TotalCount != 2 || u.AwaitingReview.TotalCount != 1 {
			t.Fatalf("unit year: %+v", u)
		}
		for _, e := range u.NotPledged.Edges {
			if e.Node.FullName == "Lê Văn Thư" {
				t.Fatal("the official who pledged is listed as not pledged")
			}
		}
		got := map[string]int{}
		for _, td := range u.Todo {
			got[td.Kind] = td.Count
		}
		if got["REGISTER_EMULATION"] != 1 || got["FOLLOW_UP_PLEDGES"] != 2 || got["REVIEW_SELF_ASSESSMENTS"] != 1 {
			t.Fatalf("manager to-do: %+v", u.Todo)
		}
		// Other roles get no unit year; an official gets their own year.
		var none struct {
			Viewer struct{ UnitYear *struct{ Year int } }
		}
		o.clerkAPI.Query(t, `{ viewer { unitYear { year } } }`, nil).Decode(t, &none)
		if none.Viewer.UnitYear != nil {
			t.Fatal("an official got a unit year")
		}
	})
}

// TestIdempotencyUnderConcurrency sends the same pledgeSign, with the same key, from 50 clients at
// once: one pledge is created and every client gets it back.
func TestIdempotencyUnderConcurrency(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		o := newOffice(t, dia)
		const clients = 50
		body, _ := json.Marshal(map[string]any{
			"query":     `mutation($in: PledgeSignInput!) { pledgeSign(input: $in) { pledge { id } userErrors { code message } } }`,
			"variables": map[string]any{"in": map[string]any{"campaignId": o.campaign, "year": 2026, "idempotencyKey": "same-key"}},
		})
		token := o.clerkAPI.Token()
		ids := make([]string, clients)
		raws := make([]string, clients)
		var wg sync.WaitGroup
		start := time.Now()
		for i := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(string(body)))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+token)
				rec := httptest.NewRecorder()
				o.clerkAPI.Handler.ServeHTTP(rec, req)
				raws[i] = rec.Body.String()
				var out struct {
					Data struct {
						PledgeSign struct{ Pledge *struct{ ID string } }
					}
				}
				if json.Unmarshal(rec.Body.Bytes(), &out) == nil && out.Data.PledgeSign.Pledge != nil {
					ids[i] = out.Data.PledgeSign.Pledge.ID
				}
			}()
		}
		wg.Wait()
		elapsed := time.Since(start)
		n := o.db.Client.Pledge.Query().CountX(authz.System(context.Background(), authz.SysTestFixture))
		if n != 1 {
			t.Fatalf("%d pledges created by %d identical requests, want 1", n, clients)
		}
		for i, id := range ids {
			if id == "" || id != ids[0] {
				t.Fatalf("client %d got %q, want %q: %s", i, id, ids[0], raws[i])
			}
		}
		t.Logf("%s: %d identical pledgeSign requests in %s: 1 pledge, %d identical answers", dia, clients, elapsed.Round(time.Millisecond), clients)
	})
}

// official adds an official in the office's child unit and returns the API acting as them.
func (o *office) official(tb testing.TB, i int) *testutil.API {
	tb.Helper()
	ctx := authz.System(context.Background(), authz.SysTestFixture)
	child := o.db.Client.Unit.GetX(ctx, o.child)
	id := o.db.Client.Official.Create().SetFullName(fmt.Sprint("Cán bộ ", i)).SetCategory(official.CategoryVIEN_CHUC).
		SetEmployeeCode(fmt.Sprint("B-", i)).SetActiveFrom(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)).SetUnit(child).SaveX(ctx).ID
	return o.anonymous.SignedInQuick(tb, o.db, authz.RoleOfficial, authz.Scope{Kind: authz.ScopeUnit, ID: o.child}, id)
}
