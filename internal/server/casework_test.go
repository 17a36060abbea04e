package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent/caseevent"
	"github.com/liemchinh/liemchinh/ent/casemessage"
	"github.com/liemchinh/liemchinh/ent/citizencase"
	"github.com/liemchinh/liemchinh/ent/commendation"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/province"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/assessment"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/testutil"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

// Citizen cases end to end through the HTTP handler (DESIGN.md §5 and §8): submission, the
// tracked view, deadlines on a fixed clock, the handlers' transitions, evidence uploads and the
// reporter's identity. Every identifier of this file starts with cw (the package has other
// helpers' files).

// cwDay is "now" for these tests unless a test moves the clock: Tuesday 10 March 2026, 09:00 in
// Vietnam, an ordinary working day.
var cwDay = time.Date(2026, 3, 10, 9, 0, 0, 0, assessment.Vietnam)

// cwAt reads "2006-01-02 15:04" in Vietnam time.
func cwAt(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, assessment.Vietnam)
	if err != nil {
		panic(err)
	}
	return t
}

// cwEndOf is the end of a day in Vietnam, when a deadline in days falls due.
func cwEndOf(day string) time.Time {
	return cwAt(day+" 00:00").AddDate(0, 0, 1).Add(-time.Nanosecond)
}

// cwDue reports whether a deadline is want, to the microsecond PostgreSQL keeps (and never on
// another day: 23:59:59.999999999 rounded up would be the next day).
func cwDue(got *time.Time, want time.Time) bool {
	if got == nil {
		return false
	}
	d := got.Sub(want)
	return d <= 0 && d > -time.Millisecond
}

func cwShow(t *time.Time) string {
	if t == nil {
		return "null"
	}
	return t.In(assessment.Vietnam).Format(time.RFC3339Nano)
}

// cwDesk is newOffice's organisation (province S1: parent unit with the manager, child unit with
// the clerk, other unit) set up for citizen cases, on a handler with the test's configuration:
// anonymous throttling off unless the test configures it, evidence files in a folder of the test.
type cwDesk struct {
	o        *office
	citizen  *testutil.API // no token
	province string        // S1
	// newOffice's accounts on this handler: province supervisor, manager of the parent unit, the clerk.
	supervisor, manager, clerk *testutil.API
	inspector, inspector2      *testutil.API // inspectors of S1
	farInspector, outsider     *testutil.API // inspector and supervisor of S2
	admin                      *testutil.API
	inspectorID, inspector2ID  string // account ids
	farInspectorID             string
	supervisorID               string
	farUnit, farOfficial       string // in S2
	blobs                      string // BLOB_DIR
	env                        map[string]string
}

func newCWDesk(t *testing.T, dia string, env map[string]string) *cwDesk {
	t.Helper()
	o := newOffice(t, dia)
	*o.now = cwDay
	d := &cwDesk{o: o, blobs: t.TempDir(), env: map[string]string{"CITIZEN_SUBMIT_RATE": "off", "TRACKING_RATE": "off"}}
	for k, v := range env {
		d.env[k] = v
	}
	d.env["BLOB_DIR"] = d.blobs
	d.citizen = testutil.NewAPIAt(t, o.db, testutil.Config(t, d.env), func() time.Time { return *o.now })
	d.supervisor = d.citizen.As(o.supervisorAPI.Token())
	d.manager = d.citizen.As(o.managerAPI.Token())
	d.clerk = d.citizen.As(o.clerkAPI.Token())
	ctx := authz.System(context.Background(), authz.SysTestFixture)
	c := o.db.Client
	d.province = c.Unit.Query().Where(unit.ID(o.child)).QueryProvince().OnlyIDX(ctx)
	day := time.Date(2020, 3, 15, 0, 0, 0, 0, time.UTC)
	far := c.Province.Create().SetCode("S2").SetName("Tỉnh S2").SetKind(province.KindPROVINCE).SetValidFrom(day).SaveX(ctx)
	farUnit := c.Unit.Create().SetName("UBND tỉnh S2").SetLevel(unit.LevelPROVINCE).SetKind(unit.KindPEOPLES_COMMITTEE).
		SetProvince(far).SaveX(ctx)
	d.farUnit = farUnit.ID
	d.farOfficial = c.Official.Create().SetFullName("Đỗ Xa").SetCategory(official.CategoryCONG_CHUC).SetEmployeeCode("S2-1").
		SetActiveFrom(day).SetUnit(farUnit).SaveX(ctx).ID
	s1 := authz.Scope{Kind: authz.ScopeProvince, ID: d.province}
	s2 := authz.Scope{Kind: authz.ScopeProvince, ID: far.ID}
	d.inspector = d.citizen.SignedInQuick(t, o.db, authz.RoleInspector, s1, "")
	d.inspector2 = d.citizen.SignedInQuick(t, o.db, authz.RoleInspector, s1, "")
	d.farInspector = d.citizen.SignedInQuick(t, o.db, authz.RoleInspector, s2, "")
	d.outsider = d.citizen.SignedInQuick(t, o.db, authz.RoleSupervisor, s2, "")
	d.admin = d.citizen.SignedInQuick(t, o.db, authz.RoleAdmin, authz.Scope{Kind: authz.ScopeNation}, "")
	d.inspectorID = cwAccountID(t, d.inspector)
	d.inspector2ID = cwAccountID(t, d.inspector2)
	d.farInspectorID = cwAccountID(t, d.farInspector)
	d.supervisorID = cwAccountID(t, d.supervisor)
	return d
}

func cwAccountID(t testing.TB, api *testutil.API) string {
	t.Helper()
	var out struct {
		Viewer struct{ Account struct{ ID string } }
	}
	api.Query(t, `{ viewer { account { id } } }`, nil).Decode(t, &out)
	if out.Viewer.Account.ID == "" {
		t.Fatal("no account id")
	}
	return out.Viewer.Account.ID
}

// input is a valid identified denunciation about the clerk, with changes (a nil value removes the
// field) and a fresh idempotency key.
func (d *cwDesk) input(changes map[string]any) map[string]any {
	in := map[string]any{
		"channel": "DENUNCIATION", "unitId": d.o.child, "officialId": d.o.clerk, "category": "NO_CORRUPTION",
		"description":  "Cán bộ bộ phận một cửa đòi 500.000 đồng 'bồi dưỡng' để nhận hồ sơ đất đai.",
		"incidentDate": "2026-01-20T10:00:00+07:00", "place": "Bộ phận một cửa UBND huyện",
		"reporter":       map[string]any{"name": "Trần Văn Dân", "phone": "0901234567"},
		"idempotencyKey": testutil.NewKey(),
	}
	for k, v := range changes {
		if v == nil {
			delete(in, k)
		} else {
			in[k] = v
		}
	}
	return in
}

type cwUserError struct {
	Field         []string
	Code, Message string
}

type cwTracked struct {
	TrackingCode, Channel, RequestedChannel, State string
	Category, Conclusion                           *string
	ReceivedAt                                     time.Time
	AcknowledgeDueAt, DueAt                        *time.Time
	Overdue                                        bool
	Rating                                         *int
	Timeline                                       []cwTrackedEvent
	Messages                                       []struct{ Direction, Body string }
	Evidence                                       []struct {
		ContentType string
		Size        int
	}
}

type cwTrackedEvent struct {
	Kind, State, Note string
	OccurredAt        time.Time
}

func (c *cwTracked) kinds() []string {
	var out []string
	for _, e := range c.Timeline {
		out = append(out, e.Kind)
	}
	return out
}

const cwTrackedFields = `trackingCode channel requestedChannel category state receivedAt acknowledgeDueAt dueAt overdue
	conclusion rating timeline { kind state occurredAt note } messages { direction body sentAt }
	evidence { contentType size uploadedAt }`

type cwReceipt struct {
	TrackingCode, Secret, Notice *string
	TrackedCase                  *cwTracked
	UserErrors                   []cwUserError
	code                         string // top-level error code
	errors                       []testutil.GQLError
}

func (r cwReceipt) String() string {
	s := func(p *string) string {
		if p == nil {
			return "null"
		}
		return fmt.Sprintf("%q", *p)
	}
	out := fmt.Sprintf("{trackingCode %s secret %s notice %s userErrors %+v", s(r.TrackingCode), s(r.Secret), s(r.Notice), r.UserErrors)
	if r.TrackedCase != nil {
		out += fmt.Sprintf(" trackedCase %+v", *r.TrackedCase)
	}
	if r.code != "" {
		out += " error " + r.code
	}
	return out + "}"
}

func (r cwReceipt) ok() bool {
	return r.code == "" && len(r.UserErrors) == 0 && r.TrackingCode != nil && r.Secret != nil && r.TrackedCase != nil
}

func cwSubmit(t testing.TB, api *testutil.API, in map[string]any, headers ...string) cwReceipt {
	t.Helper()
	r := api.Query(t, `mutation($in: CaseSubmitInput!) { caseSubmit(input: $in) { trackingCode secret notice
		trackedCase { `+cwTrackedFields+` } userErrors { field code message } } }`, map[string]any{"in": in}, headers...)
	if len(r.Errors) > 0 {
		return cwReceipt{code: r.Code(), errors: r.Errors}
	}
	var out struct{ CaseSubmit cwReceipt }
	r.Decode(t, &out)
	return out.CaseSubmit
}

// file submits a valid case with changes and returns its tracking code, secret and id.
func (d *cwDesk) file(t testing.TB, changes map[string]any) (code, secret, id string) {
	t.Helper()
	r := cwSubmit(t, d.citizen, d.input(changes))
	if !r.ok() {
		t.Fatalf("submit: %+v", r)
	}
	return *r.TrackingCode, *r.Secret, d.caseID(t, *r.TrackingCode)
}

func (d *cwDesk) caseID(t testing.TB, code string) string {
	t.Helper()
	return d.o.db.Client.CitizenCase.Query().Where(citizencase.TrackingCode(code)).OnlyIDX(authz.System(context.Background(), authz.SysTestFixture))
}

func (d *cwDesk) cases() int {
	return d.o.db.Client.CitizenCase.Query().CountX(authz.System(context.Background(), authz.SysTestFixture))
}

func cwTrack(t testing.TB, api *testutil.API, code, secret string, headers ...string) (*cwTracked, *testutil.Response) {
	t.Helper()
	r := api.Query(t, `query($c: String!, $s: String!) { caseByTracking(trackingCode: $c, secret: $s) { `+cwTrackedFields+` } }`,
		map[string]any{"c": code, "s": secret}, headers...)
	var out struct{ CaseByTracking *cwTracked }
	if r.Data != nil && string(r.Data) != "null" {
		if err := json.Unmarshal(r.Data, &out); err != nil {
			t.Fatalf("decode %s: %v", r.Raw, err)
		}
	}
	return out.CaseByTracking, r
}

// cwHandled is a case as staff read it.
type cwHandled struct {
	ID, State, Channel, RequestedChannel string
	Anonymous                            bool
	AcknowledgeDueAt, DueAt              *time.Time
	Overdue                              bool
	ExtensionCount                       int
	Complexity, Conclusion               *string
	Rating                               *int
	Unit                                 struct{ ID string }
	TransferredTo, DuplicateOf           *struct{ ID string }
	Events                               struct {
		TotalCount int
		Edges      []struct{ Node cwEvent }
	}
}

type cwEvent struct {
	Kind, ToState, ActorKind, Note string
	Public                         bool
}

// event returns the case's first event of kind, or nil.
func (c *cwHandled) event(kind string) *cwEvent {
	for i := range c.Events.Edges {
		if c.Events.Edges[i].Node.Kind == kind {
			return &c.Events.Edges[i].Node
		}
	}
	return nil
}

func (c *cwHandled) count(kind string) int {
	n := 0
	for _, e := range c.Events.Edges {
		if e.Node.Kind == kind {
			n++
		}
	}
	return n
}

const cwHandledFields = `id state channel requestedChannel anonymous acknowledgeDueAt dueAt overdue extensionCount complexity
	conclusion rating unit { id } transferredTo { id } duplicateOf { id }
	events(first: 100) { totalCount edges { node { kind toState actorKind note public } } }`

// cwRead returns the case as api sees it, or nil when it is not found (outside the scope).
func cwRead(t testing.TB, api *testutil.API, id string) *cwHandled {
	t.Helper()
	var out struct{ Node *cwHandled }
	r := api.Query(t, `query($id: ID!) { node(id: $id) { ... on Case { `+cwHandledFields+` } } }`, map[string]any{"id": id})
	if r.Code() == "NOT_FOUND" && len(r.Errors) == 1 && string(r.Data) == `{"node":null}` {
		return nil
	}
	r.Decode(t, &out)
	if out.Node != nil && out.Node.ID == "" {
		return nil
	}
	return out.Node
}

// cwOutcome is the answer to a mutation on a case, by staff or by the citizen.
type cwOutcome struct {
	Case        *cwHandled
	TrackedCase *cwTracked
	UserErrors  []cwUserError
	code        string // top-level error code
	raw         string
}

// got is the top-level error code, else the first userError's code, else "".
func (o cwOutcome) got() string {
	if o.code != "" {
		return o.code
	}
	if len(o.UserErrors) > 0 {
		return o.UserErrors[0].Code
	}
	return ""
}

func (o cwOutcome) field() string {
	if len(o.UserErrors) == 0 {
		return ""
	}
	return strings.Join(o.UserErrors[0].Field, ".")
}

var cwInputTypes = map[string]string{
	"caseAccept": "CaseActionInput", "caseReject": "CaseActionInput", "caseStartVerification": "CaseStartVerificationInput",
	"caseClose": "CaseActionInput", "caseTransfer": "CaseTransferInput", "caseAssign": "CaseAssignInput",
	"caseExtend": "CaseExtendInput", "caseConclude": "CaseConcludeInput", "caseMarkDuplicate": "CaseMarkDuplicateInput",
	"caseMessageSend": "CaseMessageSendInput", "caseWithdraw": "CaseWithdrawInput", "caseRate": "CaseRateInput",
	"caseEvidenceAdd": "CaseEvidenceAddInput",
}

func cwCall(t testing.TB, api *testutil.API, field string, in map[string]any, headers ...string) cwOutcome {
	t.Helper()
	typ, ok := cwInputTypes[field]
	if !ok {
		t.Fatalf("no input type for %s", field)
	}
	if _, given := in["subjectNotice"]; field == "caseStartVerification" && !given {
		// The notice the law requires for a case about an official; a test that is about the
		// notice gives the key (nil: none).
		in = maps.Clone(in)
		in["subjectNotice"] = "Đề nghị ông/bà giải trình về việc tiếp nhận, giải quyết hồ sơ hành chính tại đơn vị."
	}
	sel := "case { " + cwHandledFields + " }"
	if strings.HasPrefix(typ, "CaseMessage") || strings.HasPrefix(typ, "CaseWithdraw") || strings.HasPrefix(typ, "CaseRate") ||
		strings.HasPrefix(typ, "CaseEvidence") {
		sel = "trackedCase { " + cwTrackedFields + " }"
	}
	r := api.Query(t, fmt.Sprintf(`mutation($in: %s!) { %s(input: $in) { %s userErrors { field code message } } }`, typ, field, sel),
		map[string]any{"in": in}, headers...)
	out := cwOutcome{raw: string(r.Raw)}
	if len(r.Errors) > 0 {
		out.code = r.Code()
		return out
	}
	var data map[string]cwOutcome
	r.Decode(t, &data)
	p := data[field]
	p.raw = out.raw
	return p
}

// cwStep is one action on a case and what it must do: succeed, moving the case to state and
// adding one event of kind event; or be refused with want (a userError's code, with its field
// path when wantField is set, or the top-level error's code), changing nothing.
type cwStep struct {
	name      string
	api       *testutil.API
	field     string
	in        map[string]any
	want      string
	wantField string
	state     string
	event     string
	check     func(t *testing.T, out cwOutcome, c *cwHandled)
}

// run applies the steps to case id in order, reading the case back (as the province supervisor)
// before and after each one.
func (d *cwDesk) run(t *testing.T, id string, steps []cwStep) {
	t.Helper()
	for _, s := range steps {
		before := cwRead(t, d.supervisor, id)
		out := cwCall(t, s.api, s.field, s.in)
		after := cwRead(t, d.supervisor, id)
		if before == nil || after == nil {
			t.Fatalf("%s: the supervisor cannot read case %s", s.name, id)
		}
		if got := out.got(); got != s.want {
			t.Errorf("%s: got %q, want %q: %s", s.name, got, s.want, out.raw)
		} else if s.wantField != "" && out.field() != s.wantField {
			t.Errorf("%s: userError on %q, want %q: %s", s.name, out.field(), s.wantField, out.raw)
		}
		if s.want != "" {
			if after.State != before.State || after.Events.TotalCount != before.Events.TotalCount ||
				after.ExtensionCount != before.ExtensionCount || !slices.Equal(cwTimes(after), cwTimes(before)) {
				t.Errorf("%s: a refused action changed the case: %s with %d events -> %s with %d events (due %s -> %s)", s.name,
					before.State, before.Events.TotalCount, after.State, after.Events.TotalCount, cwShow(before.DueAt), cwShow(after.DueAt))
			}
		} else {
			if after.State != s.state {
				t.Errorf("%s: state %s, want %s", s.name, after.State, s.state)
			}
			if out.Case != nil && out.Case.State != s.state || out.TrackedCase != nil && out.TrackedCase.State != s.state ||
				out.Case == nil && out.TrackedCase == nil {
				t.Errorf("%s: the payload does not show the case in %s: %s", s.name, s.state, out.raw)
			}
			if after.Events.TotalCount != before.Events.TotalCount+1 || after.count(s.event) != before.count(s.event)+1 {
				t.Errorf("%s: events %d -> %d (%s %d -> %d), want one more %s", s.name, before.Events.TotalCount,
					after.Events.TotalCount, s.event, before.count(s.event), after.count(s.event), s.event)
			}
		}
		if s.check != nil {
			s.check(t, out, after)
		}
	}
}

func cwTimes(c *cwHandled) []string {
	out := []string{cwShow(c.AcknowledgeDueAt), cwShow(c.DueAt), "", ""}
	if c.Rating != nil {
		out[2] = fmt.Sprint(*c.Rating)
	}
	if c.Conclusion != nil {
		out[3] = *c.Conclusion
	}
	return out
}

var cwTrackingCode = regexp.MustCompile(`^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{10}$`)

func TestCaseSubmission(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		d := newCWDesk(t, dia, nil)
		// Tuesday 10 March 2026 09:00: 7 working days end on Thursday 19 March (11, 12, 13, 16, 17,
		// 18, 19); 8 office hours end on Wednesday 11 March 09:00 (2h30 + 4h on Tuesday, 1h30 on
		// Wednesday from 07:30); 15 days end on 25 March.
		denunciationDue := cwEndOf("2026-03-19")
		feedbackAck, feedbackDue := cwAt("2026-03-11 09:00"), cwEndOf("2026-03-25")
		viNotice := "Tố cáo nặc danh"
		tests := []struct {
			name               string
			changes            map[string]any
			headers            []string
			channel, requested string
			anonymous          bool
			notice             string // "" when none; else a part of it
			ack, due           *time.Time
		}{
			{"identified denunciation", nil, nil, "DENUNCIATION", "DENUNCIATION", false, "", &denunciationDue, nil},
			{"anonymous denunciation", map[string]any{"reporter": nil}, nil, "FEEDBACK", "DENUNCIATION", true, viNotice, &feedbackAck, &feedbackDue},
			{"anonymous denunciation in English", map[string]any{"reporter": nil}, []string{"Accept-Language", "en"},
				"FEEDBACK", "DENUNCIATION", true, "handled as feedback", &feedbackAck, &feedbackDue},
			{"identified feedback", map[string]any{"channel": "FEEDBACK", "category": "NO_BUREAUCRACY"}, nil,
				"FEEDBACK", "FEEDBACK", false, "", &feedbackAck, &feedbackDue},
			{"anonymous feedback", map[string]any{"channel": "FEEDBACK", "reporter": nil}, nil, "FEEDBACK", "FEEDBACK", true, "", &feedbackAck, &feedbackDue},
			{"praise", map[string]any{"channel": "PRAISE", "category": nil, "description": "Chị Thư hướng dẫn tận tình, đúng hẹn."},
				nil, "PRAISE", "PRAISE", false, "", nil, nil},
		}
		codes, secrets := map[string]bool{}, map[string]bool{}
		for _, tt := range tests {
			before := d.cases()
			r := cwSubmit(t, d.citizen, d.input(tt.changes), tt.headers...)
			if !r.ok() {
				t.Errorf("%s: %+v", tt.name, r)
				continue
			}
			if d.cases() != before+1 {
				t.Errorf("%s: %d cases created", tt.name, d.cases()-before)
			}
			code, secret, tc := *r.TrackingCode, *r.Secret, r.TrackedCase
			if !cwTrackingCode.MatchString(code) {
				t.Errorf("%s: tracking code %q is not 10 characters without 0/O/1/I/L", tt.name, code)
			}
			if len(secret) < 20 || codes[code] || secrets[secret] {
				t.Errorf("%s: code %q or secret %q is short or repeated", tt.name, code, secret)
			}
			codes[code], secrets[secret] = true, true
			if tc.TrackingCode != code || tc.Channel != tt.channel || tc.RequestedChannel != tt.requested || tc.State != "SUBMITTED" {
				t.Errorf("%s: tracked case %+v, want channel %s requested %s", tt.name, tc, tt.channel, tt.requested)
			}
			switch {
			case tt.notice == "" && r.Notice != nil:
				t.Errorf("%s: unexpected notice %q", tt.name, *r.Notice)
			case tt.notice != "" && (r.Notice == nil || !strings.Contains(*r.Notice, tt.notice)):
				t.Errorf("%s: notice %v, want one with %q", tt.name, r.Notice, tt.notice)
			}
			if (tt.ack == nil) != (tc.AcknowledgeDueAt == nil) || tt.ack != nil && !cwDue(tc.AcknowledgeDueAt, *tt.ack) {
				t.Errorf("%s: acknowledgeDueAt %s, want %v", tt.name, cwShow(tc.AcknowledgeDueAt), tt.ack)
			}
			if (tt.due == nil) != (tc.DueAt == nil) || tt.due != nil && !cwDue(tc.DueAt, *tt.due) {
				t.Errorf("%s: dueAt %s, want %v", tt.name, cwShow(tc.DueAt), tt.due)
			}
			if tc.Overdue || !slices.Equal(tc.kinds(), []string{"SUBMITTED"}) {
				t.Errorf("%s: overdue %v, timeline %v", tt.name, tc.Overdue, tc.kinds())
			}
			staff := cwRead(t, d.supervisor, d.caseID(t, code))
			if staff == nil || staff.Channel != tt.channel || staff.RequestedChannel != tt.requested || staff.Anonymous != tt.anonymous {
				t.Errorf("%s: the supervisor reads %+v", tt.name, staff)
			}
			if got, _ := cwTrack(t, d.citizen, code, secret); got == nil || got.State != "SUBMITTED" {
				t.Errorf("%s: the receipt does not open the case: %+v", tt.name, got)
			}
		}

		// Refusals: one userError on the field, nothing stored.
		future := cwDay.Add(26 * time.Hour).Format(time.RFC3339)
		bad := []struct {
			name    string
			changes map[string]any
			field   string
		}{
			{"short description", map[string]any{"description": "  quá ngắn "}, "description"},
			{"feedback without a category", map[string]any{"channel": "FEEDBACK", "category": nil}, "category"},
			{"denunciation without a category", map[string]any{"category": nil}, "category"},
			{"praise with a category", map[string]any{"channel": "PRAISE", "category": "NO_CORRUPTION"}, "category"},
			{"unknown unit", map[string]any{"unitId": "unt_01jw0000000000000000000000", "officialId": nil}, "unitId"},
			{"official of another unit", map[string]any{"officialId": d.o.manager}, "officialId"},
			{"official of another province", map[string]any{"officialId": d.farOfficial}, "officialId"},
			{"incident in the future", map[string]any{"incidentDate": future}, "incidentDate"},
			{"bad phone", map[string]any{"reporter": map[string]any{"name": "Trần Văn Dân", "phone": "12345"}}, "reporter.phone"},
			{"bad national id", map[string]any{"reporter": map[string]any{"name": "Trần Văn Dân", "phone": "0901234567", "nationalId": "07912345"}}, "reporter.nationalId"},
			{"reporter without a name", map[string]any{"reporter": map[string]any{"name": " ", "phone": "0901234567"}}, "reporter.name"},
			{"reporter without contact", map[string]any{"reporter": map[string]any{"name": "Trần Văn Dân"}}, "reporter.phone"},
		}
		before := d.cases()
		for _, tt := range bad {
			r := cwSubmit(t, d.citizen, d.input(tt.changes))
			if r.code != "" || len(r.UserErrors) != 1 || r.UserErrors[0].Code != "BAD_USER_INPUT" ||
				strings.Join(r.UserErrors[0].Field, ".") != tt.field || r.UserErrors[0].Message == "" {
				t.Errorf("%s: %+v, want one BAD_USER_INPUT on %s", tt.name, r, tt.field)
			}
			if r.TrackingCode != nil || r.Secret != nil || r.TrackedCase != nil {
				t.Errorf("%s: a refused submission answered a receipt: %+v", tt.name, r)
			}
		}
		if n := d.cases() - before; n != 0 {
			t.Errorf("refused submissions stored %d cases", n)
		}
		en := cwSubmit(t, d.citizen, d.input(map[string]any{"description": "ngắn"}), "Accept-Language", "en")
		if len(en.UserErrors) != 1 || !strings.Contains(en.UserErrors[0].Message, "10 to 10,000 characters") {
			t.Errorf("English userError: %+v", en)
		}

		// Idempotency: the retry gets the same receipt, secret included, and stores nothing.
		for _, who := range []struct {
			name string
			api  *testutil.API
		}{{"anonymous", d.citizen}, {"signed in", d.clerk}} {
			in := d.input(map[string]any{"reporter": nil, "channel": "FEEDBACK"})
			before := d.cases()
			first := cwSubmit(t, who.api, in)
			retry := cwSubmit(t, who.api, in)
			if !first.ok() || !retry.ok() || *retry.TrackingCode != *first.TrackingCode || *retry.Secret != *first.Secret {
				t.Errorf("%s: retry %+v of %+v", who.name, retry, first)
			}
			if n := d.cases() - before; n != 1 {
				t.Errorf("%s: a submission and its retry stored %d cases", who.name, n)
			}
			other := map[string]any{}
			for k, v := range in {
				other[k] = v
			}
			other["description"] = "Một nội dung khác hẳn, cùng idempotencyKey."
			if r := cwSubmit(t, who.api, other); r.code != "" || len(r.UserErrors) != 1 || r.UserErrors[0].Code != "CONFLICT" ||
				strings.Join(r.UserErrors[0].Field, ".") != "idempotencyKey" || r.TrackingCode != nil {
				t.Errorf("%s: the same key with another input: %+v", who.name, r)
			}
			if n := d.cases() - before; n != 1 {
				t.Errorf("%s: %d cases after the conflict", who.name, n)
			}
			if tc, _ := cwTrack(t, d.citizen, *first.TrackingCode, *first.Secret); tc == nil {
				t.Errorf("%s: the receipt does not open the case", who.name)
			}
		}
	})
}

// cwHolidays2026 are the 2026 days off the deadlines below cross (Tết 14-22 February; Hùng Kings
// 26 April and its compensatory 27 April; 30 April; 1 May).
var cwHolidays2026 = []string{"2026-02-14", "2026-02-15", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19",
	"2026-02-20", "2026-02-21", "2026-02-22", "2026-04-26", "2026-04-27", "2026-04-30", "2026-05-01"}

// cwWorkingDaysBetween counts, independently of the product, the working days after the day of
// from up to and including the day of to.
func cwWorkingDaysBetween(from, to time.Time) int {
	n := 0
	day := from.In(assessment.Vietnam)
	for {
		day = day.AddDate(0, 0, 1)
		if day.Format(time.DateOnly) > to.In(assessment.Vietnam).Format(time.DateOnly) {
			return n
		}
		if wd := day.Weekday(); wd != time.Saturday && wd != time.Sunday && !slices.Contains(cwHolidays2026, day.Format(time.DateOnly)) {
			n++
		}
	}
}

func TestCaseDeadlines(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		d := newCWDesk(t, dia, nil)
		feedback := map[string]any{"channel": "FEEDBACK", "category": "NO_BUREAUCRACY", "incidentDate": "2026-01-05T08:00:00+07:00"}
		denunciation := map[string]any{"incidentDate": "2026-01-05T08:00:00+07:00"}
		tests := []struct {
			name     string
			received time.Time
			changes  map[string]any
			ack      time.Time
			due      *time.Time
		}{
			// Friday 13 February 16:00, before Tết (14-22 February): the working days after it are
			// 23, 24, 25, 26, 27 February, 2 and 3 March.
			{"denunciation on the Friday before Tết", cwAt("2026-02-13 16:00"), denunciation, cwEndOf("2026-03-03"), nil},
			// Wednesday 22 April: 23, 24, 28, 29 April, 4, 5, 6 May (27 April, 30 April, 1 May off).
			{"denunciation across the April and May holidays", cwAt("2026-04-22 10:00"), denunciation, cwEndOf("2026-05-06"), nil},
			// Friday 16:00: one office hour that day (to 17:00); the next working day is Monday 23
			// February, after Tết: 07:30-11:30 and 13:00-16:00 make the other seven.
			// 15 days after 13 February is Saturday 28: a deadline on a day off moves to the end of
			// the next working day, Monday 2 March (Civil Code 2015, art. 148(5)).
			{"feedback on the Friday before Tết", cwAt("2026-02-13 16:00"), feedback, cwAt("2026-02-23 16:00"), cwPtr(cwEndOf("2026-03-02"))},
			// Sunday evening: eight office hours from Monday 07:30, to 17:00.
			{"feedback on a Sunday evening", cwAt("2026-03-08 20:00"), feedback, cwAt("2026-03-09 17:00"), cwPtr(cwEndOf("2026-03-23"))},
			// At lunch: the count starts at 13:00; four hours that day, four the next morning.
			{"feedback at lunch time", cwAt("2026-03-10 12:00"), feedback, cwAt("2026-03-11 11:30"), cwPtr(cwEndOf("2026-03-25"))},
		}
		type filed struct{ code, secret, id string }
		cases := map[string]filed{}
		for _, tt := range tests {
			*d.o.now = tt.received
			code, secret, id := d.file(t, tt.changes)
			cases[tt.name] = filed{code, secret, id}
			tc, r := cwTrack(t, d.citizen, code, secret)
			if tc == nil {
				t.Fatalf("%s: %s", tt.name, r.Raw)
			}
			if !cwDue(tc.AcknowledgeDueAt, tt.ack) {
				t.Errorf("%s: acknowledgeDueAt %s, want %s", tt.name, cwShow(tc.AcknowledgeDueAt), cwShow(&tt.ack))
			}
			if (tt.due == nil) != (tc.DueAt == nil) || tt.due != nil && !cwDue(tc.DueAt, *tt.due) {
				t.Errorf("%s: dueAt %s, want %s", tt.name, cwShow(tc.DueAt), cwShow(tt.due))
			}
			if tt.changes["channel"] == nil { // a denunciation: 7 working days, counted here
				if n := cwWorkingDaysBetween(tt.received, tt.ack); n != 7 {
					t.Fatalf("%s: the test's own deadline is %d working days after receipt", tt.name, n)
				}
				if tc.AcknowledgeDueAt != nil {
					if n := cwWorkingDaysBetween(tt.received, *tc.AcknowledgeDueAt); n != 7 {
						t.Errorf("%s: acknowledgeDueAt %s is %d working days after receipt, want 7", tt.name, cwShow(tc.AcknowledgeDueAt), n)
					}
				}
			}
		}

		// Overdue while SUBMITTED past acceptance, not after acceptance until the conclusion is due.
		den := cases["denunciation on the Friday before Tết"]
		fb := cases["feedback on the Friday before Tết"]
		overdue := func(when string, f filed, want bool) {
			t.Helper()
			*d.o.now = cwAt(when)
			staff := cwRead(t, d.supervisor, f.id)
			tc, _ := cwTrack(t, d.citizen, f.code, f.secret)
			if staff == nil || tc == nil || staff.Overdue != want || tc.Overdue != want {
				t.Errorf("at %s: overdue %+v (tracked %+v), want %v", when, staff, tc, want)
			}
		}
		overdue("2026-02-23 15:59", fb, false)
		overdue("2026-02-23 16:01", fb, true)
		if out := cwCall(t, d.supervisor, "caseAccept", map[string]any{"caseId": fb.id}); out.got() != "" {
			t.Fatalf("accept the feedback: %s", out.raw)
		}
		overdue("2026-02-23 16:02", fb, false)
		overdue("2026-03-01 00:01", fb, false) // Sunday: the deadline moved to Monday
		overdue("2026-03-02 23:59", fb, false)
		overdue("2026-03-03 00:01", fb, true)

		overdue("2026-03-03 23:59", den, false)
		overdue("2026-03-04 00:01", den, true)
		*d.o.now = cwAt("2026-03-04 08:00")
		acc := cwCall(t, d.supervisor, "caseAccept", map[string]any{"caseId": den.id})
		if acc.got() != "" || acc.Case == nil {
			t.Fatalf("late acceptance: %s", acc.raw)
		}
		if !cwDue(acc.Case.DueAt, cwEndOf("2026-04-03")) || acc.Case.Overdue {
			t.Errorf("late acceptance: dueAt %s (overdue %v), want the end of 2026-04-03, 30 days after the acceptance",
				cwShow(acc.Case.DueAt), acc.Case.Overdue)
		}
		overdue("2026-04-03 23:59", den, false)
		overdue("2026-04-04 00:01", den, true)
		if out := cwCall(t, d.supervisor, "caseStartVerification", map[string]any{"caseId": den.id}); out.got() != "" {
			t.Fatalf("verify: %s", out.raw)
		}
		if out := cwCall(t, d.supervisor, "caseConclude", map[string]any{"caseId": den.id, "conclusion": "UNSUBSTANTIATED", "findings": "Không có căn cứ."}); out.got() != "" {
			t.Fatalf("conclude: %s", out.raw)
		}
		overdue("2026-04-05 09:00", den, false)
	})
}

func cwPtr[T any](v T) *T { return &v }

func TestCaseByTracking(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		d := newCWDesk(t, dia, nil)
		code, secret, id := d.file(t, map[string]any{"channel": "FEEDBACK", "reporter": nil})
		other, otherSecret, _ := d.file(t, nil)
		if out := cwCall(t, d.supervisor, "caseAssign", map[string]any{"caseId": id, "inspectorId": d.inspectorID}); out.got() != "" {
			t.Fatalf("assign: %s", out.raw)
		}
		*d.o.now = cwDay.Add(time.Hour)
		ctx := authz.System(context.Background(), authz.SysTestFixture)
		d.o.db.Client.CaseMessage.Create().SetCaseID(id).SetDirection(casemessage.DirectionTO_REPORTER).
			SetBody("Xin cho biết thời gian cụ thể.").SetSentAt(*d.o.now).ExecX(ctx)
		d.o.db.Client.CaseMessage.Create().SetCaseID(id).SetDirection(casemessage.DirectionINTERNAL).
			SetBody("GHI CHÚ NỘI BỘ: đã trao đổi với trưởng phòng.").SetSentAt(*d.o.now).ExecX(ctx)
		*d.o.now = cwDay.Add(2 * time.Hour)
		msg := cwCall(t, d.citizen, "caseMessageSend", map[string]any{"trackingCode": code, "secret": secret, "body": "Khoảng 9 giờ sáng thứ Hai."})
		if msg.got() != "" || msg.TrackedCase == nil {
			t.Fatalf("message: %s", msg.raw)
		}
		if out := cwCall(t, d.citizen, "caseMessageSend", map[string]any{"trackingCode": code, "secret": secret, "body": "  "}); out.got() != "BAD_USER_INPUT" || out.field() != "body" {
			t.Errorf("empty message: %s", out.raw)
		}

		tc, r := cwTrack(t, d.citizen, code, secret)
		if tc == nil || len(r.Errors) > 0 {
			t.Fatalf("the right code and secret: %s", r.Raw)
		}
		if tc.State != "SUBMITTED" || !slices.Equal(tc.kinds(), []string{"SUBMITTED", "MESSAGE"}) {
			t.Errorf("state %s, timeline %v: want SUBMITTED and the public events only (no ASSIGNED)", tc.State, tc.kinds())
		}
		var dirs []string
		for _, m := range tc.Messages {
			dirs = append(dirs, m.Direction)
		}
		if !slices.Equal(dirs, []string{"TO_REPORTER", "FROM_REPORTER"}) {
			t.Errorf("messages %v, want the handler's and the citizen's only", dirs)
		}
		if bytes.Contains(r.Raw, []byte("NỘI BỘ")) || bytes.Contains(r.Raw, []byte(d.inspectorID)) {
			t.Errorf("the tracked view shows internal matters: %s", r.Raw)
		}
		staff := cwRead(t, d.supervisor, id)
		if staff.count("ASSIGNED") != 1 || staff.Events.TotalCount != 3 {
			t.Errorf("staff events: %+v", staff.Events)
		}

		lower := strings.ToLower(code[:5]) + "-" + strings.ToLower(code[5:])
		wrong := []struct{ name, code, secret string }{
			{"wrong secret", code, otherSecret},
			{"secret of another case", other, secret},
			{"unknown code", "ABCDEFGHJK", secret},
			{"empty secret", code, ""},
		}
		for _, w := range wrong {
			tc, r := cwTrack(t, d.citizen, w.code, w.secret)
			if tc != nil || len(r.Errors) > 0 || !bytes.Contains(r.Raw, []byte(`"caseByTracking":null`)) {
				t.Errorf("%s: %s, want data.caseByTracking null without an error", w.name, r.Raw)
			}
		}
		if tc, r := cwTrack(t, d.citizen, lower, strings.ToLower(secret)); tc == nil || tc.TrackingCode != code {
			t.Errorf("code typed as %q: %s", lower, r.Raw)
		}
		if tc, r := cwTrack(t, d.citizen, " "+code[:3]+" "+code[3:]+" ", secret); tc == nil {
			t.Errorf("code typed with spaces: %s", r.Raw)
		}
		// The citizen's actions need the secret as well.
		before := cwRead(t, d.supervisor, id)
		if out := cwCall(t, d.citizen, "caseMessageSend", map[string]any{"trackingCode": code, "secret": otherSecret, "body": "Tôi là người khác."}); out.got() == "" || out.TrackedCase != nil {
			t.Errorf("a message with a wrong secret: %s", out.raw)
		}
		if out := cwCall(t, d.citizen, "caseWithdraw", map[string]any{"trackingCode": code, "secret": otherSecret}); out.got() == "" {
			t.Errorf("a withdrawal with a wrong secret: %s", out.raw)
		}
		if after := cwRead(t, d.supervisor, id); after.Events.TotalCount != before.Events.TotalCount || after.State != "SUBMITTED" {
			t.Errorf("wrong secrets changed the case: %+v", after)
		}
	})
}

func TestCaseThrottling(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		d := newCWDesk(t, dia, map[string]string{"TRACKING_RATE": "3/1m", "CITIZEN_SUBMIT_RATE": "2/1m"})
		var receipts []cwReceipt
		for i := range 3 {
			r := cwSubmit(t, d.citizen, d.input(map[string]any{"reporter": nil}))
			if i < 2 {
				if !r.ok() {
					t.Fatalf("anonymous submission %d: %+v", i+1, r)
				}
				receipts = append(receipts, r)
				continue
			}
			if r.code != "RATE_LIMITED" || r.TrackingCode != nil {
				t.Fatalf("the third anonymous submission in a minute: %+v", r)
			}
			if ra, _ := r.errors[0].Extensions["retryAfter"].(float64); ra <= 0 || ra > 60 {
				t.Errorf("retryAfter %v", r.errors[0].Extensions["retryAfter"])
			}
		}
		if n := d.cases(); n != 2 {
			t.Errorf("%d cases stored, want 2", n)
		}
		for i := range 3 {
			if r := cwSubmit(t, d.clerk, d.input(nil)); !r.ok() {
				t.Errorf("signed-in submission %d after the anonymous limit: %+v", i+1, r)
			}
		}

		code, secret := *receipts[0].TrackingCode, *receipts[0].Secret
		attempts := []struct{ code, secret string }{{code, secret}, {code, "WRONGSECRETWRONGSECRETWRON"}, {"ABCDEFGHJK", secret}}
		for i, a := range attempts {
			if _, r := cwTrack(t, d.citizen, a.code, a.secret); len(r.Errors) > 0 {
				t.Fatalf("attempt %d: %s", i+1, r.Raw)
			}
		}
		tc, r := cwTrack(t, d.citizen, code, secret, "Accept-Language", "en")
		if tc != nil || r.Code() != "RATE_LIMITED" || !bytes.Contains(r.Raw, []byte(`"caseByTracking":null`)) {
			t.Fatalf("the fourth attempt in a minute: %s", r.Raw)
		}
		if ra, _ := r.Errors[0].Extensions["retryAfter"].(float64); ra <= 0 || ra > 60 {
			t.Errorf("retryAfter %v", r.Errors[0].Extensions["retryAfter"])
		}
		if !strings.Contains(r.Errors[0].Message, "Too many requests") {
			t.Errorf("message %q", r.Errors[0].Message)
		}
		// The citizen's actions by tracking code are throttled alike.
		if out := cwCall(t, d.citizen, "caseMessageSend", map[string]any{"trackingCode": code, "secret": secret, "body": "Xin chào"}); out.code != "RATE_LIMITED" {
			t.Errorf("a message while throttled: %s", out.raw)
		}
	})
}

// TestCaseHandling follows denunciations through every handler's transition, with the roles of
// DESIGN.md §8, and the citizen's actions at the end.
func TestCaseHandling(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		d := newCWDesk(t, dia, nil)
		ctx := authz.System(context.Background(), authz.SysTestFixture)
		c := d.o.db.Client
		// Awards of the clerk and the manager, to be flagged by incidents of their year only.
		award := func(off string, year int) string {
			return c.Commendation.Create().SetOfficialID(off).SetForm(commendation.FormGIAY_KHEN).SetLevel(commendation.LevelDISTRICT).
				SetYear(year).SetReason("Hoàn thành xuất sắc nhiệm vụ").SetStatus(commendation.StatusAPPROVED).SaveX(ctx).ID
		}
		clerk2026, clerk2025 := award(d.o.clerk, 2026), award(d.o.clerk, 2025)
		manager2026, manager2025 := award(d.o.manager, 2026), award(d.o.manager, 2025)

		code, secret, id := d.file(t, nil)
		caseID := func(s string) map[string]any { return map[string]any{"caseId": id, "note": s} }
		mine := func(extra map[string]any) map[string]any {
			m := map[string]any{"trackingCode": code, "secret": secret}
			for k, v := range extra {
				m[k] = v
			}
			return m
		}
		extend := func(number, complexity string) map[string]any {
			return map[string]any{"caseId": id, "decisionNumber": number, "complexity": complexity, "note": "Vụ việc phức tạp"}
		}
		dueOn := func(day string) func(t *testing.T, out cwOutcome, c *cwHandled) {
			return func(t *testing.T, out cwOutcome, c *cwHandled) {
				// A deadline on a day off moves to the end of the next working day (Civil Code art. 148(5)).
				want := cwEndOf(day)
				if cal := workdays.Default(); !cal.IsWorkingDay(want) {
					want = cal.AddWorkingDays(want, 1)
				}
				if !cwDue(c.DueAt, want) {
					t.Errorf("dueAt %s, want the end of %s", cwShow(c.DueAt), day)
				}
			}
		}
		d.run(t, id, []cwStep{
			{name: "the official concerned accepts", api: d.clerk, field: "caseAccept", in: caseID(""), want: "FORBIDDEN"},
			{name: "a citizen accepts", api: d.citizen, field: "caseAccept", in: caseID(""), want: "UNAUTHENTICATED"},
			{name: "the outsider accepts", api: d.outsider, field: "caseAccept", in: caseID(""), want: "NOT_FOUND", wantField: "caseId"},
			{name: "the outsider assigns", api: d.outsider, field: "caseAssign", in: map[string]any{"caseId": id, "inspectorId": d.farInspectorID}, want: "NOT_FOUND", wantField: "caseId"},
			{name: "the outsider rejects", api: d.outsider, field: "caseReject", in: caseID("Không thuộc thẩm quyền"), want: "NOT_FOUND", wantField: "caseId"},
			{name: "an inspector assigns", api: d.inspector, field: "caseAssign", in: map[string]any{"caseId": id, "inspectorId": d.inspectorID}, want: "FORBIDDEN"},
			{name: "assign an inspector of another province", api: d.supervisor, field: "caseAssign", in: map[string]any{"caseId": id, "inspectorId": d.farInspectorID}, want: "BAD_USER_INPUT", wantField: "inspectorId"},
			{name: "assign a supervisor", api: d.supervisor, field: "caseAssign", in: map[string]any{"caseId": id, "inspectorId": d.supervisorID}, want: "BAD_USER_INPUT", wantField: "inspectorId"},
			{name: "verify before acceptance", api: d.supervisor, field: "caseStartVerification", in: caseID(""), want: "CONFLICT"},
			{name: "conclude before acceptance", api: d.supervisor, field: "caseConclude", in: map[string]any{"caseId": id, "conclusion": "SUBSTANTIATED", "findings": "Có vi phạm"}, want: "CONFLICT"},
			{name: "close before acceptance", api: d.supervisor, field: "caseClose", in: caseID(""), want: "CONFLICT"},
			{name: "extend before acceptance", api: d.supervisor, field: "caseExtend", in: extend("1/QĐ", "COMPLEX"), want: "CONFLICT"},
			{name: "assign the inspector", api: d.supervisor, field: "caseAssign", in: map[string]any{"caseId": id, "inspectorId": d.inspectorID}, state: "SUBMITTED", event: "ASSIGNED"},
			{name: "reject without a reason", api: d.supervisor, field: "caseReject", in: caseID("   "), want: "BAD_USER_INPUT", wantField: "note"},
			{name: "accept", api: d.supervisor, field: "caseAccept", in: caseID("Thụ lý tố cáo"), state: "ACCEPTED", event: "ACCEPTED", check: dueOn("2026-04-09")},
			{name: "accept twice", api: d.manager, field: "caseAccept", in: caseID(""), want: "CONFLICT"},
			{name: "reject once accepted", api: d.supervisor, field: "caseReject", in: caseID("Không đủ căn cứ"), want: "CONFLICT"},
			{name: "another inspector verifies", api: d.inspector2, field: "caseStartVerification", in: caseID(""), want: "FORBIDDEN"},
			{name: "the assigned inspector verifies", api: d.inspector, field: "caseStartVerification", in: caseID("Bắt đầu xác minh"), state: "VERIFYING", event: "VERIFICATION_STARTED"},
			{name: "verify twice", api: d.inspector, field: "caseStartVerification", in: caseID(""), want: "CONFLICT"},
			{name: "extend without a decision number", api: d.inspector, field: "caseExtend", in: extend("  ", "COMPLEX"), want: "BAD_USER_INPUT", wantField: "decisionNumber"},
			{name: "another inspector extends", api: d.inspector2, field: "caseExtend", in: extend("14/QĐ-TTr", "COMPLEX"), want: "FORBIDDEN"},
			{name: "extend a complex case", api: d.inspector, field: "caseExtend", in: extend("15/QĐ-TTr", "COMPLEX"), state: "VERIFYING", event: "EXTENDED",
				check: func(t *testing.T, out cwOutcome, c *cwHandled) {
					dueOn("2026-05-09")(t, out, c)
					if c.ExtensionCount != 1 || c.Complexity == nil || *c.Complexity != "COMPLEX" {
						t.Errorf("after the extension: %d extensions, complexity %v", c.ExtensionCount, c.Complexity)
					}
					if e := c.event("EXTENDED"); e == nil || !strings.Contains(e.Note, "15/QĐ-TTr") {
						t.Errorf("the extension event does not record the decision: %+v", e)
					}
				}},
			{name: "extend a complex case twice", api: d.inspector, field: "caseExtend", in: extend("16/QĐ-TTr", "COMPLEX"), want: "CONFLICT"},
			{name: "extend it as very complex", api: d.inspector, field: "caseExtend", in: extend("17/QĐ-TTr", "VERY_COMPLEX"), want: "CONFLICT"},
			{name: "another inspector concludes", api: d.inspector2, field: "caseConclude", in: map[string]any{"caseId": id, "conclusion": "SUBSTANTIATED", "findings": "Có vi phạm"}, want: "FORBIDDEN"},
			{name: "conclude without findings", api: d.inspector, field: "caseConclude", in: map[string]any{"caseId": id, "conclusion": "SUBSTANTIATED", "findings": " "}, want: "BAD_USER_INPUT", wantField: "findings"},
			{name: "conclude without a conclusion", api: d.inspector, field: "caseConclude", in: map[string]any{"caseId": id, "findings": "Có vi phạm"}, want: "BAD_USER_INPUT", wantField: "conclusion"},
			{name: "conclude", api: d.inspector, field: "caseConclude", in: map[string]any{"caseId": id, "conclusion": "SUBSTANTIATED", "findings": "Có nhận 500.000 đồng"}, state: "CONCLUDED", event: "CONCLUDED"},
			{name: "withdraw after the conclusion", api: d.citizen, field: "caseWithdraw", in: mine(map[string]any{"reason": "Không muốn tiếp tục"}), want: "CONFLICT"},
			{name: "rate before closing", api: d.citizen, field: "caseRate", in: mine(map[string]any{"rating": 5}), want: "CONFLICT"},
			{name: "the outsider closes", api: d.outsider, field: "caseClose", in: caseID(""), want: "NOT_FOUND", wantField: "caseId"},
			{name: "close", api: d.supervisor, field: "caseClose", in: caseID("Đã thông báo kết quả"), state: "CLOSED", event: "CLOSED"},
			{name: "rate 6", api: d.citizen, field: "caseRate", in: mine(map[string]any{"rating": 6}), want: "BAD_USER_INPUT", wantField: "rating"},
			{name: "rate 0", api: d.citizen, field: "caseRate", in: mine(map[string]any{"rating": 0}), want: "BAD_USER_INPUT", wantField: "rating"},
			{name: "rate with a wrong secret", api: d.citizen, field: "caseRate", in: mine(map[string]any{"rating": 1, "secret": "AAAAAAAAAAAAAAAAAAAAAAAAAA"}), want: "NOT_FOUND"},
			{name: "rate", api: d.citizen, field: "caseRate", in: mine(map[string]any{"rating": 4}), state: "CLOSED", event: "RATED",
				check: func(t *testing.T, out cwOutcome, c *cwHandled) {
					if c.Rating == nil || *c.Rating != 4 || out.TrackedCase == nil || out.TrackedCase.Rating == nil || *out.TrackedCase.Rating != 4 {
						t.Errorf("rating: %v, tracked %s", c.Rating, out.raw)
					}
				}},
			{name: "rate twice", api: d.citizen, field: "caseRate", in: mine(map[string]any{"rating": 5}), want: "CONFLICT"},
			{name: "message a closed case", api: d.citizen, field: "caseMessageSend", in: mine(map[string]any{"body": "Cảm ơn"}), want: "CONFLICT"},
			{name: "accept a closed case", api: d.supervisor, field: "caseAccept", in: caseID(""), want: "CONFLICT"},
			{name: "withdraw a closed case", api: d.citizen, field: "caseWithdraw", in: mine(nil), want: "CONFLICT"},
		})

		// The whole history: every transition an event, the assignment internal.
		final := cwRead(t, d.supervisor, id)
		var kinds []string
		for _, e := range final.Events.Edges {
			kinds = append(kinds, e.Node.Kind)
			wantActor := "STAFF"
			if e.Node.Kind == "SUBMITTED" || e.Node.Kind == "RATED" {
				wantActor = "CITIZEN"
			}
			if e.Node.ActorKind != wantActor || e.Node.Public != (e.Node.Kind != "ASSIGNED") {
				t.Errorf("event %+v", e.Node)
			}
		}
		slices.Sort(kinds)
		if want := []string{"ACCEPTED", "ASSIGNED", "CLOSED", "CONCLUDED", "EXTENDED", "RATED", "SUBMITTED", "VERIFICATION_STARTED"}; !slices.Equal(kinds, want) {
			t.Errorf("events %v, want %v", kinds, want)
		}
		tc, _ := cwTrack(t, d.citizen, code, secret)
		if tc.State != "CLOSED" || tc.Conclusion == nil || *tc.Conclusion != "SUBSTANTIATED" || tc.Rating == nil || *tc.Rating != 4 ||
			len(tc.Timeline) != 7 || slices.Contains(tc.kinds(), "ASSIGNED") || tc.Overdue {
			t.Errorf("the citizen's view at the end: %+v", tc)
		}

		// The substantiated conclusion about the clerk: one incident of 2026, the clerk's 2026 award flagged.
		incidents := cwIncidents(t, d.supervisor)
		if got := incidents[id]; len(got) != 1 || got[0].Official.ID != d.o.clerk || got[0].Year != 2026 ||
			got[0].Category != "NO_CORRUPTION" || got[0].Source != "CASE" {
			t.Errorf("incidents of the case: %+v", got)
		}
		cwFlagged(t, d.supervisor, map[string]bool{clerk2026: true, clerk2025: false, manager2026: false, manager2025: false})

		t.Run("very complex", func(t *testing.T) {
			_, _, id := d.file(t, nil)
			ext := func(n string) map[string]any {
				return map[string]any{"caseId": id, "decisionNumber": n, "complexity": "VERY_COMPLEX"}
			}
			d.run(t, id, []cwStep{
				{name: "accept", api: d.supervisor, field: "caseAccept", in: map[string]any{"caseId": id}, state: "ACCEPTED", event: "ACCEPTED", check: dueOn("2026-04-09")},
				{name: "first extension", api: d.supervisor, field: "caseExtend", in: ext("20/QĐ"), state: "ACCEPTED", event: "EXTENDED", check: dueOn("2026-05-09")},
				{name: "a supervisor verifies", api: d.supervisor, field: "caseStartVerification", in: map[string]any{"caseId": id}, state: "VERIFYING", event: "VERIFICATION_STARTED"},
				// The first extension moved 9 May (a Saturday) to Monday 11 May; the second counts 30 days from it.
				{name: "second extension", api: d.supervisor, field: "caseExtend", in: ext("21/QĐ"), state: "VERIFYING", event: "EXTENDED", check: dueOn("2026-06-10")},
				{name: "third extension", api: d.supervisor, field: "caseExtend", in: ext("22/QĐ"), want: "CONFLICT"},
			})
		})

		t.Run("feedback is not extended", func(t *testing.T) {
			_, _, id := d.file(t, map[string]any{"channel": "FEEDBACK"})
			d.run(t, id, []cwStep{
				{name: "accept", api: d.supervisor, field: "caseAccept", in: map[string]any{"caseId": id}, state: "ACCEPTED", event: "ACCEPTED", check: dueOn("2026-03-25")},
				{name: "extend", api: d.supervisor, field: "caseExtend", in: map[string]any{"caseId": id, "decisionNumber": "30/QĐ", "complexity": "COMPLEX"}, want: "CONFLICT"},
			})
		})

		t.Run("the unit manager verifies", func(t *testing.T) {
			// caseStartVerification: "the assigned inspector, or a supervisor, unit manager or
			// administrator in scope" (schema); another inspector may not (tested above).
			_, _, id := d.file(t, nil)
			d.run(t, id, []cwStep{
				{name: "accept", api: d.supervisor, field: "caseAccept", in: map[string]any{"caseId": id}, state: "ACCEPTED", event: "ACCEPTED"},
				{name: "the unit manager verifies", api: d.manager, field: "caseStartVerification", in: map[string]any{"caseId": id}, state: "VERIFYING", event: "VERIFICATION_STARTED"},
			})
		})

		t.Run("unsubstantiated", func(t *testing.T) {
			_, _, id := d.file(t, map[string]any{"officialId": d.o.manager, "unitId": d.o.parent})
			d.run(t, id, []cwStep{
				{name: "accept", api: d.supervisor, field: "caseAccept", in: map[string]any{"caseId": id}, state: "ACCEPTED", event: "ACCEPTED"},
				{name: "verify", api: d.supervisor, field: "caseStartVerification", in: map[string]any{"caseId": id}, state: "VERIFYING", event: "VERIFICATION_STARTED"},
				{name: "conclude", api: d.supervisor, field: "caseConclude", in: map[string]any{"caseId": id, "conclusion": "UNSUBSTANTIATED", "findings": "Không có căn cứ"}, state: "CONCLUDED", event: "CONCLUDED"},
			})
			if got := cwIncidents(t, d.supervisor)[id]; len(got) != 0 {
				t.Errorf("an unsubstantiated conclusion created incidents: %+v", got)
			}
			cwFlagged(t, d.supervisor, map[string]bool{manager2026: false, manager2025: false})
		})

		t.Run("conduct on New Year's night", func(t *testing.T) {
			// 31 December 2025 18:30 UTC is 1 January 2026 01:30 in Vietnam: conduct of 2026.
			_, _, id := d.file(t, map[string]any{"officialId": d.o.manager, "unitId": d.o.parent, "category": "NO_ABUSE_OF_POWER",
				"incidentDate": "2025-12-31T18:30:00Z"})
			for _, f := range []string{"caseAccept", "caseStartVerification"} {
				if out := cwCall(t, d.supervisor, f, map[string]any{"caseId": id}); out.got() != "" {
					t.Fatalf("%s: %s", f, out.raw)
				}
			}
			if out := cwCall(t, d.supervisor, "caseConclude", map[string]any{"caseId": id, "conclusion": "PARTLY_SUBSTANTIATED", "findings": "Có một phần"}); out.got() != "" {
				t.Fatalf("conclude: %s", out.raw)
			}
			if got := cwIncidents(t, d.supervisor)[id]; len(got) != 1 || got[0].Year != 2026 || got[0].Official.ID != d.o.manager || got[0].Category != "NO_ABUSE_OF_POWER" {
				t.Errorf("incident of the conduct of 1 January 2026 (ICT): %+v", got)
			}
			cwFlagged(t, d.supervisor, map[string]bool{manager2026: true, manager2025: false})
		})

		t.Run("reject", func(t *testing.T) {
			code, secret, id := d.file(t, nil)
			d.run(t, id, []cwStep{
				{name: "reject", api: d.supervisor, field: "caseReject", in: map[string]any{"caseId": id, "note": "Nội dung đã được giải quyết trước đây"}, state: "REJECTED", event: "REJECTED"},
				{name: "accept a rejected case", api: d.supervisor, field: "caseAccept", in: map[string]any{"caseId": id}, want: "CONFLICT"},
				{name: "withdraw a rejected case", api: d.citizen, field: "caseWithdraw", in: map[string]any{"trackingCode": code, "secret": secret}, want: "CONFLICT"},
			})
			tc, _ := cwTrack(t, d.citizen, code, secret)
			i := slices.IndexFunc(tc.Timeline, func(e cwTrackedEvent) bool { return e.Kind == "REJECTED" })
			if tc.State != "REJECTED" || len(tc.Timeline) != 2 || i < 0 || tc.Timeline[i].Note != "Nội dung đã được giải quyết trước đây" || tc.Overdue {
				t.Errorf("the citizen's view of the rejection: %+v", tc)
			}
		})

		t.Run("withdraw", func(t *testing.T) {
			code, secret, id := d.file(t, nil)
			d.run(t, id, []cwStep{
				{name: "accept", api: d.supervisor, field: "caseAccept", in: map[string]any{"caseId": id}, state: "ACCEPTED", event: "ACCEPTED"},
				{name: "withdraw", api: d.citizen, field: "caseWithdraw", in: map[string]any{"trackingCode": code, "secret": secret, "reason": "Đã được giải quyết"}, state: "WITHDRAWN", event: "WITHDRAWN"},
				{name: "verify a withdrawn case", api: d.supervisor, field: "caseStartVerification", in: map[string]any{"caseId": id}, want: "CONFLICT"},
				{name: "withdraw twice", api: d.citizen, field: "caseWithdraw", in: map[string]any{"trackingCode": code, "secret": secret}, want: "CONFLICT"},
			})
			if c := cwRead(t, d.supervisor, id); c.Overdue || c.event("WITHDRAWN") == nil || c.event("WITHDRAWN").ActorKind != "CITIZEN" ||
				c.event("WITHDRAWN").Note != "Đã được giải quyết" {
				t.Errorf("withdrawn case: %+v", c)
			}
		})

		t.Run("transfer", func(t *testing.T) {
			code, secret, id := d.file(t, map[string]any{"channel": "FEEDBACK"})
			tr := func(unitID string) map[string]any {
				return map[string]any{"caseId": id, "unitId": unitID, "note": "Chuyển đơn vị có thẩm quyền"}
			}
			d.run(t, id, []cwStep{
				{name: "to the same unit", api: d.supervisor, field: "caseTransfer", in: tr(d.o.child), want: "BAD_USER_INPUT", wantField: "unitId"},
				{name: "to no unit", api: d.supervisor, field: "caseTransfer", in: tr("unt_01jw0000000000000000000000"), want: "BAD_USER_INPUT", wantField: "unitId"},
				{name: "the outsider transfers", api: d.outsider, field: "caseTransfer", in: tr(d.farUnit), want: "NOT_FOUND", wantField: "caseId"},
				{name: "transfer", api: d.supervisor, field: "caseTransfer", in: tr(d.o.other), state: "TRANSFERRED", event: "TRANSFERRED",
					check: func(t *testing.T, out cwOutcome, c *cwHandled) {
						if c.TransferredTo == nil || c.TransferredTo.ID != d.o.other {
							t.Errorf("transferredTo %+v, want %s", c.TransferredTo, d.o.other)
						}
						// Case.unit: "The unit the case is about (or in charge of it after a transfer)."
						if c.Unit.ID != d.o.other {
							t.Errorf("Case.unit after the transfer is %s, want the unit in charge %s (schema description of Case.unit)", c.Unit.ID, d.o.other)
						}
					}},
				{name: "the first unit no longer holds it", api: d.manager, field: "caseAccept", in: map[string]any{"caseId": id}, want: "NOT_FOUND", wantField: "caseId"},
				{name: "the unit in charge accepts it", api: d.o.outsiderAPI, field: "caseAccept", in: map[string]any{"caseId": id}, state: "ACCEPTED", event: "ACCEPTED"},
			})
			// The unit in charge sees the case now (its manager holds it in scope).
			if c := cwRead(t, d.o.outsiderAPI, id); c == nil {
				t.Errorf("the manager of the unit in charge cannot see the transferred case")
			}
			if tc, _ := cwTrack(t, d.citizen, code, secret); tc.State != "ACCEPTED" || !slices.Contains(tc.kinds(), "TRANSFERRED") {
				t.Errorf("the citizen's view of the transfer: %+v", tc)
			}
		})

		t.Run("duplicate", func(t *testing.T) {
			_, _, first := d.file(t, map[string]any{"category": "NO_ARROGANCE"})
			_, _, second := d.file(t, map[string]any{"category": "NO_ARROGANCE", "description": "Lại bị hách dịch khi nộp hồ sơ tại bộ phận một cửa."})
			_, _, unrelated := d.file(t, map[string]any{"category": "NO_FLATTERY"})
			var out struct {
				Node struct {
					LikelyDuplicates struct {
						TotalCount int
						Edges      []struct{ Node struct{ ID string } }
					}
				}
			}
			d.supervisor.Query(t, `query($id: ID!) { node(id: $id) { ... on Case { likelyDuplicates(first: 10) { totalCount edges { node { id } } } } } }`,
				map[string]any{"id": second}).Decode(t, &out)
			var ids []string
			for _, e := range out.Node.LikelyDuplicates.Edges {
				ids = append(ids, e.Node.ID)
			}
			if !slices.Contains(ids, first) || slices.Contains(ids, unrelated) || slices.Contains(ids, second) {
				t.Errorf("likely duplicates of the second case: %v (first %s, unrelated %s)", ids, first, unrelated)
			}
			dup := func(of string) map[string]any { return map[string]any{"caseId": second, "duplicateOfId": of} }
			d.run(t, second, []cwStep{
				{name: "of itself", api: d.supervisor, field: "caseMarkDuplicate", in: dup(second), want: "BAD_USER_INPUT", wantField: "duplicateOfId"},
				{name: "the outsider marks", api: d.outsider, field: "caseMarkDuplicate", in: dup(first), want: "NOT_FOUND", wantField: "caseId"},
				{name: "mark", api: d.supervisor, field: "caseMarkDuplicate", in: dup(first), state: "DUPLICATE", event: "MARKED_DUPLICATE",
					check: func(t *testing.T, out cwOutcome, c *cwHandled) {
						if c.DuplicateOf == nil || c.DuplicateOf.ID != first {
							t.Errorf("duplicateOf %+v, want %s", c.DuplicateOf, first)
						}
					}},
				{name: "mark twice", api: d.supervisor, field: "caseMarkDuplicate", in: dup(first), want: "CONFLICT"},
			})
			d.run(t, first, []cwStep{
				{name: "the original as a duplicate of its duplicate", api: d.supervisor, field: "caseMarkDuplicate",
					in: map[string]any{"caseId": first, "duplicateOfId": second}, want: "BAD_USER_INPUT", wantField: "duplicateOfId"},
			})
		})

		// The outsider sees nothing of all this.
		if c := cwRead(t, d.outsider, id); c != nil {
			t.Errorf("the outsider reads the case: %+v", c)
		}
		var list struct{ Cases struct{ TotalCount int } }
		d.outsider.Query(t, `{ cases { totalCount } }`, nil).Decode(t, &list)
		if list.Cases.TotalCount != 0 {
			t.Errorf("the outsider counts %d cases", list.Cases.TotalCount)
		}
	})
}

type cwIncident struct {
	Year             int
	Category, Source string
	Official         struct{ ID string }
	Case             *struct{ ID string }
}

// cwIncidents returns the incidents api sees, by case id.
func cwIncidents(t testing.TB, api *testutil.API) map[string][]cwIncident {
	t.Helper()
	var out struct {
		Incidents struct {
			Edges []struct{ Node cwIncident }
		}
	}
	api.Query(t, `{ incidents(first: 100) { edges { node { year category source official { id } case { id } } } } }`, nil).Decode(t, &out)
	m := map[string][]cwIncident{}
	for _, e := range out.Incidents.Edges {
		if e.Node.Case != nil {
			m[e.Node.Case.ID] = append(m[e.Node.Case.ID], e.Node)
		}
	}
	return m
}

// cwFlagged checks the commendations' flags as api reads them.
func cwFlagged(t testing.TB, api *testutil.API, want map[string]bool) {
	t.Helper()
	for id, flagged := range want {
		var out struct {
			Node *struct {
				Year    int
				Flagged bool
			}
		}
		api.Query(t, `query($id: ID!) { node(id: $id) { ... on Commendation { year flagged } } }`, map[string]any{"id": id}).Decode(t, &out)
		if out.Node == nil || out.Node.Flagged != flagged {
			t.Errorf("commendation %s: %+v, want flagged %v", id, out.Node, flagged)
		}
	}
}

// TestCaseConcurrentAccept has two staff members accept the same case at once, ten times in all:
// one acceptance, nine conflicts, one ACCEPTED event.
func TestCaseConcurrentAccept(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		d := newCWDesk(t, dia, nil)
		for round := range 3 {
			_, _, id := d.file(t, nil)
			body, _ := json.Marshal(map[string]any{
				"query":     `mutation($in: CaseActionInput!) { caseAccept(input: $in) { case { state } userErrors { code } } }`,
				"variables": map[string]any{"in": map[string]any{"caseId": id}},
			})
			tokens := []string{d.supervisor.Token(), d.manager.Token()}
			const attempts = 10
			raws := make([]string, attempts)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range attempts {
				wg.Add(1)
				go func() {
					defer wg.Done()
					req := httptest.NewRequest(http.MethodPost, "/query", bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "Bearer "+tokens[i%2])
					rec := httptest.NewRecorder()
					<-start
					d.citizen.Handler.ServeHTTP(rec, req)
					raws[i] = rec.Body.String()
				}()
			}
			close(start)
			wg.Wait()
			wins, conflicts := 0, 0
			for i, raw := range raws {
				var out struct {
					Data struct {
						CaseAccept *struct {
							Case       *struct{ State string }
							UserErrors []struct{ Code string }
						}
					}
				}
				if err := json.Unmarshal([]byte(raw), &out); err != nil || out.Data.CaseAccept == nil {
					t.Errorf("round %d, attempt %d: %s", round, i, raw)
					continue
				}
				switch p := out.Data.CaseAccept; {
				case p.Case != nil && p.Case.State == "ACCEPTED" && len(p.UserErrors) == 0:
					wins++
				case p.Case == nil && len(p.UserErrors) == 1 && p.UserErrors[0].Code == "CONFLICT":
					conflicts++
				default:
					t.Errorf("round %d, attempt %d: %s", round, i, raw)
				}
			}
			accepted := d.o.db.Client.CaseEvent.Query().Where(caseevent.HasCaseWith(citizencase.ID(id)), caseevent.KindEQ(caseevent.KindACCEPTED)).
				CountX(authz.System(context.Background(), authz.SysTestFixture))
			if wins != 1 || conflicts != attempts-1 || accepted != 1 {
				t.Errorf("round %d: %d acceptances, %d conflicts, %d ACCEPTED events; want 1, %d, 1", round, wins, conflicts, accepted, attempts-1)
			}
		}
	})
}

// cwPNG is a small PNG whose tEXt chunk (before IEND, with its CRC) says where it was taken.
func cwPNG(t testing.TB, shade uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 6, 4))
	for x := range 6 {
		for y := range 4 {
			img.Set(x, y, color.RGBA{shade, uint8(40 * x), uint8(60 * y), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	iend := len(b) - 12 // length, "IEND", CRC
	if string(b[iend+4:iend+8]) != "IEND" {
		t.Fatal("no IEND at the end")
	}
	data := []byte("Comment\x00GPS 10.76,106.66")
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	chunk = append(chunk, "tEXt"...)
	chunk = append(chunk, data...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	out := append(append(append([]byte{}, b[:iend]...), chunk...), b[iend:]...)
	if _, err := png.Decode(bytes.NewReader(out)); err != nil {
		t.Fatalf("the test PNG does not decode: %v", err)
	}
	return out
}

type cwUpload struct {
	UploadID, UploadPath *string
	ExpiresAt            *time.Time
	UserErrors           []cwUserError
}

func cwDeclare(t testing.TB, api *testutil.API, contentType string, size int, sum string) cwUpload {
	t.Helper()
	var out struct{ EvidenceUploadCreate cwUpload }
	api.Query(t, `mutation($in: EvidenceUploadCreateInput!) { evidenceUploadCreate(input: $in) { uploadId uploadPath expiresAt userErrors { field code message } } }`,
		map[string]any{"in": map[string]any{"contentType": contentType, "size": size, "sha256": sum}}).Decode(t, &out)
	return out.EvidenceUploadCreate
}

func cwPut(t testing.TB, api *testutil.API, path string, body []byte) (int, map[string]any) {
	t.Helper()
	rec := httptest.NewRecorder()
	api.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodPut, path, bytes.NewReader(body)))
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("PUT %s: %d, not JSON: %s", path, rec.Code, rec.Body)
	}
	return rec.Code, out
}

func TestCaseEvidence(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		d := newCWDesk(t, dia, nil)
		file := cwPNG(t, 200)
		if !bytes.Contains(file, []byte("GPS 10.76,106.66")) {
			t.Fatal("the location is not in the file")
		}
		sum := sha256.Sum256(file)
		up := cwDeclare(t, d.citizen, "image/png", len(file), hex.EncodeToString(sum[:]))
		if len(up.UserErrors) > 0 || up.UploadID == nil || up.UploadPath == nil || !strings.HasPrefix(*up.UploadPath, "/uploads/") ||
			up.ExpiresAt == nil || !up.ExpiresAt.Equal(cwDay.Add(30*time.Minute)) {
			t.Fatalf("declare: %+v", up)
		}
		status, body := cwPut(t, d.citizen, *up.UploadPath, file)
		stored, _ := body["size"].(float64)
		if status != http.StatusOK || body["status"] != "RECEIVED" || body["uploadId"] != nil || stored <= 0 || int(stored) >= len(file) {
			t.Fatalf("PUT: %d %v (sent %d bytes)", status, body, len(file))
		}
		if status, body := cwPut(t, d.citizen, *up.UploadPath, file); status != http.StatusNotFound {
			t.Errorf("second PUT: %d %v", status, body)
		}
		// Kept without the location, still an image.
		blobs := storedFiles(t, d.blobs)
		if len(blobs) != 1 || bytes.Contains(blobs[0], []byte("GPS")) || len(blobs[0]) != int(stored) {
			t.Errorf("stored files: %d, the first of %d bytes (GPS in it: %v)", len(blobs), len(blobs[0]), bytes.Contains(blobs[0], []byte("GPS")))
		} else if _, err := png.Decode(bytes.NewReader(blobs[0])); err != nil {
			t.Errorf("the stored file does not decode: %v", err)
		}

		// Refusals: a wrong hash, a type not accepted, a size too large, an expired path.
		other := cwPNG(t, 10)
		wrong := sha256.Sum256(other)
		bad := cwDeclare(t, d.citizen, "image/png", len(file), hex.EncodeToString(wrong[:]))
		if status, body := cwPut(t, d.citizen, *bad.UploadPath, file); status != http.StatusBadRequest || !strings.Contains(fmt.Sprint(body), "BAD_USER_INPUT") ||
			!strings.Contains(fmt.Sprint(body), "sha256") {
			t.Errorf("PUT with a wrong hash: %d %v", status, body)
		}
		for _, tt := range []struct {
			name, contentType string
			size              int
			field             string
		}{{"gif", "image/gif", 100, "contentType"}, {"html", "text/html", 100, "contentType"}, {"too large", "image/png", 20<<20 + 1, "size"}, {"empty", "image/png", 0, "size"}} {
			r := cwDeclare(t, d.citizen, tt.contentType, tt.size, hex.EncodeToString(sum[:]))
			if r.UploadID != nil || len(r.UserErrors) != 1 || strings.Join(r.UserErrors[0].Field, ".") != tt.field {
				t.Errorf("declare %s: %+v", tt.name, r)
			}
		}
		late := cwDeclare(t, d.citizen, "image/png", len(other), hex.EncodeToString(wrong[:]))
		*d.o.now = cwDay.Add(31 * time.Minute)
		if status, body := cwPut(t, d.citizen, *late.UploadPath, other); status != http.StatusNotFound {
			t.Errorf("PUT after 30 minutes: %d %v", status, body)
		}

		// Submitted with the case, seen in the tracked view.
		pending := cwDeclare(t, d.citizen, "image/png", len(other), hex.EncodeToString(wrong[:]))
		before := d.cases()
		r := cwSubmit(t, d.citizen, d.input(map[string]any{"uploadIds": []string{*pending.UploadID}}))
		if len(r.UserErrors) != 1 || strings.Join(r.UserErrors[0].Field, ".") != "uploadIds.0" || r.TrackingCode != nil {
			t.Errorf("submission with an upload never sent: %+v", r)
		}
		in := d.input(map[string]any{"uploadIds": []string{*up.UploadID}})
		r = cwSubmit(t, d.citizen, in)
		if !r.ok() || len(r.TrackedCase.Evidence) != 1 || r.TrackedCase.Evidence[0].ContentType != "image/png" || r.TrackedCase.Evidence[0].Size != int(stored) {
			t.Fatalf("submission with the upload: %+v", r)
		}
		code, secret := *r.TrackingCode, *r.Secret
		if tc, _ := cwTrack(t, d.citizen, code, secret); len(tc.Evidence) != 1 {
			t.Errorf("tracked evidence: %+v", tc.Evidence)
		}
		again := cwSubmit(t, d.citizen, d.input(map[string]any{"uploadIds": []string{*up.UploadID}}))
		if again.code != "" || len(again.UserErrors) != 1 || again.UserErrors[0].Code != "BAD_USER_INPUT" ||
			strings.Join(again.UserErrors[0].Field, ".") != "uploadIds.0" || again.TrackingCode != nil {
			t.Errorf("the upload used again: %+v", again)
		}
		if n := d.cases() - before; n != 1 {
			t.Errorf("%d cases stored, want 1 (refused submissions leave none)", n)
		}
		if n := d.o.db.Client.CaseEvent.Query().CountX(authz.System(context.Background(), authz.SysTestFixture)); n != 1 {
			t.Errorf("%d case events, want 1", n)
		}

		// Another file by tracking code.
		third := cwPNG(t, 90)
		s3 := sha256.Sum256(third)
		up3 := cwDeclare(t, d.citizen, "image/png", len(third), hex.EncodeToString(s3[:]))
		if status, body := cwPut(t, d.citizen, *up3.UploadPath, third); status != http.StatusOK {
			t.Fatalf("PUT: %d %v", status, body)
		}
		if out := cwCall(t, d.citizen, "caseEvidenceAdd", map[string]any{"trackingCode": code, "secret": "AAAAAAAAAAAAAAAAAAAAAAAAAA", "uploadId": *up3.UploadID}); out.got() == "" {
			t.Errorf("evidence added with a wrong secret: %s", out.raw)
		}
		add := cwCall(t, d.citizen, "caseEvidenceAdd", map[string]any{"trackingCode": code, "secret": secret, "uploadId": *up3.UploadID})
		if add.got() != "" || add.TrackedCase == nil || len(add.TrackedCase.Evidence) != 2 || !slices.Contains(add.TrackedCase.kinds(), "EVIDENCE_ADDED") {
			t.Errorf("caseEvidenceAdd: %s", add.raw)
		}
		if out := cwCall(t, d.citizen, "caseEvidenceAdd", map[string]any{"trackingCode": code, "secret": secret, "uploadId": *up3.UploadID}); out.got() != "BAD_USER_INPUT" {
			t.Errorf("the same upload added twice: %s", out.raw)
		}
		var staff struct {
			Node struct {
				Evidence []struct{ ContentType string }
			}
		}
		d.supervisor.Query(t, `query($id: ID!) { node(id: $id) { ... on Case { evidence { contentType } } } }`,
			map[string]any{"id": d.caseID(t, code)}).Decode(t, &staff)
		if len(staff.Node.Evidence) != 2 {
			t.Errorf("the supervisor sees %d files", len(staff.Node.Evidence))
		}
	})
}

// TestCaseReporterPrivacy: the reporter's identity reaches the assigned inspector and an
// administrator who gives a reason, and no other response.
func TestCaseReporterPrivacy(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		d := newCWDesk(t, dia, nil)
		reporter := map[string]any{"name": "Hoàng Thị Kín Đáo", "phone": "0987650123", "nationalId": "079301004567", "address": "Số 9 hẻm Bí Mật"}
		secrets := []string{"Hoàng Thị Kín Đáo", "0987650123", "079301004567", "hẻm Bí Mật"}
		watched := testutil.NewAPIAt(t, d.o.db, testutil.Config(t, d.env), func() time.Time { return *d.o.now })
		// Only the reads of the assigned inspector and of the administrator with a reason (aliased
		// so) may carry the identity.
		watched.WatchLeaks(t, secrets, func(b []byte) bool {
			return bytes.HasPrefix(b, []byte(`{"data":{"assignedRead":`)) || bytes.HasPrefix(b, []byte(`{"data":{"auditedRead":`))
		})
		as := func(api *testutil.API) *testutil.API { return watched.As(api.Token()) }
		citizen, supervisor, manager, clerk := watched, as(d.supervisor), as(d.manager), as(d.clerk)
		inspector, inspector2, outsider, admin := as(d.inspector), as(d.inspector2), as(d.outsider), as(d.admin)

		r := cwSubmit(t, citizen, d.input(map[string]any{"reporter": reporter}))
		if !r.ok() {
			t.Fatalf("submit: %+v", r)
		}
		code, secret, id := *r.TrackingCode, *r.Secret, d.caseID(t, *r.TrackingCode)
		anon := cwSubmit(t, citizen, d.input(map[string]any{"reporter": nil, "channel": "FEEDBACK"}))
		anonID := d.caseID(t, *anon.TrackingCode)
		for _, c := range []string{id, anonID} {
			if out := cwCall(t, supervisor, "caseAssign", map[string]any{"caseId": c, "inspectorId": d.inspectorID}); out.got() != "" {
				t.Fatalf("assign: %s", out.raw)
			}
		}
		cwCall(t, supervisor, "caseAccept", map[string]any{"caseId": id})
		cwCall(t, citizen, "caseMessageSend", map[string]any{"trackingCode": code, "secret": secret, "body": "Tôi có thêm chứng cứ."})

		read := func(api *testutil.API, alias, caseID string, reason any) *testutil.Response {
			return api.Query(t, `query($id: ID!, $r: String) { `+alias+`: caseReporter(caseId: $id, reason: $r) { name phone nationalId address } }`,
				map[string]any{"id": caseID, "r": reason})
		}
		var who struct {
			AssignedRead *struct{ Name, Phone, NationalID, Address string }
		}
		read(inspector, "assignedRead", id, nil).Decode(t, &who)
		if who.AssignedRead == nil || who.AssignedRead.Name != reporter["name"] || who.AssignedRead.NationalID != reporter["nationalId"] ||
			who.AssignedRead.Phone != reporter["phone"] || who.AssignedRead.Address != reporter["address"] {
			t.Errorf("the assigned inspector reads %+v", who.AssignedRead)
		}
		for _, tt := range []struct {
			name   string
			api    *testutil.API
			reason any
			want   string
		}{
			{"the supervisor", supervisor, "Cần xác minh", "FORBIDDEN"},
			{"the unit manager", manager, nil, "FORBIDDEN"},
			{"the official concerned (the case is not verified yet: hidden from them)", clerk, nil, "NOT_FOUND"},
			{"another inspector", inspector2, nil, "FORBIDDEN"},
			{"the outsider", outsider, nil, "NOT_FOUND"},
			{"a citizen", citizen, nil, "UNAUTHENTICATED"},
			{"the administrator without a reason", admin, "  ", "BAD_USER_INPUT"},
		} {
			r := read(tt.api, "refusedRead", id, tt.reason)
			if r.Code() != tt.want || !bytes.Contains(r.Raw, []byte(`"refusedRead":null`)) {
				t.Errorf("%s: %s, want %s", tt.name, r.Raw, tt.want)
			}
		}
		var audited struct {
			AuditedRead *struct{ Name string }
		}
		read(admin, "auditedRead", id, "Giải quyết khiếu nại về việc xử lý đơn").Decode(t, &audited)
		if audited.AuditedRead == nil || audited.AuditedRead.Name != reporter["name"] {
			t.Errorf("the administrator with a reason reads %+v", audited.AuditedRead)
		}
		var anonRead struct{ AssignedRead *struct{ Name *string } }
		rr := read(inspector, "assignedRead", anonID, nil)
		rr.Decode(t, &anonRead)
		if anonRead.AssignedRead != nil {
			t.Errorf("an anonymous case's reporter: %s", rr.Raw)
		}
		var log struct {
			AuditEvents struct {
				TotalCount int
				Edges      []struct{ Node struct{ Reason *string } }
			}
		}
		admin.Query(t, `query($id: String!) { auditEvents(where: {action: "caseReporterRead", objectID: $id}) { totalCount edges { node { reason } } } }`,
			map[string]any{"id": id}).Decode(t, &log)
		if log.AuditEvents.TotalCount != 2 {
			t.Errorf("%d audited reads of the identity, want 2 (the inspector's and the administrator's)", log.AuditEvents.TotalCount)
		}

		// Everything else anyone reads about the case: no identity (checked by the watcher).
		q := `query($id: ID!) { node(id: $id) { ... on Case { ` + cwHandledFields + ` description place anonymous
			messages(first: 20) { edges { node { direction body } } } evidence { contentType } official { fullName } } } }`
		for _, who := range []struct {
			name    string
			api     *testutil.API
			visible bool
		}{{"supervisor", supervisor, true}, {"manager", manager, true}, {"official (not before verification)", clerk, false}, {"inspector", inspector, true},
			{"other inspector", inspector2, true}, {"outsider", outsider, false}, {"admin", admin, true}} {
			r := who.api.Query(t, q, map[string]any{"id": id})
			if visible := !bytes.Contains(r.Raw, []byte(`"node":null`)); visible != who.visible {
				t.Errorf("%s reads the case: %s", who.name, r.Raw)
			} else if visible && len(r.Errors) > 0 {
				t.Errorf("%s: %s", who.name, r.Raw)
			}
			// The official concerned sees the public timeline, not the messages (README).
			if who.api == clerk && (bytes.Contains(r.Raw, []byte("thêm chứng cứ")) || bytes.Contains(r.Raw, []byte(`"ASSIGNED"`))) {
				t.Errorf("the official concerned reads the messages or internal events: %s", r.Raw)
			}
		}
		supervisor.Query(t, `{ cases(first: 50) { totalCount edges { node { id description anonymous } } } }`, nil)
		clerk.Query(t, `{ viewer { official { cases(first: 10) { edges { node { id description events(first: 20) { edges { node { kind note } } } } } } } } }`, nil)
		admin.Query(t, `{ auditEvents(first: 100) { edges { node { action summary reason objectID } } } }`, nil)
		cwTrack(t, citizen, code, secret)
		for _, f := range []string{"caseStartVerification", "caseConclude", "caseClose"} {
			cwCall(t, inspector, f, map[string]any{"caseId": id, "conclusion": "UNSUBSTANTIATED", "findings": "Không có căn cứ"})
		}
		cwCall(t, citizen, "caseRate", map[string]any{"trackingCode": code, "secret": secret, "rating": 3})
		// Nor in the logs.
		for _, logs := range []string{watched.Logs.String(), d.citizen.Logs.String()} {
			for _, s := range secrets {
				if strings.Contains(logs, s) {
					t.Errorf("the logs hold %q", s)
				}
			}
		}
	})
}
