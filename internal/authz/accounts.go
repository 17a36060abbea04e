package authz

import (
	"context"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/internal/apperr"
)

// PasswordChangeAction is the grant of passwordChange: the one write a viewer who must change
// their password may make.
const PasswordChangeAction = "passwordChange"

// ErrPasswordChangeRequired answers a viewer whose password was set by an administrator and not
// yet changed: the session may only change it (passwordChange).
var ErrPasswordChangeRequired = apperr.New(apperr.Forbidden,
	"Bạn cần đổi mật khẩu trước khi tiếp tục (passwordChange).",
	"You must change your password before going on (passwordChange).")

// MayHandleAccounts reports whether the viewer's role may hand out activation codes and sheets
// for the officials of their scope: unit managers, supervisors and administrators.
func MayHandleAccounts(v Viewer) bool {
	switch v.Role {
	case RoleUnitManager, RoleSupervisor, RoleAdmin:
		return !v.MustChangePassword
	}
	return false
}

// MayProvision refuses a viewer who may not create accounts for every official of target:
// supervisors and administrators whose scope holds it (DESIGN.md §11). The nation is refused for
// everyone: provisioning goes a province (or less) at a time.
func MayProvision(ctx context.Context, c *ent.Client, target Scope) error {
	v := FromContext(ctx)
	if v.Anonymous() {
		return ErrUnauthenticated
	}
	if v.MustChangePassword {
		return ErrPasswordChangeRequired
	}
	if v.Role != RoleSupervisor && v.Role != RoleAdmin {
		return ErrForbidden
	}
	if target.Kind == ScopeNation {
		return apperr.New(apperr.BadUserInput, "Hãy cấp tài khoản theo từng tỉnh, huyện hoặc đơn vị.",
			"Provision one province, district or unit at a time.").OnField("scope")
	}
	return Require(ctx, c, target)
}

// MayIssueCode refuses a viewer who may not issue a new activation code to the official: unit
// managers, supervisors and administrators whose scope holds the official's unit. An official
// outside the scope reads as not found.
func MayIssueCode(ctx context.Context, c *ent.Client, officialID string) (*ent.Official, error) {
	v := FromContext(ctx)
	if v.Anonymous() {
		return nil, ErrUnauthenticated
	}
	if !MayHandleAccounts(v) {
		if v.MustChangePassword {
			return nil, ErrPasswordChangeRequired
		}
		return nil, ErrForbidden
	}
	off, err := c.Official.Query().Where(official.ID(officialID)).Only(ctx) // the viewer's filter: in scope
	if ent.IsNotFound(err) {
		return nil, apperr.New(apperr.NotFound, "Không tìm thấy cán bộ.", "No such official.").OnField("officialId")
	}
	return off, err
}
