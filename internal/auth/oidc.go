package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/audit"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/pid"
	"github.com/liemchinh/liemchinh/internal/ratelimit"
)

// OIDCSettings configure single sign-on (OIDC_*).
type OIDCSettings struct {
	Issuer, ClientID, ClientSecret string
	LinkClaim                      string   // the ID token claim accounts are linked by ("sub" by default)
	RedirectURIs                   []string // the redirect URIs the app may use
	// Context carries the HTTP client go-oidc and oauth2 use (oauth2.HTTPClient), for tests.
	Context context.Context
	// Rate limits, per client address, the sign-ins and links that make the server call the
	// provider (OIDC_SIGNIN_RATE; nil: unlimited). One the provider confirms is given back.
	Rate ratelimit.Limit
}

// OIDCGrant is what the app sends after the provider redirected back to it: the authorization
// code, the PKCE code_verifier it made, the redirect URI it used and the nonce of its request.
type OIDCGrant struct {
	Code, CodeVerifier, RedirectURI, Nonce string
}

// oidcClient discovers the provider on first use and keeps it.
type oidcClient struct {
	cfg      OIDCSettings
	mu       sync.Mutex
	provider *oidc.Provider
}

func newOIDCClient(cfg OIDCSettings) *oidcClient {
	if cfg.Issuer == "" {
		return nil
	}
	if cfg.LinkClaim == "" {
		cfg.LinkClaim = "sub"
	}
	return &oidcClient{cfg: cfg}
}

var (
	errOIDCOff = apperr.New(apperr.BadUserInput, "Máy chủ chưa cấu hình đăng nhập một lần (OpenID Connect).",
		"Single sign-on (OpenID Connect) is not configured on this server.")
	errOIDCGrant = apperr.New(apperr.Unauthenticated, "Nhà cung cấp định danh không xác nhận lần đăng nhập này; hãy đăng nhập lại.",
		"The identity provider did not confirm this sign-in; sign in again.").OnField("code")
	errOIDCUnlinked = apperr.New(apperr.NotFound, "Danh tính này chưa gắn với tài khoản nào; hãy đăng nhập bằng mật khẩu rồi gắn (oidcLink).",
		"No account is linked to this identity; sign in with your password, then link it (oidcLink).").OnField("code")
)

// oidcThrottled answers a sign-in refused by OIDC_SIGNIN_RATE before the provider is called.
func oidcThrottled(wait time.Duration) *apperr.Error {
	return apperr.Throttled(wait, "Quá nhiều lần đăng nhập một lần (OpenID Connect) chưa được xác nhận từ địa chỉ này; vui lòng thử lại sau %d giây.",
		"Too many unconfirmed single sign-on (OpenID Connect) attempts from this address; try again in %d seconds.")
}

// ctx carries the configured HTTP client (tests) into the calls to the provider.
func (c *oidcClient) ctx(ctx context.Context) context.Context {
	if c.cfg.Context != nil {
		if hc := c.cfg.Context.Value(oauth2.HTTPClient); hc != nil {
			return context.WithValue(ctx, oauth2.HTTPClient, hc)
		}
	}
	return ctx
}

func (c *oidcClient) discover(ctx context.Context) (*oidc.Provider, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.provider != nil {
		return c.provider, nil
	}
	p, err := oidc.NewProvider(c.ctx(ctx), c.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("oidc discovery: %w", err)
	}
	c.provider = p
	return p, nil
}

// verify exchanges the code (with the PKCE verifier) at the provider's token endpoint, verifies
// the ID token it returns (signature against the provider's keys, issuer, audience = our client
// id, expiry, nonce) and returns the link claim's value.
func (c *oidcClient) verify(ctx context.Context, g OIDCGrant) (string, error) {
	switch {
	case g.Code == "":
		return "", apperr.New(apperr.BadUserInput, "Thiếu mã ủy quyền.", "The authorization code is missing.").OnField("code")
	case len(g.CodeVerifier) < 43 || len(g.CodeVerifier) > 128:
		return "", apperr.New(apperr.BadUserInput, "code_verifier phải dài 43 đến 128 ký tự (PKCE, RFC 7636).",
			"The code_verifier must be 43 to 128 characters long (PKCE, RFC 7636).").OnField("codeVerifier")
	case !slices.Contains(c.cfg.RedirectURIs, g.RedirectURI):
		return "", apperr.New(apperr.BadUserInput, "Địa chỉ chuyển hướng không được phép.", "The redirect URI is not allowed.").OnField("redirectUri")
	case len(g.Nonce) < 16:
		return "", apperr.New(apperr.BadUserInput, "nonce phải dài ít nhất 16 ký tự ngẫu nhiên.",
			"The nonce must be at least 16 random characters.").OnField("nonce")
	}
	// Each attempt past here calls the provider (its token endpoint, and its discovery until it
	// answers): counted per client address first, so that nobody can make the server hammer it.
	// An identity the provider confirms gives its event back: an office's sign-ins cost nothing.
	addr := ratelimit.AddressKey(authz.ClientIP(ctx))
	if c.cfg.Rate != nil {
		ok, wait, err := c.cfg.Rate.Allow(ctx, addr)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", oidcThrottled(wait)
		}
	}
	claim, err := c.exchange(ctx, g)
	if err == nil && c.cfg.Rate != nil {
		err = c.cfg.Rate.Refund(ctx, addr)
	}
	return claim, err
}

// exchange is verify's call to the provider, once its input is checked and the call counted.
func (c *oidcClient) exchange(ctx context.Context, g OIDCGrant) (string, error) {
	p, err := c.discover(ctx)
	if err != nil {
		return "", err
	}
	ep := p.Endpoint()
	if c.cfg.ClientSecret == "" && ep.AuthStyle == oauth2.AuthStyleAutoDetect {
		// A public client sends its id in the form (RFC 6749 §2.3.1 has no secret to put in a
		// header): guessing would call the token endpoint twice for every refused code.
		ep.AuthStyle = oauth2.AuthStyleInParams
	}
	conf := oauth2.Config{ClientID: c.cfg.ClientID, ClientSecret: c.cfg.ClientSecret, Endpoint: ep,
		RedirectURL: g.RedirectURI, Scopes: []string{oidc.ScopeOpenID}}
	hctx := c.ctx(ctx)
	tok, err := conf.Exchange(hctx, g.Code, oauth2.VerifierOption(g.CodeVerifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return "", errOIDCGrant
		}
		return "", fmt.Errorf("oidc token exchange: %w", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return "", errOIDCGrant
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: c.cfg.ClientID}).Verify(hctx, raw)
	if err != nil {
		return "", errOIDCGrant
	}
	if idt.Nonce != g.Nonce {
		return "", errOIDCGrant
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return "", errOIDCGrant
	}
	value, _ := claims[c.cfg.LinkClaim].(string)
	if value == "" {
		return "", errOIDCGrant
	}
	if c.cfg.LinkClaim == "email" {
		if verified, _ := claims["email_verified"].(bool); !verified {
			return "", errOIDCGrant
		}
	}
	return value, nil
}

// OIDCSignIn signs in the account linked to the identity the provider confirms, and issues the
// server's own tokens. Nothing here can be guessed (the provider's code is single-use and bound
// to the app's PKCE verifier), so it is not throttled like a password; the calls to the provider
// are limited per client address (OIDCSettings.Rate).
func (s *Service) OIDCSignIn(ctx context.Context, g OIDCGrant) (*Tokens, error) {
	if s.oidc == nil {
		return nil, errOIDCOff
	}
	claim, err := s.oidc.verify(ctx, g)
	if err != nil {
		return nil, err
	}
	sys := authz.System(ctx, authz.SysIdentity)
	acc, err := s.db(ctx).Account.Query().Where(account.IdentityHash(s.identityHash(s.oidc.cfg.Issuer, claim))).Only(sys)
	if ent.IsNotFound(err) || (err == nil && acc.Disabled) {
		return nil, errOIDCUnlinked
	}
	if err != nil {
		return nil, err
	}
	var out *Tokens
	err = s.inTx(ctx, func(tx *ent.Client) error {
		acc, err = tx.Account.UpdateOne(acc).SetLastLoginAt(s.now()).Save(sys)
		if err != nil {
			return err
		}
		if out, err = s.issue(ctx, tx, acc, pid.New(pid.RefreshToken)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "login", ObjectType: "Account", ObjectID: acc.ID, ActorID: acc.ID,
			Summary: "single sign-on"})
	})
	return out, err
}

// OIDCLink links the signed-in account to the identity the provider confirms (its keyed hash).
func (s *Service) OIDCLink(ctx context.Context, g OIDCGrant) (*ent.Account, error) {
	v := authz.FromContext(ctx)
	if v.Anonymous() {
		return nil, authz.ErrUnauthenticated
	}
	if v.MustChangePassword {
		return nil, authz.ErrPasswordChangeRequired
	}
	if s.oidc == nil {
		return nil, errOIDCOff
	}
	claim, err := s.oidc.verify(ctx, g)
	if err != nil {
		return nil, err
	}
	hash := s.identityHash(s.oidc.cfg.Issuer, claim)
	var acc *ent.Account
	err = s.inTx(ctx, func(tx *ent.Client) error {
		sys := authz.System(ctx, authz.SysIdentity)
		other, err := tx.Account.Query().Where(account.IdentityHash(hash), account.IDNEQ(v.AccountID)).Exist(sys)
		if err != nil {
			return err
		}
		if other {
			return apperr.New(apperr.Conflict, "Danh tính này đã gắn với một tài khoản khác.",
				"This identity is already linked to another account.").OnField("code")
		}
		if acc, err = tx.Account.UpdateOneID(v.AccountID).SetIdentityHash(hash).Save(sys); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "oidcLink", ObjectType: "Account", ObjectID: acc.ID})
	})
	return acc, err
}

// CitizenTokens are what a citizen's sign-in returns: an access token only (no account, so no
// refresh token; the app signs in again when it expires).
type CitizenTokens struct {
	AccessToken     string
	AccessExpiresAt time.Time
}

// OIDCCitizenSignIn signs a citizen in with the identity the provider confirms: no account is
// needed or created. The token carries the key their identified cases are linked by (a keyed hash
// of the claim's keyed hash); the claim itself is kept nowhere.
func (s *Service) OIDCCitizenSignIn(ctx context.Context, g OIDCGrant) (*CitizenTokens, error) {
	if s.oidc == nil {
		return nil, errOIDCOff
	}
	claim, err := s.oidc.verify(ctx, g)
	if err != nil {
		return nil, err
	}
	access, exp, err := s.signer.SignCitizen(s.citizenKey(s.identityHash(s.oidc.cfg.Issuer, claim)))
	if err != nil {
		return nil, err
	}
	return &CitizenTokens{AccessToken: access, AccessExpiresAt: exp}, nil
}
