package auth

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/alexedwards/argon2id"
	"github.com/riverqueue/river"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/ent/refreshtoken"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/audit"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/pid"
	"github.com/liemchinh/liemchinh/internal/ratelimit"
	"github.com/liemchinh/liemchinh/internal/store"
)

// Errors a person signing in can read. A wrong password and an unknown login read the same, so
// the answer never tells whether a login exists.
var (
	ErrBadCredentials = apperr.New(apperr.Unauthenticated,
		"Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong login or password.").ForUser()
	ErrBadRefresh = apperr.New(apperr.Unauthenticated,
		"Phiên đăng nhập đã hết hạn hoặc không hợp lệ; vui lòng đăng nhập lại.",
		"The session has expired or is not valid; please sign in again.").OnField("refreshToken")
	ErrSessionExpired = apperr.New(apperr.Unauthenticated,
		"Mã truy cập đã hết hạn hoặc không hợp lệ.", "The access token has expired or is not valid.")
)

// Tokens are what a successful sign-in or refresh returns.
type Tokens struct {
	AccessToken     string
	AccessExpiresAt time.Time
	RefreshToken    string
	Account         *ent.Account
}

// Service signs people in and out.
type Service struct {
	client *ent.Client
	signer *Signer
	log    *slog.Logger
	now    func() time.Time
	// Failed sign-ins (throttle.go), on the clock throttleNow.
	throttle    *throttle
	throttleNow func() time.Time
	reset       *resetLimits
	resets      sync.WaitGroup // reset requests under way
	// dummyHash is compared against when the login is unknown, so both take the same time.
	dummyHash string
	// cache holds the accounts' sign-in state (cache.go); nil reads the database every time.
	cache *AccountCache
	// accounts configures activation codes, their delivery and single sign-on (Configure).
	accounts Accounts
	keys     accountKeys
	oidc     *oidcClient
	// queue carries the code deliveries (deliver.go); nil: sent in the background after the commit.
	queue *river.Client[*sql.Tx]
	// prov works provisioning runs (provision_run.go, provision_jobs.go).
	prov provisioning
	// devices forgets push devices on logout and when the account is disabled (package notify).
	devices Devices
}

// Configure sets what activation codes, their delivery and single sign-on need.
func (s *Service) Configure(a Accounts) {
	if a.ActivationTTL <= 0 {
		a.ActivationTTL = 14 * 24 * time.Hour
	}
	if a.ResetTTL <= 0 {
		a.ResetTTL = 30 * time.Minute
	}
	if a.Limits == nil {
		a.Limits = ratelimit.Memory{}
	}
	if a.Log == nil {
		a.Log = s.log
	}
	s.accounts = a
	s.keys = deriveKeys(a.ReporterKey)
	s.oidc = newOIDCClient(a.OIDC)
	s.reset = newResetLimits(a.Limits, s.throttleNow)
}

// NewService returns the sign-in service. throttleNow is the clock sign-in throttling reads
// (time.Now outside tests, which move it instead of sleeping).
func NewService(client *ent.Client, signer *Signer, log *slog.Logger, throttleNow func() time.Time) *Service {
	if throttleNow == nil {
		throttleNow = time.Now
	}
	dummy, _ := argon2id.CreateHash("liemchinh-dummy-password", Params)
	return &Service{
		client: client, signer: signer, log: log, now: time.Now,
		throttle: newThrottle(ratelimit.Memory{}, throttleNow), throttleNow: throttleNow,
		dummyHash: dummy,
	}
}

// ShareThrottle keeps the sign-in throttle's counts in store (ratelimit.Postgres: shared by every
// server process on the database) rather than in this process's memory.
func (s *Service) ShareThrottle(store ratelimit.Store) {
	s.throttle = newThrottle(store, s.throttleNow)
}

// Signer returns the access-token signer.
func (s *Service) Signer() *Signer { return s.signer }

// NormalizeLogin returns the stored form of a login name.
func NormalizeLogin(login string) string { return strings.ToLower(strings.TrimSpace(login)) }

// Login checks a login and password and starts a session.
func (s *Service) Login(ctx context.Context, login, password string) (*Tokens, error) {
	login = NormalizeLogin(login)
	ip := authz.ClientIP(ctx)
	if err := s.throttle.check(ctx, login, ip); err != nil {
		return nil, err
	}
	sys := authz.System(ctx, authz.SysSignIn)
	acc, err := s.db(ctx).Account.Query().Where(account.LoginEQ(login)).Only(sys)
	if err != nil && !ent.IsNotFound(err) {
		return nil, err
	}
	hash := s.dummyHash
	if acc != nil && acc.PasswordHash != "" {
		hash = acc.PasswordHash
	}
	match, outdated, err := checkPassword(ctx, password, hash)
	if err != nil {
		return nil, fmt.Errorf("compare password: %w", err)
	}
	if acc != nil && acc.PasswordHash == "" {
		match = false // provisioned, not yet activated: no password signs in
	}
	if acc == nil || !match || acc.Disabled {
		if err := s.throttle.failed(ctx, login, ip); err != nil {
			return nil, err
		}
		if acc != nil {
			if err := audit.Record(ctx, s.db(ctx), audit.Entry{Action: "loginFailed", ObjectType: "Account",
				ObjectID: acc.ID, ActorID: acc.ID, Summary: "wrong password or disabled account"}); err != nil {
				return nil, err
			}
			return nil, ErrBadCredentials.KeepingWrites()
		}
		return nil, ErrBadCredentials
	}
	if err := s.throttle.succeeded(ctx, login, ip); err != nil {
		return nil, err
	}
	var out *Tokens
	err = s.inTx(ctx, func(tx *ent.Client) error {
		up := tx.Account.UpdateOne(acc).SetLastLoginAt(s.now())
		if outdated { // made with older parameters: made again with Params, now that the password is known
			rehash, err := HashPassword(ctx, password)
			if err != nil {
				return err
			}
			up.SetPasswordHash(rehash)
		}
		acc, err = up.Save(sys)
		if err != nil {
			return err
		}
		out, err = s.issue(ctx, tx, acc, pid.New(pid.RefreshToken))
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "login", ObjectType: "Account", ObjectID: acc.ID, ActorID: acc.ID})
	})
	return out, err
}

// Refresh spends a refresh token and returns new tokens of the same family. Presenting a spent or
// revoked token revokes the family: someone else holds a copy.
func (s *Service) Refresh(ctx context.Context, token string) (*Tokens, error) {
	sys := authz.System(ctx, authz.SysSession)
	now := s.now()
	rt, err := s.db(ctx).RefreshToken.Query().Where(refreshtoken.TokenHash(hashToken(token))).
		WithAccount().Only(sys)
	if ent.IsNotFound(err) {
		return nil, ErrBadRefresh
	}
	if err != nil {
		return nil, err
	}
	if rt.UsedAt != nil || rt.RevokedAt != nil {
		if err := s.revokeFamily(ctx, rt.Family, "refresh token reused: family revoked", rt.Edges.Account.ID); err != nil {
			return nil, err
		}
		s.log.WarnContext(ctx, "refresh token reuse", "account_id", rt.Edges.Account.ID, "family", rt.Family)
		return nil, ErrBadRefresh.KeepingWrites()
	}
	acc := rt.Edges.Account
	if now.After(rt.ExpiresAt) || acc.Disabled {
		return nil, ErrBadRefresh
	}
	var out *Tokens
	err = s.inTx(ctx, func(tx *ent.Client) error {
		// Spend the token only if nobody spent it meanwhile: of two concurrent refreshes one wins.
		n, err := tx.RefreshToken.Update().
			Where(refreshtoken.ID(rt.ID), refreshtoken.UsedAtIsNil(), refreshtoken.RevokedAtIsNil()).
			SetUsedAt(now).Save(sys)
		if err != nil {
			return err
		}
		if n != 1 {
			return ErrBadRefresh
		}
		out, err = s.issue(ctx, tx, acc, rt.Family)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "tokenRefresh", ObjectType: "Account", ObjectID: acc.ID, ActorID: acc.ID})
	})
	return out, err
}

// Logout revokes the session (token family) of a refresh token. It succeeds for an unknown token
// too: there is nothing left to end.
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.LogoutDevice(ctx, token, "")
}

// LogoutDevice is Logout that also unregisters the device of deviceToken (its push
// notifications) from the session's account.
func (s *Service) LogoutDevice(ctx context.Context, token, deviceToken string) error {
	rt, err := s.db(ctx).RefreshToken.Query().Where(refreshtoken.TokenHash(hashToken(token))).
		WithAccount().Only(authz.System(ctx, authz.SysSession))
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.revokeFamily(ctx, rt.Family, "logout", rt.Edges.Account.ID, deviceToken)
}

// Devices forgets the push devices of accounts (package notify).
type Devices interface {
	ForgetAccount(ctx context.Context, tx *ent.Client, accountID string) error
	ForgetToken(ctx context.Context, tx *ent.Client, accountID, token string) error
}

// UseDevices makes logout unregister the device it names and disabling an account forget all
// its devices, in the same transaction.
func (s *Service) UseDevices(d Devices) { s.devices = d }

func (s *Service) revokeFamily(ctx context.Context, family, summary, accountID string, deviceToken ...string) error {
	return s.inTx(ctx, func(tx *ent.Client) error {
		if _, err := tx.RefreshToken.Update().Where(refreshtoken.Family(family), refreshtoken.RevokedAtIsNil()).
			SetRevokedAt(s.now()).Save(authz.System(ctx, authz.SysSession)); err != nil {
			return err
		}
		if len(deviceToken) > 0 && deviceToken[0] != "" && s.devices != nil {
			if err := s.devices.ForgetToken(ctx, tx, accountID, deviceToken[0]); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "logout", ObjectType: "Account", ObjectID: accountID,
			ActorID: accountID, Summary: summary})
	})
}

// issue creates a refresh token in family and signs an access token for acc.
func (s *Service) issue(ctx context.Context, tx *ent.Client, acc *ent.Account, family string) (*Tokens, error) {
	token, hash := newRefreshToken()
	if err := tx.RefreshToken.Create().SetTokenHash(hash).SetFamily(family).SetAccount(acc).
		SetExpiresAt(s.now().Add(RefreshTTL)).Exec(authz.System(ctx, authz.SysSession)); err != nil {
		return nil, err
	}
	access, exp, err := s.signer.Sign(ViewerOf(acc), acc.TokenVersion)
	if err != nil {
		return nil, err
	}
	return &Tokens{AccessToken: access, AccessExpiresAt: exp, RefreshToken: token, Account: acc}, nil
}

// Authenticate returns the viewer of an access token, checked against the account as it is now:
// a disabled account, or one whose password, role or scope changed since, is refused at once.
func (s *Service) Authenticate(ctx context.Context, token string) (authz.Viewer, error) {
	claimed, version, err := s.signer.Verify(token)
	if err != nil {
		return authz.Viewer{}, ErrSessionExpired
	}
	if claimed.SignedInCitizen() {
		return claimed, nil // no account to check: the token is all there is, for AccessTTL
	}
	acc, err := s.account(ctx, claimed.AccountID)
	if ent.IsNotFound(err) {
		return authz.Viewer{}, ErrSessionExpired
	}
	if err != nil {
		return authz.Viewer{}, err
	}
	if acc.disabled || acc.version != version {
		return authz.Viewer{}, ErrSessionExpired
	}
	return acc.viewer, nil
}

// UseCache makes Authenticate read accounts through c (nil: always from the database).
func (s *Service) UseCache(c *AccountCache) { s.cache = c }

// Cache returns the account cache in use, or nil.
func (s *Service) Cache() *AccountCache { return s.cache }

// account returns what Authenticate checks of an account: from the cache when it has it, else
// from the database (and then into the cache). Inside a transaction it reads the transaction.
func (s *Service) account(ctx context.Context, id string) (cachedAccount, error) {
	ctx = store.Primary(ctx) // never the read replica's lagging copy
	c := s.cache
	if c == nil || ent.FromContext(ctx) != nil {
		c = nil
	} else if e, ok := c.Get(id); ok {
		return e, nil
	}
	var epoch uint64
	var up bool
	if c != nil {
		epoch, up = c.Begin()
	}
	acc, err := s.db(ctx).Account.Get(authz.System(ctx, authz.SysAuthenticate), id)
	if err != nil {
		return cachedAccount{}, err
	}
	e := cachedAccount{viewer: ViewerOf(acc), disabled: acc.Disabled, version: acc.TokenVersion}
	if up {
		c.Put(id, e, epoch)
	}
	return e, nil
}

// ViewerOf builds the viewer of an account from its stored role, scope and official.
func ViewerOf(acc *ent.Account) authz.Viewer { return authz.ViewerOfAccount(acc) }

// db is the client of the mutation's transaction when there is one (store.ClientFrom).
func (s *Service) db(ctx context.Context) *ent.Client { return store.ClientFrom(ctx, s.client) }

// inTx runs fn in a transaction, or in the caller's (ent.FromContext) when there is one.
func (s *Service) inTx(ctx context.Context, fn func(tx *ent.Client) error) error {
	return store.InTx(ctx, s.client, func(_ context.Context, tx *ent.Client) error { return fn(tx) })
}
