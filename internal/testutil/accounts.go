package testutil

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/internal/auth"
	"github.com/liemchinh/liemchinh/internal/authz"
)

// Password is the password of every account tests create.
const Password = "test-password-123"

var (
	hashOnce sync.Once
	hash     string
	logins   atomic.Int64
)

// Account creates an account with Password and returns its login.
func Account(tb testing.TB, db *DB, role authz.Role, scope authz.Scope, officialID string) string {
	tb.Helper()
	hashOnce.Do(func() {
		var err error
		if hash, err = auth.HashPassword(context.Background(), Password); err != nil {
			panic(err)
		}
	})
	login := fmt.Sprintf("%s.%d@test.vn", strings.ToLower(string(role)), logins.Add(1))
	c := db.Client.Account.Create().SetLogin(login).SetPasswordHash(hash).SetRole(account.Role(role)).
		SetScopeKind(account.ScopeKind(scope.Kind))
	switch scope.Kind {
	case authz.ScopeUnit:
		c.SetScopeUnitID(scope.ID)
	case authz.ScopeDistrict:
		c.SetScopeDistrictID(scope.ID)
	case authz.ScopeProvince:
		c.SetScopeProvinceID(scope.ID)
	}
	if officialID != "" {
		c.SetOfficialID(officialID)
	}
	if err := c.Exec(authz.System(context.Background(), authz.SysTestFixture)); err != nil {
		tb.Fatal(err)
	}
	return login
}

// Login signs in through the API and returns the access and refresh tokens.
func (a *API) Login(tb testing.TB, login, password string) (access, refresh string) {
	tb.Helper()
	var out struct {
		Login struct {
			AccessToken, RefreshToken string
			UserErrors                []struct{ Code, Message string }
		}
	}
	a.Query(tb, `mutation($l: String!, $p: String!) { login(input: {login: $l, password: $p}) {
		accessToken refreshToken userErrors { code message } } }`,
		map[string]any{"l": login, "p": password}).Decode(tb, &out)
	if len(out.Login.UserErrors) > 0 || out.Login.AccessToken == "" {
		tb.Fatalf("login %s: %+v", login, out.Login.UserErrors)
	}
	return out.Login.AccessToken, out.Login.RefreshToken
}

// SignedIn creates an account and returns the API acting as it.
func (a *API) SignedIn(tb testing.TB, db *DB, role authz.Role, scope authz.Scope, officialID string) *API {
	tb.Helper()
	access, _ := a.Login(tb, Account(tb, db, role, scope, officialID), Password)
	return a.As(access)
}

// SignedInQuick is SignedIn without the sign-in round trip (and its argon2id cost): it signs the
// access token directly, for benchmarks that need many accounts.
func (a *API) SignedInQuick(tb testing.TB, db *DB, role authz.Role, scope authz.Scope, officialID string) *API {
	tb.Helper()
	login := Account(tb, db, role, scope, officialID)
	acc, err := db.Client.Account.Query().Where(account.Login(login)).Only(authz.System(context.Background(), authz.SysTestFixture))
	if err != nil {
		tb.Fatal(err)
	}
	token, _, err := a.signer.Sign(authz.Viewer{AccountID: acc.ID, Role: role, Scope: scope, OfficialID: officialID}, acc.TokenVersion)
	if err != nil {
		tb.Fatal(err)
	}
	return a.As(token)
}
