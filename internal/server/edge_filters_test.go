package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/incident"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/ent/selfassessment"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/config"
	"github.com/liemchinh/liemchinh/internal/testutil"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

// Issue 11 (items 1 and 6): where on the edges Official.selfAssessments, Official.incidents,
// Official.cases, Unit.cases and Unit.incidents, and officialID / officialIDIn on the root lists.

// edgePage is a connection as these tests read it.
type edgePage struct {
	TotalCount int
	Edges      []struct{ Node struct{ ID string } }
}

// ids are the page's ids, sorted.
func (p edgePage) ids() []string {
	out := []string{}
	for _, e := range p.Edges {
		out = append(out, e.Node.ID)
	}
	slices.Sort(out)
	return out
}

// sorted returns the ids sorted, never nil (to compare with edgePage.ids).
func sorted(ids ...string) []string {
	out := append([]string{}, ids...)
	slices.Sort(out)
	return out
}

// pageAt runs query and reads the connection at path (fields or aliases, through node objects);
// an object that is null on the way reads as an empty page.
func pageAt(t *testing.T, api *testutil.API, query string, vars map[string]any, path ...string) edgePage {
	t.Helper()
	var raw json.RawMessage
	api.Query(t, query, vars).Decode(t, &raw)
	for _, k := range path {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s at %q: %v", raw, k, err)
		}
		if raw = m[k]; raw == nil || string(raw) == "null" {
			return edgePage{}
		}
	}
	var p edgePage
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	if len(p.Edges) != p.TotalCount {
		t.Errorf("%v: totalCount %d, %d edges", path, p.TotalCount, len(p.Edges))
	}
	return p
}

// Queries of one edge of a node (an official or a unit) with a where of the edge's type.
func officialEdge(edge, whereType string) string {
	return fmt.Sprintf(`query($id: ID!, $w: %s) { node(id: $id) { ... on Official { %s(first: 100, where: $w) { totalCount edges { node { id } } } } } }`, whereType, edge)
}

func unitEdge(edge, whereType string) string {
	return fmt.Sprintf(`query($id: ID!, $w: %s) { node(id: $id) { ... on Unit { %s(first: 100, where: $w) { totalCount edges { node { id } } } } } }`, whereType, edge)
}

func rootList(list, whereType string) string {
	return fmt.Sprintf(`query($w: %s) { %s(first: 100, where: $w) { totalCount edges { node { id } } } }`, whereType, list)
}

// edgeFixture is a World with more records about A's clerk: a reviewed self-assessment and an
// incident of 2024, an anonymous feedback case they see (requested as a denunciation), and a case
// they do not see yet (not under verification); and a visible anonymous case about the unit manager.
type edgeFixture struct {
	db                                         *testutil.DB
	cfg                                        config.Config
	w                                          *testutil.World
	sa2024, inc2024, anonCase, hiddenCase, mgr string
}

func newEdgeFixture(t *testing.T, dia string) *edgeFixture {
	t.Helper()
	db := testutil.Open(t, dia)
	cfg := testutil.Config(t, nil)
	w := testutil.NewWorld(t, db, cfg)
	ctx := authz.System(context.Background(), authz.SysTestFixture)
	c := db.Client
	a := w.A
	day := time.Date(2024, 5, 2, 0, 0, 0, 0, time.UTC)
	sa, err := c.SelfAssessment.Create().SetOfficialID(a.Clerk).SetCampaignID(w.Campaign).SetYear(2024).
		SetScheme(selfassessment.SchemeFOUR_LEVEL).SetStatus(selfassessment.StatusREVIEWED).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	inc, err := c.Incident.Create().SetOfficialID(a.Clerk).SetUnitID(a.ChildUnit).SetYear(2024).
		SetCategory(enum.CategoryNoBureaucracy).SetOccurredOn(day).SetSource(incident.SourceINSPECTION).
		SetSummary("Chậm trễ").Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f := &edgeFixture{db: db, cfg: cfg, w: w, sa2024: sa.ID, inc2024: inc.ID}
	f.anonCase = edgeCase(t, c, "EDGEANON1", a.ChildUnit, a.Clerk, func(q *ent.CitizenCaseCreate) {
		q.SetChannel(enum.ChannelFeedback).SetRequestedChannel(enum.ChannelDenunciation).SetAnonymous(true).
			SetState(enum.CaseVerifying).SetSubjectVisibleAt(day)
	})
	f.hiddenCase = edgeCase(t, c, "EDGEHIDE1", a.ChildUnit, a.Clerk, func(q *ent.CitizenCaseCreate) {
		q.SetChannel(enum.ChannelFeedback).SetRequestedChannel(enum.ChannelFeedback).SetAnonymous(false).
			SetState(enum.CaseSubmitted)
	})
	f.mgr = edgeCase(t, c, "EDGEMGR01", a.ParentUnit, a.Manager, func(q *ent.CitizenCaseCreate) {
		q.SetChannel(enum.ChannelFeedback).SetRequestedChannel(enum.ChannelDenunciation).SetAnonymous(true).
			SetState(enum.CaseVerifying).SetSubjectVisibleAt(day)
	})
	return f
}

// edgeCase creates a case about an official (if any) in a unit; set chooses channel, anonymity and state.
func edgeCase(t *testing.T, c *ent.Client, code, unitID, officialID string, set func(*ent.CitizenCaseCreate)) string {
	t.Helper()
	q := c.CitizenCase.Create().SetTrackingCode(code).SetSecretHash("x").SetChannel(enum.ChannelFeedback).
		SetRequestedChannel(enum.ChannelFeedback).SetCategory(enum.CategoryNoBureaucracy).SetDescription("Chậm giải quyết hồ sơ").
		SetAnonymous(false).SetReceivedAt(time.Date(2024, 5, 2, 0, 0, 0, 0, time.UTC)).SetUnitID(unitID)
	if officialID != "" {
		q.SetOfficialID(officialID)
	}
	set(q)
	k, err := q.Save(authz.System(context.Background(), authz.SysTestFixture))
	if err != nil {
		t.Fatal(err)
	}
	return k.ID
}

func (f *edgeFixture) as(t *testing.T, api *testutil.API, role string) *testutil.API {
	t.Helper()
	access, _ := api.Login(t, f.w.Logins[role], testutil.Password)
	return api.As(access)
}

// TestEdgeWhere: each new where argument filters the edge's rows, and officialID / officialIDIn
// filter the root lists, for a supervisor of the province.
func TestEdgeWhere(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		f := newEdgeFixture(t, dia)
		a := f.w.A
		sup := f.as(t, testutil.NewAPI(t, f.db, f.cfg), "provinceSupervisor")
		tests := []struct {
			name  string
			query string
			vars  map[string]any
			path  []string
			want  []string
		}{
			{"Official.selfAssessments year", officialEdge("selfAssessments", "SelfAssessmentWhereInput"),
				map[string]any{"id": a.Clerk, "w": map[string]any{"year": 2024}}, []string{"node", "selfAssessments"}, []string{f.sa2024}},
			{"Official.selfAssessments status", officialEdge("selfAssessments", "SelfAssessmentWhereInput"),
				map[string]any{"id": a.Clerk, "w": map[string]any{"status": "SUBMITTED"}}, []string{"node", "selfAssessments"}, []string{a.Records["SelfAssessment"]}},
			{"Official.selfAssessments no where", officialEdge("selfAssessments", "SelfAssessmentWhereInput"),
				map[string]any{"id": a.Clerk}, []string{"node", "selfAssessments"}, []string{f.sa2024, a.Records["SelfAssessment"]}},
			{"Official.incidents year", officialEdge("incidents", "IncidentWhereInput"),
				map[string]any{"id": a.Clerk, "w": map[string]any{"year": 2024}}, []string{"node", "incidents"}, []string{f.inc2024}},
			{"Official.incidents source", officialEdge("incidents", "IncidentWhereInput"),
				map[string]any{"id": a.Clerk, "w": map[string]any{"source": "CASE"}}, []string{"node", "incidents"}, []string{a.Records["Incident"]}},
			{"Official.cases anonymous", officialEdge("cases", "CaseWhereInput"),
				map[string]any{"id": a.Clerk, "w": map[string]any{"anonymous": true}}, []string{"node", "cases"}, []string{f.anonCase}},
			{"Official.cases requestedChannel", officialEdge("cases", "CaseWhereInput"),
				map[string]any{"id": a.Clerk, "w": map[string]any{"requestedChannel": "DENUNCIATION"}}, []string{"node", "cases"}, []string{f.anonCase, a.Records["Case"]}},
			{"Official.cases state", officialEdge("cases", "CaseWhereInput"),
				map[string]any{"id": a.Clerk, "w": map[string]any{"state": "SUBMITTED"}}, []string{"node", "cases"}, []string{f.hiddenCase}},
			{"Unit.cases anonymous", unitEdge("cases", "CaseWhereInput"),
				map[string]any{"id": a.ChildUnit, "w": map[string]any{"anonymous": false}}, []string{"node", "cases"}, []string{a.Records["Case"], f.hiddenCase}},
			{"Unit.cases channel", unitEdge("cases", "CaseWhereInput"),
				map[string]any{"id": a.ChildUnit, "w": map[string]any{"channel": "FEEDBACK"}}, []string{"node", "cases"}, []string{f.anonCase, f.hiddenCase}},
			{"Unit.incidents category", unitEdge("incidents", "IncidentWhereInput"),
				map[string]any{"id": a.ChildUnit, "w": map[string]any{"category": "NO_BUREAUCRACY"}}, []string{"node", "incidents"}, []string{f.inc2024}},
			{"selfAssessments officialID", rootList("selfAssessments", "SelfAssessmentWhereInput"),
				map[string]any{"w": map[string]any{"officialID": a.Clerk}}, []string{"selfAssessments"}, []string{f.sa2024, a.Records["SelfAssessment"]}},
			{"selfAssessments officialIDIn", rootList("selfAssessments", "SelfAssessmentWhereInput"),
				map[string]any{"w": map[string]any{"officialIDIn": []string{a.Outsider, a.Staff}}}, []string{"selfAssessments"}, []string{a.OutsiderRecords["SelfAssessment"]}},
			{"incidents officialID", rootList("incidents", "IncidentWhereInput"),
				map[string]any{"w": map[string]any{"officialID": a.Clerk, "year": 2025}}, []string{"incidents"}, []string{a.Records["Incident"]}},
			{"incidents officialIDIn", rootList("incidents", "IncidentWhereInput"),
				map[string]any{"w": map[string]any{"officialIDIn": []string{a.Clerk, a.Outsider}}}, []string{"incidents"},
				[]string{f.inc2024, a.Records["Incident"], a.OutsiderRecords["Incident"]}},
			{"cases officialID", rootList("cases", "CaseWhereInput"),
				map[string]any{"w": map[string]any{"officialID": a.Clerk}}, []string{"cases"}, []string{f.anonCase, f.hiddenCase, a.Records["Case"]}},
			{"cases officialIDIn", rootList("cases", "CaseWhereInput"),
				map[string]any{"w": map[string]any{"officialIDIn": []string{a.Manager, a.Outsider}}}, []string{"cases"}, []string{f.mgr, a.OutsiderRecords["Case"]}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				if got := pageAt(t, sup, tc.query, tc.vars, tc.path...).ids(); !slices.Equal(got, sorted(tc.want...)) {
					t.Errorf("got %v, want %v", got, sorted(tc.want...))
				}
			})
		}
	})
}

// TestEdgeWhereScope: a filter never widens what a viewer reads. Through a public unit, a readable
// official or an officialID, a viewer gets nothing out of scope, whatever the where (an official
// out of scope is not found at all); the official reads only
// their own self-assessments and only the cases about them they may see (not one still hidden).
func TestEdgeWhereScope(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		f := newEdgeFixture(t, dia)
		a, b := f.w.A, f.w.B
		api := testutil.NewAPI(t, f.db, f.cfg)
		district := f.as(t, api, "districtSupervisor") // A's first district: ParentUnit, ChildUnit; not OtherUnit
		admin := f.as(t, api, "admin")
		clerk := f.as(t, api, "official")
		// A case about A's clerk held by a unit of the other district (not yet shown to the clerk).
		edgeCase(t, f.db.Client, "EDGEELSE1", a.OtherUnit, a.Clerk, func(q *ent.CitizenCaseCreate) { q.SetState(enum.CaseVerifying) })
		anyCase := map[string]any{"or": []any{map[string]any{"anonymous": true}, map[string]any{"anonymous": false}}}
		tests := []struct {
			name        string
			query       string
			vars        map[string]any
			path        []string
			viewer      *testutil.API
			want        []string
			adminCounts int // what the admin reads with the same query: the filter does match
		}{
			{"Unit.cases of another province", unitEdge("cases", "CaseWhereInput"), map[string]any{"id": b.ChildUnit, "w": anyCase},
				[]string{"node", "cases"}, district, nil, 1},
			{"Unit.cases of another district", unitEdge("cases", "CaseWhereInput"), map[string]any{"id": a.OtherUnit, "w": map[string]any{"state": "VERIFYING"}},
				[]string{"node", "cases"}, district, nil, 2},
			{"Unit.incidents of another province", unitEdge("incidents", "IncidentWhereInput"), map[string]any{"id": b.ChildUnit, "w": map[string]any{"year": 2025}},
				[]string{"node", "incidents"}, district, nil, 1},
			{"Official.cases in another district", officialEdge("cases", "CaseWhereInput"), map[string]any{"id": a.Clerk, "w": map[string]any{"state": "VERIFYING"}},
				[]string{"node", "cases"}, district, []string{f.anonCase, a.Records["Case"]}, 3},
			{"selfAssessments officialID of another province", rootList("selfAssessments", "SelfAssessmentWhereInput"),
				map[string]any{"w": map[string]any{"officialID": b.Clerk}}, []string{"selfAssessments"}, district, nil, 1},
			{"selfAssessments officialIDIn across districts", rootList("selfAssessments", "SelfAssessmentWhereInput"),
				map[string]any{"w": map[string]any{"officialIDIn": []string{a.Outsider, a.Clerk}}}, []string{"selfAssessments"}, district,
				[]string{f.sa2024, a.Records["SelfAssessment"]}, 3},
			{"incidents officialID of another district", rootList("incidents", "IncidentWhereInput"),
				map[string]any{"w": map[string]any{"officialID": a.Outsider}}, []string{"incidents"}, district, nil, 1},
			{"cases officialIDIn of another province", rootList("cases", "CaseWhereInput"),
				map[string]any{"w": map[string]any{"officialIDIn": []string{b.Clerk, b.Outsider}}}, []string{"cases"}, district, nil, 2},
			{"the official: selfAssessments of a colleague", rootList("selfAssessments", "SelfAssessmentWhereInput"),
				map[string]any{"w": map[string]any{"officialIDIn": []string{a.Staff, a.Manager, a.Clerk}}}, []string{"selfAssessments"}, clerk,
				[]string{f.sa2024, a.Records["SelfAssessment"]}, 2},
			{"the official: Official.cases", officialEdge("cases", "CaseWhereInput"), map[string]any{"id": a.Clerk, "w": map[string]any{"state": "SUBMITTED"}},
				[]string{"node", "cases"}, clerk, nil, 1},
			{"the official: cases officialID", rootList("cases", "CaseWhereInput"), map[string]any{"w": map[string]any{"officialID": a.Clerk}},
				[]string{"cases"}, clerk, []string{f.anonCase, a.Records["Case"]}, 4},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				if got := pageAt(t, tc.viewer, tc.query, tc.vars, tc.path...); !slices.Equal(got.ids(), sorted(tc.want...)) || got.TotalCount != len(tc.want) {
					t.Errorf("got %v (total %d), want %v", got.ids(), got.TotalCount, sorted(tc.want...))
				}
				if n := pageAt(t, admin, tc.query, tc.vars, tc.path...).TotalCount; n != tc.adminCounts {
					t.Errorf("the admin reads %d, want %d: the filter does not match what the test thinks", n, tc.adminCounts)
				}
			})
		}
		// Signed out, a public unit's filtered edges are refused, not answered empty.
		r := api.Query(t, `query($id: ID!, $w: CaseWhereInput) { units(where: {id: $id}) { edges { node { name
			cases(where: $w) { totalCount edges { node { id } } } } } } }`, map[string]any{"id": a.ChildUnit, "w": anyCase})
		if r.Code() != "UNAUTHENTICATED" || strings.Contains(string(r.Raw), a.Records["Case"]) {
			t.Errorf("signed out, Unit.cases(where): %s", r.Raw)
		}
	})
}

// TestEdgeWhereReporterGuard: through the edges as through Query.cases, the person concerned
// learns nothing by filtering on anonymous or requestedChannel (DESIGN.md §5): the cases about
// them are left out of any such filter, though they read them otherwise; a colleague is unaffected.
func TestEdgeWhereReporterGuard(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		f := newEdgeFixture(t, dia)
		a := f.w.A
		api := testutil.NewAPI(t, f.db, f.cfg)
		clerk := f.as(t, api, "official")
		manager := f.as(t, api, "unitManager")
		colleague := api.SignedIn(t, f.db, authz.RoleUnitManager, authz.Scope{Kind: authz.ScopeUnit, ID: a.ParentUnit}, a.Staff)
		reporter := []map[string]any{
			{"anonymous": true},
			{"anonymous": false},
			{"anonymousNEQ": true},
			{"not": map[string]any{"anonymous": true}},
			{"requestedChannel": "DENUNCIATION"},
			{"requestedChannel": "FEEDBACK"},
			{"requestedChannelNEQ": "FEEDBACK"},
			{"requestedChannelIn": []string{"DENUNCIATION"}},
			{"requestedChannelNotIn": []string{"FEEDBACK"}},
			{"or": []any{map[string]any{"state": "VERIFYING"}, map[string]any{"anonymous": true}}},
			{"and": []any{map[string]any{"state": "VERIFYING"}, map[string]any{"not": map[string]any{"requestedChannel": "FEEDBACK"}}}},
		}
		for _, w := range reporter {
			t.Run(fmt.Sprint(w), func(t *testing.T) {
				// The clerk reads only cases about themself: nothing may come back.
				if got := pageAt(t, clerk, officialEdge("cases", "CaseWhereInput"), map[string]any{"id": a.Clerk, "w": w}, "node", "cases"); got.TotalCount != 0 || len(got.Edges) != 0 {
					t.Errorf("the person concerned filters Official.cases on the reporter and gets %v", got.ids())
				}
				if got := pageAt(t, clerk, unitEdge("cases", "CaseWhereInput"), map[string]any{"id": a.ChildUnit, "w": w}, "node", "cases"); got.TotalCount != 0 || len(got.Edges) != 0 {
					t.Errorf("the person concerned filters Unit.cases on the reporter and gets %v", got.ids())
				}
				for _, q := range []struct{ query, id, edge string }{
					{officialEdge("cases", "CaseWhereInput"), a.Manager, "Official.cases"},
					{unitEdge("cases", "CaseWhereInput"), a.ParentUnit, "Unit.cases"},
				} {
					vars := map[string]any{"id": q.id, "w": w}
					if got := pageAt(t, manager, q.query, vars, "node", "cases").ids(); slices.Contains(got, f.mgr) {
						t.Errorf("the unit manager filters %s on the reporter and finds the case about them: %v", q.edge, got)
					}
					root := pageAt(t, manager, rootList("cases", "CaseWhereInput"), map[string]any{"w": w}, "cases").ids()
					if slices.Contains(root, f.mgr) {
						t.Errorf("the unit manager filters Query.cases on the reporter and finds the case about them: %v", root)
					}
				}
			})
		}
		// Controls: the filters do match those cases for a colleague, and the person concerned
		// does read them through the edges when the filter is not about the reporter.
		for _, w := range []map[string]any{{"anonymous": true}, {"requestedChannel": "DENUNCIATION"}} {
			if got := pageAt(t, colleague, officialEdge("cases", "CaseWhereInput"), map[string]any{"id": a.Manager, "w": w}, "node", "cases").ids(); !slices.Equal(got, []string{f.mgr}) {
				t.Errorf("a colleague filtering Official.cases on %v: %v, want the case about the manager", w, got)
			}
			if got := pageAt(t, colleague, unitEdge("cases", "CaseWhereInput"), map[string]any{"id": a.ParentUnit, "w": w}, "node", "cases").ids(); !slices.Equal(got, []string{f.mgr}) {
				t.Errorf("a colleague filtering Unit.cases on %v: %v, want the case about the manager", w, got)
			}
		}
		if got := pageAt(t, clerk, officialEdge("cases", "CaseWhereInput"), map[string]any{"id": a.Clerk, "w": map[string]any{"state": "VERIFYING"}}, "node", "cases").ids(); !slices.Equal(got, sorted(f.anonCase, a.Records["Case"])) {
			t.Errorf("the person concerned filtering Official.cases on state: %v", got)
		}
	})
}

// TestUnitCasesComputedFilters: overdue, dueSoon and assignedToMe on Unit.cases pick the same
// cases as on Query.cases for the same unit, both ways, for the inspector assigned some of them
// and for a supervisor.
func TestUnitCasesComputedFilters(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		cfg := testutil.Config(t, nil)
		w := testutil.NewWorld(t, db, cfg)
		now := time.Date(2025, 6, 10, 10, 0, 0, 0, workdays.Vietnam) // a Tuesday
		api := testutil.NewAPIAt(t, db, cfg, func() time.Time { return now })
		ctx := authz.System(context.Background(), authz.SysTestFixture)
		a := w.A
		handler := db.Client.CitizenCase.GetX(ctx, a.Records["Case"]).QueryHandler().OnlyIDX(ctx) // the inspector
		mk := func(code string, state enum.CaseState, due time.Time, assigned bool) string {
			return edgeCase(t, db.Client, code, a.ChildUnit, a.Clerk, func(q *ent.CitizenCaseCreate) {
				q.SetState(state)
				if state == enum.CaseSubmitted {
					q.SetAcknowledgeDueAt(due)
				} else {
					q.SetDueAt(due)
				}
				if assigned {
					q.SetHandlerID(handler)
				}
			})
		}
		overdue := mk("EDGEDUE01", enum.CaseVerifying, now.AddDate(0, 0, -10), true)
		soon := mk("EDGEDUE02", enum.CaseVerifying, now.Add(2*time.Hour), false)
		later := mk("EDGEDUE03", enum.CaseVerifying, now.AddDate(0, 2, 0), true)
		late := mk("EDGEDUE04", enum.CaseSubmitted, now.AddDate(0, 0, -2), false)
		edgeCase(t, db.Client, "EDGEDUE05", a.ParentUnit, "", func(q *ent.CitizenCaseCreate) { // another unit: in neither list
			q.SetState(enum.CaseVerifying).SetDueAt(now.AddDate(0, 0, -10)).SetHandlerID(handler)
		})
		want := map[string][]string{
			"overdue": sorted(overdue, late), "dueSoon": sorted(soon), "assignedToMe": sorted(overdue, later, a.Records["Case"]),
		}
		for _, role := range []string{"inspector", "provinceSupervisor"} {
			access, _ := api.Login(t, w.Logins[role], testutil.Password)
			viewer := api.As(access)
			for _, filter := range []string{"overdue", "dueSoon", "assignedToMe"} {
				for _, v := range []bool{true, false} {
					t.Run(fmt.Sprintf("%s %s %v", role, filter, v), func(t *testing.T) {
						edge := pageAt(t, viewer, unitEdge("cases", "CaseWhereInput"), map[string]any{"id": a.ChildUnit, "w": map[string]any{filter: v}}, "node", "cases").ids()
						root := pageAt(t, viewer, rootList("cases", "CaseWhereInput"),
							map[string]any{"w": map[string]any{filter: v, "hasUnitWith": []any{map[string]any{"id": a.ChildUnit}}}}, "cases").ids()
						if !slices.Equal(edge, root) {
							t.Errorf("Unit.cases %v, Query.cases %v", edge, root)
						}
						if v && len(edge) == 0 && !(filter == "assignedToMe" && role != "inspector") {
							t.Errorf("nothing matches %s: the fixture is wrong", filter)
						}
						if v && role == "inspector" && !slices.Equal(edge, want[filter]) {
							t.Errorf("%s: %v, want %v", filter, edge, want[filter])
						}
					})
				}
			}
		}
	})
}

// TestOfficialSelfAssessmentsWhereStatements: a page of officials, each with its self-assessments
// filtered, costs the same statements whatever the page size: the edge is eager-loaded for the
// whole page with its where (officials and their count, self-assessments and their count, the
// viewer), not queried per official.
func TestOfficialSelfAssessmentsWhereStatements(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		camp := testutil.Org(t, db.Client, testutil.Shape{Provinces: 1, Districts: 1, Units: 1, Officials: 4})
		ctx := authz.System(context.Background(), authz.SysTestFixture)
		for _, o := range db.Client.Official.Query().Order(ent.Asc(official.FieldEmployeeCode)).AllX(ctx) {
			for year := 2021; year <= 2023; year++ {
				db.Client.SelfAssessment.Create().SetOfficial(o).SetCampaign(camp).SetYear(year).
					SetScheme(selfassessment.SchemeFOUR_LEVEL).SetStatus(selfassessment.StatusSUBMITTED).SaveX(ctx)
			}
		}
		api := testutil.NewAPI(t, db, testutil.Config(t, nil)).
			SignedIn(t, db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeNation}, "")
		const q = `query($n: Int!) { officials(first: $n) { totalCount edges { node { id
			selfAssessments(first: 1, where: {yearGTE: 2022}, orderBy: {field: YEAR, direction: DESC}) {
				totalCount edges { node { id year } } } } } } }`
		for _, n := range []int{1, 2, 4} {
			t.Run(fmt.Sprintf("first %d", n), func(t *testing.T) {
				warmAccount(t, api)
				db.Counter.Reset()
				r := api.Query(t, q, map[string]any{"n": n})
				statements := db.Counter.Requests()
				var got struct {
					Officials struct {
						Edges []struct {
							Node struct {
								SelfAssessments struct {
									TotalCount int
									Edges      []struct{ Node struct{ Year int } }
								}
							}
						}
					}
				}
				r.Decode(t, &got)
				if len(got.Officials.Edges) != n {
					t.Fatalf("%d officials, want %d", len(got.Officials.Edges), n)
				}
				for _, e := range got.Officials.Edges {
					sa := e.Node.SelfAssessments
					if sa.TotalCount != 2 || len(sa.Edges) != 1 || sa.Edges[0].Node.Year != 2023 {
						t.Errorf("self-assessments from 2022: %+v, want 2 in all and 2023 first", sa)
					}
				}
				if statements != 4 {
					t.Errorf("%d statements, want 4 (officials, their count, self-assessments, their count; the viewer's account cached)", statements)
				}
			})
		}
	})
}
