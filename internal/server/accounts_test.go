package server_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/delivery"
	"github.com/liemchinh/liemchinh/internal/server"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// outbox records the messages the server sends.
type outbox struct {
	mu   sync.Mutex
	sent []delivery.Message
}

func (o *outbox) Send(_ context.Context, m delivery.Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, m)
	return nil
}

func (o *outbox) take() []delivery.Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := o.sent
	o.sent = nil
	return out
}

type userError struct {
	Field         []string
	Code, Message string
}

const provisionMutation = `mutation($s: ScopeInput!, $d: ActivationDelivery) {
	accountsProvision(input: {scope: $s, delivery: $d}) {
		created sent expiresAt sheets { id unitID accounts downloadedAt } skipped { employeeCode code }
		userErrors { field code message } } }`

type provisionResult struct {
	AccountsProvision struct {
		Created, Sent int
		Sheets        []struct {
			ID           string
			UnitID       string `json:"unitID"`
			Accounts     int
			DownloadedAt *string
		}
		Skipped    []struct{ EmployeeCode, Code string }
		UserErrors []userError
	}
}

const activateMutation = `mutation($l: String!, $c: String!, $p: String!) {
	accountActivate(input: {login: $l, code: $c, newPassword: $p}) {
		accessToken refreshToken account { login mustChangePassword } userErrors { field code message } } }`

type activateResult struct {
	AccountActivate struct {
		AccessToken, RefreshToken *string
		Account                   *struct {
			Login              string
			MustChangePassword bool
		}
		UserErrors []userError
	}
}

func activate(t *testing.T, api *testutil.API, login, code, password string) activateResult {
	t.Helper()
	var out activateResult
	api.Query(t, activateMutation, map[string]any{"l": login, "c": code, "p": password}).Decode(t, &out)
	return out
}

var codeInText = regexp.MustCompile(`[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}`)

// TestAccountsProvision: a province supervisor provisions accounts for the officials of their
// province without one; each gets a code on their unit's sheet, and by SMS when they have a
// phone; the sheet downloads once as XLSX; the first sign-in with the code sets the password.
func TestAccountsProvision(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		cfg := testutil.Config(t, nil)
		box := &outbox{}
		api := testutil.NewAPIWith(t, db, cfg, nil, server.Options{Sender: box})
		w := testutil.NewWorld(t, db, cfg)
		ctx := authz.System(context.Background(), authz.SysTestFixture)
		staff, err := db.Client.Official.UpdateOneID(w.A.Staff).SetContactPhone("+84901234567").Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// Officials of A in service without an account: the ones provisioning must cover.
		want, err := db.Client.Official.Query().Where(official.HasUnitWith(), official.Not(official.HasAccount()),
			authz.UnitsOf(authz.Scope{Kind: authz.ScopeProvince, ID: w.A.Province}, official.UnitColumn)).Count(ctx)
		if err != nil || want < 2 {
			t.Fatalf("officials to provision: %d, %v", want, err)
		}
		as := func(role string) *testutil.API {
			access, _ := api.Login(t, w.Logins[role], testutil.Password)
			return api.As(access)
		}
		province := map[string]any{"provinceId": w.A.Province}

		// Who may not: officials, unit managers, inspectors, a district supervisor for the province,
		// anyone for another province, nobody for the nation.
		for _, c := range []struct {
			role  string
			scope map[string]any
			code  string
		}{{"official", province, "FORBIDDEN"}, {"unitManager", province, "FORBIDDEN"}, {"inspector", province, "FORBIDDEN"},
			{"districtSupervisor", province, "FORBIDDEN"}, {"provinceSupervisor", map[string]any{"provinceId": w.B.Province}, "FORBIDDEN"},
			{"admin", map[string]any{"national": true}, "BAD_USER_INPUT"}} {
			r := as(c.role).Query(t, provisionMutation, map[string]any{"s": c.scope})
			var out provisionResult
			code := r.Code()
			if code == "" {
				r.Decode(t, &out)
				if len(out.AccountsProvision.UserErrors) > 0 {
					code = out.AccountsProvision.UserErrors[0].Code
				}
			}
			if code != c.code {
				t.Fatalf("%s provisioning %v: %s, want %s", c.role, c.scope, r.Raw, c.code)
			}
		}
		if n, _ := db.Client.Account.Query().Where(account.OfficialID(w.A.Staff)).Count(ctx); n != 0 {
			t.Fatal("a refused provisioning created accounts")
		}

		sup := as("provinceSupervisor")
		var out provisionResult
		sup.Query(t, provisionMutation, map[string]any{"s": province, "d": "SHEET_AND_SEND"}).Decode(t, &out)
		p := out.AccountsProvision
		if len(p.UserErrors) > 0 || p.Created != want || p.Sent != 1 || len(p.Sheets) == 0 {
			t.Fatalf("provisioning: %+v, want %d created, 1 sent", p, want)
		}
		sheetOf := map[string]string{}
		total := 0
		for _, s := range p.Sheets {
			sheetOf[s.UnitID] = s.ID
			total += s.Accounts
		}
		if total != want {
			t.Fatalf("sheets hold %d codes, want %d", total, want)
		}
		// Again: nothing more to do.
		var again provisionResult
		sup.Query(t, provisionMutation, map[string]any{"s": province, "d": "SHEET"}).Decode(t, &again)
		if again.AccountsProvision.Created != 0 || len(again.AccountsProvision.Sheets) != 0 {
			t.Fatalf("second provisioning: %+v", again.AccountsProvision)
		}
		acc, err := db.Client.Account.Query().Where(account.OfficialID(w.A.Staff)).Only(ctx)
		if err != nil || acc.Login != strings.ToLower(staff.EmployeeCode) || acc.Role != account.RoleOFFICIAL ||
			acc.PasswordHash != "" || acc.ScopeUnitID == nil || *acc.ScopeUnitID != w.A.ParentUnit {
			t.Fatalf("provisioned account: %+v, %v", acc, err)
		}

		// The SMS, sent in the background, carries the code; never a log line with it in production
		// (the log sender's own test), here the outbox.
		api.Auth.WaitResets()
		sent := box.take()
		if len(sent) != 1 || sent[0].Channel != delivery.SMS || sent[0].To != "+84901234567" || !strings.Contains(sent[0].Text, sent[0].Code) {
			t.Fatalf("sent: %+v", sent)
		}
		smsCode := sent[0].Code

		// The unit manager of A's parent unit sees the sheets of their units only, and downloads
		// their unit's sheet once.
		um := as("unitManager")
		var sheets struct {
			ActivationSheets struct {
				TotalCount int
				Edges      []struct {
					Node struct {
						ID     string
						UnitID string `json:"unitID"`
					}
				}
			}
		}
		um.Query(t, `{ activationSheets { totalCount edges { node { id unitID } } } }`, nil).Decode(t, &sheets)
		for _, e := range sheets.ActivationSheets.Edges {
			if e.Node.UnitID != w.A.ParentUnit && e.Node.UnitID != w.A.ChildUnit {
				t.Fatalf("unit manager sees the sheet of unit %s", e.Node.UnitID)
			}
		}
		if sheets.ActivationSheets.TotalCount != 1 {
			t.Fatalf("unit manager sees %d sheets, want 1 (their unit's)", sheets.ActivationSheets.TotalCount)
		}
		link := func(a *testutil.API, id string) (string, string) {
			var l struct {
				ActivationSheetLink struct {
					URL        *string
					UserErrors []userError
				}
			}
			r := a.Query(t, `mutation($id: ID!) { activationSheetLink(input: {sheetId: $id}) { url userErrors { field code } } }`, map[string]any{"id": id})
			if r.Code() != "" {
				return "", r.Code()
			}
			r.Decode(t, &l)
			if len(l.ActivationSheetLink.UserErrors) > 0 {
				return "", l.ActivationSheetLink.UserErrors[0].Code
			}
			return *l.ActivationSheetLink.URL, ""
		}
		if _, code := link(um, sheetOf[w.A.OtherUnit]); code != "NOT_FOUND" {
			t.Fatalf("unit manager's link to another unit's sheet: %s", code)
		}
		if _, code := link(as("official"), sheetOf[w.A.ParentUnit]); code != "FORBIDDEN" {
			t.Fatalf("official's link: %s", code)
		}
		url, code := link(um, sheetOf[w.A.ParentUnit])
		if code != "" {
			t.Fatalf("link: %s", code)
		}
		get := func(url string) *httptest.ResponseRecorder {
			rec := httptest.NewRecorder()
			api.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
			return rec
		}
		res := get(url)
		if res.Code != http.StatusOK || !strings.Contains(res.Header().Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("download: %d %s", res.Code, res.Body.String())
		}
		x, err := excelize.OpenReader(bytes.NewReader(res.Body.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := x.GetRows(x.GetSheetName(0))
		if err != nil {
			t.Fatal(err)
		}
		sheetCode := ""
		for _, r := range rows {
			if len(r) >= 5 && r[1] == staff.EmployeeCode {
				sheetCode = r[4]
			}
		}
		if sheetCode != smsCode {
			t.Fatalf("sheet code of the staff %q, SMS code %q; rows %q", sheetCode, smsCode, rows)
		}
		if again := get(url); again.Code != http.StatusNotFound {
			t.Fatalf("second download: %d", again.Code)
		}
		if bad := get(url + "x"); bad.Code != http.StatusUnauthorized {
			t.Fatalf("tampered link: %d", bad.Code)
		}
		var audit struct{ AuditEvents struct{ TotalCount int } }
		as("admin").Query(t, `{ auditEvents(where: {actionIn: ["accountsProvision", "activationSheetDownload"]}) { totalCount } }`, nil).Decode(t, &audit)
		if audit.AuditEvents.TotalCount != 3 { // two provisionings, one download
			t.Fatalf("audit entries: %d, want 3", audit.AuditEvents.TotalCount)
		}

		// Not activated yet: no password signs in.
		if r := login(t, api, acc.Login, ""); len(r.Login.UserErrors) == 0 {
			t.Fatal("an account without a password signed in")
		}
		// Refusals name the field and keep the code unspent.
		for _, c := range []struct{ login, code, password, field, errCode string }{
			{acc.Login, smsCode, "short", "newPassword", "BAD_USER_INPUT"},
			{acc.Login, smsCode, "password1234", "newPassword", "BAD_USER_INPUT"}, // among the most common
			{acc.Login, smsCode, "qwertyuiop", "newPassword", "BAD_USER_INPUT"},
			{acc.Login, smsCode, "x" + acc.Login + "x", "newPassword", "BAD_USER_INPUT"},
			{acc.Login, "2222-3333-4444", "a good long passphrase", "code", "UNAUTHENTICATED"},
			{"nobody-here", smsCode, "a good long passphrase", "code", "UNAUTHENTICATED"},
		} {
			r := activate(t, api, c.login, c.code, c.password)
			ue := r.AccountActivate.UserErrors
			if r.AccountActivate.AccessToken != nil || len(ue) != 1 || ue[0].Code != c.errCode || strings.Join(ue[0].Field, ".") != c.field {
				t.Fatalf("activate %s/%s/%s: %+v", c.login, c.code, c.password, r.AccountActivate)
			}
		}
		// Typed in lower case without dashes, it still works; once.
		ok := activate(t, api, strings.ToUpper(acc.Login), strings.ToLower(strings.ReplaceAll(smsCode, "-", " ")), "a good long passphrase")
		if ok.AccountActivate.AccessToken == nil || ok.AccountActivate.Account.MustChangePassword {
			t.Fatalf("activation: %+v", ok.AccountActivate)
		}
		if role, r := viewerRole(t, api.As(*ok.AccountActivate.AccessToken)); role != "OFFICIAL" {
			t.Fatalf("viewer after activation: %s", r.Raw)
		}
		if r := activate(t, api, acc.Login, smsCode, "another good passphrase"); r.AccountActivate.AccessToken != nil {
			t.Fatal("a spent code worked again")
		}
		if r := login(t, api, acc.Login, "a good long passphrase"); r.Login.AccessToken == "" {
			t.Fatalf("login with the password set: %+v", r.Login)
		}
	})
}
