package model

import (
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/auth"
)

// SessionPayload is the result of the mutations that start or renew a session (login,
// tokenRefresh, passwordChange): tokens, or the userErrors saying why not.
type SessionPayload struct {
	AccessToken          *string
	AccessTokenExpiresAt *time.Time
	RefreshToken         *string
	Account              *ent.Account
	UserErrors           []*apperr.UserError
}

// NewSessionPayload returns the payload for the outcome of a session mutation.
func NewSessionPayload(t *auth.Tokens, userErrors []*apperr.UserError) *SessionPayload {
	p := &SessionPayload{UserErrors: userErrors}
	if t != nil {
		p.AccessToken, p.AccessTokenExpiresAt, p.RefreshToken = &t.AccessToken, &t.AccessExpiresAt, &t.RefreshToken
		p.Account = t.Account
	}
	return p
}

// NewCitizenSignInPayload is citizenSignIn's payload for the tokens (nil when sign-in failed).
func NewCitizenSignInPayload(t *auth.CitizenTokens, userErrors []*apperr.UserError) *CitizenSignInPayload {
	p := &CitizenSignInPayload{UserErrors: userErrors}
	if t != nil {
		p.AccessToken, p.AccessTokenExpiresAt = &t.AccessToken, &t.AccessExpiresAt
	}
	return p
}
