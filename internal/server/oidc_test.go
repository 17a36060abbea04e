package server_test

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"

	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// provider is an OpenID provider started in the test: zitadel's example OP (its op package with
// an in-memory storage), with one native (public, PKCE-only) client "app".
type provider struct {
	issuer string
	client *http.Client
}

const appRedirect = "com.liemchinh.app:/oauth2redirect"

func startProvider(t *testing.T) *provider {
	t.Helper()
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	store := storage.NewStorageWithClients(storage.NewUserStore(srv.URL),
		map[string]*storage.Client{"app": storage.NativeClient("app", appRedirect)})
	h = exampleop.SetupServer(srv.URL, store, nil, false)
	return &provider{issuer: srv.URL, client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func random(t *testing.T, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// authorize does what the mobile app does: an authorization request with PKCE (S256) and a nonce,
// the person signing in at the provider, and the redirect back with the code.
func (p *provider) authorize(t *testing.T, user string) (code, verifier, nonce string) {
	t.Helper()
	verifier, nonce = random(t, 32), random(t, 16)
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"client_id": {"app"}, "redirect_uri": {appRedirect}, "response_type": {"code"}, "scope": {"openid email"},
		"state": {"st"}, "nonce": {nonce}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	next := p.issuer + "/auth?" + q.Encode()
	for range 6 {
		resp, err := p.client.Get(next)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, err := resp.Location()
		if err != nil {
			t.Fatalf("no redirect from %s: %d", next, resp.StatusCode)
		}
		if strings.HasPrefix(loc.String(), appRedirect) {
			return loc.Query().Get("code"), verifier, nonce
		}
		if id := loc.Query().Get("authRequestID"); id != "" && strings.Contains(loc.Path, "/login/username") {
			resp, err := p.client.PostForm(p.issuer+"/login/username", url.Values{"id": {id}, "username": {user}, "password": {"verysecure"}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if loc, err = resp.Location(); err != nil {
				t.Fatalf("login at the provider: %d", resp.StatusCode)
			}
		}
		next = loc.String()
		if !strings.HasPrefix(next, "http") {
			next = p.issuer + next
		}
	}
	t.Fatal("the provider never redirected back to the app")
	return
}

// TestOIDCSignIn: single sign-on against a provider started in the test, as a mobile app does
// it (authorization code with PKCE, public client): an identity signs in only once linked to an
// account, which keeps only the keyed hash of the claim; the server then issues its own tokens.
func TestOIDCSignIn(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		op := startProvider(t)
		db := testutil.Open(t, dia)
		cfg := testutil.Config(t, map[string]string{"OIDC_ISSUER": op.issuer, "OIDC_CLIENT_ID": "app",
			"OIDC_REDIRECT_URIS": appRedirect, "OIDC_LINK_CLAIM": "sub"})
		api := testutil.NewAPI(t, db, cfg)
		user := "test-user@127.0.0.1"
		const signIn = `mutation($c: String!, $v: String!, $r: String!, $n: String!) {
			oidcSignIn(input: {code: $c, codeVerifier: $v, redirectUri: $r, nonce: $n}) {
				accessToken account { login } userErrors { field code } } }`
		const link = `mutation($c: String!, $v: String!, $r: String!, $n: String!) {
			oidcLink(input: {code: $c, codeVerifier: $v, redirectUri: $r, nonce: $n}) { account { login } userErrors { field code } } }`
		type result struct {
			OidcSignIn struct {
				AccessToken *string
				Account     *struct{ Login string }
				UserErrors  []userError
			}
		}
		try := func(a *testutil.API, q, code, verifier, redirect, nonce string) *testutil.Response {
			return a.Query(t, q, map[string]any{"c": code, "v": verifier, "r": redirect, "n": nonce})
		}
		firstError := func(r *testutil.Response) string {
			var out struct {
				OidcSignIn, OidcLink *struct{ UserErrors []userError }
			}
			r.Decode(t, &out)
			p := out.OidcSignIn
			if p == nil {
				p = out.OidcLink
			}
			if len(p.UserErrors) == 0 {
				return ""
			}
			return p.UserErrors[0].Code + " " + strings.Join(p.UserErrors[0].Field, ".")
		}

		// Not linked yet.
		code, verifier, nonce := op.authorize(t, user)
		if e := firstError(try(api, signIn, code, verifier, appRedirect, nonce)); e != "NOT_FOUND code" {
			t.Fatalf("unlinked identity: %q", e)
		}
		// A code with the wrong verifier, a wrong nonce, or a redirect not allowed, is refused.
		code, _, nonce = op.authorize(t, user)
		if e := firstError(try(api, signIn, code, random(t, 32), appRedirect, nonce)); e != "UNAUTHENTICATED code" {
			t.Fatalf("wrong verifier: %q", e)
		}
		code, verifier, _ = op.authorize(t, user)
		if e := firstError(try(api, signIn, code, verifier, appRedirect, random(t, 16))); e != "UNAUTHENTICATED code" {
			t.Fatalf("wrong nonce: %q", e)
		}
		if e := firstError(try(api, signIn, "x", verifier, "https://evil.example/cb", random(t, 16))); e != "BAD_USER_INPUT redirectUri" {
			t.Fatalf("redirect not allowed: %q", e)
		}

		// A signed-in supervisor links the identity, then signs in with it.
		login := testutil.Account(t, db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeNation}, "")
		access, _ := api.Login(t, login, testutil.Password)
		code, verifier, nonce = op.authorize(t, user)
		if e := firstError(try(api.As(access), link, code, verifier, appRedirect, nonce)); e != "" {
			t.Fatalf("link: %q", e)
		}
		acc, err := db.Client.Account.Query().Where(account.Login(login)).Only(authz.System(t.Context(), authz.SysTestFixture))
		if err != nil || acc.IdentityHash == nil || len(*acc.IdentityHash) != 64 || strings.Contains(*acc.IdentityHash, "id1") {
			t.Fatalf("identity hash: %v %v", acc, err)
		}
		code, verifier, nonce = op.authorize(t, user)
		var ok result
		try(api, signIn, code, verifier, appRedirect, nonce).Decode(t, &ok)
		if ok.OidcSignIn.AccessToken == nil || ok.OidcSignIn.Account.Login != login {
			t.Fatalf("sign-in: %+v", ok.OidcSignIn)
		}
		if role, r := viewerRole(t, api.As(*ok.OidcSignIn.AccessToken)); role != "SUPERVISOR" {
			t.Fatalf("viewer with the server's token: %s", r.Raw)
		}
		// The code was spent at the provider: replaying it fails.
		if e := firstError(try(api, signIn, code, verifier, appRedirect, nonce)); e != "UNAUTHENTICATED code" {
			t.Fatalf("replayed code: %q", e)
		}
	})
}
