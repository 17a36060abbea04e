package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/internal/testutil"
)

// The authorization matrix (DESIGN.md §8, README "Who sees what") through the real HTTP handler:
// every role against every record of both provinces, by several paths each (node, nodes, root
// connections with totalCount, nested edges from public or visible parents, filters on edges),
// plus accounts, the audit log, the reporter identity read and the administrators' mutations.
// Every case is a subtest named role/side/type/path, so a failure says exactly what leaked.

const mxAnonymous = "anonymous"

// mxRoles are the viewers of the matrix: nobody, then one account per role of the World.
var mxRoles = append([]string{mxAnonymous}, testutil.Roles...)

// mxTypes are the record kinds of a Side, with the GraphQL type node(id) answers for them.
var mxTypes = []struct{ key, typename string }{
	{"Official", "Official"},
	{"Acknowledgement", "Acknowledgement"},
	{"Pledge", "Pledge"},
	{"SelfAssessment", "SelfAssessment"},
	{"SelfAssessmentItem", "SelfAssessmentItem"},
	{"EmulationRegistration", "EmulationRegistration"},
	{"Case", "Case"},
	{"CaseEvent", "CaseEvent"},
	{"InternalCaseEvent", "CaseEvent"},
	{"CaseMessage", "CaseMessage"},
	{"Evidence", "Evidence"},
	{"Inspection", "Inspection"},
	{"Incident", "Incident"},
	{"Commendation", "Commendation"},
	{"UnitCommendation", "Commendation"},
}

// mxOfficialSees is what an official sees of their own records (and their own unit's).
var mxOfficialSees = map[string]bool{
	"Official": true, "Acknowledgement": true, "Pledge": true, "SelfAssessment": true,
	"SelfAssessmentItem": true, "EmulationRegistration": true, "Case": true, "CaseEvent": true,
	"Incident": true, "Commendation": true,
	"InternalCaseEvent": false, "CaseMessage": false, "Evidence": false, "Inspection": false,
	"UnitCommendation": false,
}

// mxSide is one record set of the World: the clerk's or the outsider's records of A or B.
type mxSide struct {
	name     string            // A, A-outsider, B, B-outsider
	recs     map[string]string // type -> id
	unit     string            // the unit the records are in
	reporter string            // the sealed reporter name of its case
}

// mxVisible is the specification: whether role sees the record of type key in side.
func mxVisible(role, side, key string) bool {
	switch role {
	case "admin":
		return true
	case "provinceSupervisor", "inspector":
		return side == "A" || side == "A-outsider"
	case "unitManager", "districtSupervisor":
		return side == "A"
	case "official":
		return side == "A" && mxOfficialSees[key]
	}
	return false // anonymous
}

// mxProbe is one way of reaching records: a query, where the ids it reached are in the data,
// where its totalCount is (if any), and which records of the side make up that count.
type mxProbe struct {
	path      string
	query     string
	vars      map[string]any
	idPath    []string
	totalPath []string // empty: the count is the number of ids reached
	members   []mxRef  // the records the connection holds (the total is how many of them are visible)
}

// mxRef names one record of the World: its side and type.
type mxRef struct{ side, key string }

// mxProbes returns the count paths of a record type in a side (node and nodes are tested apart).
func mxProbes(key string, s mxSide, all []mxSide, campaign string) []mxProbe {
	id := s.recs[key]
	own := func(keys ...string) []mxRef {
		var out []mxRef
		for _, k := range keys {
			out = append(out, mxRef{s.name, k})
		}
		return out
	}
	root := func(field string) mxProbe {
		return mxProbe{path: "root." + field,
			query:  fmt.Sprintf(`query($id: ID!) { %s(where: {id: $id}) { totalCount edges { node { id } } } }`, field),
			vars:   map[string]any{"id": id},
			idPath: []string{field, "edges", "*", "node", "id"}, totalPath: []string{field, "totalCount"},
			members: own(key)}
	}
	unit := func(field string) mxProbe {
		return mxProbe{path: "unit." + field,
			query:  fmt.Sprintf(`query($u: ID!) { node(id: $u) { ... on Unit { %s { totalCount edges { node { id } } } } } }`, field),
			vars:   map[string]any{"u": s.unit},
			idPath: []string{"node", field, "edges", "*", "node", "id"}, totalPath: []string{"node", field, "totalCount"},
			members: own(key)}
	}
	// The campaign holds the records of every side: the count is how many of them are visible.
	camp := func(field string) mxProbe {
		var members []mxRef
		for _, o := range all {
			members = append(members, mxRef{o.name, key})
		}
		return mxProbe{path: "campaign." + field,
			query:  fmt.Sprintf(`query($c: ID!) { node(id: $c) { ... on Campaign { %s { totalCount edges { node { id } } } } } }`, field),
			vars:   map[string]any{"c": campaign},
			idPath: []string{"node", field, "edges", "*", "node", "id"}, totalPath: []string{"node", field, "totalCount"},
			members: members}
	}
	// The root list without a filter: every side's records, the total of acknowledgements, pledges
	// and self-assessments summed from the counts kept per unit (internal/recordscope) for staff.
	rootAll := func(field string) mxProbe {
		p := camp(field)
		p.path = "rootAll." + field
		p.query = fmt.Sprintf(`{ %s(first: 50) { totalCount edges { node { id } } } }`, field)
		p.vars = nil
		p.idPath = []string{field, "edges", "*", "node", "id"}
		p.totalPath = []string{field, "totalCount"}
		return p
	}
	off := func(field string) mxProbe {
		return mxProbe{path: "official." + field,
			query:     fmt.Sprintf(`query($o: ID!) { officials(where: {id: $o}) { edges { node { %s { totalCount edges { node { id } } } } } } }`, field),
			vars:      map[string]any{"o": s.recs["Official"]},
			idPath:    []string{"officials", "edges", "*", "node", field, "edges", "*", "node", "id"},
			totalPath: []string{"officials", "edges", "*", "node", field, "totalCount"},
			members:   own(key)}
	}
	const caseQuery = `query($c: ID!) { cases(where: {id: $c}) { edges { node {
		events { totalCount edges { node { id } } }
		messages { totalCount edges { node { id } } }
		evidence { id } } } } }`
	onCase := func(field string, members ...string) mxProbe {
		p := mxProbe{path: "case." + field, query: caseQuery, vars: map[string]any{"c": s.recs["Case"]}, members: own(members...)}
		if field == "evidence" {
			p.idPath = []string{"cases", "edges", "*", "node", "evidence", "*", "id"}
		} else {
			p.idPath = []string{"cases", "edges", "*", "node", field, "edges", "*", "node", "id"}
			p.totalPath = []string{"cases", "edges", "*", "node", field, "totalCount"}
		}
		return p
	}
	switch key {
	case "Official":
		return []mxProbe{root("officials"), unit("officials")}
	case "Acknowledgement":
		return []mxProbe{camp("acknowledgements"), off("acknowledgements"), rootAll("acknowledgements")}
	case "Pledge":
		return []mxProbe{root("pledges"), camp("pledges"), off("pledges"), rootAll("pledges")}
	case "SelfAssessment":
		return []mxProbe{root("selfAssessments"), camp("selfAssessments"), off("selfAssessments"), rootAll("selfAssessments")}
	case "SelfAssessmentItem":
		return []mxProbe{{path: "selfAssessment.items",
			query:  `query($s: ID!) { selfAssessments(where: {id: $s}) { edges { node { items { id } } } } }`,
			vars:   map[string]any{"s": s.recs["SelfAssessment"]},
			idPath: []string{"selfAssessments", "edges", "*", "node", "items", "*", "id"}, members: own(key)}}
	case "EmulationRegistration":
		return []mxProbe{unit("emulationRegistrations"), camp("emulationRegistrations")}
	case "Case":
		return []mxProbe{root("cases"), unit("cases"), off("cases")}
	case "CaseEvent", "InternalCaseEvent":
		return []mxProbe{onCase("events", "CaseEvent", "InternalCaseEvent")}
	case "CaseMessage":
		return []mxProbe{onCase("messages", "CaseMessage")}
	case "Evidence":
		return []mxProbe{onCase("evidence", "Evidence")}
	case "Inspection":
		return []mxProbe{root("inspections"), unit("inspections")}
	case "Incident":
		return []mxProbe{root("incidents"), unit("incidents"), off("incidents")}
	case "Commendation":
		return []mxProbe{root("commendations"), off("commendations")}
	case "UnitCommendation":
		return []mxProbe{root("commendations"), unit("commendations")}
	}
	return nil
}

// mxOracle is a filter on an edge of a public or visible parent: the parent matches only if a
// record the filter names exists. Its totalCount must not reveal records the viewer cannot see.
type mxOracle struct {
	path, query string
	vars        map[string]any
	field       string // root connection of the parent
	key         string // the record the filter is about
}

func mxOracles(s mxSide, campaign string) []mxOracle {
	unit := func(edge, key string) mxOracle {
		return mxOracle{path: "units.where." + edge, key: key, field: "units",
			query: fmt.Sprintf(`query($u: ID!, $id: ID!) { units(where: {id: $u, %s: {id: $id}}) { totalCount } }`, edge),
			vars:  map[string]any{"u": s.unit, "id": s.recs[key]}}
	}
	camp := func(edge, key string) mxOracle {
		return mxOracle{path: "campaigns.where." + edge, key: key, field: "campaigns",
			query: fmt.Sprintf(`query($c: ID!, $id: ID!) { campaigns(where: {id: $c, %s: {id: $id}}) { totalCount } }`, edge),
			vars:  map[string]any{"c": campaign, "id": s.recs[key]}}
	}
	onCase := func(edge, key string) mxOracle {
		return mxOracle{path: "cases.where." + edge, key: key, field: "cases",
			query: fmt.Sprintf(`query($c: ID!, $id: ID!) { cases(where: {id: $c, %s: {id: $id}}) { totalCount } }`, edge),
			vars:  map[string]any{"c": s.recs["Case"], "id": s.recs[key]}}
	}
	// A scoped root filtered across an edge into a public type (allowed): the root's own filter
	// still decides.
	scoped := func(root, key string) mxOracle {
		return mxOracle{path: root + ".where.hasUnitWith", key: key, field: root,
			query: fmt.Sprintf(`query($u: ID!, $id: ID!) { %s(where: {id: $id, hasUnitWith: {id: $u}}) { totalCount } }`, root),
			vars:  map[string]any{"u": s.unit, "id": s.recs[key]}}
	}
	return []mxOracle{
		unit("hasOfficialsWith", "Official"),
		unit("hasEmulationRegistrationsWith", "EmulationRegistration"),
		unit("hasCasesWith", "Case"),
		unit("hasIncidentsWith", "Incident"),
		unit("hasInspectionsWith", "Inspection"),
		unit("hasCommendationsWith", "UnitCommendation"),
		camp("hasAcknowledgementsWith", "Acknowledgement"),
		camp("hasPledgesWith", "Pledge"),
		camp("hasSelfAssessmentsWith", "SelfAssessment"),
		onCase("hasEventsWith", "InternalCaseEvent"),
		onCase("hasMessagesWith", "CaseMessage"),
		scoped("officials", "Official"),
		scoped("cases", "Case"),
		scoped("incidents", "Incident"),
		scoped("inspections", "Inspection"),
		scoped("commendations", "UnitCommendation"),
	}
}

// mxDig returns the values at path in a decoded JSON value; "*" walks every element of a list.
func mxDig(v any, path []string) []any {
	if len(path) == 0 {
		return []any{v}
	}
	switch x := v.(type) {
	case map[string]any:
		if path[0] == "*" {
			return nil
		}
		return mxDig(x[path[0]], path[1:])
	case []any:
		if path[0] != "*" {
			return nil
		}
		var out []any
		for _, e := range x {
			out = append(out, mxDig(e, path[1:])...)
		}
		return out
	}
	return nil
}

func mxData(t *testing.T, r *testutil.Response) any {
	t.Helper()
	var v any
	if len(r.Data) > 0 {
		if err := json.Unmarshal(r.Data, &v); err != nil {
			t.Fatalf("data is not JSON: %s", r.Raw)
		}
	}
	return v
}

func mxStrings(vs []any) []string {
	var out []string
	for _, v := range vs {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func mxSum(vs []any) (int, bool) {
	n, seen := 0, false
	for _, v := range vs {
		if f, ok := v.(float64); ok {
			n += int(f)
			seen = true
		}
	}
	return n, seen
}

// mxCodes returns the extensions.code of every error of a response.
func mxCodes(r *testutil.Response) []string {
	var out []string
	for _, e := range r.Errors {
		c, _ := e.Extensions["code"].(string)
		out = append(out, c)
	}
	return out
}

// mxOnly reports whether the response has errors and all of them have one of the codes.
func mxOnly(r *testutil.Response, codes ...string) bool {
	if len(r.Errors) == 0 {
		return false
	}
	for _, c := range mxCodes(r) {
		if !slices.Contains(codes, c) {
			return false
		}
	}
	return true
}

// mxReporterBody reports whether a response body is a successful caseReporter read (the only
// response that may carry a reporter's identity).
func mxReporterBody(b []byte) bool {
	var r struct {
		Data   map[string]json.RawMessage `json:"data"`
		Errors []json.RawMessage          `json:"errors"`
	}
	if json.Unmarshal(b, &r) != nil || len(r.Errors) > 0 || len(r.Data) != 1 {
		return false
	}
	v, ok := r.Data["caseReporter"]
	return ok && bytes.HasPrefix(bytes.TrimSpace(v), []byte("{"))
}

// mxMatrix runs and counts the cases of one dialect.
type mxMatrix struct {
	apis  map[string]*testutil.API
	cases int
}

func (m *mxMatrix) run(t *testing.T, name string, f func(t *testing.T)) {
	t.Helper()
	m.cases++
	t.Run(name, f)
}

type mxAccount struct {
	ID        string `json:"id"`
	Login     string `json:"login"`
	Role      string `json:"role"`
	ScopeKind string `json:"scopeKind"`
	Disabled  bool   `json:"disabled"`
}

// accounts returns every account as the administrator sees it, by login.
func (m *mxMatrix) accounts(t *testing.T) (int, map[string]mxAccount) {
	t.Helper()
	var out struct {
		Accounts struct {
			TotalCount int `json:"totalCount"`
			Edges      []struct {
				Node mxAccount `json:"node"`
			} `json:"edges"`
		} `json:"accounts"`
	}
	m.apis["admin"].Query(t, `{ accounts(first: 100) { totalCount edges { node { id login role scopeKind disabled } } } }`, nil).Decode(t, &out)
	byLogin := map[string]mxAccount{}
	for _, e := range out.Accounts.Edges {
		byLogin[e.Node.Login] = e.Node
	}
	return out.Accounts.TotalCount, byLogin
}

func TestAuthzMatrix(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		start := time.Now()
		db := testutil.Open(t, dia)
		cfg := testutil.Config(t, nil)
		w := testutil.NewWorld(t, db, cfg)
		api := testutil.NewAPI(t, db, cfg)
		api.WatchLeaks(t, []string{w.A.Reporter, w.B.Reporter}, mxReporterBody)
		m := &mxMatrix{apis: map[string]*testutil.API{mxAnonymous: api}}
		for _, r := range testutil.Roles {
			access, _ := api.Login(t, w.Logins[r], testutil.Password)
			m.apis[r] = api.As(access)
		}
		sides := []mxSide{
			{"A", w.A.Records, w.A.ChildUnit, w.A.Reporter},
			{"A-outsider", w.A.OutsiderRecords, w.A.OtherUnit, w.A.Reporter},
			{"B", w.B.Records, w.B.ChildUnit, w.B.Reporter},
			{"B-outsider", w.B.OutsiderRecords, w.B.OtherUnit, w.B.Reporter},
		}

		parts := []struct {
			name string
			run  func(t *testing.T)
		}{
			{"records", func(t *testing.T) { m.records(t, sides, w.Campaign) }},
			{"nodes", func(t *testing.T) { m.nodes(t, sides) }},
			{"filters", func(t *testing.T) { m.filters(t, sides, w.Campaign) }},
			{"public", func(t *testing.T) { m.public(t, w) }},
			{"accounts", func(t *testing.T) { m.accountsAndAudit(t, w) }},
			{"caseReporter", func(t *testing.T) { m.caseReporter(t, sides) }},
			{"mutations", func(t *testing.T) { m.mutations(t, w) }},
		}
		ran := 0
		for _, p := range parts {
			t.Run(p.name, func(t *testing.T) {
				ran++
				p.run(t)
			})
		}

		t.Logf("%s: %d authorization cases checked in %s", dia, m.cases, time.Since(start).Round(time.Millisecond))
		if ran == len(parts) && m.cases < 300 { // -run may have picked some parts only
			t.Errorf("only %d cases: the matrix shrank", m.cases)
		}
	})
}

// records checks every (role, record) pair by node(id) and by every count path of its type.
func (m *mxMatrix) records(t *testing.T, sides []mxSide, campaign string) {
	for _, role := range mxRoles {
		api := m.apis[role]
		for _, s := range sides {
			for _, ty := range mxTypes {
				id := s.recs[ty.key]
				want := mxVisible(role, s.name, ty.key)
				base := fmt.Sprintf("%s/%s/%s", role, s.name, ty.key)
				m.run(t, base+"/node", func(t *testing.T) {
					r := api.Query(t, `query($id: ID!) { node(id: $id) { id __typename } }`, map[string]any{"id": id})
					data := mxData(t, r)
					got := mxStrings(mxDig(data, []string{"node", "id"}))
					typ := mxStrings(mxDig(data, []string{"node", "__typename"}))
					switch {
					case role == mxAnonymous:
						if len(got) > 0 || !mxOnly(r, "UNAUTHENTICATED") {
							t.Errorf("anonymous node(%s): want null and UNAUTHENTICATED, got %s", id, r.Raw)
						}
					case want:
						if len(r.Errors) > 0 || len(got) != 1 || got[0] != id || len(typ) != 1 || typ[0] != ty.typename {
							t.Errorf("visible %s hidden from %s by node(%s): %s", ty.key, role, id, r.Raw)
						}
					default:
						if len(got) > 0 {
							t.Errorf("LEAK: %s sees %s %s of %s by node(id): %s", role, ty.key, id, s.name, r.Raw)
						} else if len(r.Errors) > 0 && !mxOnly(r, "NOT_FOUND", "UNAUTHENTICATED") {
							t.Errorf("invisible %s: unexpected error codes %v: %s", ty.key, mxCodes(r), r.Raw)
						}
					}
				})
				for _, p := range mxProbes(ty.key, s, sides, campaign) {
					m.run(t, base+"/"+p.path, func(t *testing.T) { m.probe(t, role, s, ty.key, p) })
				}
			}
		}
	}
}

func (m *mxMatrix) probe(t *testing.T, role string, s mxSide, key string, p mxProbe) {
	t.Helper()
	id := s.recs[key]
	r := m.apis[role].Query(t, p.query, p.vars)
	data := mxData(t, r)
	ids := mxStrings(mxDig(data, p.idPath))
	found := slices.Contains(ids, id)
	if role == mxAnonymous {
		if found || !slices.Contains(mxCodes(r), "UNAUTHENTICATED") {
			t.Errorf("anonymous %s: want UNAUTHENTICATED and no data, got %s", p.path, r.Raw)
		}
		return
	}
	if len(r.Errors) > 0 {
		t.Fatalf("%s by %s: errors %v: %s", p.path, role, mxCodes(r), r.Raw)
	}
	wantTotal := 0
	for _, ref := range p.members {
		if mxVisible(role, ref.side, ref.key) {
			wantTotal++
		}
	}
	want := mxVisible(role, s.name, key)
	switch {
	case found && !want:
		t.Errorf("LEAK: %s sees %s %s of %s through %s: %s", role, key, id, s.name, p.path, r.Data)
	case !found && want:
		t.Errorf("visible %s %s of %s hidden from %s on %s: %s", key, id, s.name, role, p.path, r.Data)
	}
	if len(ids) != wantTotal {
		t.Errorf("%s reaches %d records on %s, want %d: %s", role, len(ids), p.path, wantTotal, r.Data)
	}
	if len(p.totalPath) > 0 {
		total, _ := mxSum(mxDig(data, p.totalPath))
		if total != wantTotal {
			if total > wantTotal {
				t.Errorf("LEAK: %s counts %d on %s of %s (%s), want %d: %s", role, total, p.path, s.name, key, wantTotal, r.Data)
			} else {
				t.Errorf("%s counts %d on %s of %s (%s), want %d: %s", role, total, p.path, s.name, key, wantTotal, r.Data)
			}
		}
	}
}

// nodes asks nodes(ids) for every record of a side at once and compares entry by entry.
func (m *mxMatrix) nodes(t *testing.T, sides []mxSide) {
	for _, role := range mxRoles {
		for _, s := range sides {
			m.run(t, fmt.Sprintf("%s/%s/nodes", role, s.name), func(t *testing.T) {
				ids := make([]string, len(mxTypes))
				for i, ty := range mxTypes {
					ids[i] = s.recs[ty.key]
				}
				r := m.apis[role].Query(t, `query($ids: [ID!]!) { nodes(ids: $ids) { id __typename } }`, map[string]any{"ids": ids})
				var out struct {
					Nodes []*struct {
						ID       string `json:"id"`
						Typename string `json:"__typename"`
					} `json:"nodes"`
				}
				if len(r.Data) > 0 {
					_ = json.Unmarshal(r.Data, &out)
				}
				if role == mxAnonymous {
					for _, n := range out.Nodes {
						if n != nil {
							t.Errorf("LEAK: anonymous nodes() returns %s %s", n.Typename, n.ID)
						}
					}
					if !slices.Contains(mxCodes(r), "UNAUTHENTICATED") {
						t.Errorf("anonymous nodes(): want UNAUTHENTICATED, got %s", r.Raw)
					}
					return
				}
				if len(out.Nodes) != len(ids) {
					t.Fatalf("nodes() returned %d entries for %d ids: %s", len(out.Nodes), len(ids), r.Raw)
				}
				visible := 0
				for i, ty := range mxTypes {
					want := mxVisible(role, s.name, ty.key)
					n := out.Nodes[i]
					switch {
					case n != nil && !want:
						t.Errorf("LEAK: %s sees %s %s of %s by nodes(ids)", role, ty.key, ids[i], s.name)
					case n == nil && want:
						t.Errorf("visible %s %s of %s hidden from %s by nodes(ids)", ty.key, ids[i], s.name, role)
					case n != nil && (n.ID != ids[i] || n.Typename != ty.typename):
						t.Errorf("nodes()[%d] is %s %s, want %s %s", i, n.Typename, n.ID, ty.typename, ids[i])
					}
					if want {
						visible++
					}
				}
				nonNull := 0
				for _, n := range out.Nodes {
					if n != nil {
						nonNull++
					}
				}
				if nonNull != visible {
					t.Errorf("%s: %d non-null entries in nodes() of %s, want %d", role, nonNull, s.name, visible)
				}
				if visible < len(ids) && len(r.Errors) > 0 && !mxOnly(r, "NOT_FOUND", "UNAUTHENTICATED") {
					t.Errorf("nodes(): unexpected error codes %v: %s", mxCodes(r), r.Raw)
				}
				if visible == len(ids) && len(r.Errors) > 0 {
					t.Errorf("nodes() with every record visible has errors: %s", r.Raw)
				}
			})
		}
	}
}

// filters checks that a filter on an edge (where: {hasXWith: ...}) does not tell whether a record
// the viewer cannot see exists: "not even counts" (DESIGN.md §8). Such a filter is a plain SQL
// subquery the interceptors never see, so the schema may refuse it outright (a validation error);
// if it is offered, its count must agree with what the viewer may see.
func (m *mxMatrix) filters(t *testing.T, sides []mxSide, campaign string) {
	for _, role := range mxRoles {
		for _, s := range sides {
			for _, o := range mxOracles(s, campaign) {
				m.run(t, fmt.Sprintf("%s/%s/%s/%s", role, s.name, o.key, o.path), func(t *testing.T) {
					r := m.apis[role].Query(t, o.query, o.vars)
					total, ok := mxSum(mxDig(mxData(t, r), []string{o.field, "totalCount"}))
					if !ok && mxOnly(r, "GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT") {
						return // the schema offers no such filter: nothing to learn
					}
					want := 0
					if mxVisible(role, s.name, o.key) {
						want = 1
					}
					if role == mxAnonymous {
						// Refusing the filter or matching nothing both keep the secret.
						if ok && total != 0 {
							t.Errorf("LEAK: anonymous learns that %s %s of %s exists through %s (totalCount %d): %s",
								o.key, o.vars["id"], s.name, o.path, total, r.Raw)
						} else if !ok && !slices.Contains(mxCodes(r), "UNAUTHENTICATED") {
							t.Errorf("anonymous %s: %s", o.path, r.Raw)
						}
						return
					}
					if len(r.Errors) > 0 || !ok {
						t.Fatalf("%s by %s: %s", o.path, role, r.Raw)
					}
					switch {
					case total > want:
						t.Errorf("LEAK: %s learns that invisible %s %s of %s exists through %s (totalCount %d, want %d)",
							role, o.key, o.vars["id"], s.name, o.path, total, want)
					case total < want:
						t.Errorf("%s: %s of %s: totalCount %d, want %d", role, o.path, s.name, total, want)
					}
				})
			}
		}
	}
}

// public checks that reference data is readable by everyone, signed in or not.
func (m *mxMatrix) public(t *testing.T, w *testutil.World) {
	type obj struct{ name, root, id, typename string }
	var objs []obj
	for _, s := range []struct {
		name string
		side testutil.Side
	}{{"A", w.A}, {"B", w.B}} {
		objs = append(objs,
			obj{s.name + ".Province", "provinces", s.side.Province, "Province"},
			obj{s.name + ".District", "districts", s.side.District, "District"},
			obj{s.name + ".OtherDistrict", "districts", s.side.OtherDistrict, "District"},
			obj{s.name + ".ParentUnit", "units", s.side.ParentUnit, "Unit"},
			obj{s.name + ".ChildUnit", "units", s.side.ChildUnit, "Unit"},
			obj{s.name + ".OtherUnit", "units", s.side.OtherUnit, "Unit"})
	}
	objs = append(objs, obj{"Campaign", "campaigns", w.Campaign, "Campaign"})
	for _, role := range mxRoles {
		for _, o := range objs {
			m.run(t, fmt.Sprintf("%s/%s/node", role, o.name), func(t *testing.T) {
				r := m.apis[role].Query(t, `query($id: ID!) { node(id: $id) { id __typename } }`, map[string]any{"id": o.id})
				data := mxData(t, r)
				got := mxStrings(mxDig(data, []string{"node", "id"}))
				typ := mxStrings(mxDig(data, []string{"node", "__typename"}))
				if len(r.Errors) > 0 || len(got) != 1 || got[0] != o.id || typ[0] != o.typename {
					t.Errorf("public %s not readable by %s: %s", o.name, role, r.Raw)
				}
			})
			m.run(t, fmt.Sprintf("%s/%s/root.%s", role, o.name, o.root), func(t *testing.T) {
				r := m.apis[role].Query(t, fmt.Sprintf(`query($id: ID!) { %s(where: {id: $id}) { totalCount edges { node { id } } } }`, o.root),
					map[string]any{"id": o.id})
				data := mxData(t, r)
				total, _ := mxSum(mxDig(data, []string{o.root, "totalCount"}))
				ids := mxStrings(mxDig(data, []string{o.root, "edges", "*", "node", "id"}))
				if len(r.Errors) > 0 || total != 1 || len(ids) != 1 || ids[0] != o.id {
					t.Errorf("public %s not listed for %s: %s", o.name, role, r.Raw)
				}
			})
		}
	}
}

// accountsAndAudit checks the viewer, the accounts list, node(id) on accounts and the audit log.
func (m *mxMatrix) accountsAndAudit(t *testing.T, w *testutil.World) {
	_, accs := m.accounts(t)
	wantRole := map[string][2]string{
		"official": {"OFFICIAL", "UNIT"}, "unitManager": {"UNIT_MANAGER", "UNIT"},
		"districtSupervisor": {"SUPERVISOR", "DISTRICT"}, "provinceSupervisor": {"SUPERVISOR", "PROVINCE"},
		"inspector": {"INSPECTOR", "PROVINCE"}, "admin": {"ADMIN", "NATION"},
	}
	wantOfficial := map[string]string{"official": w.A.Clerk, "unitManager": w.A.Manager}
	for _, role := range mxRoles {
		api := m.apis[role]
		m.run(t, role+"/viewer", func(t *testing.T) {
			r := api.Query(t, `{ viewer { role scopeKind account { login } official { id } } }`, nil)
			var out struct {
				Viewer *struct {
					Role      string `json:"role"`
					ScopeKind string `json:"scopeKind"`
					Account   struct {
						Login string `json:"login"`
					} `json:"account"`
					Official *struct {
						ID string `json:"id"`
					} `json:"official"`
				} `json:"viewer"`
			}
			r.Decode(t, &out)
			if role == mxAnonymous {
				if out.Viewer != nil {
					t.Errorf("anonymous viewer: %s", r.Raw)
				}
				return
			}
			v := out.Viewer
			if v == nil || v.Role != wantRole[role][0] || v.ScopeKind != wantRole[role][1] || v.Account.Login != w.Logins[role] {
				t.Fatalf("viewer of %s: %s", role, r.Raw)
			}
			if v.Official != nil {
				if v.Official.ID != wantOfficial[role] {
					t.Errorf("viewer official of %s: %q, want %q", role, v.Official.ID, wantOfficial[role])
				}
			} else if wantOfficial[role] != "" {
				t.Errorf("viewer of %s has no official, want %s", role, wantOfficial[role])
			}
		})
		m.run(t, role+"/accounts", func(t *testing.T) {
			r := api.Query(t, `{ accounts(first: 100) { totalCount edges { node { id login } } } }`, nil)
			data := mxData(t, r)
			total, _ := mxSum(mxDig(data, []string{"accounts", "totalCount"}))
			logins := mxStrings(mxDig(data, []string{"accounts", "edges", "*", "node", "login"}))
			switch role {
			case mxAnonymous:
				if len(logins) > 0 || !mxOnly(r, "UNAUTHENTICATED") {
					t.Errorf("anonymous accounts: %s", r.Raw)
				}
			case "admin":
				if len(r.Errors) > 0 || total < 6 || len(logins) != total {
					t.Errorf("admin accounts: %s", r.Raw)
				}
				for _, l := range w.Logins {
					if !slices.Contains(logins, l) {
						t.Errorf("admin does not see account %s", l)
					}
				}
			default:
				if len(r.Errors) > 0 || total != 1 || len(logins) != 1 || logins[0] != w.Logins[role] {
					t.Errorf("LEAK: %s sees accounts %v (totalCount %d), want only its own: %s", role, logins, total, r.Raw)
				}
			}
		})
		for _, target := range testutil.Roles {
			id := accs[w.Logins[target]].ID
			m.run(t, fmt.Sprintf("%s/account.%s/node", role, target), func(t *testing.T) {
				r := api.Query(t, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id})
				if got := mxStrings(mxDig(mxData(t, r), []string{"node", "id"})); len(got) > 0 ||
					!mxOnly(r, "NOT_FOUND", "UNAUTHENTICATED") {
					t.Errorf("node(account of %s) for %s: %s", target, role, r.Raw)
				}
			})
		}
		m.run(t, role+"/auditEvents", func(t *testing.T) {
			r := api.Query(t, `{ all: auditEvents { totalCount edges { node { id } } }
				logins: auditEvents(where: {action: "login"}) { totalCount } }`, nil)
			data := mxData(t, r)
			all, _ := mxSum(mxDig(data, []string{"all", "totalCount"}))
			logins, _ := mxSum(mxDig(data, []string{"logins", "totalCount"}))
			edges := mxDig(data, []string{"all", "edges", "*", "node", "id"})
			switch role {
			case mxAnonymous:
				if len(edges) > 0 || !mxOnly(r, "UNAUTHENTICATED") {
					t.Errorf("anonymous auditEvents: %s", r.Raw)
				}
			case "admin":
				if len(r.Errors) > 0 || all < 1 || logins < len(testutil.Roles) {
					t.Errorf("admin auditEvents: %d events, %d logins, want >= 1 and >= %d: %s", all, logins, len(testutil.Roles), r.Raw)
				}
			default:
				if len(r.Errors) > 0 || all != 0 || logins != 0 || len(edges) != 0 {
					t.Errorf("LEAK: %s sees %d audit events (%d logins): %s", role, all, logins, r.Raw)
				}
			}
		})
	}
}

// caseReporter checks who may open a reporter's identity, and that every read is audited.
func (m *mxMatrix) caseReporter(t *testing.T, sides []mxSide) {
	const q = `query($c: ID!, $r: String) { caseReporter(caseId: $c, reason: $r) { name phone nationalId address } }`
	reasons := []struct {
		name  string
		value any
	}{{"no reason", nil}, {"blank reason", "   "}, {"reason", "kiểm tra"}}
	reads := 0
	for _, role := range mxRoles {
		for _, s := range sides {
			for _, reason := range reasons {
				// The expected outcome: the case must be visible first (NOT_FOUND otherwise); then
				// only its assigned inspector, or an administrator giving a reason, reads it.
				var want string
				switch {
				case role == mxAnonymous:
					want = "UNAUTHENTICATED"
				case !mxVisible(role, s.name, "Case"):
					want = "NOT_FOUND"
				case role == "inspector" && s.name == "A":
					want = ""
				case role == "admin":
					if reason.name != "reason" {
						want = "BAD_USER_INPUT"
					}
				default:
					want = "FORBIDDEN"
				}
				if want == "" {
					reads++
				}
				m.run(t, fmt.Sprintf("%s/%s/Case/caseReporter(%s)", role, s.name, reason.name), func(t *testing.T) {
					r := m.apis[role].Query(t, q, map[string]any{"c": s.recs["Case"], "r": reason.value})
					names := mxStrings(mxDig(mxData(t, r), []string{"caseReporter", "name"}))
					if want == "" {
						if len(r.Errors) > 0 || len(names) != 1 || names[0] != s.reporter {
							t.Errorf("%s cannot read the reporter of %s's case: %s", role, s.name, r.Raw)
						}
						return
					}
					if len(names) > 0 || bytes.Contains(r.Raw, []byte(s.reporter)) {
						t.Errorf("LEAK: %s reads the reporter of %s's case (%s): %s", role, s.name, reason.name, r.Raw)
					}
					if !mxOnly(r, want) {
						t.Errorf("%s on %s's case (%s): codes %v, want %s: %s", role, s.name, reason.name, mxCodes(r), want, r.Raw)
					}
				})
			}
		}
	}
	m.run(t, "admin/auditEvents(caseReporterRead)", func(t *testing.T) {
		var out struct {
			AuditEvents struct {
				TotalCount int `json:"totalCount"`
			} `json:"auditEvents"`
		}
		m.apis["admin"].Query(t, `{ auditEvents(where: {action: "caseReporterRead"}) { totalCount } }`, nil).Decode(t, &out)
		if out.AuditEvents.TotalCount != reads {
			t.Errorf("%d caseReporterRead audit events, want %d (one per successful read)", out.AuditEvents.TotalCount, reads)
		}
	})
}

// mutations checks that only an administrator manages accounts: every other attempt is refused
// and changes nothing.
func (m *mxMatrix) mutations(t *testing.T, w *testutil.World) {
	const (
		create  = `mutation($in: AccountCreateInput!) { accountCreate(input: $in) { account { id login role scopeKind } userErrors { field code message } } }`
		disable = `mutation($id: ID!, $why: String!) { accountDisable(input: {accountId: $id, reason: $why}) { account { id disabled } userErrors { field code message } } }`
		setRole = `mutation($in: AccountSetRoleInput!) { accountSetRole(input: $in) { account { id role scopeKind } userErrors { field code message } } }`
	)
	total, before := m.accounts(t)
	id := func(role string) string { return before[w.Logins[role]].ID }
	n := 0
	newLogin := func() string { n++; return fmt.Sprintf("new.%d@test.vn", n) }
	for _, role := range mxRoles {
		if role == "admin" {
			continue
		}
		want := "FORBIDDEN"
		if role == mxAnonymous {
			want = "UNAUTHENTICATED"
		}
		self, other := id(role), id("official")
		if role == mxAnonymous || role == "official" {
			self, other = id("official"), id("unitManager")
		}
		attempts := []struct {
			name, query string
			vars        map[string]any
		}{
			{"accountCreate(SUPERVISOR)", create, map[string]any{"in": map[string]any{"login": newLogin(), "password": "mat-khau-dai-10",
				"role": "SUPERVISOR", "scopeKind": "PROVINCE", "scopeProvinceId": w.A.Province}}},
			{"accountCreate(ADMIN)", create, map[string]any{"in": map[string]any{"login": newLogin(), "password": "mat-khau-dai-10",
				"role": "ADMIN", "scopeKind": "NATION"}}},
			{"accountDisable(admin)", disable, map[string]any{"id": id("admin"), "why": "thử"}},
			{"accountDisable(other)", disable, map[string]any{"id": other, "why": "thử"}},
			{"accountSetRole(self to ADMIN)", setRole, map[string]any{"in": map[string]any{"accountId": self, "role": "ADMIN", "scopeKind": "NATION"}}},
			{"accountSetRole(other to SUPERVISOR of the nation)", setRole, map[string]any{"in": map[string]any{"accountId": other, "role": "SUPERVISOR", "scopeKind": "NATION"}}},
			{"accountSetRole(self to SUPERVISOR of B)", setRole, map[string]any{"in": map[string]any{"accountId": self, "role": "SUPERVISOR", "scopeKind": "PROVINCE", "scopeProvinceId": w.B.Province}}},
		}
		for _, a := range attempts {
			m.run(t, fmt.Sprintf("%s/%s", role, a.name), func(t *testing.T) {
				r := m.apis[role].Query(t, a.query, a.vars)
				if !mxOnly(r, want) || bytes.Contains(r.Data, []byte(`"account":{`)) {
					t.Errorf("%s %s: want %s and no account, got %s", role, a.name, want, r.Raw)
				}
				after, accs := m.accounts(t)
				if after != total {
					t.Errorf("%s %s: the administrator now sees %d accounts, had %d", role, a.name, after, total)
				}
				for login, acc := range accs {
					if b, ok := before[login]; !ok {
						t.Errorf("%s %s created account %s", role, a.name, login)
					} else if acc != b {
						t.Errorf("%s %s changed account %s: %+v, was %+v", role, a.name, login, acc, b)
					}
				}
			})
		}
	}
	// Refused attempts leave every session working.
	for _, role := range testutil.Roles {
		m.run(t, role+"/session after refused mutations", func(t *testing.T) {
			r := m.apis[role].Query(t, `{ viewer { account { login } } }`, nil)
			if len(r.Errors) > 0 || !bytes.Contains(r.Data, []byte(w.Logins[role])) {
				t.Errorf("%s's session ended: %s", role, r.Raw)
			}
		})
	}

	admin := m.apis["admin"]
	var created string
	m.run(t, "admin/accountCreate", func(t *testing.T) {
		login := newLogin()
		var out struct {
			AccountCreate struct {
				Account *struct {
					ID, Login, Role, ScopeKind string
				}
				UserErrors []struct {
					Field         []string
					Code, Message string
				}
			}
		}
		admin.Query(t, create, map[string]any{"in": map[string]any{"login": login, "password": "mat-khau-dai-10",
			"role": "SUPERVISOR", "scopeKind": "PROVINCE", "scopeProvinceId": w.A.Province}}).Decode(t, &out)
		acc := out.AccountCreate.Account
		if len(out.AccountCreate.UserErrors) > 0 || acc == nil || acc.Login != login || acc.Role != "SUPERVISOR" || acc.ScopeKind != "PROVINCE" {
			t.Fatalf("admin accountCreate: %+v", out)
		}
		created = acc.ID
		if after, _ := m.accounts(t); after != total+1 {
			t.Errorf("after accountCreate the administrator sees %d accounts, want %d", after, total+1)
		}
	})
	m.run(t, "admin/accountSetRole", func(t *testing.T) {
		if created == "" {
			t.Skip("no account created")
		}
		r := admin.Query(t, setRole, map[string]any{"in": map[string]any{"accountId": created, "role": "INSPECTOR",
			"scopeKind": "PROVINCE", "scopeProvinceId": w.A.Province}})
		if len(r.Errors) > 0 || !bytes.Contains(r.Data, []byte(`"role":"INSPECTOR"`)) || !bytes.Contains(r.Data, []byte(`"userErrors":[]`)) {
			t.Errorf("admin accountSetRole: %s", r.Raw)
		}
	})
	m.run(t, "admin/accountDisable", func(t *testing.T) {
		if created == "" {
			t.Skip("no account created")
		}
		r := admin.Query(t, disable, map[string]any{"id": created, "why": "thử"})
		if len(r.Errors) > 0 || !bytes.Contains(r.Data, []byte(`"disabled":true`)) || !bytes.Contains(r.Data, []byte(`"userErrors":[]`)) {
			t.Errorf("admin accountDisable: %s", r.Raw)
		}
	})
}
