package server_test

import (
	"fmt"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/liemchinh/liemchinh/internal/testutil"
)

// TestLimitsSharedAcrossInstances runs two handlers on one PostgreSQL database, each with its
// own pool, as two server processes behind a load balancer, and sends one address's requests to
// them in turn: the address gets the same total allowance as from one process, for citizen
// submissions, tracking access, failed sign-ins and the complexity budget. (With limits in each
// process's memory it got twice as much.) Each part has its own address, as the limits of one
// address would otherwise mix (every request also spends complexity).
func TestLimitsSharedAcrossInstances(t *testing.T) {
	const budget = 60000
	d := newCWDesk(t, dialect.Postgres, map[string]string{
		"TRUST_PROXY": "true", "CITIZEN_SUBMIT_RATE": "5/1h", "TRACKING_RATE": "30/1h",
		"COMPLEXITY_BUDGET_PER_MINUTE": fmt.Sprint(budget),
	})
	cfg := testutil.Config(t, d.env)
	instances := [2]*testutil.API{d.citizen, testutil.NewAPIAt(t, testutil.Reopen(t, d.o.db), cfg, func() time.Time { return *d.o.now })}
	via := func(i int) *testutil.API { return instances[i%2] }

	// Citizen submissions: 5 an hour per address.
	const submitter = "198.51.100.1"
	var allowed [2]int
	var code, secret string
	for i := range 10 {
		r := cwSubmit(t, via(i), d.input(map[string]any{"reporter": nil}), "X-Forwarded-For", submitter)
		switch {
		case r.ok():
			allowed[i%2]++
			code, secret = *r.TrackingCode, *r.Secret
		case r.code != "RATE_LIMITED":
			t.Fatalf("submission %d: %+v", i+1, r)
		}
	}
	if allowed[0]+allowed[1] != 5 || d.cases() != 5 {
		t.Fatalf("submissions from one address through two instances: %v allowed, %d stored; want 5 in all", allowed, d.cases())
	}
	t.Logf("submissions: 10 sent in turn to two instances from one address, %d allowed (%d + %d), limit 5", allowed[0]+allowed[1], allowed[0], allowed[1])

	// Tracking access: 30 an hour per address.
	const tracker = "198.51.100.2"
	allowed = [2]int{}
	for i := range 40 {
		tc, r := cwTrack(t, via(i), code, secret, "X-Forwarded-For", tracker)
		switch {
		case tc != nil:
			allowed[i%2]++
		case r.Code() != "RATE_LIMITED":
			t.Fatalf("tracking %d: %s", i+1, r.Raw)
		}
	}
	if allowed[0]+allowed[1] != 30 {
		t.Fatalf("tracking from one address through two instances: %v allowed; want 30 in all", allowed)
	}
	t.Logf("tracking: 40 sent, %d allowed (%d + %d), limit 30", allowed[0]+allowed[1], allowed[0], allowed[1])

	// Failed sign-ins on the throttle's clock (standing still): 5 per login and address, then 20
	// per address whatever the login.
	const guesser = "198.51.100.3"
	heard := [2]int{}
	for i := range 8 {
		_, code, _ := attempt(t, via(i), "someone", "wrong", guesser)
		switch code {
		case "UNAUTHENTICATED":
			heard[i%2]++
		case "RATE_LIMITED":
		default:
			t.Fatalf("sign-in %d: %q", i+1, code)
		}
	}
	if heard[0]+heard[1] != 5 {
		t.Fatalf("failed sign-ins on one login from one address through two instances: %v heard; want 5", heard)
	}
	for i := range 30 {
		_, code, _ := attempt(t, via(i), fmt.Sprintf("guess%d", i), "wrong", guesser)
		switch code {
		case "UNAUTHENTICATED":
			heard[i%2]++
		case "RATE_LIMITED":
		default:
			t.Fatalf("sign-in %d on another login: %q", i+1, code)
		}
	}
	if heard[0]+heard[1] != 20 {
		t.Fatalf("failed sign-ins from one address through two instances: %v heard; want 20", heard)
	}
	t.Logf("failed sign-ins: 8 on one login then 30 on others, %d heard (%d + %d), limits 5 per login and 20 per address", heard[0]+heard[1], heard[0], heard[1])

	// The complexity budget of an address: units(first: 100) of 5 fields costs 601, so 99 fit in
	// 60,000, plus what refills meanwhile (1,000 a second).
	const reader = "198.51.100.4"
	anon := `{ units(first: 100) { edges { node { id name level kind } } } }`
	served, start := [2]int{}, time.Now()
	for i := range 400 {
		r := via(i).Query(t, anon, nil, "X-Forwarded-For", reader)
		if r.Code() == "RATE_LIMITED" {
			break
		} else if len(r.Errors) > 0 {
			t.Fatalf("anonymous read %d: %s", i+1, r.Raw)
		}
		served[i%2]++
	}
	n := served[0] + served[1]
	if most := int((budget+1000*time.Since(start).Seconds())/601) + 1; n < 99 || n > most {
		t.Fatalf("complexity budget of one address through two instances: %v served; want 99 to %d in all", served, most)
	}
	t.Logf("complexity budget: %d reads of cost 601 served (%d + %d) before RATE_LIMITED, budget %d a minute", n, served[0], served[1], budget)
}
