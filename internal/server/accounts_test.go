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
			if _, code, _ := requestRun(t, as(c.role), c.scope, ""); code != c.code {
				t.Fatalf("%s provisioning %v: %s, want %s", c.role, c.scope, code, c.code)
			}
		}
		if n, _ := db.Client.Account.Query().Where(account.OfficialID(w.A.Staff)).Count(ctx); n != 0 {
			t.Fatal("a refused provisioning created accounts")
		}

		sup := as("provinceSupervisor")
		p := provisionDone(t, sup, province, "SHEET_AND_SEND")
		if p.Created != want || p.Sent != 1 || p.Sheets.TotalCount == 0 {
			t.Fatalf("provisioning: %+v, want %d created, 1 sent", p, want)
		}
		sheetOf := map[string]string{}
		total := 0
		for _, s := range p.Sheets.Edges {
			sheetOf[s.Node.UnitID] = s.Node.ID
			total += s.Node.Accounts
		}
		if total != want {
			t.Fatalf("sheets hold %d codes, want %d", total, want)
		}
		// Again: nothing more to do.
		if again := provisionDone(t, sup, province, "SHEET"); again.Created != 0 || again.Sheets.TotalCount != 0 {
			t.Fatalf("second provisioning: %+v", again)
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

// TestMustChangePassword: an account an administrator creates signs in to a session that may
// only change its password.
func TestMustChangePassword(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		api := testutil.NewAPI(t, db, testutil.Config(t, nil))
		admin := api.SignedIn(t, db, authz.RoleAdmin, authz.Scope{Kind: authz.ScopeNation}, "")
		var created struct {
			AccountCreate struct {
				Account    *struct{ MustChangePassword bool }
				UserErrors []userError
			}
		}
		admin.Query(t, `mutation { accountCreate(input: {login: "new.supervisor@test.vn", password: "set-by-the-admin-1",
			role: SUPERVISOR, scopeKind: NATION}) { account { mustChangePassword } userErrors { field code } } }`, nil).Decode(t, &created)
		if created.AccountCreate.Account == nil || !created.AccountCreate.Account.MustChangePassword {
			t.Fatalf("accountCreate: %+v", created.AccountCreate)
		}
		// The administrator's password is refused like any other when it is a common one.
		var common struct {
			AccountCreate struct{ UserErrors []userError }
		}
		admin.Query(t, `mutation { accountCreate(input: {login: "other@test.vn", password: "1234567890",
			role: SUPERVISOR, scopeKind: NATION}) { userErrors { field code } } }`, nil).Decode(t, &common)
		if ue := common.AccountCreate.UserErrors; len(ue) != 1 || ue[0].Field[0] != "password" {
			t.Fatalf("common password: %+v", ue)
		}
		access, _ := api.Login(t, "new.supervisor@test.vn", "set-by-the-admin-1")
		limited := api.As(access)
		var v struct {
			Viewer struct {
				Role    string
				Account struct{ MustChangePassword bool }
			}
		}
		limited.Query(t, `{ viewer { role account { mustChangePassword } } }`, nil).Decode(t, &v)
		if !v.Viewer.Account.MustChangePassword {
			t.Fatalf("viewer: %+v", v)
		}
		if r := limited.Query(t, `{ officials(first: 1) { totalCount } }`, nil); r.Code() != "FORBIDDEN" ||
			!strings.Contains(r.Errors[0].Message, "passwordChange") {
			t.Fatalf("a limited session read officials: %s", r.Raw)
		}
		if r := limited.Query(t, `{ progress(scope: {national: true}, year: 2025) { headcount } }`, nil); r.Code() != "FORBIDDEN" {
			t.Fatalf("a limited session read progress: %s", r.Raw)
		}
		// An activation sheet's link answers like every other call: change the password first.
		if r := limited.Query(t, `mutation { activationSheetLink(input: {sheetId: "ash_unknown"}) { url userErrors { field code message } } }`, nil); !strings.Contains(string(r.Raw), "passwordChange") {
			t.Fatalf("a limited session asked for a sheet's link: %s", r.Raw)
		}
		var changed struct {
			PasswordChange struct {
				AccessToken *string
				UserErrors  []userError
			}
		}
		limited.Query(t, `mutation { passwordChange(input: {currentPassword: "set-by-the-admin-1", newPassword: "my own passphrase"}) {
			accessToken userErrors { field code } } }`, nil).Decode(t, &changed)
		if changed.PasswordChange.AccessToken == nil {
			t.Fatalf("passwordChange: %+v", changed.PasswordChange)
		}
		full := api.As(*changed.PasswordChange.AccessToken)
		var n struct{ Officials struct{ TotalCount int } }
		full.Query(t, `{ officials(first: 1) { totalCount } }`, nil).Decode(t, &n)
		if r := limited.Query(t, `{ viewer { role } }`, nil); r.Code() != "UNAUTHENTICATED" {
			t.Fatalf("the limited token after the change: %s", r.Raw)
		}
	})
}

// TestRecovery: a unit manager issues a new code to an official in scope (audited), and an
// official resets their password by a code sent to their registered phone; a reset request
// answers the same for every login and is throttled per address.
func TestRecovery(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		cfg := testutil.Config(t, nil)
		box := &outbox{}
		api := testutil.NewAPIWith(t, db, cfg, nil, server.Options{Sender: box})
		w := testutil.NewWorld(t, db, cfg)
		ctx := authz.System(context.Background(), authz.SysTestFixture)
		clerk, err := db.Client.Official.UpdateOneID(w.A.Clerk).SetContactEmail("clerk@test.vn").Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		as := func(role string) *testutil.API {
			access, _ := api.Login(t, w.Logins[role], testutil.Password)
			return api.As(access)
		}
		const issue = `mutation($o: ID!, $s: Boolean) { activationCodeIssue(input: {officialId: $o, send: $s}) {
			code sent account { login } userErrors { field code } } }`
		type issued struct {
			ActivationCodeIssue struct {
				Code       *string
				Sent       bool
				Account    *struct{ Login string }
				UserErrors []userError
			}
		}
		um := as("unitManager")
		for _, c := range []struct {
			api      *testutil.API
			official string
			code     string
		}{{um, w.A.Outsider, "NOT_FOUND"}, {um, w.B.Staff, "NOT_FOUND"}, {as("official"), w.A.Clerk, "FORBIDDEN"},
			{as("inspector"), w.A.Clerk, "FORBIDDEN"}} {
			r := c.api.Query(t, issue, map[string]any{"o": c.official})
			code := r.Code()
			if code == "" {
				var out issued
				r.Decode(t, &out)
				if len(out.ActivationCodeIssue.UserErrors) > 0 {
					code = out.ActivationCodeIssue.UserErrors[0].Code
				}
			}
			if code != c.code {
				t.Fatalf("issue for %s: %s, want %s", c.official, r.Raw, c.code)
			}
		}
		// The staff of the manager's unit has no account yet: one is made, with a code shown once.
		var staff issued
		um.Query(t, issue, map[string]any{"o": w.A.Staff}).Decode(t, &staff)
		if staff.ActivationCodeIssue.Code == nil || staff.ActivationCodeIssue.Account == nil {
			t.Fatalf("issue for the staff: %+v", staff.ActivationCodeIssue)
		}
		// The staff has no registered contact: sending is refused on the field.
		var nowhere issued
		um.Query(t, issue, map[string]any{"o": w.A.Staff, "s": true}).Decode(t, &nowhere)
		if ue := nowhere.ActivationCodeIssue.UserErrors; len(ue) != 1 || ue[0].Field[0] != "send" {
			t.Fatalf("send without a contact: %+v", nowhere.ActivationCodeIssue)
		}
		// The clerk (in the child unit) has an account and an e-mail: the code is sent there; the
		// old password keeps working until the code is used.
		var sent issued
		um.Query(t, issue, map[string]any{"o": w.A.Clerk, "s": true}).Decode(t, &sent)
		if !sent.ActivationCodeIssue.Sent || sent.ActivationCodeIssue.Code != nil {
			t.Fatalf("issue by e-mail: %+v", sent.ActivationCodeIssue)
		}
		api.Auth.WaitResets() // the delivery is a job of the queue
		mail := box.take()
		if len(mail) != 1 || mail[0].Channel != delivery.Email || mail[0].To != clerk.ContactEmail || codeInText.FindString(mail[0].Text) != mail[0].Code {
			t.Fatalf("mail: %+v", mail)
		}
		api.Login(t, w.Logins["official"], testutil.Password)
		if r := activate(t, api, w.Logins["official"], mail[0].Code, "clerk's new passphrase"); r.AccountActivate.AccessToken == nil {
			t.Fatalf("activation with the issued code: %+v", r.AccountActivate)
		}
		if r := login(t, api, w.Logins["official"], testutil.Password); r.Login.AccessToken != "" {
			t.Fatal("the old password still works after the code set a new one")
		}
		var audit struct{ AuditEvents struct{ TotalCount int } }
		as("admin").Query(t, `{ auditEvents(where: {action: "activationCodeIssue"}) { totalCount } }`, nil).Decode(t, &audit)
		if audit.AuditEvents.TotalCount != 2 {
			t.Fatalf("activationCodeIssue audit entries: %d, want 2", audit.AuditEvents.TotalCount)
		}

		// Self-service reset: the same answer for an account with a contact, one without, and no
		// account; only the first gets a message.
		const reset = `mutation($l: String!) { passwordResetRequest(input: {login: $l}) { ok userErrors { field code } } }`
		var answers []string
		for _, l := range []string{w.Logins["official"], staff.ActivationCodeIssue.Account.Login, "nobody@test.vn"} {
			r := api.Query(t, reset, map[string]any{"l": l})
			answers = append(answers, string(r.Raw))
		}
		if answers[0] != answers[1] || answers[1] != answers[2] || !strings.Contains(answers[0], `"ok":true`) {
			t.Fatalf("reset answers differ: %q", answers)
		}
		api.Auth.WaitResets()
		mail = box.take()
		if len(mail) != 1 || mail[0].To != clerk.ContactEmail {
			t.Fatalf("reset messages: %+v\n%s", mail, api.Logs.String())
		}
		// A second request ends the first reset code: only the newest works.
		api.Query(t, reset, map[string]any{"l": w.Logins["official"]})
		api.Auth.WaitResets()
		first := mail[0].Code
		if mail = box.take(); len(mail) != 1 || mail[0].Code == first {
			t.Fatalf("second reset message: %+v", mail)
		}
		if r := activate(t, api, w.Logins["official"], first, "clerk's third passphrase"); r.AccountActivate.AccessToken != nil {
			t.Fatal("the earlier reset code still works after a new one was sent")
		}
		if r := activate(t, api, w.Logins["official"], mail[0].Code, "clerk's third passphrase"); r.AccountActivate.AccessToken == nil {
			t.Fatalf("reset with the code: %+v", r.AccountActivate)
		}
		// Throttled per address: 10 requests, then RATE_LIMITED (the four above count).
		limited := ""
		for i := 0; i < 10 && limited == ""; i++ {
			var out struct {
				PasswordResetRequest struct{ UserErrors []userError }
			}
			r := api.Query(t, reset, map[string]any{"l": "someone@test.vn"})
			if r.Code() != "" {
				limited = r.Code()
				break
			}
			r.Decode(t, &out)
			if ue := out.PasswordResetRequest.UserErrors; len(ue) > 0 {
				limited = ue[0].Code
			}
		}
		if limited != "RATE_LIMITED" {
			t.Fatalf("reset requests were not throttled: %q", limited)
		}
		api.Auth.WaitResets()
	})
}
