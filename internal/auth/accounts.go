package auth

import (
	"context"
	"net/mail"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/ent/district"
	"github.com/liemchinh/liemchinh/ent/province"
	"github.com/liemchinh/liemchinh/ent/refreshtoken"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/audit"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/pid"
)

// AccountSpec is what an administrator sets on an account.
type AccountSpec struct {
	Login      string
	Password   string
	Role       authz.Role
	Scope      authz.Scope
	OfficialID string
}

var phone = regexp.MustCompile(`^(\+84|0)[0-9]{9,10}$`)

// ValidateLogin checks a login name is a Vietnamese phone number or an e-mail address.
func ValidateLogin(login string) *apperr.Error {
	if phone.MatchString(login) {
		return nil
	}
	if a, err := mail.ParseAddress(login); err == nil && a.Address == login {
		return nil
	}
	return apperr.New(apperr.BadUserInput,
		"Tên đăng nhập phải là số điện thoại hoặc địa chỉ e-mail.",
		"The login must be a phone number or an e-mail address.").OnField("login")
}

// ValidatePassword applies the password policy: 10 to 256 characters, not containing the login.
func ValidatePassword(password, login string, field string) *apperr.Error {
	n := utf8.RuneCountInString(password)
	switch {
	case n < 10 || n > 256:
		return apperr.New(apperr.BadUserInput, "Mật khẩu phải dài từ 10 đến 256 ký tự.",
			"The password must be 10 to 256 characters long.").OnField(field)
	case login != "" && strings.Contains(strings.ToLower(password), strings.ToLower(login)):
		return apperr.New(apperr.BadUserInput, "Mật khẩu không được chứa tên đăng nhập.",
			"The password must not contain the login.").OnField(field)
	case IsCommonPassword(password):
		return apperr.New(apperr.BadUserInput, "Mật khẩu này nằm trong số mật khẩu phổ biến nhất và dễ bị đoán; hãy chọn mật khẩu khác.",
			"This password is among the most common ones and easily guessed; choose another.").OnField(field)
	}
	return nil
}

func requireAdmin(ctx context.Context) (authz.Viewer, error) {
	v := authz.FromContext(ctx)
	if v.Anonymous() {
		return v, authz.ErrUnauthenticated
	}
	if v.Role != authz.RoleAdmin {
		return v, authz.ErrForbidden
	}
	return v, nil
}

// checkRoleScope validates a role, scope and linked official together and loads what they name.
func (s *Service) checkRoleScope(ctx context.Context, role authz.Role, sc authz.Scope, officialID string) error {
	bad := func(vi, en string, field string) error {
		return apperr.New(apperr.BadUserInput, vi, en).OnField(field)
	}
	switch role {
	case authz.RoleOfficial, authz.RoleUnitManager, authz.RoleSupervisor, authz.RoleInspector, authz.RoleAdmin:
	default:
		return bad("Vai trò không hợp lệ.", "Unknown role.", "role")
	}
	if role == authz.RoleAdmin && sc.Kind != authz.ScopeNation {
		return bad("Quản trị viên có phạm vi toàn quốc.", "An administrator's scope is the nation.", "scopeKind")
	}
	if (role == authz.RoleOfficial || role == authz.RoleUnitManager) && officialID == "" {
		return bad("Tài khoản cán bộ và thủ trưởng đơn vị phải gắn với một cán bộ.",
			"Official and unit manager accounts must be linked to an official.", "officialId")
	}
	if officialID != "" {
		off, err := s.db(ctx).Official.Get(ctx, officialID)
		if ent.IsNotFound(err) {
			return bad("Không tìm thấy cán bộ.", "No such official.", "officialId")
		} else if err != nil {
			return err
		}
		unitID, err := s.db(ctx).Official.QueryUnit(off).OnlyID(ctx)
		if err != nil {
			return err
		}
		if role == authz.RoleOfficial && !(sc.Kind == authz.ScopeUnit && sc.ID == unitID) {
			return bad("Phạm vi của cán bộ là đơn vị của họ.", "An official's scope is their own unit.", "scopeUnitId")
		}
	}
	var n int
	var err error
	switch sc.Kind {
	case authz.ScopeNation:
		if sc.ID != "" {
			return bad("Phạm vi toàn quốc không kèm đơn vị.", "A national scope names no unit.", "scopeKind")
		}
		return nil
	case authz.ScopeUnit:
		n, err = s.db(ctx).Unit.Query().Where(unit.ID(sc.ID)).Count(ctx)
	case authz.ScopeDistrict:
		n, err = s.db(ctx).District.Query().Where(district.ID(sc.ID)).Count(ctx)
	case authz.ScopeProvince:
		n, err = s.db(ctx).Province.Query().Where(province.ID(sc.ID)).Count(ctx)
	default:
		return bad("Loại phạm vi không hợp lệ.", "Unknown scope kind.", "scopeKind")
	}
	if err != nil {
		return err
	}
	if n != 1 {
		return bad("Không tìm thấy đơn vị, huyện hoặc tỉnh của phạm vi.",
			"The scope's unit, district or province does not exist.", "scope"+titleKind(sc.Kind)+"Id")
	}
	return nil
}

func titleKind(k authz.ScopeKind) string {
	s := strings.ToLower(string(k))
	return strings.ToUpper(s[:1]) + s[1:]
}

func setScope(m *ent.AccountMutation, sc authz.Scope) {
	m.ClearScopeUnit()
	m.ClearScopeDistrict()
	m.ClearScopeProvince()
	m.SetScopeKind(account.ScopeKind(sc.Kind))
	switch sc.Kind {
	case authz.ScopeUnit:
		m.SetScopeUnitID(sc.ID)
	case authz.ScopeDistrict:
		m.SetScopeDistrictID(sc.ID)
	case authz.ScopeProvince:
		m.SetScopeProvinceID(sc.ID)
	}
}

// CreateAccount creates an account (administrators only).
func (s *Service) CreateAccount(ctx context.Context, spec AccountSpec) (*ent.Account, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	login := NormalizeLogin(spec.Login)
	if e := ValidateLogin(login); e != nil {
		return nil, e
	}
	if e := ValidatePassword(spec.Password, login, "password"); e != nil {
		return nil, e
	}
	if err := s.checkRoleScope(ctx, spec.Role, spec.Scope, spec.OfficialID); err != nil {
		return nil, err
	}
	hash, err := HashPassword(ctx, spec.Password)
	if err != nil {
		return nil, err
	}
	var acc *ent.Account
	err = s.inTx(ctx, func(tx *ent.Client) error {
		gctx := authz.Grant(ctx, "accountCreate", ent.TypeAccount)
		taken, err := tx.Account.Query().Where(account.LoginEQ(login)).Exist(ctx)
		if err != nil {
			return err
		}
		if taken {
			return apperr.New(apperr.Conflict, "Tên đăng nhập đã được dùng.", "The login is already taken.").OnField("login")
		}
		if spec.OfficialID != "" {
			linked, err := tx.Account.Query().Where(account.OfficialID(spec.OfficialID)).Exist(ctx)
			if err != nil {
				return err
			}
			if linked {
				return apperr.New(apperr.Conflict, "Cán bộ này đã có tài khoản.", "This official already has an account.").OnField("officialId")
			}
		}
		c := tx.Account.Create().SetID(pid.New(pid.Account)).SetLogin(login).SetPasswordHash(hash).
			SetRole(account.Role(spec.Role)).SetPasswordChangedAt(s.now()).SetMustChangePassword(true)
		if spec.OfficialID != "" {
			c.SetOfficialID(spec.OfficialID)
		}
		setScope(c.Mutation(), spec.Scope)
		if acc, err = c.Save(gctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "accountCreate", ObjectType: "Account", ObjectID: acc.ID,
			Summary: "role " + string(spec.Role) + ", scope " + string(spec.Scope.Kind)})
	})
	return acc, err
}

// DisableAccount disables an account and ends its sessions at once (administrators only).
func (s *Service) DisableAccount(ctx context.Context, id, reason string) (*ent.Account, error) {
	v, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	if id == v.AccountID {
		return nil, apperr.New(apperr.BadUserInput, "Không thể tự khoá tài khoản của mình.",
			"You cannot disable your own account.").OnField("accountId")
	}
	if strings.TrimSpace(reason) == "" {
		return nil, apperr.New(apperr.BadUserInput, "Cần nêu lý do.", "A reason is required.").OnField("reason")
	}
	return s.changeAccount(ctx, id, "accountDisable", reason, func(u *ent.AccountUpdateOne) {
		u.SetDisabled(true)
	})
}

// SetRole changes an account's role and scope; its sessions end (administrators only).
func (s *Service) SetRole(ctx context.Context, id string, role authz.Role, sc authz.Scope) (*ent.Account, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	acc, err := s.db(ctx).Account.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, apperr.New(apperr.NotFound, "Không tìm thấy tài khoản.", "No such account.").OnField("accountId")
	} else if err != nil {
		return nil, err
	}
	official := ""
	if acc.OfficialID != nil {
		official = *acc.OfficialID
	}
	if err := s.checkRoleScope(ctx, role, sc, official); err != nil {
		return nil, err
	}
	return s.changeAccount(ctx, id, "accountSetRole", "role "+string(role)+", scope "+string(sc.Kind),
		func(u *ent.AccountUpdateOne) {
			u.SetRole(account.Role(role))
			setScope(u.Mutation(), sc)
		})
}

// ChangePassword changes the viewer's own password; every session ends and a new one starts.
func (s *Service) ChangePassword(ctx context.Context, current, next string) (*Tokens, error) {
	v := authz.FromContext(ctx)
	if v.Anonymous() {
		return nil, authz.ErrUnauthenticated
	}
	acc, err := s.db(ctx).Account.Get(ctx, v.AccountID)
	if err != nil {
		return nil, err
	}
	hash := acc.PasswordHash
	if hash == "" {
		hash = s.dummyHash
	}
	ok, _, err := checkPassword(ctx, current, hash)
	if err != nil {
		return nil, err
	}
	ok = ok && acc.PasswordHash != ""
	if !ok {
		return nil, apperr.New(apperr.BadUserInput, "Mật khẩu hiện tại không đúng.",
			"The current password is wrong.").OnField("currentPassword")
	}
	if e := ValidatePassword(next, acc.Login, "newPassword"); e != nil {
		return nil, e
	}
	hash, err = HashPassword(ctx, next)
	if err != nil {
		return nil, err
	}
	var out *Tokens
	err = s.inTx(ctx, func(tx *ent.Client) error {
		acc, err = tx.Account.UpdateOneID(acc.ID).SetPasswordHash(hash).SetPasswordChangedAt(s.now()).
			SetMustChangePassword(false).AddTokenVersion(1).Save(authz.Grant(ctx, authz.PasswordChangeAction, ent.TypeAccount))
		if err != nil {
			return err
		}
		if err := s.revokeAll(ctx, tx, acc.ID); err != nil {
			return err
		}
		if out, err = s.issue(ctx, tx, acc, pid.New(pid.RefreshToken)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "passwordChange", ObjectType: "Account", ObjectID: acc.ID})
	})
	return out, err
}

// changeAccount applies an administrator's change, raises the token version and ends the
// account's sessions, with an audit entry, in one transaction.
func (s *Service) changeAccount(ctx context.Context, id, action, summary string, change func(*ent.AccountUpdateOne)) (*ent.Account, error) {
	var acc *ent.Account
	err := s.inTx(ctx, func(tx *ent.Client) error {
		u := tx.Account.UpdateOneID(id).AddTokenVersion(1)
		change(u)
		var err error
		if acc, err = u.Save(authz.Grant(ctx, action, ent.TypeAccount)); ent.IsNotFound(err) {
			return apperr.New(apperr.NotFound, "Không tìm thấy tài khoản.", "No such account.").OnField("accountId")
		} else if err != nil {
			return err
		}
		if err := s.revokeAll(ctx, tx, id); err != nil {
			return err
		}
		if acc.Disabled && s.devices != nil {
			if err := s.devices.ForgetAccount(ctx, tx, id); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{Action: action, ObjectType: "Account", ObjectID: id, Summary: summary})
	})
	return acc, err
}

func (s *Service) revokeAll(ctx context.Context, tx *ent.Client, accountID string) error {
	_, err := tx.RefreshToken.Update().
		Where(refreshtoken.HasAccountWith(account.ID(accountID)), refreshtoken.RevokedAtIsNil()).
		SetRevokedAt(s.now()).Save(authz.System(ctx, authz.SysSession))
	return err
}
