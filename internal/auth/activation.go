package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/ent/activationcode"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/audit"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/delivery"
	"github.com/liemchinh/liemchinh/internal/pid"
	"github.com/liemchinh/liemchinh/internal/ratelimit"
	"github.com/liemchinh/liemchinh/internal/store"
)

// ErrBadCode answers a code that does not work: wrong, expired, spent, or of an unknown or
// disabled login, all alike.
var ErrBadCode = apperr.New(apperr.Unauthenticated,
	"Tên đăng nhập hoặc mã kích hoạt không đúng, hoặc mã đã hết hạn hay đã dùng.",
	"Wrong login or code, or the code has expired or been used.").OnField("code")

// Activate sets an account's password with a one-time code (activation or reset) and signs in:
// the code is spent, every other code of the account ends, every session ends.
func (s *Service) Activate(ctx context.Context, login, code, password string) (*Tokens, error) {
	login = NormalizeLogin(login)
	// The password is checked first, before the throttle counts the attempt: a refused password
	// says nothing about the code, leaves the code unspent for the next try, and costs no attempt
	// (nor the address's one try per wait past the login's ceiling).
	if e := ValidatePassword(password, login, "newPassword"); e != nil {
		return nil, e
	}
	ip := authz.ClientIP(ctx)
	if err := s.throttle.check(ctx, login, ip); err != nil {
		return nil, err
	}
	sys := authz.System(ctx, authz.SysActivation)
	now := s.now()
	acc, err := s.db(ctx).Account.Query().Where(account.LoginEQ(login)).Only(sys)
	if err != nil && !ent.IsNotFound(err) {
		return nil, err
	}
	var rec *ent.ActivationCode
	if acc != nil && !acc.Disabled {
		rec, err = s.db(ctx).ActivationCode.Query().Where(activationcode.CodeHash(s.codeHash(code)),
			activationcode.AccountID(acc.ID), activationcode.UsedAtIsNil(), activationcode.ExpiresAtGT(now)).Only(sys)
		if err != nil && !ent.IsNotFound(err) {
			return nil, err
		}
	}
	if rec == nil {
		if err := s.throttle.failed(ctx, login, ip); err != nil {
			return nil, err
		}
		return nil, ErrBadCode
	}
	hash, err := HashPassword(ctx, password)
	if err != nil {
		return nil, err
	}
	if err := s.throttle.succeeded(ctx, login, ip); err != nil {
		return nil, err
	}
	var out *Tokens
	err = s.inTx(ctx, func(tx *ent.Client) error {
		// Spend the code only if nobody spent it meanwhile; end the account's other codes.
		n, err := tx.ActivationCode.Update().Where(activationcode.ID(rec.ID), activationcode.UsedAtIsNil()).
			SetUsedAt(now).Save(sys)
		if err != nil {
			return err
		}
		if n != 1 {
			return ErrBadCode
		}
		if _, err := tx.ActivationCode.Update().Where(activationcode.AccountID(acc.ID), activationcode.UsedAtIsNil()).
			SetUsedAt(now).Save(sys); err != nil {
			return err
		}
		acc, err = tx.Account.UpdateOneID(acc.ID).SetPasswordHash(hash).SetPasswordChangedAt(now).
			SetMustChangePassword(false).SetLastLoginAt(now).AddTokenVersion(1).Save(sys)
		if err != nil {
			return err
		}
		if err := s.revokeAll(ctx, tx, acc.ID); err != nil {
			return err
		}
		if out, err = s.issue(ctx, tx, acc, pid.New(pid.RefreshToken)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "accountActivate", ObjectType: "Account", ObjectID: acc.ID,
			ActorID: acc.ID, Summary: "password set with a " + string(rec.Purpose) + " code"})
	})
	return out, err
}

// IssuedCode is a code a manager issued: shown once, or sent.
type IssuedCode struct {
	Account   *ent.Account
	Code      string // empty when sent
	Sent      bool
	ExpiresAt time.Time
}

// IssueCode gives an official a new activation code (unit managers, supervisors and administrators
// whose scope holds the official), creating their account if they have none; earlier codes end.
// With send, the code goes to the official's registered phone or e-mail instead of the answer.
func (s *Service) IssueCode(ctx context.Context, officialID string, send bool) (*IssuedCode, error) {
	off, err := authz.MayIssueCode(ctx, s.db(ctx), officialID)
	if err != nil {
		return nil, err
	}
	var msg delivery.Message
	if send {
		var ok bool
		if msg, ok = contactOf(off); !ok {
			return nil, apperr.New(apperr.BadUserInput, "Cán bộ chưa đăng ký số điện thoại hay e-mail; hãy để trống send để nhận mã.",
				"The official has no registered phone or e-mail; leave send empty to get the code.").OnField("send")
		}
	}
	now := s.now()
	codeID := pid.New(pid.ActivationCode)
	code := newCode()
	if send {
		code = s.derivedCode(codeID) // recomputed by the delivery job, which holds only the id
	}
	out := &IssuedCode{ExpiresAt: now.Add(s.accounts.ActivationTTL)}
	err = store.InTx(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		prov := authz.System(ctx, authz.SysProvision)
		acc, err := tx.Account.Query().Where(account.OfficialID(off.ID)).Only(prov)
		if ent.IsNotFound(err) {
			login := NormalizeLogin(off.EmployeeCode)
			taken, err := tx.Account.Query().Where(account.LoginEQ(login)).Exist(prov)
			if err != nil {
				return err
			}
			if taken {
				return apperr.New(apperr.Conflict, "Mã cán bộ đã là tên đăng nhập của một tài khoản khác.",
					"The employee code is already another account's login.").OnField("officialId")
			}
			acc, err = tx.Account.Create().SetID(pid.New(pid.Account)).SetLogin(login).SetRole(account.RoleOFFICIAL).
				SetScopeKind(account.ScopeKindUNIT).SetScopeUnitID(off.UnitID).SetOfficialID(off.ID).
				Save(authz.Grant(ctx, "activationCodeIssue", ent.TypeAccount))
			if err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		out.Account = acc
		if _, err := tx.ActivationCode.Update().Where(activationcode.AccountID(acc.ID), activationcode.UsedAtIsNil()).
			SetUsedAt(now).Save(prov); err != nil {
			return err
		}
		v := authz.FromContext(ctx)
		if err := tx.ActivationCode.Create().SetID(codeID).SetCodeHash(s.codeHash(code)).
			SetPurpose(activationcode.PurposeACTIVATION).SetExpiresAt(out.ExpiresAt).SetAccountID(acc.ID).
			SetIssuedBy(v.AccountID).Exec(authz.Grant(ctx, "activationCodeIssue", ent.TypeActivationCode)); err != nil {
			return err
		}
		summary := "new activation code shown once"
		if send {
			summary = "new activation code sent by " + msg.Channel
			if err := s.enqueueDeliveries(ctx, []string{codeID}); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "activationCodeIssue", ObjectType: "Account", ObjectID: acc.ID, Summary: summary})
	})
	if err != nil {
		return nil, err
	}
	if send {
		out.Sent = true // queued in the transaction; without a queue, sent now
		if s.queue == nil {
			fillMessage(&msg, out.Account.Login, code, out.ExpiresAt, false)
			if err := s.accounts.Sender.Send(ctx, msg); err != nil {
				s.log.ErrorContext(ctx, "activation code delivery", "account_id", out.Account.ID, "error", err.Error())
				return nil, apperr.New(apperr.Unavailable, "Không gửi được mã; hãy thử lại hoặc nhận mã để trao trực tiếp.",
					"The code could not be sent; try again, or get the code to hand over.").OnField("send").KeepingWrites()
			}
		}
		return out, nil
	}
	out.Code = code
	return out, nil
}

// contactOf returns a message addressed to the official's registered phone, else e-mail.
func contactOf(off *ent.Official) (delivery.Message, bool) {
	switch {
	case off.ContactPhone != "":
		return delivery.Message{Channel: delivery.SMS, To: off.ContactPhone}, true
	case off.ContactEmail != "":
		return delivery.Message{Channel: delivery.Email, To: off.ContactEmail}, true
	}
	return delivery.Message{}, false
}

// fillMessage writes the text of a code's message (Vietnamese, then English).
func fillMessage(m *delivery.Message, login, code string, exp time.Time, reset bool) {
	vn := time.FixedZone("ICT", 7*3600)
	until := exp.In(vn).Format("15:04 02/01/2006")
	if reset {
		m.Subject = "Liêm Chính: mã đặt lại mật khẩu / password reset code"
		m.Text = fmt.Sprintf("Liem Chinh: ma dat lai mat khau cua tai khoan %s la %s, het han %s. Khong chia se ma nay.\n"+
			"Password reset code for %s: %s, valid until %s (Vietnam time). Do not share it.", login, code, until, login, code, until)
	} else {
		m.Subject = "Liêm Chính: mã kích hoạt tài khoản / account activation code"
		m.Text = fmt.Sprintf("Liem Chinh: ma kich hoat tai khoan %s la %s, het han %s. Khong chia se ma nay.\n"+
			"Activation code for account %s: %s, valid until %s (Vietnam time). Do not share it.", login, code, until, login, code, until)
	}
	m.Code = code
}

// Reset requests are limited per client address and per login; the answer never says which.
type resetLimits struct {
	addr, login ratelimit.Limit
}

func newResetLimits(store ratelimit.Store, now func() time.Time) *resetLimits {
	return &resetLimits{
		addr:  store.Limit("reset_address", 6*time.Minute, 10, now), // 10, then one per 6 minutes
		login: store.Limit("reset_login", 20*time.Minute, 3, now),   // 3, then one per 20 minutes
	}
}

// ErrResetThrottled answers too many reset requests from an address.
func resetThrottled(wait time.Duration) *apperr.Error {
	return apperr.Throttled(wait, "Quá nhiều yêu cầu đặt lại mật khẩu; vui lòng thử lại sau %d giây.",
		"Too many password reset requests; try again in %d seconds.")
}

// RequestReset sends a reset code to the registered contact of the login's official. Whether or not
// the account exists, is enabled or has a contact, the answer is the same and comes at once: the
// lookup and the sending run after the answer, on their own. Requests are limited per client
// address (refused, RATE_LIMITED) and per login (past its limit the request is silently dropped,
// so nobody learns that a login exists by being throttled on it, nor floods its phone).
func (s *Service) RequestReset(ctx context.Context, login string) error {
	login = NormalizeLogin(login)
	if ok, wait, err := s.reset.addr.Allow(ctx, ratelimit.AddressKey(authz.ClientIP(ctx))); err != nil {
		return err
	} else if !ok {
		return resetThrottled(wait)
	}
	if login == "" {
		return nil
	}
	ok, _, err := s.reset.login.Allow(ctx, login)
	if err != nil || !ok {
		return err
	}
	// Detached from the request: its cancellation, and the mutation's transaction.
	bg := ent.NewTxContext(ent.NewContext(context.WithoutCancel(ctx), nil), nil)
	s.resets.Add(1)
	go func() {
		defer s.resets.Done()
		ctx, cancel := context.WithTimeout(bg, 30*time.Second)
		defer cancel()
		if err := s.sendReset(ctx, login); err != nil {
			s.log.ErrorContext(ctx, "password reset", "error", err.Error())
		}
	}()
	return nil
}

// WaitResets waits for the reset requests under way, and the deliveries they queued (tests).
func (s *Service) WaitResets() {
	s.resets.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.WaitDeliveries(ctx); err != nil {
		s.log.Warn("waiting for code deliveries", "error", err.Error())
	}
}

func (s *Service) sendReset(ctx context.Context, login string) error {
	sys := authz.System(ctx, authz.SysPasswordReset)
	acc, err := s.client.Account.Query().Where(account.LoginEQ(login), account.Disabled(false), account.OfficialIDNotNil()).
		WithOfficial().Only(sys)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	msg, ok := contactOf(acc.Edges.Official)
	if !ok {
		return nil
	}
	codeID := pid.New(pid.ActivationCode)
	code := s.derivedCode(codeID)
	exp := s.now().Add(s.accounts.ResetTTL)
	err = store.InTx(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		// One reset code at a time: a new request ends the earlier ones (an activation code a
		// manager issued stays).
		if _, err := tx.ActivationCode.Update().Where(activationcode.AccountID(acc.ID), activationcode.UsedAtIsNil(),
			activationcode.PurposeEQ(activationcode.PurposeRESET)).SetUsedAt(s.now()).Save(sys); err != nil {
			return err
		}
		if err := tx.ActivationCode.Create().SetID(codeID).SetCodeHash(s.codeHash(code)).
			SetPurpose(activationcode.PurposeRESET).SetExpiresAt(exp).SetAccountID(acc.ID).Exec(sys); err != nil {
			return err
		}
		if err := s.enqueueDeliveries(ctx, []string{codeID}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "passwordResetRequest", ObjectType: "Account", ObjectID: acc.ID,
			ActorID: acc.ID, Summary: "reset code sent by " + msg.Channel})
	})
	if err != nil || s.queue != nil {
		return err
	}
	fillMessage(&msg, acc.Login, code, exp, true)
	return s.accounts.Sender.Send(ctx, msg)
}
