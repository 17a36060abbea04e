// Package auth owns sign-in: argon2id password hashes, short-lived signed access tokens (JWT,
// HS256), opaque rotating refresh tokens, throttling of failed sign-ins, and the HTTP and
// WebSocket code that turns a bearer token into the viewer of a request.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/liemchinh/liemchinh/internal/authz"
)

const (
	issuer = "liemchinh"
	// AccessTTL is how long an access token is valid.
	AccessTTL = 15 * time.Minute
	// RefreshTTL is how long an unused refresh token is valid.
	RefreshTTL = 30 * 24 * time.Hour
)

// ErrInvalidToken is returned for an expired, forged or malformed token.
var ErrInvalidToken = errors.New("auth: invalid token")

// Signer signs and verifies access tokens with one HMAC key.
type Signer struct {
	key []byte
	now func() time.Time
}

// NewSigner returns a signer for a key of at least 32 bytes.
func NewSigner(key []byte) (*Signer, error) {
	if len(key) < 32 {
		return nil, fmt.Errorf("auth: token key must be at least 32 bytes, got %d", len(key))
	}
	return &Signer{key: key, now: time.Now}, nil
}

type claims struct {
	Role       authz.Role  `json:"role"`
	Scope      authz.Scope `json:"scope"`
	OfficialID string      `json:"off,omitempty"`
	Version    int         `json:"ver"`
	jwt.RegisteredClaims
}

// Sign returns an access token for the viewer at the account's token version, and when it expires.
func (s *Signer) Sign(v authz.Viewer, version int) (string, time.Time, error) {
	now := s.now()
	exp := now.Add(AccessTTL)
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims{
		Role: v.Role, Scope: v.Scope, OfficialID: v.OfficialID, Version: version,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: issuer, Subject: v.AccountID,
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp),
		},
	})
	signed, err := tok.SignedString(s.key)
	return signed, exp, err
}

// SignCitizen returns an access token for a citizen signed in with OpenID Connect, whose subject
// is the key their cases are linked by, and when it expires. No account stands behind it, so it
// carries no scope, official or version.
func (s *Signer) SignCitizen(key string) (string, time.Time, error) {
	now := s.now()
	exp := now.Add(AccessTTL)
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims{Role: authz.RoleCitizen,
		RegisteredClaims: jwt.RegisteredClaims{Issuer: issuer, Subject: key,
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp)}})
	signed, err := tok.SignedString(s.key)
	return signed, exp, err
}

// Verify returns the viewer and token version of a valid access token, or ErrInvalidToken.
func (s *Signer) Verify(token string) (authz.Viewer, int, error) {
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return s.key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(issuer), jwt.WithExpirationRequired(), jwt.WithTimeFunc(s.now))
	if err != nil || c.Subject == "" || c.Role == "" {
		return authz.Viewer{}, 0, ErrInvalidToken
	}
	if c.Role == authz.RoleCitizen {
		// A citizen's token (SignCitizen): no account, only the key their cases are linked by.
		return authz.CitizenViewer(c.Subject), 0, nil
	}
	return authz.Viewer{AccountID: c.Subject, Role: c.Role, Scope: c.Scope, OfficialID: c.OfficialID}, c.Version, nil
}

// newRefreshToken returns a random opaque token and the hash stored for it.
func newRefreshToken() (token, hash string) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	token = base64.RawURLEncoding.EncodeToString(b[:])
	return token, hashToken(token)
}

func hashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}
