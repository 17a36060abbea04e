package auth

import (
	"context"
	"time"

	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/ratelimit"
)

// Sign-in throttling counts failures three ways. Per login and address together, and per address,
// they refuse (RATE_LIMITED with the wait): one address cannot keep guessing. Per login they never
// refuse outright, so that nobody can lock an account out by failing on purpose: past the login's
// ceiling each address may try it once per a wait that grows with the failures (up to
// throttleMaxWait), so the right password from an address that has not just failed still gets in.
const (
	pairFailures    = 5 // per login and address at once, then one per pairEvery
	pairEvery       = time.Minute
	addrFailures    = 20 // per address at once, then one per addrEvery
	addrEvery       = 6 * time.Second
	loginCeiling    = 20 // per login before waits start; each failure past it adds loginEvery
	loginEvery      = time.Minute
	throttleMaxWait = 15 * time.Minute
)

type throttle struct {
	pair, addr, login ratelimit.Limit
	// over holds, per login and address, when the address last tried the login past its
	// ceiling (AllowSince): checked and claimed in one atomic step, so that of attempts made at
	// once only one is heard per wait.
	over ratelimit.Limit
}

// newThrottle makes the throttle's limits in store (in process, or shared by every process on
// one PostgreSQL database), on the clock now.
func newThrottle(store ratelimit.Store, now func() time.Time) *throttle {
	return &throttle{
		pair:  store.Limit("signin_pair", pairEvery, pairFailures, now),
		addr:  store.Limit("signin_address", addrEvery, addrFailures, now),
		login: store.Limit("signin_login", loginEvery, loginCeiling, now),
		over:  store.Limit("signin_over", throttleMaxWait, 1, now),
	}
}

func pairKey(login, ip string) string { return login + "\x00" + ip }

func rateLimited(wait time.Duration) *apperr.Error {
	return apperr.Throttled(wait, "Đăng nhập sai quá nhiều lần; vui lòng thử lại sau %d giây.",
		"Too many failed sign-ins; try again in %d seconds.")
}

// check refuses a sign-in attempt before its password is looked at, or counts it as a failure in
// advance: the address's and the pair's events are spent here, each atomically (one statement on
// PostgreSQL, shared by every process), so that attempts made at once cannot all pass a check
// that none of them has been counted against yet. Past the login's ceiling the address's one
// attempt per wait is claimed here too, atomically (AllowSince), not read here and written after
// the failure: attempts made at once would all have read that the address had not tried. An
// attempt that succeeds gets its address's event back (succeeded); one refused here gives back
// what it spent.
func (t *throttle) check(ctx context.Context, login, ip string) error {
	ip = ratelimit.AddressKey(ip)
	pair := pairKey(login, ip)
	logins, wait, err := t.login.Blocked(ctx, login)
	if err != nil {
		return err
	}
	ok, left, err := t.addr.Allow(ctx, ip)
	if err != nil {
		return err
	}
	if !ok {
		return rateLimited(left)
	}
	if ok, left, err = t.pair.Allow(ctx, pair); err != nil || !ok {
		if rerr := t.addr.Refund(ctx, ip); rerr != nil {
			return rerr
		}
		if err != nil {
			return err
		}
		return rateLimited(left)
	}
	if logins {
		// The address may try once per wait.
		ok, left, err := t.over.AllowSince(ctx, pair, min(wait, throttleMaxWait))
		if err != nil || !ok {
			if rerr := t.refund(ctx, ip, pair); rerr != nil {
				return rerr
			}
			if err != nil {
				return err
			}
			return rateLimited(left)
		}
	}
	return nil
}

// refund gives back the address's and the pair's events that check spent.
func (t *throttle) refund(ctx context.Context, ip, pair string) error {
	if err := t.addr.Refund(ctx, ip); err != nil {
		return err
	}
	return t.pair.Refund(ctx, pair)
}

// failed counts a failed attempt (a wrong password, an unknown login or a disabled account alike,
// so that throttling tells nothing about which) past what check spent already. A failure past
// the login's ceiling starts the address's wait from now (check claimed it already when the
// login was past its ceiling then; this covers the failure that reached it).
func (t *throttle) failed(ctx context.Context, login, ip string) error {
	ip = ratelimit.AddressKey(ip)
	over, _, err := t.login.Blocked(ctx, login)
	if err != nil {
		return err
	}
	if over {
		if _, _, err := t.over.AllowSince(ctx, pairKey(login, ip), 0); err != nil {
			return err
		}
	}
	_, err = t.login.Charge(ctx, login, throttleMaxWait)
	return err
}

// succeeded forgets the address's failures on the login and gives back the event check spent
// on the address; the login's own count stays, or a signed-in owner would reopen the way for
// someone guessing from elsewhere.
func (t *throttle) succeeded(ctx context.Context, login, ip string) error {
	ip = ratelimit.AddressKey(ip)
	pair := pairKey(login, ip)
	if err := t.addr.Refund(ctx, ip); err != nil {
		return err
	}
	return ratelimit.ResetAll(ctx, ratelimit.Probe{Limit: t.pair, Key: pair}, ratelimit.Probe{Limit: t.over, Key: pair})
}
