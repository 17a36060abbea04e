package notify

import (
	"context"
	"strings"
	"unicode"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/device"
	"github.com/liemchinh/liemchinh/ent/predicate"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/store"
)

// DeviceInput is what a device registers with.
type DeviceInput struct {
	Platform string // ANDROID, IOS or WEB
	Token    string // the push service's registration token
	Locale   string // vi (default) or en
}

// MaxTokenLen bounds a registration token (FCM's are about 160 to 250 characters).
const MaxTokenLen = 1024

func (in *DeviceInput) check() error {
	in.Token = strings.TrimSpace(in.Token)
	if in.Token == "" || len(in.Token) > MaxTokenLen || strings.IndexFunc(in.Token, unicode.IsSpace) >= 0 {
		return apperr.BadInput("Mã thiết bị (token) không hợp lệ.", "The device token is not valid.", "input", "token")
	}
	if device.PlatformValidator(device.Platform(in.Platform)) != nil {
		return apperr.BadInput("Nền tảng phải là ANDROID, IOS hoặc WEB.", "The platform must be ANDROID, IOS or WEB.", "input", "platform")
	}
	in.Locale = strings.ToLower(strings.TrimSpace(in.Locale))
	if in.Locale == "" || strings.HasPrefix(in.Locale, "vi") {
		in.Locale = "vi"
	} else if strings.HasPrefix(in.Locale, "en") {
		in.Locale = "en"
	} else {
		return apperr.BadInput("Ngôn ngữ phải là vi hoặc en.", "The locale must be vi or en.", "input", "locale")
	}
	return nil
}

// RegisterDevice registers the signed-in account's device. A token is kept once per owner; a
// token registered for another account moves to this one (the phone changed hands or accounts).
func (s *Service) RegisterDevice(ctx context.Context, in DeviceInput) (*ent.Device, error) {
	v := authz.FromContext(ctx)
	if v.Anonymous() {
		return nil, authz.ErrUnauthenticated
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	return s.register(ctx, in, v.AccountID, func(c *ent.DeviceCreate) { c.SetAccountID(v.AccountID) },
		device.AccountIDNotNil(), device.AccountIDNEQ(v.AccountID))
}

// RegisterCaseDevice registers a citizen's device for a case whose tracking code and secret the
// caller presented (the caller checks them: casework.Tracked).
func (s *Service) RegisterCaseDevice(ctx context.Context, caseID string, in DeviceInput) (*ent.Device, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	return s.register(ctx, in, caseID, func(c *ent.DeviceCreate) { c.SetCaseID(caseID) })
}

func (s *Service) register(ctx context.Context, in DeviceInput, owner string, set func(*ent.DeviceCreate), moveFrom ...predicate.Device) (*ent.Device, error) {
	var d *ent.Device
	err := store.InTx(ctx, s.client, func(ctx context.Context, c *ent.Client) error {
		ctx = authz.System(ctx, authz.SysDevice)
		if len(moveFrom) > 0 {
			ps := append([]predicate.Device{device.Token(in.Token)}, moveFrom...)
			if _, err := c.Device.Delete().Where(ps...).Exec(ctx); err != nil {
				return err
			}
		}
		now := s.opt.Now()
		existing, err := c.Device.Query().Where(device.Token(in.Token), device.Owner(owner)).Only(ctx)
		switch {
		case err == nil:
			d, err = existing.Update().SetPlatform(device.Platform(in.Platform)).SetLocale(device.Locale(in.Locale)).
				SetLastSeenAt(now).Save(ctx)
			return err
		case !ent.IsNotFound(err):
			return err
		}
		create := c.Device.Create().SetPlatform(device.Platform(in.Platform)).SetToken(in.Token).
			SetLocale(device.Locale(in.Locale)).SetOwner(owner).SetLastSeenAt(now)
		set(create)
		d, err = create.Save(ctx)
		return err
	})
	return d, err
}

// UnregisterDevice removes the signed-in account's device with token; it reports whether there
// was one.
func (s *Service) UnregisterDevice(ctx context.Context, token string) (bool, error) {
	v := authz.FromContext(ctx)
	if v.Anonymous() {
		return false, authz.ErrUnauthenticated
	}
	return s.unregister(ctx, token, v.AccountID)
}

// UnregisterCaseDevice removes a citizen's device of a case (tracking code and secret checked by
// the caller).
func (s *Service) UnregisterCaseDevice(ctx context.Context, caseID, token string) (bool, error) {
	return s.unregister(ctx, token, caseID)
}

func (s *Service) unregister(ctx context.Context, token, owner string) (bool, error) {
	n, err := store.ClientFrom(ctx, s.client).Device.Delete().
		Where(device.Token(strings.TrimSpace(token)), device.Owner(owner)).Exec(authz.System(ctx, authz.SysDevice))
	return n > 0, err
}

// ForgetAccount removes every device of an account (disabled) through c, the client of the
// change's transaction.
func (s *Service) ForgetAccount(ctx context.Context, c *ent.Client, accountID string) error {
	_, err := c.Device.Delete().Where(device.AccountID(accountID)).Exec(authz.System(ctx, authz.SysDevice))
	return err
}

// ForgetToken removes an account's device of token (signed out on that device) through c.
func (s *Service) ForgetToken(ctx context.Context, c *ent.Client, accountID, token string) error {
	_, err := c.Device.Delete().Where(device.AccountID(accountID), device.Token(strings.TrimSpace(token))).
		Exec(authz.System(ctx, authz.SysDevice))
	return err
}
