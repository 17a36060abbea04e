package ratelimit

import (
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	l := New(time.Minute, 3)
	l.now = func() time.Time { return now }
	for i := range 3 {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("event %d refused within the burst", i+1)
		}
	}
	ok, wait := l.Allow("a")
	if ok || wait <= 0 || wait > time.Minute {
		t.Fatalf("fourth event: allowed %v, wait %s", ok, wait)
	}
	if blocked, _ := l.Blocked("a"); !blocked {
		t.Fatal("a not blocked after its burst")
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Fatal("another key is throttled too")
	}
	now = now.Add(time.Minute)
	if ok, _ := l.Allow("a"); !ok {
		t.Fatal("a not refilled after a minute")
	}
	l.Reset("a")
	if blocked, _ := l.Blocked("a"); blocked {
		t.Fatal("a still blocked after reset")
	}
}

func TestEviction(t *testing.T) {
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	l := New(time.Second, 1)
	l.now = func() time.Time { return now }
	l.maxKeys = 10
	for i := range 25 {
		l.Allow(string(rune('a' + i)))
	}
	if len(l.buckets) > 10 {
		t.Fatalf("%d keys kept, limit 10", len(l.buckets))
	}
}

func TestCharge(t *testing.T) {
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	l := New(time.Minute, 2).WithClock(func() time.Time { return now })
	var waits []time.Duration
	for range 6 {
		waits = append(waits, l.Charge("a", 3*time.Minute))
	}
	// Two within the burst, then each charge adds a minute of debt, until the 3-minute cap.
	want := []time.Duration{0, time.Minute, 2 * time.Minute, 3 * time.Minute, 3 * time.Minute, 3 * time.Minute}
	for i := range want {
		if waits[i] != want[i] {
			t.Fatalf("waits %v, want %v", waits, want)
		}
	}
	now = now.Add(2 * time.Minute)
	if blocked, wait := l.Blocked("a"); !blocked || wait != time.Minute {
		t.Fatalf("after 2 minutes: blocked %v, wait %s; want a minute more", blocked, wait)
	}
	now = now.Add(time.Minute)
	if blocked, _ := l.Blocked("a"); blocked {
		t.Fatal("still blocked once the debt is paid")
	}
}

func TestAddressKey(t *testing.T) {
	tests := map[string]string{
		"203.0.113.7":          "203.0.113.7",
		"::ffff:203.0.113.7":   "::ffff:203.0.113.7",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1": "2001:db8:1:2::/64",
		"2001:db8:1:3::1":      "2001:db8:1:3::/64",
		"not an address":       "not an address",
	}
	for ip, want := range tests {
		if got := AddressKey(ip); got != want {
			t.Errorf("AddressKey(%q) = %q, want %q", ip, got, want)
		}
	}
}
