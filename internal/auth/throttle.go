package auth

import (
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
	pair, addr, login *ratelimit.Limiter
	// over holds, per login and address, one token refilling over throttleMaxWait, emptied by a
	// failure past the login's ceiling: how long ago the address last tried is then readable.
	over *ratelimit.Limiter
}

func newThrottle(now func() time.Time) *throttle {
	return &throttle{
		pair:  ratelimit.New(pairEvery, pairFailures).WithClock(now),
		addr:  ratelimit.New(addrEvery, addrFailures).WithClock(now),
		login: ratelimit.New(loginEvery, loginCeiling).WithClock(now),
		over:  ratelimit.New(throttleMaxWait, 1).WithClock(now),
	}
}

func pairKey(login, ip string) string { return login + "\x00" + ip }

func rateLimited(wait time.Duration) *apperr.Error {
	return apperr.Throttled(wait, "Đăng nhập sai quá nhiều lần; vui lòng thử lại sau %d giây.",
		"Too many failed sign-ins; try again in %d seconds.")
}

// check refuses a sign-in attempt before its password is looked at.
func (t *throttle) check(login, ip string) error {
	ip = ratelimit.AddressKey(ip)
	if blocked, wait := t.addr.Blocked(ip); blocked {
		return rateLimited(wait)
	}
	pair := pairKey(login, ip)
	if blocked, wait := t.pair.Blocked(pair); blocked {
		return rateLimited(wait)
	}
	if over, wait := t.login.Blocked(login); over {
		// The address may try once per wait: it last tried throttleMaxWait-left ago.
		wait = min(wait, throttleMaxWait)
		if _, left := t.over.Blocked(pair); left > throttleMaxWait-wait {
			return rateLimited(left - (throttleMaxWait - wait))
		}
	}
	return nil
}

// failed counts a failed attempt (a wrong password, an unknown login or a disabled account alike,
// so that throttling tells nothing about which).
func (t *throttle) failed(login, ip string) {
	ip = ratelimit.AddressKey(ip)
	pair := pairKey(login, ip)
	t.addr.Allow(ip)
	t.pair.Allow(pair)
	if over, _ := t.login.Blocked(login); over {
		t.over.Reset(pair)
		t.over.Allow(pair)
	}
	t.login.Charge(login, throttleMaxWait)
}

// succeeded forgets the address's failures on the login; the login's own count stays, or a
// signed-in owner would reopen the way for someone guessing from elsewhere.
func (t *throttle) succeeded(login, ip string) {
	ip = ratelimit.AddressKey(ip)
	pair := pairKey(login, ip)
	t.pair.Reset(pair)
	t.over.Reset(pair)
}
