package app_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	_ "github.com/lib/pq"

	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/ent/province"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/app"
	"github.com/liemchinh/liemchinh/internal/auth"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/store"
)

// TestTwoProcessLiveEvents runs two servers on one PostgreSQL database, as production does behind a
// load balancer: a handler subscribed on process B learns of a transition made through process A
// (PostgreSQL NOTIFY, one listener per process). It logs the delay from sending caseAccept to A to
// receiving the event on B.
func TestTwoProcessLiveEvents(t *testing.T) {
	base := os.Getenv("LIEMCHINH_TEST_DATABASE_URL")
	if base == "" {
		t.Skip("LIEMCHINH_TEST_DATABASE_URL is not set: the two-process test needs PostgreSQL")
	}
	dbURL := twoProcessDatabase(t, base)
	blobs := t.TempDir()
	getenv := env("DATABASE_URL", dbURL, "LISTEN_ADDR", "127.0.0.1:0", "SEED_DEMO", "false", "APP_ENV", "test",
		"BLOB_DIR", blobs, "CITIZEN_SUBMIT_RATE", "off", "TRACKING_RATE", "off")

	type process struct {
		name   string
		base   string
		stderr *syncBuffer
		cancel context.CancelFunc
		done   chan error // app.Run's result
		exited chan struct{}
	}
	start := func(name string) *process {
		ctx, cancel := context.WithCancel(context.Background())
		p := &process{name: name, stderr: &syncBuffer{}, cancel: cancel, done: make(chan error, 1), exited: make(chan struct{})}
		go func() {
			defer close(p.exited)
			p.done <- app.Run(ctx, []string{"serve"}, getenv, io.Discard, p.stderr)
		}()
		t.Cleanup(func() { // in case the test stops early; before the database is dropped
			cancel()
			select {
			case <-p.exited:
			case <-time.After(30 * time.Second):
			}
		})
		p.base = "http://" + waitForListening(t, p.stderr, p.done)
		return p
	}
	a := start("A") // migrates the empty database
	b := start("B")
	for _, p := range []*process{a, b} {
		if !strings.Contains(p.stderr.String(), `"dialect":"postgres"`) {
			t.Fatalf("%s does not run on PostgreSQL:\n%s", p.name, p.stderr.String())
		}
	}

	// There is no mutation creating provinces, units or the first accounts: write them directly.
	ctx := authz.System(context.Background(), authz.SysTestFixture)
	db, err := store.Open(ctx, dbURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	prov, err := db.Client.Province.Create().SetCode("TP1").SetName("Tỉnh Hai Tiến Trình").
		SetKind(province.KindPROVINCE).SetValidFrom(day).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	un, err := db.Client.Unit.Create().SetName("UBND Hai Tiến Trình").SetLevel(unit.LevelPROVINCE).
		SetKind(unit.KindPEOPLES_COMMITTEE).SetProvince(prov).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const login, password = "supervisor.two@test.vn", "two-process-password"
	hash, err := auth.HashPassword(context.Background(), password)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Client.Account.Create().SetLogin(login).SetPasswordHash(hash).SetRole(account.RoleSUPERVISOR).
		SetScopeKind(account.ScopeKindPROVINCE).SetScopeProvinceID(prov.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	db.Close()

	// The supervisor signs in on B and subscribes there.
	var signedIn struct {
		Login struct {
			AccessToken string
			UserErrors  []struct{ Code, Message string }
		}
	}
	gql(t, b.base, "", `mutation($l: String!, $p: String!) { login(input: {login: $l, password: $p}) {
		accessToken userErrors { code message } } }`, map[string]any{"l": login, "p": password}, &signedIn)
	token := signedIn.Login.AccessToken
	if token == "" {
		t.Fatalf("login on B: %+v", signedIn.Login.UserErrors)
	}
	var names []string
	// submit files a case on A as a citizen and returns its tracking code and secret.
	submit := func() (code, secret string) {
		t.Helper()
		name := "Người Báo Tin " + randomName(t)
		names = append(names, name)
		var out struct {
			CaseSubmit struct {
				TrackingCode, Secret *string
				UserErrors           []struct{ Code, Message string }
			}
		}
		gql(t, a.base, "", `mutation($input: CaseSubmitInput!) { caseSubmit(input: $input) { trackingCode secret userErrors { code message } } }`,
			map[string]any{"input": map[string]any{"channel": "DENUNCIATION", "unitId": un.ID, "category": "NO_CORRUPTION",
				"description": "Nhũng nhiễu khi cấp giấy phép xây dựng", "idempotencyKey": randomName(t) + randomName(t),
				"reporter": map[string]any{"name": name, "phone": "0912345678"}}}, &out)
		if out.CaseSubmit.TrackingCode == nil || out.CaseSubmit.Secret == nil {
			t.Fatalf("caseSubmit on A: %+v", out.CaseSubmit.UserErrors)
		}
		return *out.CaseSubmit.TrackingCode, *out.CaseSubmit.Secret
	}

	// The handshake's case, filed before the subscription; the supervisor finds its id on A.
	beaconCode, beaconSecret := submit()
	var found struct {
		Cases struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	gql(t, a.base, token, `query($s: String!) { cases(search: $s, first: 2) { edges { node { id } } } }`,
		map[string]any{"s": beaconCode}, &found)
	if len(found.Cases.Edges) != 1 {
		t.Fatalf("cases(search: %s) on A: %+v", beaconCode, found)
	}
	sub := dialSubscriber(t, b.base, token)
	sub.subscribe(t, `subscription { caseEvents { caseId kind state occurredAt } }`)
	sub.live(t, found.Cases.Edges[0].Node.ID, func() {
		var out struct {
			CaseMessageSend struct {
				UserErrors []struct{ Code, Message string }
			}
		}
		gql(t, a.base, "", `mutation($c: String!, $s: String!) { caseMessageSend(input: {trackingCode: $c, secret: $s, body: "Bắt tay"}) {
			userErrors { code message } } }`, map[string]any{"c": beaconCode, "s": beaconSecret}, &out)
		if len(out.CaseMessageSend.UserErrors) > 0 {
			t.Fatalf("caseMessageSend on A: %+v", out.CaseMessageSend.UserErrors)
		}
	})

	const cases = 10
	var delays, roundTrips []time.Duration
	for i := range cases {
		submit()
		ev := sub.next(t)
		if ev.Kind != "SUBMITTED" || ev.CaseID == nil {
			t.Fatalf("case %d: B received %+v, want the submission", i+1, ev)
		}
		var out struct {
			CaseAccept struct {
				Case       *struct{ State string }
				UserErrors []struct{ Code, Message string }
			}
		}
		sent := time.Now()
		gql(t, a.base, token, `mutation($id: ID!) { caseAccept(input: {caseId: $id}) { case { state } userErrors { code message } } }`,
			map[string]any{"id": *ev.CaseID}, &out)
		roundTrips = append(roundTrips, time.Since(sent))
		if out.CaseAccept.Case == nil || out.CaseAccept.Case.State != "ACCEPTED" {
			t.Fatalf("caseAccept on A: %+v", out.CaseAccept)
		}
		got := sub.next(t)
		if got.CaseID == nil || *got.CaseID != *ev.CaseID || got.Kind != "ACCEPTED" || got.State != "ACCEPTED" {
			t.Fatalf("case %d: B received %+v, want ACCEPTED of %s", i+1, got, *ev.CaseID)
		}
		delays = append(delays, got.at.Sub(sent))
	}
	t.Logf("caseAccept sent to A -> event received on B, over %d cases: median %s (min %s, max %s); caseAccept round trip on A: median %s",
		cases, median(delays), slices.Min(delays), slices.Max(delays), median(roundTrips))

	raw := sub.messages()
	for _, m := range raw {
		for _, n := range names {
			if bytes.Contains(m, []byte(n)) {
				t.Errorf("B's subscriber received the reporter's name %q: %s", n, m)
			}
		}
	}

	sub.close()
	for _, p := range []*process{b, a} {
		p.cancel()
		select {
		case err := <-p.done:
			if err != nil {
				t.Fatalf("%s returned %v\n%s", p.name, err, p.stderr.String())
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("%s did not stop on cancel", p.name)
		}
		if !strings.Contains(p.stderr.String(), `"msg":"shutting down"`) {
			t.Fatalf("%s: no graceful shutdown logged:\n%s", p.name, p.stderr.String())
		}
	}
}

// twoProcessDatabase creates an empty database with a random name next to base and drops it when
// the test ends.
func twoProcessDatabase(t *testing.T, base string) string {
	t.Helper()
	admin, err := sql.Open("postgres", base)
	if err != nil {
		t.Fatal(err)
	}
	name := "lc_two_" + randomName(t)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		admin.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

func randomName(t *testing.T) string {
	t.Helper()
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b[:])
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// gql posts a GraphQL operation to a server and decodes its data into out, failing on errors.
func gql(t *testing.T, base, token, query string, vars map[string]any, out any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequest(http.MethodPost, base+"/query", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var r struct {
		Data   json.RawMessage
		Errors []any
	}
	if err := json.Unmarshal(raw, &r); err != nil || len(r.Errors) > 0 {
		t.Fatalf("%s: %v %s", base, err, raw)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		t.Fatalf("decode %s: %v", r.Data, err)
	}
}

// liveEvent is a CaseUpdate received by the subscriber, with the time it arrived.
type liveEvent struct {
	CaseID     *string `json:"caseId"`
	Kind       string  `json:"kind"`
	State      string  `json:"state"`
	OccurredAt string  `json:"occurredAt"`
	at         time.Time
}

// subscriber is a graphql-transport-ws client with one subscription (id "1"); a goroutine reads
// the socket, stamps each update with its arrival time and answers pings.
type subscriber struct {
	conn    *websocket.Conn
	updates chan liveEvent
	mu      sync.Mutex
	raw     [][]byte
	err     error
}

func dialSubscriber(t *testing.T, base, token string) *subscriber {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/query",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	s := &subscriber{conn: conn, updates: make(chan liveEvent, 64)}
	t.Cleanup(s.close)
	s.write(t, map[string]any{"type": "connection_init", "payload": map[string]any{"authorization": "Bearer " + token}})
	_, msg, err := conn.Read(ctx)
	if err != nil || !bytes.Contains(msg, []byte(`"connection_ack"`)) {
		t.Fatalf("connection_init: %s %v", msg, err)
	}
	go s.read()
	return s
}

func (s *subscriber) write(t *testing.T, v any) {
	t.Helper()
	b, _ := json.Marshal(v)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.conn.Write(ctx, websocket.MessageText, b); err != nil {
		t.Fatal(err)
	}
}

func (s *subscriber) subscribe(t *testing.T, query string) {
	t.Helper()
	s.write(t, map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": query}})
}

// live is the handshake that makes the subscription usable: graphql-transport-ws does not
// acknowledge a subscription, and an event published before the subscriber's process has
// subscribed to its broker is not delivered. So poke (a citizen's message on the case caseID) is
// repeated until the subscriber receives its event. Events arrive in the order they happened, so
// nothing older is left to come then: what happened before the poke was sent (an earlier poke heard
// late, or an event published before the subscription and still on its way from the database) is
// skipped, told apart by its time (both processes run in this one, on one clock). The wait before
// the next poke grows from 20 ms: it decides how many pokes are sent, never the outcome.
func (s *subscriber) live(t *testing.T, caseID string, poke func()) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for round := 20 * time.Millisecond; ; round = min(2*round, time.Second) {
		sent := time.Now()
		poke()
		timer := time.NewTimer(min(round, time.Until(deadline)))
	wait:
		for {
			select {
			case e, ok := <-s.updates:
				if !ok {
					s.mu.Lock()
					err := s.err
					s.mu.Unlock()
					t.Fatalf("the subscriber's connection ended during the handshake: %v", err)
				}
				at, err := time.Parse(time.RFC3339Nano, e.OccurredAt)
				if err != nil {
					t.Fatalf("occurredAt %q: %v", e.OccurredAt, err)
				}
				if at.Before(sent) {
					continue
				}
				if e.Kind != "MESSAGE" || e.CaseID == nil || *e.CaseID != caseID {
					t.Fatalf("during the handshake the subscriber received %+v", e)
				}
				timer.Stop()
				return
			case <-timer.C:
				break wait
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the subscription is not live after 10s")
		}
	}
}

func (s *subscriber) read() {
	defer close(s.updates)
	for {
		_, b, err := s.conn.Read(context.Background())
		at := time.Now()
		if err != nil {
			s.mu.Lock()
			s.err = err
			s.mu.Unlock()
			return
		}
		s.mu.Lock()
		s.raw = append(s.raw, b)
		s.mu.Unlock()
		var m struct {
			Type    string
			Payload struct {
				Data   struct{ CaseEvents *liveEvent }
				Errors []any
			}
		}
		if json.Unmarshal(b, &m) != nil {
			continue
		}
		switch {
		case m.Type == "ping":
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_ = s.conn.Write(ctx, websocket.MessageText, []byte(`{"type":"pong"}`))
			cancel()
		case m.Type == "next" && m.Payload.Data.CaseEvents != nil && len(m.Payload.Errors) == 0:
			e := *m.Payload.Data.CaseEvents
			e.at = at
			s.updates <- e
		case m.Type == "next", m.Type == "error", m.Type == "complete":
			s.mu.Lock()
			s.err = fmt.Errorf("subscription ended: %s", b)
			s.mu.Unlock()
			return
		}
	}
}

func (s *subscriber) next(t *testing.T) liveEvent {
	t.Helper()
	select {
	case e, ok := <-s.updates:
		if !ok {
			s.mu.Lock()
			defer s.mu.Unlock()
			t.Fatalf("the subscriber's connection ended: %v", s.err)
		}
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10s")
	}
	return liveEvent{}
}

func (s *subscriber) messages() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.raw)
}

func (s *subscriber) close() { _ = s.conn.Close(websocket.StatusNormalClosure, "") }

// TestLiveShutdownClosesWebSockets: once serve has returned, nothing of the server is left
// answering. A WebSocket open at shutdown must be closed, with 1012 (Service Restart) so that a
// client reconnects (to another instance behind the load balancer), rather than kept alive by a
// server whose database and event broker are closed.
func TestLiveShutdownClosesWebSockets(t *testing.T) {
	base, stderr, done, cancel := serveEmbedded(t, "APP_ENV", "test", "BLOB_DIR", t.TempDir())

	dialCtx, dialCancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer dialCancel()
	conn, _, err := websocket.Dial(dialCtx, "ws"+strings.TrimPrefix(base, "http")+"/query",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(websocket.StatusNormalClosure, "")
	if err := conn.Write(dialCtx, websocket.MessageText, []byte(`{"type":"connection_init","payload":{}}`)); err != nil {
		t.Fatal(err)
	}
	if _, m, err := conn.Read(dialCtx); err != nil || !bytes.Contains(m, []byte("connection_ack")) {
		t.Fatalf("connection_init: %s %v", m, err)
	}

	cancel()
	// Closed with 1012 (Service Restart), the code the app reconnects on; gqlgen's own is 1000
	// (the conversation is over).
	for {
		_, m, err := conn.Read(dialCtx)
		if err == nil {
			continue // a connection error message before the close frame
		}
		if code := websocket.CloseStatus(err); code != 1012 {
			t.Errorf("closed with %d (%v), last message %s; want 1012", code, err, m)
		}
		break
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop on cancel")
	}

	// The server has stopped: the socket must be closed, and an operation sent on it unanswered.
	query := []byte(`{"id":"after","type":"subscribe","payload":{"query":"{ provinces { totalCount } }"}}`)
	readCtx, readCancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer readCancel()
	if err := conn.Write(readCtx, websocket.MessageText, query); err != nil {
		return // closed: as it should be
	}
	for {
		_, m, err := conn.Read(readCtx)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatal("the WebSocket is still open 5s after serve returned")
			}
			return // closed
		}
		if bytes.Contains(m, []byte(`"id":"after"`)) {
			var logged []string
			for _, l := range strings.Split(stderr.String(), "\n") {
				if strings.Contains(l, "internal error") {
					logged = append(logged, l)
				}
			}
			t.Fatalf("serve has returned, yet its WebSocket still answers operations: %s\nlogged: %s", m, strings.Join(logged, "\n"))
		}
	}
}
