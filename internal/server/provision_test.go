package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/ent/activationcode"
	"github.com/liemchinh/liemchinh/ent/activationsheet"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/server"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

const provisionMutation = `mutation($s: ScopeInput!, $d: ActivationDelivery) {
	accountsProvision(input: {scope: $s, delivery: $d}) { provisioning { id status } userErrors { field code message }
		created sent sheets { id } skipped { employeeCode } expiresAt } }`

type provisionResult struct {
	AccountsProvision struct {
		Provisioning *struct{ ID, Status string }
		UserErrors   []userError
		// The fields answered before runs were queued (deprecated): the run as it stands.
		Created, Sent int
		Sheets        []struct{ ID string }
		Skipped       []struct{ EmployeeCode string }
		ExpiresAt     *time.Time
	}
}

// provisionRun is a run as the API shows it.
type provisionRun struct {
	ID, Status                                                      string
	Failure                                                         *string
	Officials, Units, UnitsDone, Created, Skipped, Sent, SheetCount int
	SkippedList                                                     []struct{ EmployeeCode, Code string }
	Sheets                                                          struct {
		TotalCount int
		Edges      []struct {
			Node struct {
				ID       string
				UnitID   string `json:"unitID"`
				Accounts int
			}
		}
	}
}

const runFields = `id status failure officials units unitsDone created skipped sent sheetCount
	skippedList { employeeCode code } sheets(first: 100) { totalCount edges { node { id unitID accounts } } }`

// requestRun asks for a run; it returns its id, or the refusal's code (a top-level error's or the
// first userError's) and, for a userError, the error.
func requestRun(t *testing.T, api *testutil.API, scope map[string]any, delivery string, header ...string) (string, string, *userError) {
	t.Helper()
	vars := map[string]any{"s": scope}
	if delivery != "" {
		vars["d"] = delivery
	}
	r := api.Query(t, provisionMutation, vars, header...)
	if c := r.Code(); c != "" {
		return "", c, nil
	}
	var out provisionResult
	r.Decode(t, &out)
	if ue := out.AccountsProvision.UserErrors; len(ue) > 0 {
		return "", ue[0].Code, &ue[0]
	}
	p := out.AccountsProvision
	if p.Provisioning == nil {
		t.Fatalf("accountsProvision: %s", r.Raw)
	}
	if p.Provisioning.Status != "QUEUED" || p.Created != 0 || p.Sent != 0 || len(p.Skipped) != 0 || p.ExpiresAt != nil || p.Sheets == nil {
		t.Fatalf("accountsProvision answered a queued run with created %d, sent %d, skipped %v, expiresAt %v, sheets %v: %s",
			p.Created, p.Sent, p.Skipped, p.ExpiresAt, p.Sheets, r.Raw)
	}
	return out.AccountsProvision.Provisioning.ID, "", nil
}

// readRun reads a run through node(id); nil when the viewer does not see it (NOT_FOUND).
func readRun(t *testing.T, api *testutil.API, id string) *provisionRun {
	t.Helper()
	var n struct{ Node *provisionRun }
	r := api.Query(t, `query($id: ID!) { node(id: $id) { ... on AccountProvisioning { `+runFields+` } } }`,
		map[string]any{"id": id}, "Accept-Language", "en")
	if r.Code() == "NOT_FOUND" {
		return nil
	}
	r.Decode(t, &n)
	if n.Node == nil || n.Node.ID == "" {
		return nil
	}
	return n.Node
}

// awaitRun polls a run until done says so.
func awaitRun(t *testing.T, api *testutil.API, id string, within time.Duration, done func(*provisionRun) bool) *provisionRun {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		r := readRun(t, api, id)
		if r == nil {
			t.Fatalf("run %s not visible", id)
		}
		if done(r) {
			return r
		}
		if time.Now().After(deadline) || (r.Status == "FAILED") {
			t.Fatalf("run %s: %+v after %s", id, r, within)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func failure(r *provisionRun) string {
	if r.Failure == nil {
		return ""
	}
	return *r.Failure
}

func ended(r *provisionRun) bool { return r.Status == "DONE" || r.Status == "FAILED" }

// provisionDone asks for a run and waits for it to end DONE.
func provisionDone(t *testing.T, api *testutil.API, scope map[string]any, delivery string) *provisionRun {
	t.Helper()
	id, code, _ := requestRun(t, api, scope, delivery)
	if code != "" {
		t.Fatalf("accountsProvision %v: %s", scope, code)
	}
	r := awaitRun(t, api, id, 90*time.Second, ended)
	if r.Status != "DONE" {
		t.Fatalf("run %+v", r)
	}
	return r
}

// TestProvisioningRuns: a province's run works in batches of whole units, its progress and
// sheets visible as it goes; a batch that fails leaves the batches before it committed and the
// run queued, and the next attempt resumes without issuing an account or a code twice; while it
// is open an overlapping run is refused; a second run creates nothing; the run is read and
// started only by who may provision its scope.
func TestProvisioningRuns(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		cfg := testutil.Config(t, nil)
		api := testutil.NewAPIWith(t, db, cfg, nil, server.Options{Sender: &outbox{}})
		w := testutil.NewWorld(t, db, cfg)
		ctx := authz.System(context.Background(), authz.SysTestFixture)
		// Three more units of A: two of 1,500 officials, one of 2,500 (more than a batch holds:
		// a batch of its own); every other official with a phone.
		sizes := []int{1500, 1500, 2500}
		for i, n := range sizes {
			u := db.Client.Unit.Create().SetName(fmt.Sprintf("Đơn vị lớn %d", i)).SetLevel(unit.LevelCOMMUNE).
				SetKind(unit.KindPEOPLES_COMMITTEE).SetProvinceID(w.A.Province).SaveX(ctx)
			for from := 0; from < n; from += 1000 {
				var cs []*ent.OfficialCreate
				for j := from; j < min(from+1000, n); j++ {
					c := db.Client.Official.Create().SetFullName(fmt.Sprintf("Trần Văn %d", j)).SetCategory(official.CategoryCONG_CHUC).
						SetEmployeeCode(fmt.Sprintf("P%d-%05d", i, j)).SetActiveFrom(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)).SetUnitID(u.ID)
					if j%2 == 0 {
						c.SetContactPhone(fmt.Sprintf("+8491%07d", i*100000+j))
					}
					cs = append(cs, c)
				}
				db.Client.Official.CreateBulk(cs...).ExecX(ctx)
			}
		}
		// One login is taken by an account made by hand: that official is skipped.
		db.Client.Account.Create().SetLogin("p0-00007").SetRole(account.RoleOFFICIAL).SetScopeKind(account.ScopeKindUNIT).
			SetScopeUnitID(w.A.ParentUnit).ExecX(ctx)
		inA := authz.UnitsOf(authz.Scope{Kind: authz.ScopeProvince, ID: w.A.Province}, official.UnitColumn)
		before := db.Client.Account.Query().Where(account.HasOfficialWith(inA)).CountX(ctx) // the world's own
		want := db.Client.Official.Query().Where(inA, official.Not(official.HasAccount())).CountX(ctx)
		phones := db.Client.Official.Query().Where(inA, official.Not(official.HasAccount()), official.ContactPhoneNEQ("")).CountX(ctx)
		perUnit := map[string]int{}
		var units []string
		for _, o := range db.Client.Official.Query().Where(inA, official.Not(official.HasAccount())).Select(official.FieldUnitID).AllX(ctx) {
			if perUnit[o.UnitID] == 0 {
				units = append(units, o.UnitID)
			}
			perUnit[o.UnitID]++
		}
		perUnit[func() string { // the official whose login is taken has no sheet line
			o := db.Client.Official.Query().Where(official.EmployeeCode("P0-00007")).OnlyX(ctx)
			return o.UnitID
		}()]--
		last := units[0] // the unit worked last: its batch fails first
		for _, u := range units {
			if u > last {
				last = u
			}
		}
		as := func(role string) *testutil.API {
			access, _ := api.Login(t, w.Logins[role], testutil.Password)
			return api.As(access)
		}
		province := map[string]any{"provinceId": w.A.Province}
		sup := as("provinceSupervisor")

		// Who may not start one: the citizen, a unit manager, a supervisor of another province.
		citizen, _, err := api.Auth.Signer().SignCitizen("citizen-key")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			api  *testutil.API
			code string
		}{{api.As(citizen), "FORBIDDEN"}, {as("unitManager"), "FORBIDDEN"}, {as("districtSupervisor"), "FORBIDDEN"}} {
			if _, code, _ := requestRun(t, c.api, province, ""); code != c.code && code != "UNAUTHENTICATED" {
				t.Fatalf("refused run: %s, want %s", code, c.code)
			}
		}

		// The batch holding the last unit fails (its sheet is refused by the database).
		trigger := []string{`CREATE TRIGGER fail_sheet BEFORE INSERT ON activation_sheets WHEN NEW.unit_id = '` + last + `'
			BEGIN SELECT RAISE(ABORT, 'test: sheet refused'); END`}
		untrigger := `DROP TRIGGER fail_sheet`
		if dia == "postgres" {
			trigger = []string{`CREATE FUNCTION fail_sheet() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN IF NEW.unit_id = '` + last + `' THEN RAISE EXCEPTION 'test: sheet refused'; END IF; RETURN NEW; END $$`,
				`CREATE TRIGGER fail_sheet BEFORE INSERT ON activation_sheets FOR EACH ROW EXECUTE FUNCTION fail_sheet()`}
			untrigger = `DROP TRIGGER fail_sheet ON activation_sheets`
		}
		for _, q := range trigger {
			if _, err := db.SQL.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		id, code, _ := requestRun(t, sup, province, "SHEET_AND_SEND")
		if code != "" {
			t.Fatalf("run: %s", code)
		}
		r := awaitRun(t, sup, id, 90*time.Second, func(r *provisionRun) bool { return r.Status == "QUEUED" && failure(r) != "" })
		if r.Created == 0 || r.UnitsDone == 0 || r.UnitsDone >= r.Units || r.Units != len(units) || r.Officials != want ||
			!strings.Contains(failure(r), "resume") {
			t.Fatalf("after a failed batch: %+v %q (%d units, %d officials)\n%s", r, failure(r), len(units), want, api.Logs)
		}
		made := db.Client.Account.Query().Where(account.HasOfficialWith(inA)).CountX(ctx)
		if made-before != r.Created || r.SheetCount == 0 || r.Sheets.TotalCount != r.SheetCount ||
			db.Client.ActivationSheet.Query().Where(activationsheet.ProvisioningID(id)).CountX(ctx) != r.SheetCount {
			t.Fatalf("%d accounts in the database, the run says %+v", made, r)
		}

		// While it is open, an overlapping run is refused, in both languages; another province's runs.
		for _, c := range []struct {
			scope map[string]any
			lang  string
			says  string
		}{{province, "vi", "Đang có một đợt cấp tài khoản"}, {map[string]any{"unitId": w.A.ChildUnit}, "en", "already queued or running"},
			{map[string]any{"districtId": w.A.District}, "en", "already queued or running"}} {
			_, code, ue := requestRun(t, sup, c.scope, "", "Accept-Language", c.lang)
			if code != "CONFLICT" || ue == nil || strings.Join(ue.Field, ".") != "scope" || !strings.Contains(ue.Message, c.says) {
				t.Fatalf("overlapping run %v: %s %+v", c.scope, code, ue)
			}
		}
		admin := as("admin")
		if b := provisionDone(t, admin, map[string]any{"provinceId": w.B.Province}, "SHEET"); b.Created == 0 {
			t.Fatalf("province B's run: %+v", b)
		}

		// Out of scope: B's supervisor neither reads A's run nor lists it; a district supervisor
		// of A does not read the province's run.
		outside := supervisorOn(t, api, testutil.Account(t, db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeProvince, ID: w.B.Province}, ""))
		if readRun(t, outside, id) != nil || readRun(t, as("districtSupervisor"), id) != nil {
			t.Fatal("a run read out of scope")
		}
		var list struct{ AccountProvisionings struct{ TotalCount int } }
		outside.Query(t, `{ accountProvisionings { totalCount } }`, nil).Decode(t, &list)
		if list.AccountProvisionings.TotalCount != 1 { // B's own
			t.Fatalf("B's supervisor lists %d runs, want 1", list.AccountProvisionings.TotalCount)
		}
		if r := api.As(citizen).Query(t, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id}); r.Code() == "" && strings.Contains(string(r.Raw), id) {
			t.Fatalf("a citizen read a run: %s", r.Raw)
		}

		// The database takes the sheet again: the next attempt resumes and finishes.
		if _, err := db.SQL.ExecContext(ctx, untrigger); err != nil {
			t.Fatal(err)
		}
		r = awaitRun(t, sup, id, 90*time.Second, ended)
		if r.Status != "DONE" || failure(r) != "" || r.Created != want-1 || r.Skipped != 1 || r.Officials != want ||
			r.UnitsDone != len(units) || r.Sent != phones || len(r.SkippedList) != 1 || r.SkippedList[0].EmployeeCode != "P0-00007" ||
			r.SkippedList[0].Code != "LOGIN_TAKEN" {
			t.Fatalf("resumed run: %+v, want %d created, %d sent", r, want-1, phones)
		}
		// Once each: an account per official, one code per account, one sheet per unit.
		if n := db.Client.Account.Query().Where(account.HasOfficialWith(inA)).CountX(ctx); n-before != want-1 {
			t.Fatalf("%d accounts, want %d", n-before, want-1)
		}
		if n := db.Client.ActivationCode.Query().Where(activationcode.HasAccountWith(account.HasOfficialWith(inA))).CountX(ctx); n != want-1 {
			t.Fatalf("%d codes, want %d", n, want-1)
		}
		if r.Sheets.TotalCount != len(units) || r.SheetCount != len(units) {
			t.Fatalf("%d sheets (%d counted), want one per unit: %d", r.Sheets.TotalCount, r.SheetCount, len(units))
		}
		for _, e := range r.Sheets.Edges {
			if e.Node.Accounts != perUnit[e.Node.UnitID] {
				t.Fatalf("sheet of %s: %d codes, want %d", e.Node.UnitID, e.Node.Accounts, perUnit[e.Node.UnitID])
			}
			perUnit[e.Node.UnitID] = -1 // one sheet only
		}
		// A sheet of the run downloads through its link as before.
		var link struct {
			ActivationSheetLink struct {
				URL        *string
				UserErrors []userError
			}
		}
		sup.Query(t, `mutation($id: ID!) { activationSheetLink(input: {sheetId: $id}) { url userErrors { field code } } }`,
			map[string]any{"id": r.Sheets.Edges[0].Node.ID}).Decode(t, &link)
		if link.ActivationSheetLink.URL == nil {
			t.Fatalf("sheet link: %+v", link)
		}

		// Again: nothing new.
		again := provisionDone(t, sup, province, "SHEET_AND_SEND")
		if again.Created != 0 || again.Sent != 0 || again.Sheets.TotalCount != 0 || again.Skipped != 1 {
			t.Fatalf("second run: %+v", again)
		}
		if n := db.Client.Account.Query().Where(account.HasOfficialWith(inA)).CountX(ctx); n-before != want-1 {
			t.Fatalf("after a second run: %d accounts, want %d", n-before, want-1)
		}
	})
}
