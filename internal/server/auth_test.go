package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/alexedwards/argon2id"
	"github.com/coder/websocket"
	"github.com/golang-jwt/jwt/v5"

	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/internal/auth"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/config"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

const loginMutation = `mutation($l: String!, $p: String!) { login(input: {login: $l, password: $p}) {
	accessToken refreshToken account { login role } userErrors { field code message } } }`

type loginResult struct {
	Login struct {
		AccessToken, RefreshToken string
		Account                   *struct{ Login, Role string }
		UserErrors                []struct {
			Field         []string
			Code, Message string
		}
	}
}

func login(t *testing.T, api *testutil.API, l, p string) loginResult {
	t.Helper()
	var out loginResult
	api.Query(t, loginMutation, map[string]any{"l": l, "p": p}).Decode(t, &out)
	return out
}

func refresh(t *testing.T, api *testutil.API, token string) (access, next, code string) {
	t.Helper()
	var out struct {
		TokenRefresh struct {
			AccessToken, RefreshToken *string
			UserErrors                []struct{ Code string }
		}
	}
	api.Query(t, `mutation($t: String!) { tokenRefresh(input: {refreshToken: $t}) { accessToken refreshToken userErrors { code } } }`,
		map[string]any{"t": token}).Decode(t, &out)
	if len(out.TokenRefresh.UserErrors) > 0 {
		return "", "", out.TokenRefresh.UserErrors[0].Code
	}
	return *out.TokenRefresh.AccessToken, *out.TokenRefresh.RefreshToken, ""
}

func viewerRole(t *testing.T, api *testutil.API) (string, *testutil.Response) {
	t.Helper()
	r := api.Query(t, `{ viewer { role } }`, nil)
	var out struct{ Viewer *struct{ Role string } }
	if len(r.Errors) > 0 || r.Status != http.StatusOK {
		return "", r
	}
	_ = json.Unmarshal(r.Data, &out)
	if out.Viewer == nil {
		return "", r
	}
	return out.Viewer.Role, r
}

func TestLogin(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		api := testutil.NewAPI(t, db, testutil.Config(t, nil))
		user := testutil.Account(t, db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeNation}, "")
		disabled := testutil.Account(t, db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeNation}, "")
		if _, err := db.Client.Account.Update().Where(account.Login(disabled)).SetDisabled(true).
			Save(authz.System(context.Background(), authz.SysTestFixture)); err != nil {
			t.Fatal(err)
		}

		ok := login(t, api, "  "+strings.ToUpper(user)+" ", testutil.Password)
		if ok.Login.AccessToken == "" || ok.Login.RefreshToken == "" || ok.Login.Account.Login != user {
			t.Fatalf("login: %+v", ok)
		}
		if role, r := viewerRole(t, api.As(ok.Login.AccessToken)); role != "SUPERVISOR" {
			t.Fatalf("viewer with the token: %s", r.Raw)
		}
		if role, r := viewerRole(t, api); role != "" || len(r.Errors) > 0 {
			t.Fatalf("viewer without a token: %s", r.Raw)
		}

		// Unknown login, wrong password and disabled account read exactly the same.
		var messages []string
		for _, c := range []struct{ l, p string }{{"nobody@test.vn", testutil.Password}, {user, "wrong-password"}, {disabled, testutil.Password}} {
			r := login(t, api, c.l, c.p)
			if r.Login.AccessToken != "" || len(r.Login.UserErrors) != 1 || r.Login.UserErrors[0].Code != "UNAUTHENTICATED" {
				t.Fatalf("login %s/%s: %+v", c.l, c.p, r)
			}
			messages = append(messages, r.Login.UserErrors[0].Message)
		}
		if messages[0] != messages[1] || messages[1] != messages[2] {
			t.Fatalf("failures read differently: %q", messages)
		}
		var audit struct {
			AuditEvents struct{ TotalCount int }
		}
		admin := api.SignedIn(t, db, authz.RoleAdmin, authz.Scope{Kind: authz.ScopeNation}, "")
		admin.Query(t, `{ auditEvents(where: {action: "login"}) { totalCount } }`, nil).Decode(t, &audit)
		if audit.AuditEvents.TotalCount != 2 { // the supervisor's and the admin's
			t.Fatalf("login audit events: %d, want 2", audit.AuditEvents.TotalCount)
		}
	})
}

// attempt signs in from the client address ip (the server trusts X-Forwarded-For) and returns the
// access token, or the code of the refusal and its retryAfter in seconds.
func attempt(t *testing.T, api *testutil.API, l, p, ip string) (access, code string, retryAfter float64) {
	t.Helper()
	r := api.Query(t, loginMutation, map[string]any{"l": l, "p": p}, "X-Forwarded-For", ip)
	if len(r.Errors) > 0 {
		retryAfter, _ = r.Errors[0].Extensions["retryAfter"].(float64)
		return "", r.Code(), retryAfter
	}
	var out loginResult
	r.Decode(t, &out)
	if len(out.Login.UserErrors) > 0 {
		return "", out.Login.UserErrors[0].Code, 0
	}
	return out.Login.AccessToken, "", 0
}

// TestLoginThrottling runs the throttle on a clock that stands still: on the real one a busy
// machine let the address's one attempt per 6 seconds refill before the last check.
func TestLoginThrottling(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		now := time.Now()
		api := testutil.NewAPIAt(t, db, testutil.Config(t, map[string]string{"TRUST_PROXY": "true"}), func() time.Time { return now })
		user := testutil.Account(t, db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeNation}, "")
		const here = "192.0.2.1"
		for i := range 5 {
			if _, code, _ := attempt(t, api, user, "wrong-password", here); code != "UNAUTHENTICATED" {
				t.Fatalf("failure %d: %s", i+1, code)
			}
		}
		// The login is now throttled from this address, even with the right password; the answer
		// says how long to wait, in the message and in extensions.retryAfter.
		r := api.Query(t, loginMutation, map[string]any{"l": user, "p": testutil.Password}, "X-Forwarded-For", here)
		if r.Code() != "RATE_LIMITED" || !strings.Contains(r.Errors[0].Message, "giây") || strings.Contains(string(r.Data), "ey") {
			t.Fatalf("sixth attempt: %s", r.Raw)
		}
		if ra, _ := r.Errors[0].Extensions["retryAfter"].(float64); ra < 1 || ra > 60 {
			t.Fatalf("retryAfter %v", r.Errors[0].Extensions["retryAfter"])
		}
		// Per client address: 20 failures on different logins block the address for every login.
		other := testutil.Account(t, db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeNation}, "")
		for i := range 20 {
			attempt(t, api, fmt.Sprintf("guess%d@test.vn", i), "x", here)
		}
		if _, code, _ := attempt(t, api, other, testutil.Password, here); code != "RATE_LIMITED" {
			t.Fatalf("address not throttled: %s", code)
		}
		// Another address is not, for either login.
		for _, l := range []string{other, user} {
			if access, code, _ := attempt(t, api, l, testutil.Password, "198.51.100.7"); access == "" {
				t.Fatalf("another address is throttled too for %s: %s", l, code)
			}
		}
		// An IPv6 client counts by its /64: drawing a new address per attempt does not escape.
		v6 := testutil.Account(t, db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeNation}, "")
		for i := range 5 {
			attempt(t, api, v6, "wrong-password", fmt.Sprintf("2001:db8:1:2::%x", i+1))
		}
		if _, code, _ := attempt(t, api, v6, testutil.Password, "2001:db8:1:2::ff"); code != "RATE_LIMITED" {
			t.Fatalf("a fresh IPv6 address of the same /64 escaped the throttle: %s", code)
		}
		if access, code, _ := attempt(t, api, v6, testutil.Password, "2001:db8:1:3::1"); access == "" {
			t.Fatalf("another /64 is throttled too: %s", code)
		}
		// Behind a proxy that appends to X-Forwarded-For, the client's own entries are not its address.
		if _, code, _ := attempt(t, api, other, testutil.Password, "203.0.113.9, "+here); code != "RATE_LIMITED" {
			t.Fatalf("a forged first X-Forwarded-For entry escaped the throttle: %s", code)
		}
	})
}

// TestSignInWithoutLockout: failing on purpose cannot lock an account out. 1,000 wrong passwords
// from one address throttle that address only; failures from many addresses past the login's
// ceiling make each address wait (longer as they go on) but never refuse the right password from
// an address that has not just failed. The throttle runs on the test's clock: nothing sleeps.
func TestSignInWithoutLockout(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
		api := testutil.NewAPIAt(t, db, testutil.Config(t, map[string]string{"TRUST_PROXY": "true"}), func() time.Time { return now })
		admin := testutil.Account(t, db, authz.RoleAdmin, authz.Scope{Kind: authz.ScopeNation}, "")
		const attacker = "203.0.113.66"

		start := time.Now()
		codes := map[string]int{}
		for range 1000 {
			_, code, ra := attempt(t, api, admin, fmt.Sprintf("guess-%d", len(codes)), attacker)
			codes[code]++
			if code == "RATE_LIMITED" && (ra < 1 || ra > 60) {
				t.Fatalf("retryAfter %v", ra)
			}
		}
		took := time.Since(start)
		if codes["UNAUTHENTICATED"] != 5 || codes["RATE_LIMITED"] != 995 {
			t.Fatalf("1,000 wrong passwords from one address: %v, want 5 checked and 995 RATE_LIMITED", codes)
		}
		if _, code, _ := attempt(t, api, admin, testutil.Password, attacker); code != "RATE_LIMITED" {
			t.Fatalf("the attacker's address is not throttled: %q", code)
		}
		if access, code, _ := attempt(t, api, admin, testutil.Password, "198.51.100.20"); access == "" {
			t.Fatalf("the right password from another address: %s", code)
		}
		t.Logf("1,000 wrong passwords from one address answered in %s", took)

		// Up to the login's ceiling of 20 failures (5 above, 15 from as many addresses), then one
		// more: its address must wait 2 minutes (one past the ceiling, the wait grows by a minute).
		for i := range 15 {
			if _, code, _ := attempt(t, api, admin, "wrong", fmt.Sprintf("10.0.0.%d", i+1)); code != "UNAUTHENTICATED" {
				t.Fatalf("failure %d below the ceiling: %s", i+1, code)
			}
		}
		if _, code, _ := attempt(t, api, admin, "wrong", "10.0.1.1"); code != "UNAUTHENTICATED" {
			t.Fatalf("the first failure past the ceiling was not checked: %s", code)
		}
		_, code, first := attempt(t, api, admin, testutil.Password, "10.0.1.1")
		if code != "RATE_LIMITED" || first != 120 {
			t.Fatalf("retry from the address just past the ceiling: %s retryAfter %v, want RATE_LIMITED 120", code, first)
		}
		// Many more addresses: each is still heard once, the wait grows to its 15-minute cap.
		for i := range 20 {
			if _, code, _ := attempt(t, api, admin, "wrong", fmt.Sprintf("10.0.2.%d", i+1)); code != "UNAUTHENTICATED" {
				t.Fatalf("a new address past the ceiling was refused: %s", code)
			}
		}
		_, code, last := attempt(t, api, admin, testutil.Password, "10.0.2.20")
		if code != "RATE_LIMITED" || last != 900 {
			t.Fatalf("retry after many failures: %s retryAfter %v, want RATE_LIMITED 900", code, last)
		}
		// No lockout: the right password from an address that has not just failed gets in at once,
		// and the one that waited gets in after its wait.
		if access, code, _ := attempt(t, api, admin, testutil.Password, "198.51.100.21"); access == "" {
			t.Fatalf("the owner is locked out: %s", code)
		}
		now = now.Add(time.Duration(last) * time.Second)
		if access, code, _ := attempt(t, api, admin, testutil.Password, "10.0.2.20"); access == "" {
			t.Fatalf("after waiting retryAfter: %s", code)
		}
	})
}

// rawAttempt is attempt from any goroutine: it answers the error code ("" for a session), never
// failing the test itself.
func rawAttempt(api *testutil.API, l, p, ip string) string {
	body, _ := json.Marshal(map[string]any{"query": loginMutation, "variables": map[string]any{"l": l, "p": p}})
	req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", ip)
	rec := httptest.NewRecorder()
	api.Handler.ServeHTTP(rec, req)
	var out struct {
		Data   loginResult
		Errors []testutil.GQLError
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		return "UNREADABLE " + rec.Body.String()
	}
	if len(out.Errors) > 0 {
		code, _ := out.Errors[0].Extensions["code"].(string)
		return code
	}
	if len(out.Data.Login.UserErrors) > 0 {
		return out.Data.Login.UserErrors[0].Code
	}
	return ""
}

// TestSignInThrottleConcurrent sends wrong passwords all at once from one address (on PostgreSQL
// through two server instances on one database, as two processes): each attempt is counted
// before its password is looked at, so no more are heard than the limits allow: 5 on one login,
// 20 on the address. (Checked first and counted after the slow password hash, 30 attempts made at
// once were nearly all heard.) The right password afterwards from elsewhere still gets in, and one
// from the address that had not failed gets its event back.
func TestSignInThrottleConcurrent(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		cfg := testutil.Config(t, map[string]string{"TRUST_PROXY": "true"})
		instances := []*testutil.API{testutil.NewAPIAt(t, db, cfg, clock)}
		if dia == dialect.Postgres {
			instances = append(instances, testutil.NewAPIAt(t, testutil.Reopen(t, db), cfg, clock))
		}
		user := testutil.Account(t, db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeNation}, "")
		burst := func(n int, login func(i int) string, ip string) map[string]int {
			var mu sync.Mutex
			var wg sync.WaitGroup
			codes := map[string]int{}
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					code := rawAttempt(instances[i%len(instances)], login(i), "wrong-password", ip)
					mu.Lock()
					codes[code]++
					mu.Unlock()
				}()
			}
			wg.Wait()
			return codes
		}
		codes := burst(30, func(int) string { return user }, "192.0.2.50")
		if codes["UNAUTHENTICATED"] != 5 || codes["RATE_LIMITED"] != 25 {
			t.Fatalf("30 wrong passwords at once on one login from one address: %v; want 5 heard, 25 RATE_LIMITED", codes)
		}
		codes = burst(40, func(i int) string { return fmt.Sprintf("guess%d@test.vn", i) }, "192.0.2.51")
		if codes["UNAUTHENTICATED"] != 20 || codes["RATE_LIMITED"] != 20 {
			t.Fatalf("40 wrong passwords at once on other logins from one address: %v; want 20 heard, 20 RATE_LIMITED", codes)
		}
		t.Logf("at once: 30 on one login from one address, 5 heard; 40 on as many logins, 20 heard (%d instances)", len(instances))
		if code := rawAttempt(instances[0], user, testutil.Password, "198.51.100.30"); code != "" {
			t.Fatalf("the right password from another address: %s", code)
		}
		// 19 sign-ins from one address (an office) cost it nothing: 20 failures are still heard.
		const office = "192.0.2.52"
		for i := range 19 {
			if code := rawAttempt(instances[i%len(instances)], user, testutil.Password, office); code != "" {
				t.Fatalf("sign-in %d from an office: %s", i+1, code)
			}
		}
		codes = burst(25, func(i int) string { return fmt.Sprintf("typo%d@test.vn", i) }, office)
		if codes["UNAUTHENTICATED"] != 20 {
			t.Fatalf("after 19 sign-ins from one address, 25 wrong passwords at once: %v; want 20 heard (successes cost nothing)", codes)
		}
	})
}

// TestSignInOncePerWaitConcurrent: past a login's ceiling an address may try it once per wait,
// and attempts sent all at once (on PostgreSQL through two server instances on one database, as
// two processes) are held to that: the rule is checked and claimed in one atomic step, so one of
// them is heard, none while the wait runs, and one again once it has passed. (Read at the check
// and written after the failure, all five attempts of a burst were heard.)
func TestSignInOncePerWaitConcurrent(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		cfg := testutil.Config(t, map[string]string{"TRUST_PROXY": "true"})
		instances := []*testutil.API{testutil.NewAPIAt(t, db, cfg, clock)}
		if dia == dialect.Postgres {
			instances = append(instances, testutil.NewAPIAt(t, testutil.Reopen(t, db), cfg, clock))
		}
		user := testutil.Account(t, db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeNation}, "")
		// 40 failures from as many addresses: the login is past its ceiling of 20, its wait at
		// the 15-minute cap.
		for i := range 40 {
			if code := rawAttempt(instances[i%len(instances)], user, "wrong-password", fmt.Sprintf("10.9.0.%d", i+1)); code != "UNAUTHENTICATED" {
				t.Fatalf("failure %d from a new address: %s", i+1, code)
			}
		}
		const address = "192.0.2.77"
		burst := func() map[string]int {
			var mu sync.Mutex
			var wg sync.WaitGroup
			codes := map[string]int{}
			for i := range 5 { // the pair's own limit lets 5 through at once
				wg.Add(1)
				go func() {
					defer wg.Done()
					code := rawAttempt(instances[i%len(instances)], user, "wrong-password", address)
					mu.Lock()
					codes[code]++
					mu.Unlock()
				}()
			}
			wg.Wait()
			return codes
		}
		if codes := burst(); codes["UNAUTHENTICATED"] != 1 || codes["RATE_LIMITED"] != 4 {
			t.Fatalf("5 wrong passwords at once from an address new to the login past its ceiling: %v; want 1 heard, 4 RATE_LIMITED", codes)
		}
		now = now.Add(5 * time.Minute) // the login's wait is now 10 minutes: not yet
		if codes := burst(); codes["RATE_LIMITED"] != 5 {
			t.Fatalf("5 at once 5 minutes later, within the wait: %v; want 5 RATE_LIMITED", codes)
		}
		now = now.Add(5 * time.Minute) // 10 minutes since the address was heard, the wait now 5
		if codes := burst(); codes["UNAUTHENTICATED"] != 1 || codes["RATE_LIMITED"] != 4 {
			t.Fatalf("5 at once once the wait has passed: %v; want 1 heard, 4 RATE_LIMITED", codes)
		}
		// The owner is not locked out: the right password from an address that has not failed.
		if code := rawAttempt(instances[0], user, testutil.Password, "198.51.100.77"); code != "" {
			t.Fatalf("the right password from another address: %s", code)
		}
		t.Logf("%d instance(s): one of 5 at once heard per wait past the ceiling", len(instances))
	})
}

func TestRefreshRotationAndReuse(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		api := testutil.NewAPI(t, db, testutil.Config(t, nil))
		user := testutil.Account(t, db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeNation}, "")
		_, r1 := api.Login(t, user, testutil.Password)
		a2, r2, code := refresh(t, api, r1)
		if code != "" || r2 == r1 || a2 == "" {
			t.Fatalf("refresh: code %q", code)
		}
		if role, r := viewerRole(t, api.As(a2)); role != "SUPERVISOR" {
			t.Fatalf("refreshed token: %s", r.Raw)
		}
		// Replaying the spent token fails and revokes the family: the newest token dies too.
		if _, _, code := refresh(t, api, r1); code != "UNAUTHENTICATED" {
			t.Fatalf("reuse: code %q", code)
		}
		if _, _, code := refresh(t, api, r2); code != "UNAUTHENTICATED" {
			t.Fatalf("the family survived a reuse: code %q", code)
		}
		if _, _, code := refresh(t, api, "not-a-token"); code != "UNAUTHENTICATED" {
			t.Fatalf("unknown token: code %q", code)
		}
		// A separate sign-in is a separate family, untouched; logout ends it.
		_, other := api.Login(t, user, testutil.Password)
		var out struct{ Logout struct{ Ok bool } }
		api.Query(t, `mutation($t: String!) { logout(input: {refreshToken: $t}) { ok } }`, map[string]any{"t": other}).Decode(t, &out)
		if !out.Logout.Ok {
			t.Fatal("logout not ok")
		}
		if _, _, code := refresh(t, api, other); code != "UNAUTHENTICATED" {
			t.Fatalf("refresh after logout: code %q", code)
		}
	})
}

// TestConcurrentRefresh sends one refresh token many times at once: exactly one wins.
func TestConcurrentRefresh(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		api := testutil.NewAPI(t, db, testutil.Config(t, nil))
		user := testutil.Account(t, db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeNation}, "")
		_, token := api.Login(t, user, testutil.Password)
		const n = 12
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body, _ := json.Marshal(map[string]any{
					"query":     `mutation($t: String!) { tokenRefresh(input: {refreshToken: $t}) { accessToken userErrors { code } } }`,
					"variables": map[string]any{"t": token}})
				req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(string(body)))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				api.Handler.ServeHTTP(rec, req)
				if strings.Contains(rec.Body.String(), `"accessToken":"ey`) {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("%d of %d concurrent refreshes of one token won, want exactly 1", wins, n)
		}
	})
}

func TestPasswordChangeAndRevocation(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		api := testutil.NewAPI(t, db, testutil.Config(t, nil))
		user := testutil.Account(t, db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeNation}, "")
		access, refreshToken := api.Login(t, user, testutil.Password)
		me := api.As(access)
		change := `mutation($c: String!, $n: String!) { passwordChange(input: {currentPassword: $c, newPassword: $n}) {
			accessToken refreshToken userErrors { field code } } }`
		type result struct {
			PasswordChange struct {
				AccessToken *string
				UserErrors  []struct {
					Field []string
					Code  string
				}
			}
		}
		for _, c := range []struct{ current, next, field string }{
			{"wrong-password", "new-password-123", "currentPassword"},
			{testutil.Password, "short", "newPassword"},
			{testutil.Password, "x" + user + "x", "newPassword"},
		} {
			var out result
			me.Query(t, change, map[string]any{"c": c.current, "n": c.next}).Decode(t, &out)
			if out.PasswordChange.AccessToken != nil || len(out.PasswordChange.UserErrors) != 1 || out.PasswordChange.UserErrors[0].Field[0] != c.field {
				t.Fatalf("%s -> %s: %+v", c.current, c.next, out)
			}
		}
		if r := api.Query(t, change, map[string]any{"c": testutil.Password, "n": "new-password-123"}); r.Code() != "UNAUTHENTICATED" {
			t.Fatalf("password change without a token: %s", r.Raw)
		}
		var out result
		me.Query(t, change, map[string]any{"c": testutil.Password, "n": "new-password-123"}).Decode(t, &out)
		if out.PasswordChange.AccessToken == nil {
			t.Fatalf("change: %+v", out)
		}
		// The old access token stops at once; the old refresh token too; the new ones work.
		if _, r := viewerRole(t, me); r.Status != http.StatusUnauthorized || r.Code() != "UNAUTHENTICATED" {
			t.Fatalf("old access token after the change: %d %s", r.Status, r.Raw)
		}
		if _, _, code := refresh(t, api, refreshToken); code != "UNAUTHENTICATED" {
			t.Fatalf("old refresh token after the change: %q", code)
		}
		if role, r := viewerRole(t, api.As(*out.PasswordChange.AccessToken)); role != "SUPERVISOR" {
			t.Fatalf("new token: %s", r.Raw)
		}
		if r := login(t, api, user, "new-password-123"); r.Login.AccessToken == "" {
			t.Fatalf("login with the new password: %+v", r)
		}
	})
}

func TestAccountAdministration(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		api := testutil.NewAPI(t, db, testutil.Config(t, nil))
		testutil.Org(t, db.Client, testutil.Shape{Provinces: 1, Districts: 1, Units: 1, Officials: 2})
		admin := api.SignedIn(t, db, authz.RoleAdmin, authz.Scope{Kind: authz.ScopeNation}, "")
		var ids struct {
			Provinces struct {
				Edges []struct{ Node struct{ ID string } }
			}
			Units struct {
				Edges []struct{ Node struct{ ID string } }
			}
			Officials struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		admin.Query(t, `{ provinces { edges { node { id } } } units { edges { node { id } } } officials { edges { node { id } } } }`, nil).Decode(t, &ids)
		prov, unit, off := ids.Provinces.Edges[0].Node.ID, ids.Units.Edges[0].Node.ID, ids.Officials.Edges[0].Node.ID
		create := `mutation($in: AccountCreateInput!) { accountCreate(input: $in) { account { id login role scopeKind } userErrors { field code message } } }`
		type created struct {
			AccountCreate struct {
				Account    *struct{ ID, Login, Role, ScopeKind string }
				UserErrors []struct {
					Field         []string
					Code, Message string
				}
			}
		}
		base := map[string]any{"login": "Giam.Sat@Tinh.vn", "password": "mat-khau-dai-10", "role": "SUPERVISOR", "scopeKind": "PROVINCE", "scopeProvinceId": prov}
		with := func(kv ...any) map[string]any {
			m := map[string]any{}
			for k, v := range base {
				m[k] = v
			}
			for i := 0; i+1 < len(kv); i += 2 {
				m[kv[i].(string)] = kv[i+1]
			}
			return m
		}
		bad := []struct {
			name  string
			in    map[string]any
			field string
			code  string
		}{
			{"login not a phone or e-mail", with("login", "giam sat"), "login", "BAD_USER_INPUT"},
			{"short password", with("password", "ngan"), "password", "BAD_USER_INPUT"},
			{"admin with a province scope", with("role", "ADMIN"), "scopeKind", "BAD_USER_INPUT"},
			{"official without an official", with("role", "OFFICIAL", "scopeKind", "UNIT", "scopeUnitId", unit), "officialId", "BAD_USER_INPUT"},
			{"unknown province", with("scopeProvinceId", "prv_01jw0000000000000000000000"), "scopeProvinceId", "BAD_USER_INPUT"},
		}
		for _, c := range bad {
			var out created
			admin.Query(t, create, map[string]any{"in": c.in}).Decode(t, &out)
			if out.AccountCreate.Account != nil || len(out.AccountCreate.UserErrors) != 1 ||
				out.AccountCreate.UserErrors[0].Field[0] != c.field || out.AccountCreate.UserErrors[0].Code != c.code {
				t.Errorf("%s: %+v", c.name, out)
			}
		}
		var out created
		admin.Query(t, create, map[string]any{"in": base}).Decode(t, &out)
		acc := out.AccountCreate.Account
		if acc == nil || acc.Login != "giam.sat@tinh.vn" || acc.Role != "SUPERVISOR" {
			t.Fatalf("create: %+v", out)
		}
		admin.Query(t, create, map[string]any{"in": base}).Decode(t, &out)
		if out.AccountCreate.Account != nil || out.AccountCreate.UserErrors[0].Code != "CONFLICT" {
			t.Fatalf("duplicate login: %+v", out)
		}
		var official created
		admin.Query(t, create, map[string]any{"in": with("login", "0901234567", "role", "OFFICIAL", "scopeKind", "UNIT", "scopeUnitId", unit, "officialId", off)}).Decode(t, &official)
		if official.AccountCreate.Account == nil {
			t.Fatalf("official account: %+v", official)
		}

		// The new supervisor signs in; disabling them ends their access at once.
		sup, _ := api.Login(t, "giam.sat@tinh.vn", "mat-khau-dai-10")
		if role, r := viewerRole(t, api.As(sup)); role != "SUPERVISOR" {
			t.Fatalf("new account: %s", r.Raw)
		}
		setRole := `mutation($id: ID!, $p: ID!) { accountSetRole(input: {accountId: $id, role: INSPECTOR, scopeKind: PROVINCE, scopeProvinceId: $p}) { account { role } userErrors { code } } }`
		if r := admin.Query(t, setRole, map[string]any{"id": acc.ID, "p": prov}); !strings.Contains(string(r.Data), `"role":"INSPECTOR"`) {
			t.Fatalf("set role: %s", r.Raw)
		}
		if _, r := viewerRole(t, api.As(sup)); r.Status != http.StatusUnauthorized {
			t.Fatalf("token survived a role change: %s", r.Raw)
		}
		sup, _ = api.Login(t, "giam.sat@tinh.vn", "mat-khau-dai-10")
		if role, _ := viewerRole(t, api.As(sup)); role != "INSPECTOR" {
			t.Fatalf("role after change: %q", role)
		}
		disable := `mutation($id: ID!, $why: String!) { accountDisable(input: {accountId: $id, reason: $why}) { account { disabled } userErrors { field code } } }`
		if r := admin.Query(t, disable, map[string]any{"id": acc.ID, "why": ""}); !strings.Contains(string(r.Data), `"reason"`) {
			t.Fatalf("disable without a reason: %s", r.Raw)
		}
		if r := admin.Query(t, disable, map[string]any{"id": acc.ID, "why": "nghỉ việc"}); !strings.Contains(string(r.Data), `"disabled":true`) {
			t.Fatalf("disable: %s", r.Raw)
		}
		if _, r := viewerRole(t, api.As(sup)); r.Status != http.StatusUnauthorized || r.Code() != "UNAUTHENTICATED" {
			t.Fatalf("disabled account still in: %s", r.Raw)
		}
		if r := login(t, api, "giam.sat@tinh.vn", "mat-khau-dai-10"); r.Login.AccessToken != "" {
			t.Fatal("a disabled account signed in")
		}
		var audit struct {
			AuditEvents struct {
				Edges []struct {
					Node struct {
						Action   string
						ObjectID string `json:"objectID"`
					}
				}
			}
		}
		admin.Query(t, `{ auditEvents(first: 100) { edges { node { action objectID } } } }`, nil).Decode(t, &audit)
		seen := map[string]bool{}
		for _, e := range audit.AuditEvents.Edges {
			seen[e.Node.Action] = true
		}
		for _, a := range []string{"login", "accountCreate", "accountSetRole", "accountDisable"} {
			if !seen[a] {
				t.Errorf("no audit event %s in %v", a, seen)
			}
		}
	})
}

func TestBadTokens(t *testing.T) {
	db := testutil.Open(t, "sqlite3")
	cfg := testutil.Config(t, nil)
	api := testutil.NewAPI(t, db, cfg)
	key, _ := base64.StdEncoding.DecodeString(config.DemoTokenKey)
	user := testutil.Account(t, db, authz.RoleAdmin, authz.Scope{Kind: authz.ScopeNation}, "")
	access, _ := api.Login(t, user, testutil.Password)
	var sub string
	if tok, _, err := jwt.NewParser().ParseUnverified(access, jwt.MapClaims{}); err == nil {
		sub, _ = tok.Claims.GetSubject()
	}
	sign := func(k []byte, exp time.Time, method jwt.SigningMethod) string {
		s, err := jwt.NewWithClaims(method, jwt.MapClaims{"sub": sub, "iss": "liemchinh", "role": "ADMIN",
			"exp": exp.Unix(), "iat": time.Now().Unix(), "ver": 0}).SignedString(k)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"sub": sub, "iss": "liemchinh", "role": "ADMIN",
		"exp": time.Now().Add(time.Hour).Unix()}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	tests := map[string]string{
		"expired":         "Bearer " + sign(key, time.Now().Add(-time.Minute), jwt.SigningMethodHS256),
		"forged":          "Bearer " + sign([]byte("another-key-another-key-another-key"), time.Now().Add(time.Hour), jwt.SigningMethodHS256),
		"alg none":        "Bearer " + none,
		"malformed":       "Bearer not.a.jwt",
		"not bearer":      "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:pw")),
		"empty bearer":    "Bearer ",
		"truncated token": "Bearer " + access[:len(access)-5],
	}
	for name, header := range tests {
		t.Run(name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(`{"query":"{ viewer { role } }"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", header)
			r := api.Do(t, req)
			if r.Status != http.StatusUnauthorized || r.Code() != "UNAUTHENTICATED" || r.Data != nil {
				t.Fatalf("%d %s", r.Status, r.Raw)
			}
		})
	}
	// The genuine token still works.
	if role, r := viewerRole(t, api.As(access)); role != "ADMIN" {
		t.Fatalf("genuine token: %s", r.Raw)
	}
}

// TestWebsocketInit authenticates a graphql-transport-ws connection from its connection_init
// payload; a refused token closes the socket with 4403.
func TestWebsocketInit(t *testing.T) {
	db := testutil.Open(t, "sqlite3")
	api := testutil.NewAPI(t, db, testutil.Config(t, nil))
	srv := httptest.NewServer(api.Handler)
	defer srv.Close()
	user := testutil.Account(t, db, authz.RoleAdmin, authz.Scope{Kind: authz.ScopeNation}, "")
	access, _ := api.Login(t, user, testutil.Password)
	dial := func(payload map[string]any) (*websocket.Conn, map[string]any, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/query",
			&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
		if err != nil {
			t.Fatal(err)
		}
		init, _ := json.Marshal(map[string]any{"type": "connection_init", "payload": payload})
		if err := conn.Write(ctx, websocket.MessageText, init); err != nil {
			t.Fatal(err)
		}
		_, msg, err := conn.Read(ctx)
		var m map[string]any
		_ = json.Unmarshal(msg, &m)
		return conn, m, err
	}
	conn, msg, err := dial(map[string]any{"authorization": "Bearer " + access})
	if err != nil || msg["type"] != "connection_ack" {
		t.Fatalf("good token: %v %v", msg, err)
	}
	conn.Close(websocket.StatusNormalClosure, "")
	conn, msg, err = dial(map[string]any{})
	if err != nil || msg["type"] != "connection_ack" {
		t.Fatalf("anonymous: %v %v", msg, err)
	}
	conn.Close(websocket.StatusNormalClosure, "")
	for _, bad := range []string{"Bearer forged.token.here", "Bearer " + access[:len(access)-3], "Token " + access} {
		conn, _, err = dial(map[string]any{"authorization": bad})
		for err == nil { // the server may send connection_error before closing
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_, _, err = conn.Read(ctx)
			cancel()
		}
		if got := websocket.CloseStatus(err); got != 4403 {
			t.Fatalf("%q: close status %d (%v), want 4403", bad, got, err)
		}
	}
}

// TestLoginRehashesOldHashes: an account whose hash was made with other argon2id parameters (the
// 64 MiB of earlier versions) still signs in, and its hash is made again with auth.Params, which
// the next sign-in verifies; a wrong password leaves the old hash alone.
func TestLoginRehashesOldHashes(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		api := testutil.NewAPI(t, db, testutil.Config(t, nil))
		user := testutil.Account(t, db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeNation}, "")
		sys := authz.System(context.Background(), authz.SysTestFixture)
		old, err := argon2id.CreateHash(testutil.Password, argon2id.DefaultParams)
		if err != nil {
			t.Fatal(err)
		}
		db.Client.Account.Update().Where(account.Login(user)).SetPasswordHash(old).ExecX(sys)
		stored := func() *argon2id.Params {
			p, _, _, err := argon2id.DecodeHash(db.Client.Account.Query().Where(account.Login(user)).OnlyX(sys).PasswordHash)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		if r := login(t, api, user, "wrong-password"); r.Login.AccessToken != "" || *stored() != *argon2id.DefaultParams {
			t.Fatalf("a wrong password signed in or changed the hash: %+v, %+v", r, stored())
		}
		for i := range 2 {
			if r := login(t, api, user, testutil.Password); r.Login.AccessToken == "" {
				t.Fatalf("sign-in %d with the right password refused: %+v", i+1, r)
			}
			if p := stored(); *p != *auth.Params {
				t.Fatalf("after sign-in %d the hash has parameters %+v, want %+v", i+1, p, auth.Params)
			}
		}
	})
}
