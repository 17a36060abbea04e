package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// Live updates (type Subscription) over a real WebSocket speaking graphql-transport-ws, on both
// databases: with SQLite the in-process broker carries the events, with PostgreSQL they travel
// through NOTIFY and the process's listener.

const (
	liveCaseUpdated = `subscription($c: String!, $s: String!) {
		caseUpdated(trackingCode: $c, secret: $s) { caseId kind state occurredAt } }`
	liveCaseEvents = `subscription($scope: ScopeInput) { caseEvents(scope: $scope) { caseId kind state occurredAt } }`

	liveWait  = 10 * time.Second       // how long an expected message may take
	liveQuiet = 400 * time.Millisecond // how long a subscriber that must get nothing is watched
)

// wsMessage is one graphql-transport-ws message.
type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// liveUpdate is a CaseUpdate as subscribers receive it.
type liveUpdate struct {
	CaseID     *string `json:"caseId"`
	Kind       string  `json:"kind"`
	State      string  `json:"state"`
	OccurredAt string  `json:"occurredAt"`
}

// liveConn is a graphql-transport-ws client: it keeps every raw message the server sent (for the
// leak check), answers pings and hands the messages of each operation id to its own channel.
type liveConn struct {
	name string
	conn *websocket.Conn

	mu   sync.Mutex
	raw  [][]byte
	subs map[string]chan wsMessage
	err  error // why reading stopped
}

// dialLive opens a WebSocket to srv's /query, sends connection_init (with the access token when
// one is given) and waits for connection_ack.
func dialLive(t *testing.T, srv *httptest.Server, name, token string) *liveConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), liveWait)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/query",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatalf("%s: dial: %v", name, err)
	}
	conn.SetReadLimit(1 << 20)
	c := &liveConn{name: name, conn: conn, subs: map[string]chan wsMessage{}}
	t.Cleanup(func() { _ = conn.Close(websocket.StatusNormalClosure, "") })
	payload := map[string]any{}
	if token != "" {
		payload["authorization"] = "Bearer " + token
	}
	c.send(t, wsMessage{Type: "connection_init", Payload: mustJSON(t, payload)})
	for {
		_, b, err := conn.Read(ctx)
		if err != nil {
			t.Fatalf("%s: waiting for connection_ack: %v", name, err)
		}
		c.record(b)
		var m wsMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: not JSON: %s", name, b)
		}
		if m.Type == "connection_ack" {
			break
		}
		if m.Type != "ping" && m.Type != "pong" {
			t.Fatalf("%s: %s before connection_ack", name, b)
		}
	}
	go c.read()
	return c
}

func mustJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (c *liveConn) record(b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.raw = append(c.raw, bytes.Clone(b))
}

func (c *liveConn) send(t *testing.T, m wsMessage) {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), liveWait)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, b); err != nil {
		t.Fatalf("%s: write %s: %v", c.name, m.Type, err)
	}
}

func (c *liveConn) read() {
	for {
		_, b, err := c.conn.Read(context.Background())
		if err != nil {
			c.mu.Lock()
			c.err = err
			for _, ch := range c.subs {
				close(ch)
			}
			c.subs = map[string]chan wsMessage{}
			c.mu.Unlock()
			return
		}
		c.record(b)
		var m wsMessage
		if json.Unmarshal(b, &m) != nil {
			continue
		}
		if m.Type == "ping" {
			pong, _ := json.Marshal(wsMessage{Type: "pong"})
			ctx, cancel := context.WithTimeout(context.Background(), liveWait)
			_ = c.conn.Write(ctx, websocket.MessageText, pong)
			cancel()
			continue
		}
		c.mu.Lock()
		if ch, ok := c.subs[m.ID]; ok {
			select {
			case ch <- m:
			default: // a test that lets 256 messages pile up has failed already
			}
		}
		c.mu.Unlock()
	}
}

// subscribe starts the operation id.
func (c *liveConn) subscribe(t *testing.T, id, query string, vars map[string]any) {
	t.Helper()
	c.mu.Lock()
	c.subs[id] = make(chan wsMessage, 256)
	c.mu.Unlock()
	c.send(t, wsMessage{ID: id, Type: "subscribe", Payload: mustJSON(t, map[string]any{"query": query, "variables": vars})})
}

// next returns the next message of operation id, failing the test after liveWait.
func (c *liveConn) next(t *testing.T, id string) wsMessage {
	t.Helper()
	c.mu.Lock()
	ch := c.subs[id]
	c.mu.Unlock()
	if ch == nil {
		t.Fatalf("%s/%s: not subscribed (or the connection ended: %v)", c.name, id, c.readErr())
	}
	select {
	case m, ok := <-ch:
		if !ok {
			t.Fatalf("%s/%s: connection ended: %v", c.name, id, c.readErr())
		}
		return m
	case <-time.After(liveWait):
		t.Fatalf("%s/%s: nothing within %s", c.name, id, liveWait)
	}
	return wsMessage{}
}

func (c *liveConn) readErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// update returns the next CaseUpdate of operation id; anything else fails the test.
func (c *liveConn) update(t *testing.T, id string) liveUpdate {
	t.Helper()
	m := c.next(t, id)
	if m.Type != "next" {
		t.Fatalf("%s/%s: got %s %s, want next", c.name, id, m.Type, m.Payload)
	}
	var p struct {
		Data   map[string]*liveUpdate `json:"data"`
		Errors []testutil.GQLError    `json:"errors"`
	}
	if err := json.Unmarshal(m.Payload, &p); err != nil || len(p.Errors) > 0 || len(p.Data) != 1 {
		t.Fatalf("%s/%s: unexpected payload %s (%v)", c.name, id, m.Payload, err)
	}
	for _, u := range p.Data {
		if u == nil {
			t.Fatalf("%s/%s: null update %s", c.name, id, m.Payload)
		}
		return *u
	}
	return liveUpdate{}
}

// refused returns the code of the error ending operation id, which must carry no data, and checks
// the operation ends there (nothing after an "error"; "complete" after a "next" with errors).
func (c *liveConn) refused(t *testing.T, id string) string {
	t.Helper()
	m := c.next(t, id)
	var errs []testutil.GQLError
	switch m.Type {
	case "error":
		if err := json.Unmarshal(m.Payload, &errs); err != nil {
			t.Fatalf("%s/%s: error payload %s: %v", c.name, id, m.Payload, err)
		}
	case "next":
		var p struct {
			Data   json.RawMessage     `json:"data"`
			Errors []testutil.GQLError `json:"errors"`
		}
		if err := json.Unmarshal(m.Payload, &p); err != nil {
			t.Fatalf("%s/%s: payload %s: %v", c.name, id, m.Payload, err)
		}
		if len(p.Data) > 0 && string(p.Data) != "null" {
			t.Fatalf("%s/%s: data with the refusal: %s", c.name, id, m.Payload)
		}
		errs = p.Errors
		if end := c.next(t, id); end.Type != "complete" {
			t.Fatalf("%s/%s: after the refusal got %s %s, want complete", c.name, id, end.Type, end.Payload)
		}
	default:
		t.Fatalf("%s/%s: got %s %s, want an error", c.name, id, m.Type, m.Payload)
	}
	if len(errs) == 0 {
		t.Fatalf("%s/%s: refusal without errors: %s", c.name, id, m.Payload)
	}
	code, _ := errs[0].Extensions["code"].(string)
	return code
}

// poll returns the next message of operation id if one comes within d; ok is false when none
// came (or the connection ended).
func (c *liveConn) poll(id string, d time.Duration) (m wsMessage, ok bool) {
	c.mu.Lock()
	ch := c.subs[id]
	c.mu.Unlock()
	if ch == nil {
		return wsMessage{}, false
	}
	select {
	case m, ok = <-ch:
		return m, ok
	case <-time.After(d):
		return wsMessage{}, false
	}
}

// quiet checks operation id receives nothing for liveQuiet.
func (c *liveConn) quiet(t *testing.T, id string) {
	t.Helper()
	if m, ok := c.poll(id, liveQuiet); ok {
		t.Fatalf("%s/%s: received %s %s, want nothing", c.name, id, m.Type, m.Payload)
	}
}

// settle gives subscriptions just sent time to reach the broker: graphql-transport-ws does not
// acknowledge a subscription, and an event published before its resolver subscribed is not
// delivered (best effort, at most once). Tests then wait for a first event before relying on one.
func settle() { time.Sleep(150 * time.Millisecond) }

// messages returns the raw messages the server sent so far.
func (c *liveConn) messages() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([][]byte(nil), c.raw...)
}

// noLeak fails the test if any raw message of the connections contains one of the secrets.
func noLeak(t *testing.T, secrets []string, conns ...*liveConn) {
	t.Helper()
	n := 0
	for _, c := range conns {
		for _, b := range c.messages() {
			n++
			for _, s := range secrets {
				if bytes.Contains(b, []byte(s)) {
					t.Errorf("%s received %q: %s", c.name, s, b)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("leak check: no message received at all")
	}
	t.Logf("leak check: %d WebSocket messages checked for %d secrets", n, len(secrets))
}

// liveFixture is a World (provinces A and B) behind a real HTTP server.
type liveFixture struct {
	api   *testutil.API
	srv   *httptest.Server
	db    *testutil.DB
	w     *testutil.World
	supA  *testutil.API // province supervisor of A
	supB  string        // access token of a province supervisor of B
	names []string      // reporter names used, for the leak check
}

func newLiveFixture(t *testing.T, dia string) *liveFixture {
	t.Helper()
	return newLiveFixtureWith(t, dia, map[string]string{"CITIZEN_SUBMIT_RATE": "off"})
}

func newLiveFixtureWith(t *testing.T, dia string, env map[string]string) *liveFixture {
	t.Helper()
	db := testutil.Open(t, dia)
	cfg := testutil.Config(t, env)
	api := testutil.NewAPI(t, db, cfg)
	srv := httptest.NewServer(api.Handler)
	t.Cleanup(srv.Close)
	w := testutil.NewWorld(t, db, cfg)
	f := &liveFixture{api: api, srv: srv, db: db, w: w}
	access, _ := api.Login(t, w.Logins["provinceSupervisor"], testutil.Password)
	f.supA = api.As(access)
	f.supB, _ = api.Login(t, testutil.Account(t, db, authz.RoleSupervisor,
		authz.Scope{Kind: authz.ScopeProvince, ID: w.B.Province}, ""), testutil.Password)
	return f
}

func randomHex(t *testing.T) string {
	t.Helper()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b[:])
}

// submit files a denunciation about unitID as a citizen with a unique name and returns its
// tracking code and secret.
func (f *liveFixture) submit(t *testing.T, unitID string) (code, secret string) {
	t.Helper()
	name := "Người Tố Cáo " + randomHex(t)
	f.names = append(f.names, name)
	var out struct {
		CaseSubmit struct {
			TrackingCode, Secret *string
			UserErrors           []struct{ Code, Message string }
		}
	}
	f.api.Query(t, `mutation($input: CaseSubmitInput!) { caseSubmit(input: $input) {
		trackingCode secret userErrors { code message } } }`, map[string]any{"input": map[string]any{
		"channel": "DENUNCIATION", "unitId": unitID, "category": "NO_CORRUPTION",
		"description":    "Cán bộ đòi tiền khi làm thủ tục " + name, // the name travels in the description too
		"reporter":       map[string]any{"name": name, "phone": "0901234567", "address": "Số 7 đường " + name},
		"idempotencyKey": testutil.NewKey(),
	}}).Decode(t, &out)
	if len(out.CaseSubmit.UserErrors) > 0 || out.CaseSubmit.TrackingCode == nil || out.CaseSubmit.Secret == nil {
		t.Fatalf("caseSubmit: %+v", out.CaseSubmit.UserErrors)
	}
	return *out.CaseSubmit.TrackingCode, *out.CaseSubmit.Secret
}

// accept accepts a case as the supervisor of A.
func (f *liveFixture) accept(t *testing.T, caseID string) {
	t.Helper()
	var out struct {
		CaseAccept struct {
			Case       *struct{ ID, State string }
			UserErrors []struct{ Code, Message string }
		}
	}
	f.supA.Query(t, `mutation($id: ID!) { caseAccept(input: {caseId: $id}) { case { id state } userErrors { code message } } }`,
		map[string]any{"id": caseID}).Decode(t, &out)
	if len(out.CaseAccept.UserErrors) > 0 || out.CaseAccept.Case == nil || out.CaseAccept.Case.State != "ACCEPTED" {
		t.Fatalf("caseAccept %s: %+v", caseID, out.CaseAccept)
	}
}

// caseUnit returns the unit of a case, read over HTTP as api (a handler holding it in scope).
func caseUnit(t *testing.T, api *testutil.API, caseID string) string {
	t.Helper()
	var out struct {
		Node *struct{ Unit struct{ ID string } }
	}
	api.Query(t, `query($id: ID!) { node(id: $id) { ... on Case { unit { id } } } }`, map[string]any{"id": caseID}).Decode(t, &out)
	if out.Node == nil {
		t.Fatalf("case %s: not found", caseID)
	}
	return out.Node.Unit.ID
}

// wantUpdate checks a handler's update: the case id, kind and state.
func wantUpdate(t *testing.T, who string, u liveUpdate, caseID, kind string) {
	t.Helper()
	if u.CaseID == nil || *u.CaseID != caseID || u.Kind != kind || u.State != kind || u.OccurredAt == "" {
		id := "<null>"
		if u.CaseID != nil {
			id = *u.CaseID
		}
		t.Fatalf("%s: got {caseId %s kind %s state %s at %q}, want {caseId %s kind %s state %s}",
			who, id, u.Kind, u.State, u.OccurredAt, caseID, kind, kind)
	}
}

// TestLiveCaseUpdated: the citizen follows their case by tracking code and secret and learns of its
// acceptance, without the case id; a wrong secret is refused and receives nothing.
func TestLiveCaseUpdated(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		f := newLiveFixture(t, dia)
		sup := dialLive(t, f.srv, "supervisor A", f.supA.Token())
		sup.subscribe(t, "all", liveCaseEvents, nil)
		settle()

		code, secret := f.submit(t, f.w.A.ChildUnit)
		submitted := sup.update(t, "all") // the supervisor learns the case id from the submission
		if submitted.CaseID == nil {
			t.Fatal("caseEvents gave no case id")
		}
		caseID := *submitted.CaseID
		wantUpdate(t, "supervisor A (submission)", submitted, caseID, "SUBMITTED")

		citizen := dialLive(t, f.srv, "citizen", "")
		citizen.subscribe(t, "mine", liveCaseUpdated, map[string]any{"c": code, "s": secret})
		citizen.subscribe(t, "wrong", liveCaseUpdated, map[string]any{"c": code, "s": secret + "x"})
		if got := citizen.refused(t, "wrong"); got != "NOT_FOUND" {
			t.Fatalf("wrong secret: code %q, want NOT_FOUND", got)
		}
		// "mine" was sent before "wrong", which has been answered; give its resolver a moment to
		// reach the broker too.
		settle()

		start := time.Now()
		f.accept(t, caseID)
		u := citizen.update(t, "mine")
		t.Logf("%s: citizen received the acceptance %s after caseAccept was sent", dia, time.Since(start).Round(time.Microsecond))
		if u.CaseID != nil || u.Kind != "ACCEPTED" || u.State != "ACCEPTED" || u.OccurredAt == "" {
			t.Fatalf("citizen: got %+v (caseId %v), want {kind ACCEPTED state ACCEPTED caseId null}", u, u.CaseID)
		}
		if _, err := time.Parse(time.RFC3339, u.OccurredAt); err != nil {
			t.Fatalf("occurredAt %q: %v", u.OccurredAt, err)
		}
		wantUpdate(t, "supervisor A", sup.update(t, "all"), caseID, "ACCEPTED")

		// Another case's transitions do not reach the citizen's subscription.
		f.submit(t, f.w.A.ChildUnit)
		other := sup.update(t, "all")
		f.accept(t, *other.CaseID)
		wantUpdate(t, "supervisor A (other case)", sup.update(t, "all"), *other.CaseID, "ACCEPTED")
		citizen.quiet(t, "mine")
		citizen.quiet(t, "wrong")

		noLeak(t, f.names, citizen, sup)
	})
}

// TestLiveCaseEventsScope: handlers see the transitions of the cases in their scope, with the case
// id, and nothing outside it; a scope argument narrows the subscription to a unit and its sub-units.
func TestLiveCaseEventsScope(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		f := newLiveFixture(t, dia)
		a := dialLive(t, f.srv, "supervisor A", f.supA.Token())
		b := dialLive(t, f.srv, "supervisor B", f.supB)
		a.subscribe(t, "all", liveCaseEvents, nil)
		a.subscribe(t, "parentUnit", liveCaseEvents, map[string]any{"scope": map[string]any{"unitId": f.w.A.ParentUnit}})
		b.subscribe(t, "all", liveCaseEvents, nil)
		settle()

		// The subscriptions are live once each has received an event of its own (B's proves A
		// gets nothing of B's on the way).
		f.submit(t, f.w.B.ChildUnit)
		bWarm := b.update(t, "all")
		if bWarm.CaseID == nil || bWarm.Kind != "SUBMITTED" {
			t.Fatalf("supervisor B: warm-up %+v", bWarm)
		}
		f.submit(t, f.w.A.ChildUnit) // ChildUnit is under ParentUnit: both of A's subscriptions
		x := a.update(t, "all")
		if x.CaseID == nil {
			t.Fatal("supervisor A: no case id")
		}
		wantUpdate(t, "supervisor A", x, *x.CaseID, "SUBMITTED")
		if u := caseUnit(t, f.supA, *x.CaseID); u != f.w.A.ChildUnit { // not B's case, which came first
			t.Fatalf("supervisor A's first event is about unit %s, want %s", u, f.w.A.ChildUnit)
		}
		if u := caseUnit(t, f.api.As(f.supB), *bWarm.CaseID); u != f.w.B.ChildUnit {
			t.Fatalf("supervisor B's first event is about unit %s, want %s", u, f.w.B.ChildUnit)
		}
		wantUpdate(t, "supervisor A, narrowed", a.update(t, "parentUnit"), *x.CaseID, "SUBMITTED")

		// The transition, with the case id, reaches A's subscriptions and not B's.
		f.accept(t, *x.CaseID)
		wantUpdate(t, "supervisor A", a.update(t, "all"), *x.CaseID, "ACCEPTED")
		wantUpdate(t, "supervisor A, narrowed", a.update(t, "parentUnit"), *x.CaseID, "ACCEPTED")
		b.quiet(t, "all")

		// A case in A's other district: the whole province sees it, the narrowed subscription does not.
		f.submit(t, f.w.A.OtherUnit)
		y := a.update(t, "all")
		wantUpdate(t, "supervisor A (other district)", y, *y.CaseID, "SUBMITTED")
		if u := caseUnit(t, f.supA, *y.CaseID); u != f.w.A.OtherUnit {
			t.Fatalf("supervisor A's event is about unit %s, want %s", u, f.w.A.OtherUnit)
		}
		f.accept(t, *y.CaseID)
		wantUpdate(t, "supervisor A (other district)", a.update(t, "all"), *y.CaseID, "ACCEPTED")
		a.quiet(t, "parentUnit")
		b.quiet(t, "all")

		// A case of ParentUnit itself passes the narrowed subscription: the next thing it receives
		// is this one (not the other district's, which it skipped).
		f.submit(t, f.w.A.ParentUnit)
		z := a.update(t, "all")
		if u := caseUnit(t, f.supA, *z.CaseID); u != f.w.A.ParentUnit {
			t.Fatalf("supervisor A's event is about unit %s, want %s", u, f.w.A.ParentUnit)
		}
		wantUpdate(t, "supervisor A (parent unit)", a.update(t, "parentUnit"), *z.CaseID, "SUBMITTED")
		// And B's next event is B's own, not any of A's.
		f.submit(t, f.w.B.OtherUnit)
		if u := b.update(t, "all"); u.CaseID == nil || *u.CaseID == *x.CaseID || *u.CaseID == *y.CaseID || *u.CaseID == *z.CaseID || u.Kind != "SUBMITTED" {
			t.Fatalf("supervisor B received %+v", u)
		}

		// A scope outside the viewer's own never widens it: A narrowed to province B gets nothing.
		a.subscribe(t, "provinceB", liveCaseEvents, map[string]any{"scope": map[string]any{"provinceId": f.w.B.Province}})
		settle()
		f.submit(t, f.w.B.ChildUnit)
		b.update(t, "all")
		a.quiet(t, "provinceB")
		a.quiet(t, "all")

		noLeak(t, f.names, a, b)
	})
}

// TestLiveSubscriptionRefusals: caseEvents needs a signed-in handler.
func TestLiveSubscriptionRefusals(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		f := newLiveFixture(t, dia)
		official, _ := f.api.Login(t, f.w.Logins["official"], testutil.Password)
		anon := dialLive(t, f.srv, "anonymous", "")
		anon.subscribe(t, "1", liveCaseEvents, nil)
		if code := anon.refused(t, "1"); code != "UNAUTHENTICATED" {
			t.Fatalf("anonymous caseEvents: code %q, want UNAUTHENTICATED", code)
		}
		off := dialLive(t, f.srv, "official", official)
		off.subscribe(t, "1", liveCaseEvents, nil)
		if code := off.refused(t, "1"); code != "FORBIDDEN" {
			t.Fatalf("official caseEvents: code %q, want FORBIDDEN", code)
		}
		// Nothing arrives after the refusal, not even for a case about the official.
		f.submit(t, f.w.A.ChildUnit)
		anon.quiet(t, "1")
		off.quiet(t, "1")
		noLeak(t, f.names, anon, off)
	})
}

// TestLiveCaseUpdatedPublicOnly: the citizen's subscription carries what the citizen's timeline
// shows and nothing more. The assignment of an inspector is an internal event (not public: it is
// not in caseByTracking's timeline), so it must not reach caseUpdated either.
func TestLiveCaseUpdatedPublicOnly(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		f := newLiveFixture(t, dia)
		sup := dialLive(t, f.srv, "supervisor A", f.supA.Token())
		sup.subscribe(t, "all", liveCaseEvents, nil)
		settle()
		code, secret := f.submit(t, f.w.A.ChildUnit)
		caseID := *sup.update(t, "all").CaseID
		citizen := dialLive(t, f.srv, "citizen", "")
		citizen.subscribe(t, "mine", liveCaseUpdated, map[string]any{"c": code, "s": secret})
		settle()
		f.accept(t, caseID)
		if u := citizen.update(t, "mine"); u.Kind != "ACCEPTED" {
			t.Fatalf("citizen: %+v, want ACCEPTED", u)
		}
		wantUpdate(t, "supervisor A", sup.update(t, "all"), caseID, "ACCEPTED")

		inspector, err := f.db.Client.Account.Query().Where(account.Login(f.w.Logins["inspector"])).
			OnlyID(authz.System(context.Background(), authz.SysTestFixture))
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			CaseAssign struct {
				UserErrors []struct{ Code, Message string }
			}
		}
		f.supA.Query(t, `mutation($id: ID!, $i: ID!) { caseAssign(input: {caseId: $id, inspectorId: $i}) {
			userErrors { code message } } }`, map[string]any{"id": caseID, "i": inspector}).Decode(t, &out)
		if len(out.CaseAssign.UserErrors) > 0 {
			t.Fatalf("caseAssign: %+v", out.CaseAssign.UserErrors)
		}
		// The handler sees the assignment live (and the event is there to be sent)...
		if u := sup.update(t, "all"); u.Kind != "ASSIGNED" {
			t.Fatalf("supervisor A: %+v, want ASSIGNED", u)
		}
		// ...the citizen's timeline does not show it...
		var tracked struct {
			CaseByTracking struct{ Timeline []struct{ Kind string } }
		}
		f.api.Query(t, `query($c: String!, $s: String!) { caseByTracking(trackingCode: $c, secret: $s) { timeline { kind } } }`,
			map[string]any{"c": code, "s": secret}).Decode(t, &tracked)
		for _, e := range tracked.CaseByTracking.Timeline {
			if e.Kind == "ASSIGNED" {
				t.Fatalf("the citizen's timeline shows the assignment: %+v", tracked)
			}
		}
		// ...so neither does the citizen's live view.
		citizen.quiet(t, "mine")
		noLeak(t, f.names, citizen, sup)
	})
}

// TestLiveSubscriptionEndsWithAccess: "disabling an account ends its access at once" (README)
// holds for an open subscription too: once the account is disabled, its caseEvents subscription
// delivers no further event (it may end with an error, complete, or a closed socket).
func TestLiveSubscriptionEndsWithAccess(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		f := newLiveFixture(t, dia)
		sup := dialLive(t, f.srv, "supervisor A", f.supA.Token())
		sup.subscribe(t, "all", liveCaseEvents, nil)
		settle()
		f.submit(t, f.w.A.ChildUnit)
		if u := sup.update(t, "all"); u.Kind != "SUBMITTED" {
			t.Fatalf("before: %+v", u)
		}

		admin := f.api.SignedIn(t, f.db, authz.RoleAdmin, authz.Scope{Kind: authz.ScopeNation}, "")
		supID, err := f.db.Client.Account.Query().Where(account.Login(f.w.Logins["provinceSupervisor"])).
			OnlyID(authz.System(context.Background(), authz.SysTestFixture))
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			AccountDisable struct {
				UserErrors []struct{ Code, Message string }
			}
		}
		admin.Query(t, `mutation($id: ID!) { accountDisable(input: {accountId: $id, reason: "Chuyển công tác"}) {
			userErrors { code message } } }`, map[string]any{"id": supID}).Decode(t, &out)
		if len(out.AccountDisable.UserErrors) > 0 {
			t.Fatalf("accountDisable: %+v", out.AccountDisable.UserErrors)
		}
		if role, r := viewerRole(t, f.supA); role != "" {
			t.Fatalf("the disabled account still reads over HTTP: %s", r.Raw)
		}

		f.submit(t, f.w.A.ChildUnit)
		if m, ok := sup.poll("all", liveQuiet); ok && m.Type == "next" && !bytes.Contains(m.Payload, []byte(`"errors"`)) {
			t.Fatalf("the disabled account's subscription still delivers events: %s", m.Payload)
		}
	})
}
