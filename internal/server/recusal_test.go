package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent/citizencase"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/testutil"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

// The person concerned and recusal (DESIGN.md §5), through the HTTP handler on both databases: for
// every role, an account linked to the official a case is about (the person concerned) and a
// colleague of the same role and scope who is not (the control), on every path to the case, at
// every stage of the case (hidden before verification, visible after, withdrawn with a reason).

// rcMark starts every piece of citizen text and identity in these cases; rcMarkOf(n) is case n's
// own: no response to the person concerned may contain the mark of a case about them.
const rcMark = "RCMARK"

func rcMarkOf(n int) string { return fmt.Sprintf("%s%dX-", rcMark, n) }

// rcRole is one role of the matrix.
type rcRole struct {
	name  string
	role  authz.Role
	scope func(w *testutil.World) authz.Scope
	staff bool
}

var rcRoles = []rcRole{
	{"unitManager", authz.RoleUnitManager, func(w *testutil.World) authz.Scope { return authz.Scope{Kind: authz.ScopeUnit, ID: w.A.ParentUnit} }, true},
	{"supervisor", authz.RoleSupervisor, func(w *testutil.World) authz.Scope { return authz.Scope{Kind: authz.ScopeDistrict, ID: w.A.District} }, true},
	{"inspector", authz.RoleInspector, func(w *testutil.World) authz.Scope { return authz.Scope{Kind: authz.ScopeProvince, ID: w.A.Province} }, true},
	{"admin", authz.RoleAdmin, func(*testutil.World) authz.Scope { return authz.Scope{Kind: authz.ScopeNation} }, true},
	{"official", authz.RoleOfficial, func(w *testutil.World) authz.Scope { return authz.Scope{Kind: authz.ScopeUnit, ID: w.A.ParentUnit} }, false},
}

// rcStages are the stages a case about each person concerned is in.
var rcStages = []string{"before verification", "under verification", "withdrawn after verification"}

// rcCase is one case of the matrix.
type rcCase struct {
	id, code, secret, evidence string
	stage                      string
	visible                    bool // to the person concerned
	n                          int
}

type rcWorld struct {
	f        *liveFixture
	sup      *testutil.API // the province supervisor of A: handles every case (no linked official)
	officer  map[string]string
	concern  map[string]*testutil.API // role -> the account linked to the official of its cases
	control  map[string]*testutil.API // role -> a colleague of the same role and scope
	accounts map[string]string        // "role/who" -> account id
	cases    map[string][]*rcCase     // role -> cases about its official, one per stage
	other    string                   // a case of the unit about nobody
	n        int
	checks   int
	year     int
}

func (w *rcWorld) check(t *testing.T, name string, f func(t *testing.T)) {
	t.Helper()
	w.checks++
	t.Run(name, f)
}

// gql runs a query and fails on transport errors; GraphQL errors are the caller's.
func rcData(t *testing.T, api *testutil.API, q string, vars map[string]any, into any) *testutil.Response {
	t.Helper()
	r := api.Query(t, q, vars)
	if into != nil && len(r.Data) > 0 && string(r.Data) != "null" {
		if err := json.Unmarshal(r.Data, into); err != nil {
			t.Fatalf("decode %s: %v", r.Raw, err)
		}
	}
	return r
}

func (w *rcWorld) mutate(t *testing.T, api *testutil.API, field, typ string, in map[string]any) (code string, raw []byte) {
	t.Helper()
	r := api.Query(t, fmt.Sprintf(`mutation($in: %s!) { %s(input: $in) { case { id state } userErrors { field code message } } }`, typ, field),
		map[string]any{"in": in})
	if len(r.Errors) > 0 {
		return r.Code(), r.Raw
	}
	var out map[string]struct {
		Case       *struct{ ID, State string }
		UserErrors []struct{ Code string }
	}
	if err := json.Unmarshal(r.Data, &out); err != nil {
		t.Fatalf("decode %s: %v", r.Raw, err)
	}
	if p := out[field]; len(p.UserErrors) > 0 {
		return p.UserErrors[0].Code, r.Raw
	}
	return "", r.Raw
}

// file submits a denunciation about off with evidence, and brings it to its stage.
func (w *rcWorld) file(t *testing.T, off, stage string, inspector string) *rcCase {
	t.Helper()
	w.n++
	n := w.n
	api := w.f.api
	png := cwPNG(t, uint8(n))
	sum := sha256.Sum256(png)
	up := cwDeclare(t, api, "image/png", len(png), hex.EncodeToString(sum[:]))
	if up.UploadPath == nil {
		t.Fatalf("upload: %+v", up)
	}
	if code, out := cwPut(t, api, *up.UploadPath, png); code != http.StatusOK {
		t.Fatalf("PUT: %d %v", code, out)
	}
	in := map[string]any{"channel": "DENUNCIATION", "unitId": w.f.w.A.ParentUnit, "category": "NO_CORRUPTION",
		"description":  rcMarkOf(n) + "DESC: cán bộ đòi tiền khi nhận hồ sơ.",
		"place":        rcMarkOf(n) + "PLACE",
		"incidentDate": time.Now().Add(-48 * time.Hour).Format(time.RFC3339),
		"reporter":     map[string]any{"name": rcMarkOf(n) + "NAME", "phone": "0901234567"},
		"uploadIds":    []string{*up.UploadID}, "idempotencyKey": testutil.NewKey()}
	if off != "" {
		in["officialId"] = off
	}
	r := cwSubmit(t, api, in)
	if !r.ok() {
		t.Fatalf("submit: %s", r)
	}
	c := &rcCase{code: *r.TrackingCode, secret: *r.Secret, stage: stage, n: n}
	c.id = w.f.db.Client.CitizenCase.Query().Where(citizencase.TrackingCode(c.code)).OnlyIDX(authz.System(context.Background(), authz.SysTestFixture))
	var ev struct {
		Node struct{ Evidence []struct{ ID string } }
	}
	rcData(t, w.sup, `query($id: ID!) { node(id: $id) { ... on Case { evidence { id } } } }`, map[string]any{"id": c.id}, &ev)
	if len(ev.Node.Evidence) != 1 {
		t.Fatalf("evidence of the case: %+v", ev)
	}
	c.evidence = ev.Node.Evidence[0].ID
	step := func(field, typ string, in map[string]any) {
		t.Helper()
		in["caseId"] = c.id
		if code, raw := w.mutate(t, w.sup, field, typ, in); code != "" {
			t.Fatalf("%s: %s", field, raw)
		}
	}
	step("caseAssign", "CaseAssignInput", map[string]any{"inspectorId": inspector})
	step("caseAccept", "CaseActionInput", map[string]any{"note": fmt.Sprintf("Thụ lý số %d", n)})
	if stage == rcStages[0] {
		return c
	}
	step("caseStartVerification", "CaseStartVerificationInput", map[string]any{"note": "Giao tổ xác minh",
		"subjectNotice": "Đề nghị đồng chí giải trình việc tiếp nhận hồ sơ tại bộ phận một cửa."})
	c.visible = true
	cwCall(t, api, "caseMessageSend", map[string]any{"trackingCode": c.code, "secret": c.secret,
		"body": rcMarkOf(n) + "MSG: tôi bổ sung thông tin."})
	step("caseMessageReply", "CaseMessageReplyInput", map[string]any{"body": "Đã nhận thông tin bổ sung."})
	if stage == rcStages[2] {
		if out := cwCall(t, api, "caseWithdraw", map[string]any{"trackingCode": c.code, "secret": c.secret,
			"reason": rcMarkOf(n) + "WD: tôi không muốn tiếp tục."}); out.got() != "" {
			t.Fatalf("withdraw: %s", out.raw)
		}
	}
	return c
}

func TestRecusalMatrix(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		start := time.Now()
		f := newLiveFixture(t, dia)
		ctx := authz.System(context.Background(), authz.SysTestFixture)
		db := f.db.Client
		w := &rcWorld{f: f, sup: f.supA, officer: map[string]string{}, concern: map[string]*testutil.API{},
			control: map[string]*testutil.API{}, accounts: map[string]string{}, cases: map[string][]*rcCase{},
			year: time.Now().In(workdays.Vietnam).Year()}
		parent := db.Unit.Query().Where(unit.ID(f.w.A.ParentUnit)).OnlyX(ctx)
		seq := 0
		mkOfficial := func(name string) string {
			seq++
			return db.Official.Create().SetFullName(name).SetCategory(official.CategoryCONG_CHUC).
				SetEmployeeCode(fmt.Sprintf("RC-%d", seq)).SetActiveFrom(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)).
				SetUnit(parent).SaveX(ctx).ID
		}
		for range 10 { // the unit's figures are not suppressed for its officials (10 or more)
			mkOfficial("Cán bộ " + randomHex(t)[:6])
		}
		login := func(role authz.Role, scope authz.Scope, off string) (*testutil.API, string) {
			api := f.api.SignedIn(t, f.db, role, scope, off)
			return api, cwAccountID(t, api)
		}
		for _, r := range rcRoles {
			w.officer[r.name] = mkOfficial("Người bị tố cáo " + r.name)
			var id string
			w.concern[r.name], id = login(r.role, r.scope(f.w), w.officer[r.name])
			w.accounts[r.name+"/concerned"] = id
			colleague := ""
			if r.role == authz.RoleOfficial || r.role == authz.RoleUnitManager {
				colleague = mkOfficial("Đồng nghiệp " + r.name)
			}
			w.control[r.name], id = login(r.role, r.scope(f.w), colleague)
			w.accounts[r.name+"/control"] = id
		}
		handler := w.accounts["inspector/control"]
		// To-do lists before any case: the cases about them must change nothing in them.
		const todoQ = `{ officialYear { todo { kind count } } unitYear { todo { kind count } } }`
		todoBefore := map[string]string{}
		for _, r := range rcRoles {
			todoBefore[r.name] = string(w.concern[r.name].Query(t, todoQ, nil).Data)
		}
		for _, r := range rcRoles {
			for _, st := range rcStages {
				w.cases[r.name] = append(w.cases[r.name], w.file(t, w.officer[r.name], st, handler))
			}
		}
		other := w.file(t, "", rcStages[1], handler)
		w.other = other.id

		// Live updates: every account subscribes to its scope's case events before the changes.
		// The case about nobody, which all of them hear, is the handshake's.
		conns := map[string]*liveConn{}
		var ops []liveOp
		for _, r := range rcRoles {
			for who, api := range map[string]*testutil.API{"concerned": w.concern[r.name], "control": w.control[r.name]} {
				if !r.staff {
					continue
				}
				c := dialLive(t, f.srv, r.name+"/"+who, api.Token())
				c.subscribe(t, "ev", liveCaseEvents, nil)
				conns[r.name+"/"+who] = c
				ops = append(ops, liveOp{c, "ev"})
			}
		}
		f.live(t, beacon{code: other.code, secret: other.secret, caseID: other.id}, ops...)

		for _, r := range rcRoles {
			for _, c := range w.cases[r.name] {
				for _, who := range []string{"concerned", "control"} {
					api := w.concern[r.name]
					if who == "control" {
						api = w.control[r.name]
					}
					concerned := who == "concerned"
					visible := r.staff // the control: staff in scope see it whole, an official never
					if concerned {
						visible = c.visible
					}
					prefix := fmt.Sprintf("%s/%s/%s/", r.name, who, strings.ReplaceAll(c.stage, " ", "_"))
					w.paths(t, prefix, r, api, c, concerned, visible)
				}
			}
		}
		w.mutations(t)
		w.live(t, conns)
		w.progress(t)
		w.export(t)
		w.review(t)
		for _, r := range rcRoles {
			w.check(t, r.name+"/concerned/todo", func(t *testing.T) {
				if got := string(w.concern[r.name].Query(t, todoQ, nil).Data); got != todoBefore[r.name] {
					t.Errorf("the to-do list changed with the cases about them: %s, before %s", got, todoBefore[r.name])
				}
			})
		}
		t.Logf("%s: recusal matrix: %d roles x 2 accounts (concerned, control) x %d stages, %d checks run in %s",
			dia, len(rcRoles), len(rcStages), w.checks, time.Since(start).Round(time.Millisecond))
		if w.checks < 400 {
			t.Errorf("only %d checks: the matrix shrank", w.checks)
		}
	})
}

// paths checks every read path of one case for one account.
func (w *rcWorld) paths(t *testing.T, prefix string, r rcRole, api *testutil.API, c *rcCase, concerned, visible bool) {
	vars := map[string]any{"id": c.id}
	noMark := func(t *testing.T, resp *testutil.Response) {
		t.Helper()
		for _, k := range w.cases[r.name] {
			if concerned && bytes.Contains(resp.Raw, []byte(rcMarkOf(k.n))) {
				t.Errorf("the person concerned reads the citizen's words or identity in a case about them: %s", resp.Raw)
			}
		}
	}
	w.check(t, prefix+"cases", func(t *testing.T) {
		var out struct {
			Cases struct {
				TotalCount int
				Edges      []struct {
					Node struct {
						ID, Description, Channel, RequestedChannel string
						Place, SubjectNotice, IncidentDate         *string
						Anonymous                                  bool
						Rating                                     *int
						DuplicateOf                                *struct{ ID string }
						Duplicates                                 []struct{ ID string }
					}
				}
			}
		}
		resp := rcData(t, api, `query($id: ID!) { cases(where: {idIn: [$id]}) { totalCount edges { node { id description channel
			requestedChannel place subjectNotice incidentDate anonymous rating duplicateOf { id } duplicates { id } } } } }`, vars, &out)
		noMark(t, resp)
		want := 0
		if visible {
			want = 1
		}
		if out.Cases.TotalCount != want || len(out.Cases.Edges) != want {
			t.Fatalf("totalCount %d, %d edges, want %d: %s", out.Cases.TotalCount, len(out.Cases.Edges), want, resp.Raw)
		}
		if want == 0 {
			return
		}
		n := out.Cases.Edges[0].Node
		if concerned {
			if n.Description != "" || n.Place != nil || n.IncidentDate != nil || n.Anonymous || n.RequestedChannel != n.Channel ||
				n.Rating != nil || n.SubjectNotice == nil || n.DuplicateOf != nil || len(n.Duplicates) != 0 {
				t.Errorf("the person concerned reads %+v", n)
			}
		} else if !strings.HasPrefix(n.Description, rcMark) || n.Place == nil || n.SubjectNotice == nil && c.visible {
			t.Errorf("the control does not read the case whole: %+v", n)
		}
	})
	w.check(t, prefix+"anonymousFilter", func(t *testing.T) {
		// Filtering on the reporter's anonymity never reaches a case about the viewer.
		var out struct{ Cases struct{ TotalCount int } }
		resp := rcData(t, api, `query($id: ID!) { cases(where: {idIn: [$id], anonymous: false}) { totalCount } }`, vars, &out)
		want := 0
		if visible && !concerned {
			want = 1
		}
		if out.Cases.TotalCount != want {
			t.Errorf("anonymous: false finds %d, want %d: %s", out.Cases.TotalCount, want, resp.Raw)
		}
	})
	w.check(t, prefix+"node", func(t *testing.T) {
		var out struct {
			Node  *struct{ ID string }
			Nodes []*struct{ ID string }
		}
		resp := rcData(t, api, `query($id: ID!) { node(id: $id) { ... on Case { id description } } nodes(ids: [$id]) { ... on Case { id place } } }`, vars, &out)
		noMark(t, resp)
		if visible && (out.Node == nil || len(out.Nodes) != 1 || out.Nodes[0] == nil || len(resp.Errors) > 0) ||
			!visible && (out.Node != nil || slices.ContainsFunc(out.Nodes, func(n *struct{ ID string }) bool { return n != nil }) || resp.Code() != "NOT_FOUND") {
			t.Errorf("node/nodes: %s, visible %v", resp.Raw, visible)
		}
	})
	w.check(t, prefix+"unit.cases", func(t *testing.T) {
		var out struct {
			Node struct {
				Cases struct {
					TotalCount int
					Edges      []struct{ Node struct{ ID string } }
				}
			}
		}
		resp := rcData(t, api, `query($u: ID!) { node(id: $u) { ... on Unit { cases(first: 100) { totalCount edges { node { id description place } } } } } }`,
			map[string]any{"u": w.f.w.A.ParentUnit}, &out)
		noMark(t, resp)
		ids := rcIDs(out.Node.Cases.Edges)
		if slices.Contains(ids, c.id) != visible || out.Node.Cases.TotalCount != len(ids) {
			t.Errorf("unit.cases: %d of %d, holds the case %v, want %v", len(ids), out.Node.Cases.TotalCount, slices.Contains(ids, c.id), visible)
		}
	})
	w.check(t, prefix+"official.cases", func(t *testing.T) {
		var out struct {
			Officials struct {
				Edges []struct {
					Node struct {
						Cases struct {
							TotalCount int
							Edges      []struct{ Node struct{ ID string } }
						}
					}
				}
			}
		}
		resp := rcData(t, api, `query($o: ID!) { officials(where: {id: $o}) { edges { node { cases(first: 100) { totalCount edges { node { id description } } } } } } }`,
			map[string]any{"o": w.officer[r.name]}, &out)
		noMark(t, resp)
		var ids []string
		total := 0
		for _, e := range out.Officials.Edges {
			ids = append(ids, rcIDs(e.Node.Cases.Edges)...)
			total += e.Node.Cases.TotalCount
		}
		if slices.Contains(ids, c.id) != visible || total != len(ids) {
			t.Errorf("official.cases: %s", resp.Raw)
		}
	})
	w.check(t, prefix+"events", func(t *testing.T) {
		var out struct {
			Node *struct {
				Events struct {
					TotalCount int
					Edges      []struct {
						Node struct{ Kind, Note, ActorKind string }
					}
				}
			}
		}
		resp := rcData(t, api, `query($id: ID!) { node(id: $id) { ... on Case { events(first: 50) { totalCount edges { node { kind note actorKind } } } } } }`, vars, &out)
		noMark(t, resp)
		if (out.Node != nil) != visible {
			t.Fatalf("events: %s", resp.Raw)
		}
		if out.Node == nil {
			return
		}
		var withdrawn *struct{ Kind, Note, ActorKind string }
		for i, e := range out.Node.Events.Edges {
			if e.Node.Kind == "WITHDRAWN" {
				withdrawn = &out.Node.Events.Edges[i].Node
			}
			if concerned && (e.Node.Note != "" || slices.Contains([]string{"MESSAGE", "EVIDENCE_ADDED", "ASSIGNED", "RATED"}, e.Node.Kind)) {
				t.Errorf("the person concerned reads the event %+v", e.Node)
			}
		}
		if c.stage == rcStages[2] {
			if withdrawn == nil || withdrawn.ActorKind != "CITIZEN" {
				t.Fatalf("no withdrawal on the timeline: %s", resp.Raw)
			}
			if !concerned && !strings.HasPrefix(withdrawn.Note, rcMarkOf(c.n)+"WD") {
				t.Errorf("staff holding the case do not read the withdrawal reason: %+v", withdrawn)
			}
		}
	})
	w.check(t, prefix+"messages", func(t *testing.T) {
		var out struct {
			Node *struct {
				Messages struct {
					TotalCount int
					Edges      []struct{ Node struct{ Body string } }
				}
			}
		}
		resp := rcData(t, api, `query($id: ID!) { node(id: $id) { ... on Case { messages(first: 50) { totalCount edges { node { body } } } } } }`, vars, &out)
		noMark(t, resp)
		want := 0
		if visible && !concerned && c.stage != rcStages[0] {
			want = 2 // the citizen's and the reply
		}
		if out.Node != nil && (out.Node.Messages.TotalCount != want || len(out.Node.Messages.Edges) != want) {
			t.Errorf("messages %d, want %d: %s", out.Node.Messages.TotalCount, want, resp.Raw)
		}
	})
	w.check(t, prefix+"evidence", func(t *testing.T) {
		var out struct {
			Node *struct{ Evidence []struct{ ID string } }
		}
		resp := rcData(t, api, `query($id: ID!) { node(id: $id) { ... on Case { evidence { id } } } }`, vars, &out)
		want := 0
		if visible && !concerned {
			want = 1
		}
		if out.Node != nil && len(out.Node.Evidence) != want {
			t.Errorf("evidence: %s, want %d", resp.Raw, want)
		}
	})
	w.check(t, prefix+"GET /evidence", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodGet, "/evidence/"+c.evidence, nil)
		req.Header.Set("Authorization", "Bearer "+api.Token())
		rec := httptest.NewRecorder()
		w.f.api.Handler.ServeHTTP(rec, req)
		want := http.StatusNotFound
		if visible && !concerned {
			want = http.StatusOK
		}
		if rec.Code != want {
			t.Errorf("GET /evidence: %d, want %d: %.200s", rec.Code, want, rec.Body)
		}
	})
	w.check(t, prefix+"caseReporter", func(t *testing.T) {
		resp := api.Query(t, `query($id: ID!) { caseReporter(caseId: $id, reason: "Kiểm tra việc giải quyết") { name } }`, vars)
		noMark(t, resp)
		if !concerned {
			return // who else may read it: TestAuthzMatrix
		}
		want := "NOT_FOUND"
		if visible {
			want = "FORBIDDEN"
		}
		if resp.Code() != want || bytes.Contains(resp.Raw, []byte(`"name"`)) {
			t.Errorf("caseReporter: %s, want %s", resp.Raw, want)
		}
	})
	w.check(t, prefix+"caseStatistics", func(t *testing.T) {
		// What is counted is exactly what the viewer can list.
		var out struct {
			CaseStatistics struct{ Received, Denunciations int }
			Cases          struct{ TotalCount int }
			Mine           struct{ TotalCount int }
		}
		from := time.Date(w.year, 1, 1, 0, 0, 0, 0, workdays.Vietnam)
		resp := rcData(t, api, `query($y: Int!, $from: Time!, $to: Time!, $id: ID!) { caseStatistics(year: $y) { received denunciations }
			cases(where: {receivedAtGTE: $from, receivedAtLT: $to}) { totalCount }
			mine: cases(where: {idIn: [$id], receivedAtGTE: $from}) { totalCount } }`,
			map[string]any{"y": w.year, "from": from, "to": from.AddDate(1, 0, 0), "id": c.id}, &out)
		if out.CaseStatistics.Received != out.Cases.TotalCount || (out.Mine.TotalCount == 1) != visible {
			t.Errorf("caseStatistics %+v, listed %d, this case counted %v (visible %v): %s", out.CaseStatistics, out.Cases.TotalCount,
				out.Mine.TotalCount == 1, visible, resp.Raw)
		}
	})
	w.check(t, prefix+"auditEvents", func(t *testing.T) {
		// The log of the case's handling: administrators' only, never the person concerned's.
		var out struct{ AuditEvents *struct{ TotalCount int } }
		resp := rcData(t, api, `query($id: String!) { auditEvents(where: {objectID: $id}) { totalCount } }`, map[string]any{"id": c.id}, &out)
		n := 0
		if out.AuditEvents != nil {
			n = out.AuditEvents.TotalCount
		}
		if want := r.role == authz.RoleAdmin && !concerned; (n > 0) != want {
			t.Errorf("auditEvents of the case: %d: %s", n, resp.Raw)
		}
	})
	w.check(t, prefix+"likelyDuplicates", func(t *testing.T) {
		// On this case (the other stages are its likely duplicates) and on the unit's case about
		// nobody (the cases about the viewer are never offered as its duplicates).
		var out struct {
			This *struct {
				LikelyDuplicates struct {
					Edges []struct{ Node struct{ ID string } }
				}
			}
			Other *struct {
				LikelyDuplicates struct {
					Edges []struct{ Node struct{ ID string } }
				}
			}
		}
		resp := rcData(t, api, `query($id: ID!, $o: ID!) { this: node(id: $id) { ... on Case { likelyDuplicates(first: 50) { edges { node { id description } } } } }
			other: node(id: $o) { ... on Case { likelyDuplicates(first: 50) { edges { node { id } } } } } }`,
			map[string]any{"id": c.id, "o": w.other}, &out)
		noMark(t, resp)
		if out.This != nil {
			n := len(out.This.LikelyDuplicates.Edges)
			if concerned && n != 0 || !concerned && n != len(rcStages)-1 {
				t.Errorf("likelyDuplicates of the case: %d: %s", n, resp.Raw)
			}
		}
		if out.Other != nil {
			for _, e := range out.Other.LikelyDuplicates.Edges {
				if concerned && slices.ContainsFunc(w.cases[r.name], func(k *rcCase) bool { return k.id == e.Node.ID }) {
					t.Errorf("a case about the viewer offered as a duplicate: %s", resp.Raw)
				}
			}
		}
	})
}

func rcIDs(edges []struct{ Node struct{ ID string } }) []string {
	var ids []string
	for _, e := range edges {
		ids = append(ids, e.Node.ID)
	}
	return ids
}

// caseState is a case's state and event count as the supervisor reads them.
func (w *rcWorld) caseState(t *testing.T, id string) string {
	t.Helper()
	var out struct {
		Node struct {
			State  string
			Events struct{ TotalCount int }
		}
	}
	rcData(t, w.sup, `query($id: ID!) { node(id: $id) { ... on Case { state events { totalCount } } } }`, map[string]any{"id": id}, &out)
	return fmt.Sprintf("%s/%d", out.Node.State, out.Node.Events.TotalCount)
}

// mutations: the person concerned runs no handling action on a case about them, at any stage, and
// cannot be assigned to it; the control (staff in scope) handles it.
func (w *rcWorld) mutations(t *testing.T) {
	far := w.f.w.A.OtherUnit
	for _, r := range rcRoles {
		for _, c := range w.cases[r.name] {
			prefix := fmt.Sprintf("%s/concerned/%s/", r.name, strings.ReplaceAll(c.stage, " ", "_"))
			dup := w.cases[r.name][(slices.Index(w.cases[r.name], c)+1)%len(rcStages)].id
			for _, m := range []struct {
				field, typ string
				in         map[string]any
			}{
				{"caseAccept", "CaseActionInput", map[string]any{}},
				{"caseReject", "CaseActionInput", map[string]any{"note": "Không đủ căn cứ thụ lý."}},
				{"caseTransfer", "CaseTransferInput", map[string]any{"unitId": far, "note": "Chuyển"}},
				{"caseAssign", "CaseAssignInput", map[string]any{"inspectorId": w.accounts["inspector/control"]}},
				{"caseStartVerification", "CaseStartVerificationInput", map[string]any{"subjectNotice": "Đề nghị giải trình nội dung."}},
				{"caseExtend", "CaseExtendInput", map[string]any{"decisionNumber": "1/QĐ", "complexity": "COMPLEX"}},
				{"caseConclude", "CaseConcludeInput", map[string]any{"conclusion": "UNSUBSTANTIATED", "findings": "Không có căn cứ."}},
				{"caseClose", "CaseActionInput", map[string]any{}},
				{"caseMarkDuplicate", "CaseMarkDuplicateInput", map[string]any{"duplicateOfId": dup}},
				{"caseMessageReply", "CaseMessageReplyInput", map[string]any{"body": "Trả lời công dân."}},
			} {
				w.check(t, prefix+m.field, func(t *testing.T) {
					before := w.caseState(t, c.id)
					in := map[string]any{"caseId": c.id}
					for k, v := range m.in {
						in[k] = v
					}
					code, raw := w.mutate(t, w.concern[r.name], m.field, m.typ, in)
					want := "NOT_FOUND" // hidden from them
					if c.visible {
						want = "FORBIDDEN"
					}
					if !r.staff {
						want = "FORBIDDEN" // an official handles nothing
					}
					if code != want {
						t.Errorf("%s by the person concerned: %s, want %s", m.field, raw, want)
					}
					if after := w.caseState(t, c.id); after != before {
						t.Errorf("%s by the person concerned changed the case: %s -> %s", m.field, before, after)
					}
				})
			}
			w.check(t, prefix+"caseAssign(to them)", func(t *testing.T) {
				before := w.caseState(t, c.id)
				code, raw := w.mutate(t, w.sup, "caseAssign", "CaseAssignInput",
					map[string]any{"caseId": c.id, "inspectorId": w.accounts[r.name+"/concerned"]})
				want := "BAD_USER_INPUT" // not an inspector at all
				switch {
				case c.stage == rcStages[2]:
					want = "CONFLICT" // withdrawn: nobody is assigned any more
				case r.role == authz.RoleInspector:
					want = "FORBIDDEN"
				}
				if code != want || (want == "FORBIDDEN" && !bytes.Contains(raw, []byte(`"inspectorId"`))) {
					t.Errorf("assigning the person concerned: %s, want %s on inspectorId", raw, want)
				}
				if after := w.caseState(t, c.id); after != before {
					t.Errorf("the refused assignment changed the case: %s -> %s", before, after)
				}
			})
			cprefix := fmt.Sprintf("%s/control/%s/", r.name, strings.ReplaceAll(c.stage, " ", "_"))
			w.check(t, cprefix+"caseMessageReply", func(t *testing.T) {
				code, raw := w.mutate(t, w.control[r.name], "caseMessageReply", "CaseMessageReplyInput",
					map[string]any{"caseId": c.id, "body": "Cơ quan đã nhận và đang xử lý."})
				want := ""
				switch {
				case !r.staff:
					want = "FORBIDDEN"
				case c.stage == rcStages[2]:
					want = "CONFLICT" // withdrawn: closed to replies, for everyone
				}
				if code != want {
					t.Errorf("the control replies: %s, want %q", raw, want)
				}
			})
		}
	}
}

// live: a change of a case about the person concerned never reaches them through caseEvents; the
// control gets it, and the person concerned gets the changes of the other cases.
func (w *rcWorld) live(t *testing.T, conns map[string]*liveConn) {
	for _, r := range rcRoles {
		if !r.staff {
			continue
		}
		for _, c := range w.cases[r.name] {
			if c.stage == rcStages[2] {
				continue // withdrawn: nothing changes any more
			}
			w.check(t, fmt.Sprintf("%s/%s/caseEvents", r.name, strings.ReplaceAll(c.stage, " ", "_")), func(t *testing.T) {
				if code, raw := w.mutate(t, w.sup, "caseMessageReply", "CaseMessageReplyInput",
					map[string]any{"caseId": c.id, "body": "Cơ quan đang xác minh."}); code != "" {
					t.Fatalf("reply: %s", raw)
				}
				// Updates arrive in order: the control hears the case, then the other one; the person
				// concerned hears the other one and never the case before it.
				rcUntil(t, conns[r.name+"/control"], c.id, "")
				if code, raw := w.mutate(t, w.sup, "caseMessageReply", "CaseMessageReplyInput",
					map[string]any{"caseId": w.other, "body": "Cơ quan đang xác minh."}); code != "" {
					t.Fatalf("reply: %s", raw)
				}
				rcUntil(t, conns[r.name+"/control"], w.other, "")
				rcUntil(t, conns[r.name+"/concerned"], w.other, c.id)
			})
		}
	}
}

// rcUntil reads c's case updates until one about want, failing on one about never.
func rcUntil(t *testing.T, c *liveConn, want, never string) {
	t.Helper()
	for {
		u := c.update(t, "ev")
		if u.CaseID == nil {
			t.Fatalf("%s: an update without a case id", c.name)
		}
		if *u.CaseID == never {
			t.Errorf("%s: heard of the case about them: %+v", c.name, u)
		}
		if *u.CaseID == want {
			return
		}
	}
}

// progress: the figures the person concerned reads leave out the cases about them still hidden
// from them, by state (the stage before verification is ACCEPTED), and nothing else.
func (w *rcWorld) progress(t *testing.T) {
	read := func(t *testing.T, api *testutil.API) map[string]int {
		var out struct {
			Progress struct {
				Cases *struct {
					Received int
					ByState  []struct {
						State string
						Count int
					}
				}
			}
			ProgressSeries struct {
				Points []struct{ CasesReceived *int }
			}
		}
		resp := rcData(t, api, `query($u: ID!, $y: Int!) { progress(scope: {unitId: $u}, year: $y) { cases { received byState { state count } } }
			progressSeries(scope: {unitId: $u}, year: $y) { points { casesReceived } } }`,
			map[string]any{"u": w.f.w.A.ParentUnit, "y": w.year}, &out)
		if out.Progress.Cases == nil {
			t.Fatalf("progress: %s", resp.Raw)
		}
		got := map[string]int{"received": out.Progress.Cases.Received, "ranking": -1}
		for _, s := range out.Progress.Cases.ByState {
			got[s.State] = s.Count
		}
		for _, p := range out.ProgressSeries.Points {
			if p.CasesReceived != nil {
				got["series"] += *p.CasesReceived
			}
		}
		// The ranking of the district's units, for those who may read it.
		var rk struct {
			Ranking *struct {
				Edges []struct {
					Node struct {
						Unit      *struct{ ID string }
						Numerator *int
					}
				}
			}
		}
		rcData(t, api, `query($d: ID!, $y: Int!) { ranking(scope: {districtId: $d}, year: $y, metric: CASES_RECEIVED, first: 100) {
			edges { node { unit { id } numerator } } } }`, map[string]any{"d": w.f.w.A.District, "y": w.year}, &rk)
		if rk.Ranking != nil {
			for _, e := range rk.Ranking.Edges {
				if e.Node.Unit != nil && e.Node.Unit.ID == w.f.w.A.ParentUnit && e.Node.Numerator != nil {
					got["ranking"] = *e.Node.Numerator
				}
			}
		}
		return got
	}
	whole := read(t, w.sup)
	for _, r := range rcRoles {
		concerned, control := read(t, w.concern[r.name]), read(t, w.control[r.name])
		for _, st := range rcStages {
			w.check(t, fmt.Sprintf("%s/%s/progress", r.name, strings.ReplaceAll(st, " ", "_")), func(t *testing.T) {
				state, hidden := map[string]string{rcStages[0]: "ACCEPTED", rcStages[1]: "VERIFYING", rcStages[2]: "WITHDRAWN"}[st], 0
				if st == rcStages[0] {
					hidden = 1
				}
				if control[state] != whole[state] || concerned[state] != whole[state]-hidden {
					t.Errorf("%s: the person concerned reads %d, the control %d, the whole %d (hidden %d)", state,
						concerned[state], control[state], whole[state], hidden)
				}
				for _, k := range []string{"received", "series", "ranking"} {
					if k == "ranking" && concerned[k] == -1 && (r.role == authz.RoleOfficial || r.role == authz.RoleUnitManager) {
						continue // the district's ranking is not theirs to read
					}
					if concerned[k] != whole[k]-1 || control[k] != whole[k] {
						t.Errorf("%s: concerned %d, control %d, whole %d (one case hidden)", k, concerned[k], control[k], whole[k])
					}
				}
			})
		}
	}
}

// TestSubjectNotice: the notice to the official concerned is required (and bounded) when
// verification of feedback or a denunciation about an official starts; the case becomes theirs to
// see then, with the notice, the conclusion and the findings; praise is theirs from acceptance.
func TestSubjectNotice(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		d := newCWDesk(t, dia, nil)
		read := func(id string) *struct {
			State, Description string
			SubjectNotice      *string
			Conclusion         *string
			Events             struct {
				Edges []struct{ Node struct{ Kind, Note string } }
			}
		} {
			var out struct {
				Node *struct {
					State, Description string
					SubjectNotice      *string
					Conclusion         *string
					Events             struct {
						Edges []struct{ Node struct{ Kind, Note string } }
					}
				}
			}
			rcData(t, d.clerk, `query($id: ID!) { node(id: $id) { ... on Case { state description subjectNotice conclusion
				events(first: 50) { edges { node { kind note } } } } } }`, map[string]any{"id": id}, &out)
			return out.Node
		}
		_, _, den := d.file(t, nil)
		if out := cwCall(t, d.supervisor, "caseAccept", map[string]any{"caseId": den}); out.got() != "" {
			t.Fatalf("accept: %s", out.raw)
		}
		if c := read(den); c != nil {
			t.Errorf("the official reads the denunciation before its verification: %+v", c)
		}
		long := strings.Repeat("Giải trình. ", 500) // 6,000 characters
		for _, tt := range []struct {
			name   string
			notice any
		}{{"none", nil}, {"blank", "   "}, {"too short", "Giải trình"[:6]}, {"too long", long}} {
			out := cwCall(t, d.supervisor, "caseStartVerification", map[string]any{"caseId": den, "subjectNotice": tt.notice})
			if out.got() != "BAD_USER_INPUT" || out.field() != "subjectNotice" {
				t.Errorf("verification with a notice %s: %s, want BAD_USER_INPUT on subjectNotice", tt.name, out.raw)
			}
		}
		if c := read(den); c != nil {
			t.Errorf("a refused verification showed the case to the official: %+v", c)
		}
		notice := "Đề nghị đồng chí giải trình bằng văn bản việc tiếp nhận hồ sơ đất đai trong tháng 01/2026."
		if out := cwCall(t, d.supervisor, "caseStartVerification", map[string]any{"caseId": den, "subjectNotice": "  " + notice + " "}); out.got() != "" {
			t.Fatalf("verification: %s", out.raw)
		}
		c := read(den)
		if c == nil || c.State != "VERIFYING" || c.SubjectNotice == nil || *c.SubjectNotice != notice || c.Description != "" {
			t.Fatalf("the official reads %+v, want the case in verification with the notice and without the citizen's words", c)
		}
		findings := "Không có căn cứ xác định cán bộ nhận tiền."
		if out := cwCall(t, d.supervisor, "caseConclude", map[string]any{"caseId": den, "conclusion": "UNSUBSTANTIATED", "findings": findings}); out.got() != "" {
			t.Fatalf("conclude: %s", out.raw)
		}
		c = read(den)
		var got []string
		for _, e := range c.Events.Edges {
			if e.Node.Note != "" {
				got = append(got, e.Node.Kind+": "+e.Node.Note)
			}
		}
		if c.Conclusion == nil || *c.Conclusion != "UNSUBSTANTIATED" || !slices.Equal(got, []string{"CONCLUDED: " + findings}) {
			t.Errorf("the official reads the conclusion %v and the notes %q, want UNSUBSTANTIATED and only the findings", c.Conclusion, got)
		}

		// Praise: the official's from acceptance, no notice needed.
		pcode, psecret, praise := d.file(t, map[string]any{"channel": "PRAISE", "category": nil})
		if c := read(praise); c != nil {
			t.Errorf("the official reads the praise before its acceptance: %+v", c)
		}
		if out := cwCall(t, d.supervisor, "caseAccept", map[string]any{"caseId": praise}); out.got() != "" {
			t.Fatalf("accept the praise: %s", out.raw)
		}
		if c := read(praise); c == nil || c.State != "ACCEPTED" || c.Description != "" {
			t.Errorf("the official reads the accepted praise as %+v", c)
		}
		if out := cwCall(t, d.supervisor, "caseStartVerification", map[string]any{"caseId": praise, "subjectNotice": nil}); out.got() != "" {
			t.Errorf("verifying praise without a notice: %s", out.raw)
		}
		// Its rating is the citizen's: never the official's, not even as a mean.
		if out := cwCall(t, d.supervisor, "caseConclude", map[string]any{"caseId": praise, "findings": "Xác nhận đúng."}); out.got() != "" {
			t.Fatalf("conclude: %s", out.raw)
		}
		if out := cwCall(t, d.supervisor, "caseClose", map[string]any{"caseId": praise}); out.got() != "" {
			t.Fatalf("close: %s", out.raw)
		}
		if out := cwCall(t, d.citizen, "caseRate", map[string]any{"trackingCode": pcode, "secret": psecret, "rating": 2}); out.got() != "" {
			t.Fatalf("rate: %s", out.raw)
		}
		rating := func(api *testutil.API) (*int, *int) {
			var out struct {
				Node     *struct{ Rating *int }
				Progress struct {
					Cases *struct{ Satisfaction struct{ Rated int } }
				}
			}
			resp := rcData(t, api, `query($id: ID!, $u: ID!, $y: Int!) { node(id: $id) { ... on Case { rating } }
				progress(scope: {unitId: $u}, year: $y) { cases { satisfaction { rated } } } }`,
				map[string]any{"id": praise, "u": d.o.child, "y": cwDay.Year()}, &out)
			if out.Node == nil {
				t.Fatalf("the praise: %s", resp.Raw)
			}
			var rated *int
			if out.Progress.Cases != nil {
				rated = &out.Progress.Cases.Satisfaction.Rated
			}
			return out.Node.Rating, rated
		}
		if r, n := rating(d.supervisor); r == nil || *r != 2 || n == nil || *n != 1 {
			t.Errorf("the supervisor reads the rating %v, %v rated in the unit", r, n)
		}
		if r, n := rating(d.clerk); r != nil || n != nil && *n != 0 {
			t.Errorf("the official reads the rating %v, %v rated in the unit", r, n)
		}

		// A case about the unit alone needs no notice.
		_, _, unitOnly := d.file(t, map[string]any{"officialId": nil})
		cwCall(t, d.supervisor, "caseAccept", map[string]any{"caseId": unitOnly})
		if out := cwCall(t, d.supervisor, "caseStartVerification", map[string]any{"caseId": unitOnly, "subjectNotice": nil}); out.got() != "" {
			t.Errorf("verifying a case about no official without a notice: %s", out.raw)
		}
	})
}

// review: a closed review froze the figures of its year, hidden cases included; the person
// concerned reads it without its case figures, the control whole.
func (w *rcWorld) review(t *testing.T) {
	var closed struct {
		ReviewClose struct {
			Review     *struct{ ID string }
			UserErrors []struct{ Code, Message string }
		}
	}
	resp := rcData(t, w.sup, `mutation($u: ID!, $y: Int!, $k: String!) { reviewClose(input: {scope: {unitId: $u}, year: $y, idempotencyKey: $k}) {
		review { id } userErrors { code message } } }`, map[string]any{"u": w.f.w.A.ParentUnit, "y": w.year, "k": randomHex(t)}, &closed)
	if closed.ReviewClose.Review == nil {
		t.Fatalf("reviewClose: %s", resp.Raw)
	}
	id := closed.ReviewClose.Review.ID
	for _, r := range rcRoles {
		if !r.staff {
			continue // reviews are for staff
		}
		w.check(t, r.name+"/review", func(t *testing.T) {
			read := func(api *testutil.API) *struct{ Received int } {
				var out struct {
					Node *struct {
						Figures struct{ Cases *struct{ Received int } }
					}
				}
				resp := rcData(t, api, `query($id: ID!) { node(id: $id) { ... on Review { figures { cases { received } } } } }`,
					map[string]any{"id": id}, &out)
				if out.Node == nil {
					t.Fatalf("review: %s", resp.Raw)
				}
				return out.Node.Figures.Cases
			}
			if c := read(w.concern[r.name]); c != nil {
				t.Errorf("the person concerned reads the frozen case figures %+v", c)
			}
			if c := read(w.control[r.name]); c == nil || c.Received == 0 {
				t.Errorf("the control reads the frozen case figures %+v", c)
			}
		})
	}
}

// export: the CSV export of the unit's progress, made by each account and downloaded by its link,
// counts what progress counts for it.
func (w *rcWorld) export(t *testing.T) {
	received := func(t *testing.T, api *testutil.API) int {
		var out struct {
			ExportLink struct {
				URL        *string
				UserErrors []struct{ Code string }
			}
		}
		resp := rcData(t, api, `mutation($u: ID!, $y: Int!) { exportLink(input: {kind: PROGRESS, format: CSV, scope: {unitId: $u}, year: $y}) {
			url userErrors { code } } }`, map[string]any{"u": w.f.w.A.ParentUnit, "y": w.year}, &out)
		if out.ExportLink.URL == nil {
			if resp.Code() == "FORBIDDEN" {
				return -1
			}
			t.Fatalf("exportLink: %s", resp.Raw)
		}
		rec := httptest.NewRecorder()
		w.f.api.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, *out.ExportLink.URL, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET the export: %d %s", rec.Code, rec.Body)
		}
		rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(rec.Body.Bytes(), []byte("\ufeff")))).ReadAll()
		if err != nil {
			rows = nil
			for _, line := range strings.Split(rec.Body.String(), "\n") { // tables of different widths
				if r, err := csv.NewReader(strings.NewReader(line)).Read(); err == nil {
					rows = append(rows, r)
				}
			}
		}
		for _, r := range rows {
			if len(r) > 1 && r[0] == "Vụ việc nhận được" {
				n, err := strconv.Atoi(r[1])
				if err != nil {
					t.Fatalf("received %q", r[1])
				}
				return n
			}
		}
		t.Fatalf("no cases received in the export: %s", rec.Body)
		return 0
	}
	whole := received(t, w.sup)
	for _, r := range rcRoles {
		w.check(t, r.name+"/export", func(t *testing.T) {
			concerned, control := received(t, w.concern[r.name]), received(t, w.control[r.name])
			if concerned == -1 && control == -1 {
				return // not theirs to export
			}
			if concerned != whole-1 || control != whole {
				t.Errorf("export: the person concerned counts %d, the control %d, the whole %d (one case hidden)", concerned, control, whole)
			}
		})
	}
}
