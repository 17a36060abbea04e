package recognition_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/incident"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/pledge"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/ent/selfassessment"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/testutil"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

func TestMain(m *testing.M) { testutil.Main(m) }

// today is "now" for these tests: Monday 15 June 2026, 09:00 in Vietnam.
var today = time.Date(2026, 6, 15, 9, 0, 0, 0, workdays.Vietnam)

var sys = authz.System(context.Background(), authz.SysTestFixture)

// fixture is a testutil.World (province A in the accounts' scopes, province B outside) served on
// the fixed clock, with an API per role of the World.
type fixture struct {
	db  *testutil.DB
	w   *testutil.World
	api map[string]*testutil.API // by testutil.Roles, plus "anonymous"
	seq atomic.Int64
}

func newFixture(t *testing.T, dia string) *fixture {
	t.Helper()
	db := testutil.Open(t, dia)
	cfg := testutil.Config(t, nil)
	w := testutil.NewWorld(t, db, cfg)
	api := testutil.NewAPIAt(t, db, cfg, func() time.Time { return today })
	f := &fixture{db: db, w: w, api: map[string]*testutil.API{"anonymous": api}}
	for _, role := range testutil.Roles {
		access, _ := api.Login(t, w.Logins[role], testutil.Password)
		f.api[role] = api.As(access)
	}
	return f
}

// official adds an official to a unit.
func (f *fixture) official(t *testing.T, unitID, name string) string {
	t.Helper()
	return f.db.Client.Official.Create().SetFullName(name).SetCategory(official.CategoryCONG_CHUC).
		SetEmployeeCode(fmt.Sprintf("R-%d", f.seq.Add(1))).SetActiveFrom(time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)).
		SetUnitID(unitID).SaveX(sys).ID
}

// assessed adds a self-assessment of a period with its status and final classification.
func (f *fixture) assessed(t *testing.T, officialID string, year int, kind selfassessment.PeriodKind, status selfassessment.Status, final enum.Classification) {
	t.Helper()
	period := 0
	if kind != selfassessment.PeriodKindYEAR {
		period = 2
	}
	c := f.db.Client.SelfAssessment.Create().SetOfficialID(officialID).SetCampaignID(f.w.Campaign).SetYear(year).
		SetPeriodKind(kind).SetPeriod(period).SetScheme(selfassessment.SchemeFOUR_LEVEL).SetStatus(status).
		SetProposedClassification(final)
	if status == selfassessment.StatusREVIEWED {
		c.SetFinalClassification(final).SetReviewedAt(time.Date(year, 12, 10, 0, 0, 0, 0, time.UTC))
	}
	c.ExecX(sys)
}

// reviewed is a yearly self-assessment REVIEWED with the given classification.
func (f *fixture) reviewed(t *testing.T, officialID string, year int, final enum.Classification) {
	t.Helper()
	f.assessed(t, officialID, year, selfassessment.PeriodKindYEAR, selfassessment.StatusREVIEWED, final)
}

// pledged adds a pledge of the year with a status.
func (f *fixture) pledged(t *testing.T, officialID string, year int, status pledge.Status) {
	t.Helper()
	c := f.db.Client.Pledge.Create().SetOfficialID(officialID).SetCampaignID(f.w.Campaign).SetYear(year).
		SetSignedAt(time.Date(year, 1, 5, 0, 0, 0, 0, time.UTC)).SetStatus(status)
	if status == pledge.StatusWITHDRAWN {
		c.SetWithdrawnAt(time.Date(year, 2, 5, 0, 0, 0, 0, time.UTC)).SetWithdrawalReason("Ký nhầm")
	}
	c.ExecX(sys)
}

// incident adds an incident of the year (from a case) to an official.
func (f *fixture) incident(t *testing.T, officialID, unitID string, year int) {
	t.Helper()
	f.db.Client.Incident.Create().SetOfficialID(officialID).SetUnitID(unitID).SetYear(year).
		SetCategory(enum.CategoryNoBureaucracy).SetOccurredOn(time.Date(year, 4, 1, 0, 0, 0, 0, time.UTC)).
		SetSource(incident.SourceCASE).SetSummary("Chậm trễ").ExecX(sys)
}

// citizenCase adds a case of a channel about an official, received at the instant given.
func (f *fixture) citizenCase(t *testing.T, officialID, unitID string, ch enum.Channel, received time.Time) {
	t.Helper()
	c := f.db.Client.CitizenCase.Create().SetTrackingCode(fmt.Sprintf("RCG%06d", f.seq.Add(1))).SetSecretHash("x").
		SetChannel(ch).SetRequestedChannel(ch).SetDescription("Cán bộ tận tình").SetAnonymous(true).
		SetState(enum.CaseSubmitted).SetReceivedAt(received).SetUnitID(unitID).SetOfficialID(officialID)
	if ch != enum.ChannelPraise {
		c.SetCategory(enum.CategoryNoArrogance)
	}
	c.ExecX(sys)
}

// userError is one entry of a payload's userErrors.
type userError struct {
	Field   []string
	Code    string
	Message string
}

// outcome is a mutation's answer: the object selected, the userErrors, or a top-level error code.
type outcome struct {
	Object json.RawMessage
	Errors []userError
	Code   string // extensions.code of the first top-level error
}

func (o outcome) userCode() string {
	if len(o.Errors) == 0 {
		return ""
	}
	return o.Errors[0].Code
}

func (o outcome) field() string {
	if len(o.Errors) == 0 {
		return ""
	}
	return fmt.Sprint(o.Errors[0].Field)
}

// mutate calls a mutation taking one input, selecting sel on its object.
func mutate(t *testing.T, api *testutil.API, field, inputType, object, sel string, input map[string]any, headers ...string) outcome {
	t.Helper()
	q := fmt.Sprintf(`mutation($in: %s!) { %s(input: $in) { %s { %s } userErrors { field code message } } }`,
		inputType, field, object, sel)
	r := api.Query(t, q, map[string]any{"in": input}, headers...)
	if len(r.Errors) > 0 {
		return outcome{Code: r.Code()}
	}
	var data map[string]map[string]json.RawMessage
	if err := json.Unmarshal(r.Data, &data); err != nil {
		t.Fatalf("decode %s: %v", r.Raw, err)
	}
	out := outcome{Object: data[field][object]}
	if err := json.Unmarshal(data[field]["userErrors"], &out.Errors); err != nil {
		t.Fatalf("decode userErrors %s: %v", r.Raw, err)
	}
	return out
}

// commendationOut is a commendation as the tests select it.
type commendationOut struct {
	ID, Form, Status string
	Year             int
	Flagged          bool
	DecisionNumber   *string
	StatusReason     *string
}

const commendationSel = "id form status year flagged decisionNumber statusReason"

func (o outcome) commendation(t *testing.T) commendationOut {
	t.Helper()
	var c commendationOut
	if len(o.Object) > 0 && string(o.Object) != "null" {
		if err := json.Unmarshal(o.Object, &c); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func (f *fixture) propose(t *testing.T, api *testutil.API, in map[string]any, headers ...string) outcome {
	t.Helper()
	if _, ok := in["idempotencyKey"]; !ok {
		in["idempotencyKey"] = fmt.Sprintf("k-%d", f.seq.Add(1))
	}
	if _, ok := in["level"]; !ok {
		in["level"] = "DISTRICT"
	}
	if _, ok := in["reason"]; !ok {
		in["reason"] = "Hoàn thành xuất sắc nhiệm vụ"
	}
	return mutate(t, api, "commendationPropose", "CommendationProposeInput", "commendation", commendationSel, in, headers...)
}

func (f *fixture) approve(t *testing.T, api *testutil.API, id string, date time.Time) outcome {
	t.Helper()
	return mutate(t, api, "commendationApprove", "CommendationApproveInput", "commendation", commendationSel,
		map[string]any{"commendationId": id, "decisionNumber": "15/QĐ-UBND", "decisionDate": date.Format(time.RFC3339)})
}

func (f *fixture) decline(t *testing.T, api *testutil.API, id, reason string) outcome {
	t.Helper()
	return mutate(t, api, "commendationDecline", "CommendationDeclineInput", "commendation", commendationSel,
		map[string]any{"commendationId": id, "reason": reason})
}

func (f *fixture) revoke(t *testing.T, api *testutil.API, id, reason string) outcome {
	t.Helper()
	return mutate(t, api, "commendationRevoke", "CommendationRevokeInput", "commendation", commendationSel,
		map[string]any{"commendationId": id, "reason": reason})
}

// commendation reads a commendation from the database.
func (f *fixture) commendation(t *testing.T, id string) *ent.Commendation {
	t.Helper()
	return f.db.Client.Commendation.GetX(sys, id)
}

// auditEntry is an audit log line as the administrator reads it.
type auditEntry struct {
	Action, Summary string
	Reason          *string
	Actor           *struct{ Login string }
}

// audit returns the audit log of an object, oldest first.
func (f *fixture) audit(t *testing.T, objectID string) []auditEntry {
	t.Helper()
	var out struct {
		AuditEvents struct {
			Edges []struct{ Node auditEntry }
		}
	}
	f.api["admin"].Query(t, `query($id: String!) { auditEvents(first: 50, where: {objectID: $id}, orderBy: {field: OCCURRED_AT, direction: ASC}) {
		edges { node { action summary reason actor { login } } } } }`, map[string]any{"id": objectID}).Decode(t, &out)
	var entries []auditEntry
	for _, e := range out.AuditEvents.Edges {
		entries = append(entries, e.Node)
	}
	return entries
}

func actions(entries []auditEntry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Action)
	}
	return out
}
