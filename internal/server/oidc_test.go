package server_test

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"entgo.io/ent/dialect"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"

	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/ent/citizencase"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// provider is an OpenID provider started in the test: zitadel's example OP (its op package with
// an in-memory storage), with one native (public, PKCE-only) client "app".
type provider struct {
	issuer string
	client *http.Client
	tokens atomic.Int64 // requests to the token endpoint
}

const appRedirect = "com.liemchinh.app:/oauth2redirect"

func startProvider(t *testing.T) *provider {
	t.Helper()
	var h http.Handler
	p := &provider{client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/token") {
			p.tokens.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	store := storage.NewStorageWithClients(storage.NewUserStore(srv.URL),
		map[string]*storage.Client{"app": storage.NativeClient("app", appRedirect)})
	h = exampleop.SetupServer(srv.URL, store, nil, false)
	p.issuer = srv.URL
	return p
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

// TestCitizenSignIn: a citizen signs in through the same OpenID Connect flow (no account) and gets
// a citizen's token, with which the identified cases they submit are linked to a keyed hash of
// their identity and listed, page by page, by myCases; an anonymous case is never linked, even one
// a signed-in citizen submits; and the token grants nothing else.
func TestCitizenSignIn(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		op := startProvider(t)
		db := testutil.Open(t, dia)
		cfg := testutil.Config(t, map[string]string{"OIDC_ISSUER": op.issuer, "OIDC_CLIENT_ID": "app",
			"OIDC_REDIRECT_URIS": appRedirect, "OIDC_LINK_CLAIM": "sub"})
		api := testutil.NewAPI(t, db, cfg)
		w := testutil.NewWorld(t, db, cfg)
		sys := authz.System(t.Context(), authz.SysTestFixture)

		signIn := func(user string) *testutil.API {
			t.Helper()
			code, verifier, nonce := op.authorize(t, user)
			var out struct {
				CitizenSignIn struct {
					AccessToken *string
					UserErrors  []userError
				}
			}
			api.Query(t, `mutation($c: String!, $v: String!, $r: String!, $n: String!) {
				citizenSignIn(input: {code: $c, codeVerifier: $v, redirectUri: $r, nonce: $n}) { accessToken accessTokenExpiresAt userErrors { field code } } }`,
				map[string]any{"c": code, "v": verifier, "r": appRedirect, "n": nonce}).Decode(t, &out)
			if out.CitizenSignIn.AccessToken == nil || len(out.CitizenSignIn.UserErrors) > 0 {
				t.Fatalf("citizenSignIn: %+v", out.CitizenSignIn)
			}
			return api.As(*out.CitizenSignIn.AccessToken)
		}
		// A wrong verifier is refused as for officials.
		code, _, nonce := op.authorize(t, "test-user2")
		var bad struct {
			CitizenSignIn struct{ UserErrors []userError }
		}
		api.Query(t, `mutation($c: String!, $v: String!, $r: String!, $n: String!) {
			citizenSignIn(input: {code: $c, codeVerifier: $v, redirectUri: $r, nonce: $n}) { accessToken userErrors { field code } } }`,
			map[string]any{"c": code, "v": random(t, 32), "r": appRedirect, "n": nonce}).Decode(t, &bad)
		if ue := bad.CitizenSignIn.UserErrors; len(ue) != 1 || ue[0].Code != "UNAUTHENTICATED" {
			t.Fatalf("wrong verifier: %+v", ue)
		}

		one, two := signIn("test-user@127.0.0.1"), signIn("test-user2")
		submit := func(a *testutil.API, identified bool) string {
			t.Helper()
			in := map[string]any{"channel": "FEEDBACK", "unitId": w.A.ChildUnit, "category": "NO_CORRUPTION",
				"description": "Cán bộ bộ phận một cửa đòi tiền để nhận hồ sơ.", "idempotencyKey": testutil.NewKey()}
			if identified {
				in["reporter"] = map[string]any{"name": "Trần Văn Dân", "phone": "0901234567"}
			}
			var out struct {
				CaseSubmit struct {
					TrackingCode *string
					UserErrors   []userError
				}
			}
			a.Query(t, `mutation($in: CaseSubmitInput!) { caseSubmit(input: $in) { trackingCode userErrors { field code } } }`,
				map[string]any{"in": in}).Decode(t, &out)
			if out.CaseSubmit.TrackingCode == nil {
				t.Fatalf("caseSubmit: %+v", out.CaseSubmit)
			}
			return *out.CaseSubmit.TrackingCode
		}
		first, second := submit(one, true), submit(one, true)
		anonymousByOne := submit(one, false)
		byTwo := submit(two, true)
		byNobody := submit(api, true)

		// The links: a 64-hex keyed hash on the identified cases of a signed-in citizen, the same for
		// both of one citizen's, nothing on the others; never the claim nor an account's identity hash.
		link := func(code string) *string {
			c, err := db.Client.CitizenCase.Query().Where(citizencase.TrackingCode(code)).Only(sys)
			if err != nil {
				t.Fatal(err)
			}
			if c.ReporterVerified { // the typed identity is not compared with the provider's
				t.Fatalf("case %s: link %v, marked verified", code, c.ReporterLink)
			}
			return c.ReporterLink
		}
		l1, l2 := link(first), link(second)
		if l1 == nil || l2 == nil || *l1 != *l2 || len(*l1) != 64 || strings.Contains(*l1, "id1") {
			t.Fatalf("links of one citizen's cases: %v %v", l1, l2)
		}
		if l := link(byTwo); l == nil || *l == *l1 {
			t.Fatalf("link of another citizen's case: %v", l)
		}
		if l := link(anonymousByOne); l != nil {
			t.Fatal("an anonymous case submitted signed in was linked")
		}
		if l := link(byNobody); l != nil {
			t.Fatal("a case submitted without a token was linked")
		}

		const mine = `query($a: Cursor) { myCases(first: 1, after: $a) { totalCount pageInfo { hasNextPage endCursor }
			edges { node { trackingCode state channel } } } }`
		type page struct {
			MyCases struct {
				TotalCount int
				PageInfo   struct {
					HasNextPage bool
					EndCursor   *string
				}
				Edges []struct {
					Node struct{ TrackingCode, State, Channel string }
				}
			}
		}
		var got []string
		var after any
		for range 3 {
			var p page
			one.Query(t, mine, map[string]any{"a": after}).Decode(t, &p)
			if p.MyCases.TotalCount != 2 || len(p.MyCases.Edges) > 1 {
				t.Fatalf("myCases page: %+v", p.MyCases)
			}
			for _, e := range p.MyCases.Edges {
				if e.Node.State != "SUBMITTED" || e.Node.Channel != "FEEDBACK" {
					t.Fatalf("myCases node: %+v", e.Node)
				}
				got = append(got, e.Node.TrackingCode)
			}
			if !p.MyCases.PageInfo.HasNextPage {
				break
			}
			after = *p.MyCases.PageInfo.EndCursor
		}
		if strings.Join(got, ",") != second+","+first { // newest first
			t.Fatalf("myCases: %v, want %s,%s", got, second, first)
		}
		// A listed case's timeline and messages still take its tracking code and secret.
		for _, field := range []string{"timeline { kind }", "messages { body }", "timelineConnection(first: 5) { totalCount }",
			"messageConnection(first: 5) { totalCount }"} {
			r := one.Query(t, `{ myCases(first: 1) { edges { node { trackingCode `+field+` } } } }`, nil)
			if r.Code() != "FORBIDDEN" || strings.Contains(string(r.Raw), `"body"`) {
				t.Fatalf("myCases %s: %s", field, r.Raw)
			}
		}
		var p page
		two.Query(t, mine, nil).Decode(t, &p)
		if p.MyCases.TotalCount != 1 || p.MyCases.Edges[0].Node.TrackingCode != byTwo {
			t.Fatalf("the other citizen's cases: %+v", p.MyCases)
		}

		// Without a token myCases asks to sign in; an account's token is refused it.
		if r := api.Query(t, mine, nil); r.Code() != "UNAUTHENTICATED" {
			t.Fatalf("myCases without a token: %s", r.Raw)
		}
		supervisor, _ := api.Login(t, w.Logins["provinceSupervisor"], testutil.Password)
		if r := api.As(supervisor).Query(t, mine, nil); r.Code() != "FORBIDDEN" {
			t.Fatalf("myCases of a supervisor: %s", r.Raw)
		}
		// Staff never read the link: the Case type has no such field.
		if r := api.As(supervisor).Query(t, `{ cases(first: 1) { edges { node { reporterLink } } } }`, nil); len(r.Errors) == 0 {
			t.Fatalf("the case link is readable: %s", r.Raw)
		}

		// The citizen's token grants nothing else: the node of a case (someone else's, or even their
		// own through the staff type), lists, figures, the reporter, handling, the viewer.
		own, err := db.Client.CitizenCase.Query().Where(citizencase.TrackingCode(first)).OnlyID(sys)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []struct {
			query string
			vars  map[string]any
		}{
			{`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": w.A.Records["Case"]}},
			{`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": own}},
			{`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": w.A.Clerk}},
			{`{ officials(first: 1) { totalCount } }`, nil},
			{`{ cases(first: 1) { totalCount } }`, nil},
			{`{ pledges(first: 1) { totalCount } }`, nil},
			{`{ progress(scope: {national: true}, year: 2025) { headcount } }`, nil},
			{`query($id: ID!) { caseReporter(caseId: $id) { name } }`, map[string]any{"id": own}},
			{`query($id: ID!) { caseReporter(caseId: $id) { name } }`, map[string]any{"id": w.A.Records["Case"]}},
			{`mutation($id: ID!) { caseAccept(input: {caseId: $id}) { userErrors { code } } }`, map[string]any{"id": own}},
		} {
			r := one.Query(t, q.query, q.vars)
			if r.Code() != "FORBIDDEN" || strings.Contains(string(r.Raw), w.A.Reporter) || strings.Contains(string(r.Raw), "Trần Văn Dân") {
				t.Fatalf("a citizen's token: %s %v: %s", q.query, q.vars, r.Raw)
			}
		}
		if role, r := viewerRole(t, one); role != "" {
			t.Fatalf("viewer of a citizen's token: %s", r.Raw)
		}
	})
}

// TestOIDCSignInRate: sign-ins that would make the server call the provider are counted per
// client address before the call (OIDC_SIGNIN_RATE; on PostgreSQL across two instances on one
// database, as two processes): past the limit oidcSignIn and citizenSignIn answer RATE_LIMITED
// with the wait, in Vietnamese or English, and the provider's token endpoint is not called; input
// refused before the call costs nothing; sign-ins the provider confirms are given back, so an
// address whose people sign in keeps its whole allowance for mistakes.
func TestOIDCSignInRate(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		op := startProvider(t)
		db := testutil.Open(t, dia)
		cfg := testutil.Config(t, map[string]string{"OIDC_ISSUER": op.issuer, "OIDC_CLIENT_ID": "app",
			"OIDC_REDIRECT_URIS": appRedirect, "TRUST_PROXY": "true", "OIDC_SIGNIN_RATE": "3/1m"})
		instances := []*testutil.API{testutil.NewAPI(t, db, cfg)}
		if dia == dialect.Postgres {
			instances = append(instances, testutil.NewAPI(t, testutil.Reopen(t, db), cfg))
		}
		n := 0
		// attempt answers the first error's code ("" for tokens), its retryAfter and message.
		attempt := func(field, code, verifier, redirect, nonce, ip string, headers ...string) (string, float64, string) {
			t.Helper()
			n++
			r := instances[n%len(instances)].Query(t, `mutation($c: String!, $v: String!, $r: String!, $n: String!) {
				`+field+`(input: {code: $c, codeVerifier: $v, redirectUri: $r, nonce: $n}) { accessToken userErrors { field code message } } }`,
				map[string]any{"c": code, "v": verifier, "r": redirect, "n": nonce}, append([]string{"X-Forwarded-For", ip}, headers...)...)
			if len(r.Errors) > 0 {
				ra, _ := r.Errors[0].Extensions["retryAfter"].(float64)
				return r.Code(), ra, r.Errors[0].Message
			}
			var out map[string]struct {
				AccessToken *string
				UserErrors  []userError
			}
			r.Decode(t, &out)
			p := out[field]
			if len(p.UserErrors) > 0 {
				return p.UserErrors[0].Code, 0, p.UserErrors[0].Message
			}
			if p.AccessToken == nil {
				t.Fatalf("%s: neither tokens nor an error: %s", field, r.Raw)
			}
			return "", 0, ""
		}
		fields := []string{"oidcSignIn", "citizenSignIn"}
		const a, b = "203.0.113.10", "203.0.113.11"

		// Three made-up codes from one address reach the provider, which refuses them.
		for i := range 3 {
			if code, _, _ := attempt(fields[i%2], "made-up-"+random(t, 8), random(t, 32), appRedirect, random(t, 16), a); code != "UNAUTHENTICATED" {
				t.Fatalf("made-up code %d: %s, want UNAUTHENTICATED from the provider", i+1, code)
			}
		}
		if got := op.tokens.Load(); got != 3 {
			t.Fatalf("%d calls to the token endpoint, want 3", got)
		}
		// Then both mutations are refused before the provider is called, saying how long to wait.
		for i, lang := range []string{"vi", "en"} {
			code, ra, msg := attempt(fields[i], "made-up-"+random(t, 8), random(t, 32), appRedirect, random(t, 16), a, "Accept-Language", lang)
			want := map[string]string{"vi": "giây", "en": "try again in"}[lang]
			if code != "RATE_LIMITED" || ra < 1 || ra > 20 || !strings.Contains(msg, want) {
				t.Fatalf("%s past the limit (%s): %s retryAfter %v %q", fields[i], lang, code, ra, msg)
			}
		}
		if got := op.tokens.Load(); got != 3 {
			t.Fatalf("%d calls to the token endpoint after 2 refused, want still 3", got)
		}
		// Input refused before any call is answered as such, and costs nothing.
		if code, _, _ := attempt("oidcSignIn", "x", random(t, 32), "https://evil.example/cb", random(t, 16), a); code != "BAD_USER_INPUT" {
			t.Fatalf("a redirect not allowed, past the limit: %s", code)
		}

		// Another address: three citizens confirmed by the provider cost nothing, so a made-up
		// code after them still reaches the provider.
		for i := range 3 {
			c, v, nonce := op.authorize(t, "test-user2")
			if code, _, msg := attempt("citizenSignIn", c, v, appRedirect, nonce, b); code != "" {
				t.Fatalf("confirmed sign-in %d from another address: %s %s", i+1, code, msg)
			}
		}
		if code, _, _ := attempt("oidcSignIn", "made-up-"+random(t, 8), random(t, 32), appRedirect, random(t, 16), b); code != "UNAUTHENTICATED" {
			t.Fatalf("a made-up code after 3 confirmed sign-ins: %s, want it heard by the provider", code)
		}
		if got := op.tokens.Load(); got != 7 {
			t.Fatalf("%d calls to the token endpoint, want 7", got)
		}
	})
}
