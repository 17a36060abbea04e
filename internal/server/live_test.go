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

	liveWait = 10 * time.Second // how long an expected message may take
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
	err  error         // why reading stopped
	done chan struct{} // closed when reading stopped
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
	c := &liveConn{name: name, conn: conn, subs: map[string]chan wsMessage{}, done: make(chan struct{})}
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
			close(c.done)
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
	u, ok := decodeUpdate(m)
	if !ok {
		t.Fatalf("%s/%s: got %s %s, want a case update", c.name, id, m.Type, m.Payload)
	}
	return u
}

// decodeUpdate returns the CaseUpdate a message carries; ok is false for anything else (another
// type, errors, no data).
func decodeUpdate(m wsMessage) (u liveUpdate, ok bool) {
	if m.Type != "next" {
		return liveUpdate{}, false
	}
	var p struct {
		Data   map[string]*liveUpdate `json:"data"`
		Errors []testutil.GQLError    `json:"errors"`
	}
	if err := json.Unmarshal(m.Payload, &p); err != nil || len(p.Errors) > 0 || len(p.Data) != 1 {
		return liveUpdate{}, false
	}
	for _, u := range p.Data {
		if u != nil {
			return *u, true
		}
	}
	return liveUpdate{}, false
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
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case m, ok = <-ch:
		return m, ok
	case <-timer.C:
		return wsMessage{}, false
	}
}

// nothingFor checks operation id, which has ended (refused), has received nothing more so far. It
// does not wait: call it once a sentinel sent after the event it must not get has arrived on
// another operation of the connection.
func (c *liveConn) nothingFor(t *testing.T, id string) {
	t.Helper()
	c.mu.Lock()
	ch := c.subs[id]
	c.mu.Unlock()
	select {
	case m, ok := <-ch:
		if ok {
			t.Fatalf("%s/%s: received %s %s after it ended", c.name, id, m.Type, m.Payload)
		}
	default:
	}
}

// closed returns a channel closed once the connection has stopped reading (closed by either side).
func (c *liveConn) closed() <-chan struct{} { return c.done }

// liveOp is one subscription of a connection.
type liveOp struct {
	c  *liveConn
	id string
}

// beacon is a case whose citizen's messages are the handshake of live subscriptions (see live).
type beacon struct {
	code, secret string
	caseID       string // as handlers' caseEvents carry it; the citizen's caseUpdated carries none
}

// handshakeNote is the body of the messages live sends.
const handshakeNote = "Bắt tay"

// live makes subscriptions usable. graphql-transport-ws does not acknowledge a subscription, and an
// event published before the subscription's resolver has reached the broker is not delivered (best
// effort, at most once), so live has b's citizen send a message on the case, an event every op
// hears, until each op has received it. Events arrive in the order they happened, so once the
// message has arrived nothing older is left to come: what happened before it was sent (an earlier
// message of the handshake heard late; with PostgreSQL, an event published before the subscription
// and still on its way from the database) is skipped, told apart by its time (the server runs in
// this process, on this clock). Every subscription already live that hears b must be among ops.
// The wait before the next message grows from 20 ms: it decides how many messages are sent, never
// the outcome.
func (f *liveFixture) live(t *testing.T, b beacon, ops ...liveOp) {
	t.Helper()
	deadline := time.Now().Add(liveWait)
	heard := make([]bool, len(ops))
	for round := 20 * time.Millisecond; ; round = min(2*round, time.Second) {
		sent := time.Now()
		f.message(t, b, handshakeNote)
		all := true
		for i, op := range ops {
			wait := min(round, time.Until(deadline))
			if heard[i] { // live: the message will come
				wait = time.Until(deadline)
			}
			if heard[i] = op.c.heard(t, op.id, b, sent, wait); !heard[i] {
				all = false
			}
		}
		if all {
			return
		}
		if time.Now().After(deadline) {
			for i, op := range ops {
				if !heard[i] {
					t.Errorf("%s/%s: not live after %s", op.c.name, op.id, liveWait)
				}
			}
			t.FailNow()
		}
	}
}

// heard reads operation id until it receives the message of b sent at sent or later (true),
// skipping whatever happened before sent; false when it has not come within d. Anything else fails
// the test: ops are made live before anything else is expected of them.
func (c *liveConn) heard(t *testing.T, id string, b beacon, sent time.Time, d time.Duration) bool {
	t.Helper()
	until := time.Now().Add(d)
	for {
		m, ok := c.poll(id, time.Until(until))
		if !ok {
			if err := c.readErr(); err != nil {
				t.Fatalf("%s/%s: connection ended during the handshake: %v", c.name, id, err)
			}
			return false
		}
		u, isUpdate := decodeUpdate(m)
		if !isUpdate {
			t.Fatalf("%s/%s: during the handshake received %s %s", c.name, id, m.Type, m.Payload)
		}
		at, err := time.Parse(time.RFC3339Nano, u.OccurredAt)
		if err != nil {
			t.Fatalf("%s/%s: occurredAt %q: %v", c.name, id, u.OccurredAt, err)
		}
		if at.Before(sent) {
			continue
		}
		if u.Kind != "MESSAGE" || (u.CaseID != nil && *u.CaseID != b.caseID) {
			t.Fatalf("%s/%s: during the handshake received %s %s", c.name, id, m.Type, m.Payload)
		}
		return true
	}
}

// message sends a citizen's message on the case of b.
func (f *liveFixture) message(t *testing.T, b beacon, body string) {
	t.Helper()
	var out struct {
		CaseMessageSend struct {
			UserErrors []struct{ Code, Message string }
		}
	}
	f.api.Query(t, `mutation($c: String!, $s: String!, $b: String!) { caseMessageSend(input: {trackingCode: $c, secret: $s, body: $b}) {
		userErrors { code message } } }`, map[string]any{"c": b.code, "s": b.secret, "b": body}).Decode(t, &out)
	if len(out.CaseMessageSend.UserErrors) > 0 {
		t.Fatalf("caseMessageSend: %+v", out.CaseMessageSend.UserErrors)
	}
}

// withdraw withdraws the case of b as its citizen.
func (f *liveFixture) withdraw(t *testing.T, b beacon) {
	t.Helper()
	var out struct {
		CaseWithdraw struct {
			TrackedCase *struct{ State string }
			UserErrors  []struct{ Code, Message string }
		}
	}
	f.api.Query(t, `mutation($c: String!, $s: String!) { caseWithdraw(input: {trackingCode: $c, secret: $s}) {
		trackedCase { state } userErrors { code message } } }`, map[string]any{"c": b.code, "s": b.secret}).Decode(t, &out)
	if len(out.CaseWithdraw.UserErrors) > 0 || out.CaseWithdraw.TrackedCase == nil || out.CaseWithdraw.TrackedCase.State != "WITHDRAWN" {
		t.Fatalf("caseWithdraw: %+v", out.CaseWithdraw)
	}
}

// file submits a case about unitID as a citizen and finds its id as api, a handler holding it.
func (f *liveFixture) file(t *testing.T, api *testutil.API, unitID string) beacon {
	t.Helper()
	code, secret := f.submit(t, unitID)
	var out struct {
		Cases struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	api.Query(t, `query($s: String!) { cases(search: $s, first: 2) { edges { node { id } } } }`,
		map[string]any{"s": code}).Decode(t, &out)
	if len(out.Cases.Edges) != 1 {
		t.Fatalf("cases(search: %s): %+v", code, out)
	}
	return beacon{code: code, secret: secret, caseID: out.Cases.Edges[0].Node.ID}
}

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
	return newLiveFixtureWith(t, dia, map[string]string{"CITIZEN_SUBMIT_RATE": "off", "TRACKING_RATE": "off"})
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
		mine := f.file(t, f.supA, f.w.A.ChildUnit)
		sup := dialLive(t, f.srv, "supervisor A", f.supA.Token())
		sup.subscribe(t, "all", liveCaseEvents, nil)
		citizen := dialLive(t, f.srv, "citizen", "")
		citizen.subscribe(t, "mine", liveCaseUpdated, map[string]any{"c": mine.code, "s": mine.secret})
		citizen.subscribe(t, "wrong", liveCaseUpdated, map[string]any{"c": mine.code, "s": mine.secret + "x"})
		if got := citizen.refused(t, "wrong"); got != "NOT_FOUND" {
			t.Fatalf("wrong secret: code %q, want NOT_FOUND", got)
		}
		f.live(t, mine, liveOp{sup, "all"}, liveOp{citizen, "mine"})

		start := time.Now()
		f.accept(t, mine.caseID)
		u := citizen.update(t, "mine")
		t.Logf("%s: citizen received the acceptance %s after caseAccept was sent", dia, time.Since(start).Round(time.Microsecond))
		if u.CaseID != nil || u.Kind != "ACCEPTED" || u.State != "ACCEPTED" || u.OccurredAt == "" {
			t.Fatalf("citizen: got %+v (caseId %v), want {kind ACCEPTED state ACCEPTED caseId null}", u, u.CaseID)
		}
		if _, err := time.Parse(time.RFC3339, u.OccurredAt); err != nil {
			t.Fatalf("occurredAt %q: %v", u.OccurredAt, err)
		}
		wantUpdate(t, "supervisor A", sup.update(t, "all"), mine.caseID, "ACCEPTED")

		// Another case's transitions do not reach the citizen's subscription: the next thing it
		// receives is the withdrawal of its own case, which comes after them.
		f.submit(t, f.w.A.ChildUnit)
		other := sup.update(t, "all")
		f.accept(t, *other.CaseID)
		wantUpdate(t, "supervisor A (other case)", sup.update(t, "all"), *other.CaseID, "ACCEPTED")
		f.withdraw(t, mine)
		if u := citizen.update(t, "mine"); u.Kind != "WITHDRAWN" {
			t.Fatalf("citizen: got %+v, want its own case's WITHDRAWN (and nothing of the other case before it)", u)
		}
		wantUpdate(t, "supervisor A", sup.update(t, "all"), mine.caseID, "WITHDRAWN")
		citizen.nothingFor(t, "wrong")

		noLeak(t, f.names, citizen, sup)
	})
}

// TestLiveCaseEventsScope: handlers see the transitions of the cases in their scope, with the case
// id, and nothing outside it; a scope argument narrows the subscription to a unit and its sub-units.
func TestLiveCaseEventsScope(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		f := newLiveFixture(t, dia)
		supB := f.api.As(f.supB)
		beaconA := f.file(t, f.supA, f.w.A.ChildUnit) // ChildUnit is under ParentUnit
		beaconB := f.file(t, supB, f.w.B.ChildUnit)
		a := dialLive(t, f.srv, "supervisor A", f.supA.Token())
		b := dialLive(t, f.srv, "supervisor B", f.supB)
		a.subscribe(t, "all", liveCaseEvents, nil)
		a.subscribe(t, "parentUnit", liveCaseEvents, map[string]any{"scope": map[string]any{"unitId": f.w.A.ParentUnit}})
		// A scope wider than the viewer's own never widens it: A narrowed to the nation hears A's
		// cases only.
		a.subscribe(t, "nation", liveCaseEvents, map[string]any{"scope": map[string]any{"national": true}})
		b.subscribe(t, "all", liveCaseEvents, nil)
		// Each handshake also checks the other province's subscriptions hear nothing of it: they
		// would fail on receiving it in theirs.
		f.live(t, beaconA, liveOp{a, "all"}, liveOp{a, "parentUnit"}, liveOp{a, "nation"})
		f.live(t, beaconB, liveOp{b, "all"})

		x := f.file(t, f.supA, f.w.A.ChildUnit) // under ParentUnit: all of A's subscriptions
		wantUpdate(t, "supervisor A", a.update(t, "all"), x.caseID, "SUBMITTED")
		wantUpdate(t, "supervisor A, narrowed", a.update(t, "parentUnit"), x.caseID, "SUBMITTED")
		wantUpdate(t, "supervisor A, nation", a.update(t, "nation"), x.caseID, "SUBMITTED")

		// The transition, with the case id, reaches A's subscriptions...
		f.accept(t, x.caseID)
		wantUpdate(t, "supervisor A", a.update(t, "all"), x.caseID, "ACCEPTED")
		wantUpdate(t, "supervisor A, narrowed", a.update(t, "parentUnit"), x.caseID, "ACCEPTED")
		wantUpdate(t, "supervisor A, nation", a.update(t, "nation"), x.caseID, "ACCEPTED")

		// A case in A's other district: the whole province sees it, the narrowed subscription does not.
		y := f.file(t, f.supA, f.w.A.OtherUnit)
		wantUpdate(t, "supervisor A (other district)", a.update(t, "all"), y.caseID, "SUBMITTED")
		f.accept(t, y.caseID)
		wantUpdate(t, "supervisor A (other district)", a.update(t, "all"), y.caseID, "ACCEPTED")

		// ...and not B's, and B's own cases not A's: after all of A's above, B's next event is this
		// case of B's...
		bCase := f.file(t, supB, f.w.B.OtherUnit)
		wantUpdate(t, "supervisor B", b.update(t, "all"), bCase.caseID, "SUBMITTED")

		// ...and a case of ParentUnit itself is the next thing the narrowed subscription receives
		// (not the other district's before it), and the next the nation one receives after x (not
		// y, which it may see, nor B's case, which it may not).
		z := f.file(t, f.supA, f.w.A.ParentUnit)
		wantUpdate(t, "supervisor A (parent unit)", a.update(t, "all"), z.caseID, "SUBMITTED")
		wantUpdate(t, "supervisor A (parent unit), narrowed", a.update(t, "parentUnit"), z.caseID, "SUBMITTED")
		wantUpdate(t, "supervisor A, nation", a.update(t, "nation"), y.caseID, "SUBMITTED")
		wantUpdate(t, "supervisor A, nation", a.update(t, "nation"), y.caseID, "ACCEPTED")
		wantUpdate(t, "supervisor A (parent unit), nation", a.update(t, "nation"), z.caseID, "SUBMITTED")

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
		// Nothing arrives after the refusal: both connections also follow a case by its tracking
		// code, whose withdrawal comes after another case's submission and acceptance (which
		// caseEvents would carry); when the withdrawal has arrived, nothing has for the refused
		// operations. (Each operation has its own goroutine on the server, so this is as strong as
		// a client can check; a refused one has no subscriber left to send anything.)
		tracked := f.file(t, f.supA, f.w.A.ChildUnit)
		for _, c := range []*liveConn{anon, off} {
			c.subscribe(t, "tracked", liveCaseUpdated, map[string]any{"c": tracked.code, "s": tracked.secret})
		}
		f.live(t, tracked, liveOp{anon, "tracked"}, liveOp{off, "tracked"})
		about := f.file(t, f.supA, f.w.A.ChildUnit)
		f.accept(t, about.caseID)
		f.withdraw(t, tracked)
		for _, c := range []*liveConn{anon, off} {
			if u := c.update(t, "tracked"); u.Kind != "WITHDRAWN" {
				t.Fatalf("%s: got %+v, want WITHDRAWN", c.name, u)
			}
			c.nothingFor(t, "1")
		}
		noLeak(t, f.names, anon, off)
	})
}

// TestLiveCaseUpdatedPublicOnly: the citizen's subscription carries what the citizen's timeline
// shows and nothing more. The assignment of an inspector is an internal event (not public: it is
// not in caseByTracking's timeline), so it must not reach caseUpdated either.
func TestLiveCaseUpdatedPublicOnly(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		f := newLiveFixture(t, dia)
		mine := f.file(t, f.supA, f.w.A.ChildUnit)
		sup := dialLive(t, f.srv, "supervisor A", f.supA.Token())
		sup.subscribe(t, "all", liveCaseEvents, nil)
		citizen := dialLive(t, f.srv, "citizen", "")
		citizen.subscribe(t, "mine", liveCaseUpdated, map[string]any{"c": mine.code, "s": mine.secret})
		f.live(t, mine, liveOp{sup, "all"}, liveOp{citizen, "mine"})
		caseID := mine.caseID
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
			map[string]any{"c": mine.code, "s": mine.secret}).Decode(t, &tracked)
		for _, e := range tracked.CaseByTracking.Timeline {
			if e.Kind == "ASSIGNED" {
				t.Fatalf("the citizen's timeline shows the assignment: %+v", tracked)
			}
		}
		// ...so neither does the citizen's live view: the next thing it receives is the withdrawal
		// that followed.
		f.withdraw(t, mine)
		if u := citizen.update(t, "mine"); u.Kind != "WITHDRAWN" {
			t.Fatalf("citizen: got %+v, want WITHDRAWN (and not the assignment before it)", u)
		}
		noLeak(t, f.names, citizen, sup)
	})
}

// TestLiveSubscriptionEndsWithAccess: "disabling an account ends its access at once" (README)
// holds for an open subscription too: once the account is disabled, its caseEvents subscription
// delivers no further event; the next event in its scope ends it (with an error, complete, or a
// closed socket).
func TestLiveSubscriptionEndsWithAccess(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		f := newLiveFixture(t, dia)
		beaconA := f.file(t, f.supA, f.w.A.ChildUnit)
		sup := dialLive(t, f.srv, "supervisor A", f.supA.Token())
		sup.subscribe(t, "all", liveCaseEvents, nil)
		f.live(t, beaconA, liveOp{sup, "all"})

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
		select {
		case <-sup.closed():
			return
		default:
		}
		m, ok := sup.poll("all", liveWait)
		switch {
		case !ok && sup.readErr() != nil: // the socket closed
		case !ok:
			t.Fatalf("the disabled account's subscription neither ended nor delivered within %s", liveWait)
		case m.Type == "next" && !bytes.Contains(m.Payload, []byte(`"errors"`)):
			t.Fatalf("the disabled account's subscription still delivers events: %s", m.Payload)
		default:
			t.Logf("%s: the subscription ended with %s %s", dia, m.Type, m.Payload)
		}
	})
}
