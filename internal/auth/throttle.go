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
	// over holds, per login and address, one token refilling over throttleMaxWait, emptied by a
	// failure past the login's ceiling: how long ago the address last tried is then readable.
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
// that none of them has been counted against yet. An attempt that succeeds gets its address's
// event back (succeeded); one refused here gives back what it spent.
func (t *throttle) check(ctx context.Context, login, ip string) error {
	ip = ratelimit.AddressKey(ip)
	pair := pairKey(login, ip)
	w, err := ratelimit.BlockedAll(ctx, ratelimit.Probe{Limit: t.login, Key: login}, ratelimit.Probe{Limit: t.over, Key: pair})
	if err != nil {
		return err
	}
	logins, over := w[0], w[1]
	ok, wait, err := t.addr.Allow(ctx, ip)
	if err != nil {
		return err
	}
	if !ok {
		return rateLimited(wait)
	}
	if ok, wait, err = t.pair.Allow(ctx, pair); err != nil || !ok {
		if rerr := t.addr.Refund(ctx, ip); rerr != nil {
			return rerr
		}
		if err != nil {
			return err
		}
		return rateLimited(wait)
	}
	if logins.Blocked {
		// The address may try once per wait: it last tried throttleMaxWait-left ago.
		wait, left := min(logins.Wait, throttleMaxWait), over.Wait
		if left > throttleMaxWait-wait {
			if err := t.refund(ctx, ip, pair); err != nil {
				return err
			}
			return rateLimited(left - (throttleMaxWait - wait))
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

// aborted gives back what check spent for an attempt that was neither right nor wrong (a new
// password refused before the code is looked at).
func (t *throttle) aborted(ctx context.Context, login, ip string) error {
	ip = ratelimit.AddressKey(ip)
	return t.refund(ctx, ip, pairKey(login, ip))
}

// failed counts a failed attempt (a wrong password, an unknown login or a disabled account alike,
// so that throttling tells nothing about which) past what check spent already.
func (t *throttle) failed(ctx context.Context, login, ip string) error {
	ip = ratelimit.AddressKey(ip)
	pair := pairKey(login, ip)
	over, _, err := t.login.Blocked(ctx, login)
	if err != nil {
		return err
	}
	if over {
		if err := t.over.Reset(ctx, pair); err != nil {
			return err
		}
		if _, _, err := t.over.Allow(ctx, pair); err != nil {
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
