package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/liemchinh/liemchinh/internal/server"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// TestComplexityBudget spends an official's budget per minute with cheap-looking aliases of
// caseStatistics (each weighs what its work costs): the request that overdraws it is RATE_LIMITED
// with retryAfter, another account is still served, and anonymous requests draw on their
// address's budget.
func TestComplexityBudget(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		cfg := testutil.Config(t, map[string]string{"COMPLEXITY_BUDGET_PER_MINUTE": "60000"})
		api := testutil.NewAPI(t, db, cfg)
		w := testutil.NewWorld(t, db, cfg)
		access, _ := api.Login(t, w.Logins["official"], testutil.Password)
		official := api.As(access)
		stats := "query Stats {" + strings.Repeat(" caseStatistics { received }", 1) // one field: 2,001
		for i := range 8 {
			stats += fmt.Sprintf(" s%d: caseStatistics { received }", i)
		}
		stats += " }" // 9 fields: 18,009 a request, so the fourth overdraws 60,000
		var limited *testutil.Response
		for i := range 4 {
			r := official.Query(t, stats, nil, "Accept-Language", "en")
			if r.Code() == "RATE_LIMITED" {
				limited = r
				if i < 3 {
					t.Fatalf("request %d refused already: %s", i+1, r.Raw)
				}
				break
			}
			if len(r.Errors) > 0 {
				t.Fatalf("request %d: %s", i+1, r.Raw)
			}
		}
		if limited == nil {
			t.Fatal("the fourth request overdrawing the budget was served")
		}
		if s, ok := limited.Errors[0].Extensions["retryAfter"].(float64); !ok || s < 1 || s > 60 {
			t.Fatalf("retryAfter %v: %s", limited.Errors[0].Extensions["retryAfter"], limited.Raw)
		}
		if !strings.Contains(limited.Errors[0].Message, "budget") {
			t.Fatalf("message: %s", limited.Errors[0].Message)
		}
		access, _ = api.Login(t, w.Logins["admin"], testutil.Password)
		if r := api.As(access).Query(t, stats, nil); len(r.Errors) > 0 {
			t.Fatalf("another account refused: %s", r.Raw)
		}
		// Anonymous: the address's budget (httptest's 192.0.2.1); units(first: 100) of 5 fields costs 601.
		anon := `{ units(first: 100) { edges { node { id name level kind } } } }`
		n, start := 0, time.Now()
		for ; n < 400; n++ {
			if r := api.Query(t, anon, nil); r.Code() == "RATE_LIMITED" {
				break
			} else if len(r.Errors) > 0 {
				t.Fatalf("anonymous: %s", r.Raw)
			}
		}
		// 99 requests, and what refilled meanwhile (1,000 a second).
		if most := int((60000+1000*time.Since(start).Seconds())/601) + 1; n < 99 || n > most {
			t.Fatalf("anonymous refused after %d requests, want 99 to %d", n, most)
		}
	})
}

// TestRequestTimeout runs requests whose deadline has passed by the time they reach the
// database: the driver gets the context and gives up, and the answer is TIMEOUT, never INTERNAL,
// for a query, a mutation (its transaction) and the sign-in check of a token.
func TestRequestTimeout(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		cfg := testutil.Config(t, nil)
		w := testutil.NewWorld(t, db, cfg)
		access, _ := testutil.NewAPI(t, db, cfg).Login(t, w.Logins["admin"], testutil.Password)
		api := testutil.NewAPI(t, db, testutil.Config(t, map[string]string{"REQUEST_TIMEOUT": "1ns"}))
		for _, tc := range []struct {
			name, query string
			api         *testutil.API
			status      int
		}{
			{"query", `{ provinces(first: 5) { totalCount edges { node { code } } } }`, api, 200},
			{"mutation", `mutation { login(input: {login: "nobody", password: "wrong-password"}) { accessToken } }`, api, 200},
			{"signed in", `{ viewer { role } }`, api.As(access), 503},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := tc.api.Query(t, tc.query, nil, "Accept-Language", "en")
				if r.Code() != "TIMEOUT" || r.Status != tc.status {
					t.Fatalf("answered %d %s, want %d TIMEOUT: %s", r.Status, r.Code(), tc.status, r.Raw)
				}
				for _, e := range r.Errors {
					if e.Extensions["code"] != "TIMEOUT" {
						t.Errorf("an error is %v, not TIMEOUT: %s", e.Extensions["code"], r.Raw)
					}
				}
				if !strings.Contains(r.Errors[0].Message, "longer than") {
					t.Errorf("message %q", r.Errors[0].Message)
				}
			})
		}
		if logs := api.Logs.String(); strings.Contains(logs, `"level":"ERROR"`) {
			t.Errorf("a timeout logged an error:\n%s", logs)
		}
	})
}

// TestWebsocketLimits: a connection runs at most MaxSubscriptionsPerSocket subscriptions at once
// (a completed one frees its place), and a message larger than MaxWebsocketMessage closes it.
func TestWebsocketLimits(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		f := newLiveFixture(t, dia)
		beaconA := f.file(t, f.supA, f.w.A.ChildUnit)
		c := dialLive(t, f.srv, "supervisor A", f.supA.Token())
		var ops []liveOp
		for i := range server.MaxSubscriptionsPerSocket {
			id := fmt.Sprint("s", i)
			c.subscribe(t, id, liveCaseEvents, nil)
			ops = append(ops, liveOp{c, id})
		}
		f.live(t, beaconA, ops...) // all running: the next one is over the limit
		c.subscribe(t, "over", liveCaseEvents, nil)
		if code := c.refused(t, "over"); code != "RATE_LIMITED" {
			t.Fatalf("subscription %d: code %q, want RATE_LIMITED", server.MaxSubscriptionsPerSocket+1, code)
		}
		c.send(t, wsMessage{ID: "s0", Type: "complete"})
		if m := c.next(t, "s0"); m.Type != "complete" { // the server has ended it: its place is free
			t.Fatalf("s0 after complete: got %s %s, want complete", m.Type, m.Payload)
		}
		c.subscribe(t, "again", liveCaseEvents, nil)
		f.live(t, beaconA, append(ops[1:], liveOp{c, "again"})...)
		f.submit(t, f.w.A.ChildUnit)
		if u := c.update(t, "again"); u.Kind != "SUBMITTED" {
			t.Fatalf("the subscription in the freed place got %+v", u)
		}

		big := dialLive(t, f.srv, "big", f.supA.Token())
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		msg := `{"id":"x","type":"subscribe","payload":{"query":"` + strings.Repeat(" ", server.MaxWebsocketMessage) + `{ __typename }"}}`
		_ = big.conn.Write(ctx, websocket.MessageText, []byte(msg))
		select {
		case <-big.closed():
		case <-time.After(liveWait):
			t.Fatalf("after a %d-byte message the socket is still open after %s", len(msg), liveWait)
		}
		if st := websocket.CloseStatus(big.readErr()); st != websocket.StatusMessageTooBig {
			t.Fatalf("after a %d-byte message: %v (status %d), want closed with 1009", len(msg), big.readErr(), st)
		}
	})
}

// TestInputBoundsLetOrdinaryFiltersThrough: filters at the bounds (100 branches, 100 ids, 10
// levels) are served, one past them refused.
func TestInputBoundsLetOrdinaryFiltersThrough(t *testing.T) {
	db := testutil.Open(t, "sqlite3")
	api := testutil.NewAPI(t, db, testutil.Config(t, nil))
	testutil.Org(t, db.Client, testutil.Shape{Provinces: 2, Districts: 1, Units: 1})
	q := `query($w: ProvinceWhereInput) { provinces(where: $w) { totalCount } }`
	branches := func(n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = map[string]any{"code": fmt.Sprintf("T%02d", i+1)}
		}
		return out
	}
	ids := func(n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = fmt.Sprint("prv_", i)
		}
		return out
	}
	nested := func(levels int) map[string]any { // levels objects deep in all
		w := map[string]any{"code": "T01"}
		for range levels - 1 {
			w = map[string]any{"and": []any{w}}
		}
		return w
	}
	for _, tc := range []struct {
		name  string
		where map[string]any
		count int // -1: refused
	}{
		{"100 branches", map[string]any{"or": branches(server.MaxListItems)}, 2},
		{"101 branches", map[string]any{"or": branches(server.MaxListItems + 1)}, -1},
		{"100 ids", map[string]any{"idIn": ids(server.MaxListItems)}, 0},
		{"10 levels", nested(server.MaxInputDepth), 1},
		{"11 levels", nested(server.MaxInputDepth + 1), -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := api.Query(t, q, map[string]any{"w": tc.where})
			if tc.count < 0 {
				if r.Code() != "BAD_USER_INPUT" {
					t.Fatalf("not refused: %s", r.Raw)
				}
				return
			}
			var out struct{ Provinces struct{ TotalCount int } }
			r.Decode(t, &out)
			if out.Provinces.TotalCount != tc.count {
				t.Fatalf("totalCount %d, want %d", out.Provinces.TotalCount, tc.count)
			}
		})
	}
}

// TestSubscriptionOutlivesRequestTimeout: the request deadline is for queries and mutations; a
// subscription still delivers long after it.
func TestSubscriptionOutlivesRequestTimeout(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		f := newLiveFixtureWith(t, dia, map[string]string{"CITIZEN_SUBMIT_RATE": "off", "REQUEST_TIMEOUT": "1s"}) // sign-in (argon2id) needs room
		beaconA := f.file(t, f.supA, f.w.A.ChildUnit)
		c := dialLive(t, f.srv, "supervisor A", f.supA.Token())
		c.subscribe(t, "all", liveCaseEvents, nil)
		f.live(t, beaconA, liveOp{c, "all"})
		// Time must pass here, not be waited for: the deadline is a context timeout on the real
		// clock, and what is tested is that the subscription lives on after it.
		time.Sleep(2200 * time.Millisecond)
		f.submit(t, f.w.A.ChildUnit)
		if u := c.update(t, "all"); u.Kind != "SUBMITTED" {
			t.Fatalf("after two request timeouts the subscription got %+v", u)
		}
	})
}
