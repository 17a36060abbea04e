// Package authz decides who may see and do what (DESIGN.md §8), in one place: the viewer carried
// in the context, the scope predicates every query is filtered by (installed on the ent client as
// interceptors, so they hold for root lists, nested edges, counts and node lookups alike), the
// checks mutations must pass before they write, and the declared purposes (purposes.go) for which
// the server's own work reads or writes past them.
package authz

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/liemchinh/liemchinh/ent"
)

// Role is what an account may do.
type Role string

// Roles of DESIGN.md §8. A citizen has no account: an anonymous viewer, or, signed in with
// OpenID Connect, a RoleCitizen viewer carrying only the keyed hash of their identity (Citizen).
const (
	RoleCitizen     Role = "CITIZEN"
	RoleOfficial    Role = "OFFICIAL"
	RoleUnitManager Role = "UNIT_MANAGER"
	RoleSupervisor  Role = "SUPERVISOR"
	RoleInspector   Role = "INSPECTOR"
	RoleAdmin       Role = "ADMIN"
)

// ScopeKind is what an account's scope is.
type ScopeKind string

// Scope kinds.
const (
	ScopeUnit     ScopeKind = "UNIT"
	ScopeDistrict ScopeKind = "DISTRICT"
	ScopeProvince ScopeKind = "PROVINCE"
	ScopeNation   ScopeKind = "NATION"
)

// Scope is the part of the organisation an account works on: a unit with its sub-units, a
// district, a province (with the provinces merged into it), or the nation.
type Scope struct {
	Kind ScopeKind `json:"kind"`
	ID   string    `json:"id,omitempty"` // unit, district or province id; empty for the nation
}

// Viewer is who is asking: an account, or nobody (a citizen, or a client without a token).
type Viewer struct {
	AccountID  string `json:"sub"`
	Role       Role   `json:"role"`
	Scope      Scope  `json:"scope"`
	OfficialID string `json:"off,omitempty"` // the linked official, for officials and unit managers
	// MustChangePassword: the password was set by an administrator; until the account changes it,
	// the viewer reads its own account only and may write nothing but a new password.
	MustChangePassword bool `json:"mcp,omitempty"`
	// Citizen is, for a citizen signed in with OpenID Connect (RoleCitizen, no account), the key
	// their identified cases are linked by: a keyed hash of their verified identity. It reads
	// their own identified cases (OwnCases) and nothing else.
	Citizen string `json:"cit,omitempty"`
}

// Anonymous reports whether no account is signed in: a citizen, signed in (SignedInCitizen) or
// not. Whatever asks for an account refuses both alike.
func (v Viewer) Anonymous() bool { return v.AccountID == "" }

// SignedInCitizen reports whether the viewer is a citizen signed in with OpenID Connect.
func (v Viewer) SignedInCitizen() bool {
	return v.AccountID == "" && v.Role == RoleCitizen && v.Citizen != ""
}

// CitizenViewer is the viewer of a citizen signed in with OpenID Connect, by the key their cases
// are linked by.
func CitizenViewer(key string) Viewer { return Viewer{Role: RoleCitizen, Citizen: key} }

// Staff reports whether the viewer sees everything in a scope (not only their own records).
func (v Viewer) Staff() bool {
	switch v.Role {
	case RoleUnitManager, RoleSupervisor, RoleInspector, RoleAdmin:
		return true
	}
	return false
}

type viewerKey struct{}

// WithViewer returns a context for the given viewer.
func WithViewer(ctx context.Context, v Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// FromContext returns the viewer of the context (anonymous when none was set).
func FromContext(ctx context.Context) Viewer {
	v, _ := ctx.Value(viewerKey{}).(Viewer)
	return v
}

type recheckKey struct{}

// WithRecheck returns a context carrying a check that the viewer's access still holds (account
// enabled, token version unchanged). Long-lived streams (subscriptions) call Recheck before each
// delivery, so disabling an account or changing its role ends them too.
func WithRecheck(ctx context.Context, check func(context.Context) error) context.Context {
	return context.WithValue(ctx, recheckKey{}, check)
}

// Recheck runs the context's access check, if any.
func Recheck(ctx context.Context) error {
	if check, ok := ctx.Value(recheckKey{}).(func(context.Context) error); ok {
		return check(ctx)
	}
	return nil
}

// MarshalGQL writes the scope kind as a GraphQL enum value.
func (k ScopeKind) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(k))) }

// UnmarshalGQL reads a scope kind.
func (k *ScopeKind) UnmarshalGQL(v any) error {
	s, _ := v.(string)
	switch ScopeKind(s) {
	case ScopeUnit, ScopeDistrict, ScopeProvince, ScopeNation:
		*k = ScopeKind(s)
		return nil
	}
	return fmt.Errorf("%q is not a scope kind", s)
}

// ViewerOfAccount is the viewer an account signs in as: its role, scope and linked official.
func ViewerOfAccount(acc *ent.Account) Viewer {
	v := Viewer{AccountID: acc.ID, Role: Role(acc.Role), Scope: Scope{Kind: ScopeKind(acc.ScopeKind)}}
	for _, id := range []*string{acc.ScopeUnitID, acc.ScopeDistrictID, acc.ScopeProvinceID} {
		if id != nil {
			v.Scope.ID = *id
		}
	}
	if acc.OfficialID != nil {
		v.OfficialID = *acc.OfficialID
	}
	v.MustChangePassword = acc.MustChangePassword
	return v
}
