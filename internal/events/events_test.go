package events

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const waitFor = 5 * time.Second

func ev(caseID string) Event {
	return Event{Topic: "case.transition", CaseID: caseID, Kind: "assign", State: "assigned", UnitID: "unit-1"}
}

// recv returns the next event on ch whose CaseID has the given prefix, skipping others (other
// tests or processes may share the PostgreSQL channel), or fails after d.
func recv(t *testing.T, ch <-chan Event, prefix string, d time.Duration) Event {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case e, ok := <-ch:
			if !ok {
				t.Fatalf("channel closed while waiting for %q", prefix)
			}
			if strings.HasPrefix(e.CaseID, prefix) {
				return e
			}
		case <-timer.C:
			t.Fatalf("no event %q within %s", prefix, d)
		}
	}
}

// sentinel publishes an event with CaseID id on b and checks it is the next event of the test
// (prefix) on each of subs: whatever must not arrive before it, did not.
func sentinel(t *testing.T, b Broker, prefix, id string, subs ...<-chan Event) {
	t.Helper()
	if err := b.Publish(context.Background(), ev(id)); err != nil {
		t.Fatal(err)
	}
	for _, sub := range subs {
		if e := recv(t, sub, prefix, waitFor); e.CaseID != id {
			t.Fatalf("got %+v before the sentinel %q", e, id)
		}
	}
}

func closedWithin(t *testing.T, ch <-chan Event, d time.Duration) {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-timer.C:
			t.Fatalf("channel not closed within %s", d)
		}
	}
}

func TestLocalFanOut(t *testing.T) {
	b := NewLocal()
	defer b.Close()
	ctx := context.Background()

	_ = b.Publish(ctx, ev("before")) // published before Subscribe: nobody gets it
	var chans []<-chan Event
	for range 3 {
		ch, cancel := b.Subscribe(ctx)
		defer cancel()
		chans = append(chans, ch)
	}
	for i := range 5 {
		if err := b.Publish(ctx, ev(fmt.Sprintf("c%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	for n, ch := range chans {
		for i := range 5 {
			e := recv(t, ch, "c", time.Second)
			if want := fmt.Sprintf("c%d", i); e.CaseID != want {
				t.Fatalf("subscriber %d: got %q, want %q (in order)", n, e.CaseID, want)
			}
			if e.At.IsZero() || e.Topic != "case.transition" || e.UnitID != "unit-1" {
				t.Fatalf("subscriber %d: bad event %+v", n, e)
			}
		}
		if len(ch) != 0 {
			t.Fatalf("subscriber %d: %d extra events", n, len(ch))
		}
	}
}

func TestLocalCancelClosesChannel(t *testing.T) {
	b := NewLocal()
	defer b.Close()

	ch, cancel := b.Subscribe(context.Background())
	other, cancelOther := b.Subscribe(context.Background())
	defer cancelOther()
	cancel()
	closedWithin(t, ch, time.Second)
	cancel() // twice is fine
	if err := b.Publish(context.Background(), ev("after-cancel")); err != nil {
		t.Fatal(err)
	}
	recv(t, other, "after-cancel", time.Second)

	ctx, stop := context.WithCancel(context.Background())
	ch2, cancel2 := b.Subscribe(ctx)
	defer cancel2()
	stop()
	closedWithin(t, ch2, time.Second)

	ch3, cancel3 := b.Subscribe(ctx) // already ended
	defer cancel3()
	closedWithin(t, ch3, time.Second)
}

func TestLocalClose(t *testing.T) {
	b := NewLocal()
	ch, cancel := b.Subscribe(context.Background())
	defer cancel()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	closedWithin(t, ch, time.Second)
	if err := b.Publish(context.Background(), ev("x")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Publish after Close: %v, want ErrClosed", err)
	}
	ch2, cancel2 := b.Subscribe(context.Background())
	defer cancel2()
	closedWithin(t, ch2, time.Second)
	_ = b.Close()
}

func TestLocalSlowSubscriberDoesNotBlock(t *testing.T) {
	b := NewLocal()
	defer b.Close()
	ctx := context.Background()
	slow, cancelSlow := b.Subscribe(ctx) // never read until the end
	defer cancelSlow()
	fast, cancelFast := b.Subscribe(ctx)
	defer cancelFast()

	const n = SubscriberBuffer * 4
	done := make(chan error, 1)
	go func() {
		for i := range n {
			if err := b.Publish(ctx, ev(fmt.Sprintf("s%05d", i))); err != nil {
				done <- err
				return
			}
			// the fast subscriber keeps getting every event while the slow one is full
			if e := <-fast; e.CaseID != fmt.Sprintf("s%05d", i) {
				done <- fmt.Errorf("fast subscriber got %q at %d", e.CaseID, i)
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("publisher blocked by a slow subscriber")
	}

	if got, want := b.Dropped(), uint64(n-SubscriberBuffer); got != want {
		t.Fatalf("Dropped = %d, want %d", got, want)
	}
	// drop oldest: the slow subscriber holds the newest SubscriberBuffer events, in order
	for i := n - SubscriberBuffer; i < n; i++ {
		if e := <-slow; e.CaseID != fmt.Sprintf("s%05d", i) {
			t.Fatalf("slow subscriber got %q, want s%05d", e.CaseID, i)
		}
	}
	if len(slow) != 0 {
		t.Fatalf("slow subscriber has %d extra events", len(slow))
	}
}

func TestTooLarge(t *testing.T) {
	b := NewLocal()
	defer b.Close()
	e := ev("big")
	e.Kind = strings.Repeat("x", MaxPayload)
	if err := b.Publish(context.Background(), e); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Publish of a too large event: %v, want ErrTooLarge", err)
	}
	e = exactly(t, MaxPayload)
	if err := b.Publish(context.Background(), e); err != nil {
		t.Fatalf("Publish of a %d-byte event: %v", MaxPayload, err)
	}
}

// exactly returns an event whose JSON is n bytes long.
func exactly(t *testing.T, n int) Event {
	t.Helper()
	e := ev("exact")
	e.At = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	e.Kind += strings.Repeat("k", n-len(b))
	if b, _ = json.Marshal(e); len(b) != n {
		t.Fatalf("built %d bytes, want %d", len(b), n)
	}
	return e
}

func TestNewPostgresFailsWithoutServer(t *testing.T) {
	db, err := sql.Open("postgres", "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	p, err := NewPostgres("postgres://postgres@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2", db, nil)
	if err == nil {
		p.Close()
		t.Fatal("NewPostgres succeeded with no server")
	}
	t.Logf("NewPostgres failed after %s: %v", time.Since(start).Round(time.Millisecond), err)
}

// --- PostgreSQL -----------------------------------------------------------------------------

// syncBuffer collects log output from the listener's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func testDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("LIEMCHINH_TEST_DATABASE_URL")
	if dsn == "" {
		t.Skip("LIEMCHINH_TEST_DATABASE_URL not set")
	}
	return dsn
}

// withAppName sets application_name in a URL or key=value DSN, to find the listener's backend.
func withAppName(t *testing.T, dsn, name string) string {
	t.Helper()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("application_name", name)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " application_name=" + name
}

// proc is what one server process has: its own pool and its own broker (listener).
type proc struct {
	db  *sql.DB
	b   *Postgres
	log *syncBuffer
}

func newProc(t *testing.T, dsn, listenerDSN string) *proc {
	t.Helper()
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Ping(); err != nil {
		t.Fatalf("ping %s: %v", dsn, err)
	}
	logs := &syncBuffer{}
	b, err := NewPostgres(listenerDSN, db, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return &proc{db: db, b: b, log: logs}
}

// runID makes the CaseIDs of one test run unique on the shared channel.
func runID(t *testing.T) string {
	return fmt.Sprintf("%s-%d-%d-", t.Name(), os.Getpid(), time.Now().UnixNano())
}

func TestPostgresAcrossProcesses(t *testing.T) {
	dsn := testDSN(t)
	a, b := newProc(t, dsn, dsn), newProc(t, dsn, dsn)
	ctx := context.Background()
	subB, cancelB := b.b.Subscribe(ctx)
	defer cancelB()
	subA, cancelA := a.b.Subscribe(ctx)
	defer cancelA()
	id := runID(t)

	var delays []time.Duration
	for i := range 20 {
		want := ev(fmt.Sprintf("%s%02d", id, i))
		want.At = time.Now().UTC()
		start := time.Now()
		if err := a.b.Publish(ctx, want); err != nil {
			t.Fatal(err)
		}
		got := recv(t, subB, want.CaseID, waitFor)
		delays = append(delays, time.Since(start))
		if !got.At.Equal(want.At) {
			t.Fatalf("At: got %v, want %v", got.At, want.At)
		}
		got.At = want.At
		if got != want {
			t.Fatalf("got %+v, want %+v", got, want)
		}
		// the publishing process's own subscribers get it too, once, through the database
		recv(t, subA, want.CaseID, waitFor)
	}
	sentinel(t, a.b, id, id+"end", subA, subB) // and each only once

	slices.Sort(delays)
	t.Logf("publish on A -> receive on B, 20 events: median %s (min %s, max %s)",
		(delays[9]+delays[10])/2, delays[0], delays[19])
}

func TestPostgresTransaction(t *testing.T) {
	dsn := testDSN(t)
	a, b := newProc(t, dsn, dsn), newProc(t, dsn, dsn)
	ctx := context.Background()
	subB, cancelB := b.b.Subscribe(ctx)
	defer cancelB()
	subA, cancelA := a.b.Subscribe(ctx)
	defer cancelA()
	id := runID(t)

	// rolled back: never delivered
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.b.PublishTx(ctx, tx, ev(id+"rolledback")); err != nil {
		t.Fatal(err)
	}
	sentinel(t, a.b, id, id+"open1", subA, subB)
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}

	// committed: delivered at commit, not before
	tx, err = a.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.b.PublishTx(ctx, tx, ev(id+"committed")); err != nil {
		t.Fatal(err)
	}
	sentinel(t, a.b, id, id+"open2", subA, subB) // and the rolled-back one never came
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if e := recv(t, subB, id, waitFor); e.CaseID != id+"committed" {
		t.Fatalf("B got %q first, want the committed event", e.CaseID)
	}
	if e := recv(t, subA, id, waitFor); e.CaseID != id+"committed" {
		t.Fatalf("A got %q first, want the committed event", e.CaseID)
	}
	sentinel(t, a.b, id, id+"end", subA, subB) // and only once
}

func TestPostgresPayloadLimit(t *testing.T) {
	dsn := testDSN(t)
	a, b := newProc(t, dsn, dsn), newProc(t, dsn, dsn)
	ctx := context.Background()
	sub, cancel := b.b.Subscribe(ctx)
	defer cancel()

	// PostgreSQL itself refuses 8000 bytes: the limit is real.
	if _, err := a.db.ExecContext(ctx, notifySQL, strings.Repeat("x", 8000)); err == nil {
		t.Fatal("PostgreSQL accepted an 8000-byte payload")
	} else {
		t.Logf("PostgreSQL refuses 8000 bytes: %v", err)
	}
	big := exactly(t, MaxPayload+1)
	if err := a.b.Publish(ctx, big); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Publish of %d bytes: %v, want ErrTooLarge", MaxPayload+1, err)
	}
	e := exactly(t, MaxPayload)
	e.CaseID = runID(t)
	e.Kind = e.Kind[:len(e.Kind)-(len(e.CaseID)-len("exact"))]
	if j, _ := json.Marshal(e); len(j) != MaxPayload {
		t.Fatalf("built %d bytes, want %d", len(j), MaxPayload)
	}
	if err := a.b.Publish(ctx, e); err != nil {
		t.Fatalf("Publish of %d bytes: %v", MaxPayload, err)
	}
	if got := recv(t, sub, e.CaseID, waitFor); got.Kind != e.Kind {
		t.Fatal("largest event altered in transit")
	}
}

func TestPostgresReconnect(t *testing.T) {
	dsn := testDSN(t)
	app := fmt.Sprintf("liemchinh_events_test_%d", time.Now().UnixNano())
	a := newProc(t, dsn, withAppName(t, dsn, app)) // listener findable by application_name
	b := newProc(t, dsn, dsn)
	ctx := context.Background()
	sub, cancel := a.b.Subscribe(ctx)
	defer cancel()
	id := runID(t)

	var killed int
	err := b.db.QueryRowContext(ctx,
		`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&killed)
	if err != nil {
		t.Skipf("cannot terminate the listener's backend: %v", err)
	}
	if killed != 1 {
		t.Fatalf("terminated %d backends, want the listener's 1", killed)
	}

	// keep publishing until one arrives through the re-established listener
	start := time.Now()
	deadline := start.Add(20 * time.Second)
	for i := 0; ; i++ {
		if time.Now().After(deadline) {
			t.Fatalf("no event after the listener's connection was killed; log:\n%s", a.log)
		}
		if err := b.b.Publish(ctx, ev(fmt.Sprintf("%s%03d", id, i))); err != nil {
			t.Fatal(err)
		}
		timer := time.NewTimer(200 * time.Millisecond)
		select {
		case e, ok := <-sub:
			timer.Stop()
			if !ok {
				t.Fatal("subscriber's channel closed by a reconnection")
			}
			if !strings.HasPrefix(e.CaseID, id) {
				continue
			}
			t.Logf("events flow again %s after the listener's backend was killed", time.Since(start).Round(time.Millisecond))
			logs := a.log.String()
			if !strings.Contains(logs, "disconnected") || !strings.Contains(logs, "reconnected") {
				t.Fatalf("disconnection and reconnection not logged:\n%s", logs)
			}
			return
		case <-timer.C:
		}
	}
}

func TestPostgresClose(t *testing.T) {
	dsn := testDSN(t)
	a := newProc(t, dsn, dsn)
	ch, cancel := a.b.Subscribe(context.Background())
	defer cancel()
	if err := a.b.Close(); err != nil {
		t.Fatal(err)
	}
	closedWithin(t, ch, time.Second)
	if err := a.b.Publish(context.Background(), ev("x")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Publish after Close: %v, want ErrClosed", err)
	}
	ch2, cancel2 := a.b.Subscribe(context.Background())
	defer cancel2()
	closedWithin(t, ch2, time.Second)
	if err := a.b.Close(); err != nil {
		t.Fatal(err)
	}
}
