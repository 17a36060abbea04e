package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"os"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/internal/app"
	"github.com/liemchinh/liemchinh/internal/config"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine writing and the test reading.
type syncBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{} // closed at the next write
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// next returns what was written so far and a channel closed at the next write.
func (s *syncBuffer) next() (string, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.changed == nil {
		s.changed = make(chan struct{})
	}
	return s.b.String(), s.changed
}

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// readmeQueries returns the GraphQL blocks of the README, so the README stays true.
func readmeQueries(t *testing.T) []string {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range regexp.MustCompile("(?s)```graphql\n(.*?)```").FindAllSubmatch(b, -1) {
		out = append(out, string(m[1]))
	}
	if len(out) != 3 {
		t.Fatalf("README has %d graphql blocks, want 3 (public query, login, signed-in query)", len(out))
	}
	return out
}

func post(t *testing.T, base, query, token string) []byte {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req, _ := http.NewRequest(http.MethodPost, base+"/query", bytes.NewReader(body))
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
	return raw
}

// TestServeFreshDatabase runs the command as a newcomer does: no configuration but a fresh
// database path, then waits for /readyz, runs the README's query and shuts down gracefully.
func TestServeFreshDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the whole demo")
	}
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := &syncBuffer{}
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		done <- app.Run(ctx, nil, env("DATABASE_URL", "sqlite:"+dir+"/liemchinh.db", "LISTEN_ADDR", "127.0.0.1:0"),
			io.Discard, stderr)
	}()
	addr := waitForListening(t, stderr, done)
	base := "http://" + addr
	ready := time.Since(start)
	// Without GOMEMLIMIT and GOGC the server puts its own soft limit on the heap and its own
	// collector target (then put back for the other tests of this process).
	if got := debug.SetMemoryLimit(math.MaxInt64); got != config.DefaultHeapLimit {
		t.Errorf("heap limit %d, want %d", got, config.DefaultHeapLimit)
	}
	if got := debug.SetGCPercent(100); got != config.DefaultGCPercent {
		t.Errorf("GC percent %d, want %d", got, config.DefaultGCPercent)
	}
	resp, err := http.Get(base + "/readyz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("readyz: %v %v", resp, err)
	}
	resp.Body.Close()
	t.Logf("fresh embedded database: ready in %s", ready.Round(time.Millisecond))

	queries := readmeQueries(t)
	raw := post(t, base, queries[0], "")
	var public struct {
		Data struct {
			Provinces struct {
				Edges []struct {
					Node struct {
						Code      string
						Successor *struct{ Code string }
						Districts struct {
							TotalCount int
							Edges      []struct {
								Node struct{ Units struct{ TotalCount int } }
							}
						}
					}
				}
			}
		}
		Errors []any
	}
	if err := json.Unmarshal(raw, &public); err != nil || len(public.Errors) > 0 {
		t.Fatalf("README public query: %v %s", err, raw)
	}
	edges := public.Data.Provinces.Edges
	if len(edges) != 1 || edges[0].Node.Code != "83" || edges[0].Node.Successor == nil || edges[0].Node.Successor.Code != "86" {
		t.Fatalf("README query did not find Bến Tre merged into Vĩnh Long: %s", raw)
	}
	if d := edges[0].Node.Districts; d.TotalCount != 9 || len(d.Edges) != 3 || d.Edges[0].Node.Units.TotalCount == 0 {
		t.Fatalf("Bến Tre's districts and units: %s", raw)
	}

	var login struct {
		Data struct {
			Login struct {
				AccessToken string
				UserErrors  []any
			}
		}
	}
	raw = post(t, base, queries[1], "")
	if err := json.Unmarshal(raw, &login); err != nil || login.Data.Login.AccessToken == "" {
		t.Fatalf("README login: %v %s", err, raw)
	}
	raw = post(t, base, queries[2], login.Data.Login.AccessToken)
	var signed struct {
		Data struct {
			Viewer struct {
				Role          string
				ScopeProvince struct{ Name string }
			}
			Provinces struct {
				Edges []struct {
					Node struct {
						Districts struct {
							Edges []struct {
								Node struct {
									Units struct {
										Edges []struct {
											Node struct{ Officials struct{ TotalCount int } }
										}
									}
								}
							}
						}
					}
				}
			}
		}
		Errors []any
	}
	if err := json.Unmarshal(raw, &signed); err != nil || len(signed.Errors) > 0 {
		t.Fatalf("README signed-in query: %v %s", err, raw)
	}
	if signed.Data.Viewer.Role != "SUPERVISOR" || !strings.Contains(signed.Data.Viewer.ScopeProvince.Name, "Bến Tre") {
		t.Fatalf("viewer: %s", raw)
	}
	officials := 0
	for _, d := range signed.Data.Provinces.Edges[0].Node.Districts.Edges {
		for _, u := range d.Node.Units.Edges {
			officials += u.Node.Officials.TotalCount
		}
	}
	if officials == 0 {
		t.Fatalf("the supervisor sees no officials: %s", raw)
	}
	if raw := post(t, base, `{ officials(first: 1) { totalCount } }`, ""); !strings.Contains(string(raw), "UNAUTHENTICATED") {
		t.Fatalf("officials answered without a token: %s", raw)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop on cancel")
	}
	if !strings.Contains(stderr.String(), `"msg":"shutting down"`) {
		t.Fatalf("no graceful shutdown logged:\n%s", stderr.String())
	}
}

// serveEmbedded runs serve on a new embedded database without demo data (and the settings kv
// adds) until the test ends or cancel is called; it returns once the server listens.
func serveEmbedded(t *testing.T, kv ...string) (base string, stderr *syncBuffer, done chan error, cancel func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	stderr, done = &syncBuffer{}, make(chan error, 1)
	getenv := env(append([]string{"DATABASE_URL", "sqlite:" + t.TempDir() + "/liemchinh.db", "LISTEN_ADDR", "127.0.0.1:0",
		"SEED_DEMO", "false"}, kv...)...)
	go func() { done <- app.Run(ctx, nil, getenv, io.Discard, stderr) }()
	return "http://" + waitForListening(t, stderr, done), stderr, done, cancel
}

// waitForListening returns the address serve logs once it listens, reading stderr at each write.
func waitForListening(t *testing.T, stderr *syncBuffer, done chan error) string {
	t.Helper()
	return waitForAddr(t, stderr, done, "listening")
}

// waitForAddr returns the address of the first log line with message msg.
func waitForAddr(t *testing.T, stderr *syncBuffer, done chan error, msg string) string {
	t.Helper()
	timeout := time.NewTimer(2 * time.Minute)
	defer timeout.Stop()
	for {
		logged, changed := stderr.next()
		sc := bufio.NewScanner(strings.NewReader(logged))
		for sc.Scan() {
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == msg {
				return line.Addr
			}
		}
		select {
		case err := <-done:
			t.Fatalf("serve stopped: %v\n%s", err, stderr.String())
		case <-changed:
		case <-timeout.C:
			t.Fatalf("server never listened:\n%s", stderr.String())
		}
	}
}

func TestCommands(t *testing.T) {
	const ownDB = "<the subtest's own database>" // each subtest starts from an empty one
	tests := []struct {
		name    string
		args    []string
		env     []string // variables and values; ownDB stands for a new SQLite database
		before  []string // a command run first, that must succeed
		wantErr string
		wantOut string
	}{
		{"help", []string{"help"}, nil, nil, "", "DATABASE_URL"},
		{"unknown command", []string{"frobnicate"}, []string{"DATABASE_URL", ownDB}, nil, "unknown command", ""},
		{"bad configuration", []string{"migrate"}, []string{"APP_ENV", "nowhere"}, nil, "APP_ENV", ""},
		{"migrate", []string{"migrate"}, []string{"DATABASE_URL", ownDB}, nil, "", ""},
		{"seed needs a kind", []string{"seed"}, []string{"DATABASE_URL", ownDB}, nil, "exactly one", ""},
		{"seed reference", []string{"seed", "--reference"}, []string{"DATABASE_URL", ownDB}, nil, "", "Provinces:86"},
		{"seed reference again", []string{"seed", "--reference"}, []string{"DATABASE_URL", ownDB}, []string{"seed", "--reference"}, "", "Provinces:0"},
		{"demo refused in production", []string{"seed", "--demo"}, []string{"APP_ENV", "production",
			"DATABASE_URL", "postgres://127.0.0.1:1/x", "REPORTER_KEY", "c2VjcmV0LWtleS1mb3ItcHJvZHVjdGlvbi11c2UtMzI=",
			"TOKEN_KEY", "dG9rZW4ta2V5LWZvci1wcm9kdWN0aW9uLXVzZS0zMmI=", "RECEIPT_KEY", "cmVjZWlwdC1rZXktZm9yLXByb2R1Y3Rpb24tdXNlLTE=",
			"BLOB_KEY", "YmxvYi1rZXktZm9yLXByb2R1Y3Rpb24tdXNlLTMyYiE="}, nil, "refuses", ""},
		{"progress rebuild", []string{"progress", "rebuild"}, []string{"DATABASE_URL", ownDB}, nil, "", "progress counters rebuilt in"},
		{"progress needs rebuild", []string{"progress"}, []string{"DATABASE_URL", ownDB}, nil, "usage: progress rebuild", ""},
		{"serve takes no arguments", []string{"serve", "extra"}, []string{"DATABASE_URL", ownDB}, nil, "no arguments", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kv := slices.Clone(tt.env)
			for i, v := range kv {
				if v == ownDB {
					kv[i] = "sqlite:" + t.TempDir() + "/x.db"
				}
			}
			getenv := env(kv...)
			if tt.before != nil {
				if err := app.Run(context.Background(), tt.before, getenv, io.Discard, io.Discard); err != nil {
					t.Fatalf("%v: %v", tt.before, err)
				}
			}
			var out bytes.Buffer
			err := app.Run(context.Background(), tt.args, getenv, &out, io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Fatalf("output %q does not contain %q", out.String(), tt.wantOut)
			}
		})
	}
}

// TestShutdownDrains: from the moment shutdown begins, /readyz answers 503 "shutting down" while
// requests are still served for SHUTDOWN_DRAIN; then the server stops.
func TestShutdownDrains(t *testing.T) {
	base, stderr, done, cancel := serveEmbedded(t, "SHUTDOWN_DRAIN", "5s")
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s while draining: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("/readyz"); code != http.StatusOK {
		t.Fatalf("readyz before shutdown: %d", code)
	}
	cancel()
	// The log line is written once draining has begun (after /readyz turned).
	for {
		logged, changed := stderr.next()
		if strings.Contains(logged, `"msg":"shutting down"`) {
			break
		}
		select {
		case <-changed:
		case err := <-done:
			t.Fatalf("serve stopped before draining: %v", err)
		case <-time.After(20 * time.Second):
			t.Fatal("no shutdown logged")
		}
	}
	if code, body := get("/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "shutting down") {
		t.Errorf("readyz while draining: %d %q", code, body)
	}
	if code, _ := get("/healthz"); code != http.StatusOK {
		t.Errorf("a request while draining: %d", code)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after draining: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("serve did not stop after draining")
	}
}

// TestMetrics: with METRICS_ADDR, a second listener serves Prometheus metrics: operations by name,
// type and outcome with their latency, HTTP requests by route, the database pool; the public
// port does not serve them.
func TestMetrics(t *testing.T) {
	base, stderr, done, _ := serveEmbedded(t, "METRICS_ADDR", "127.0.0.1:0")
	metricsURL := "http://" + waitForAddr(t, stderr, done, "metrics listening") + "/metrics"
	post(t, base, `query Provinces { provinces(first: 1) { totalCount } }`, "")
	post(t, base, `query Provinces { provinces(first: 1) { totalCount } }`, "")
	post(t, base, `query Officials { officials(first: 1) { totalCount } }`, "")
	if resp, err := http.Get(base + "/metrics"); err != nil || resp.StatusCode == http.StatusOK {
		t.Errorf("the public port serves /metrics: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	resp, err := http.Get(metricsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	text := string(b)
	for _, want := range []string{
		`liemchinh_graphql_operations_total{operation="Provinces",outcome="ok",type="query"} 2`,
		`liemchinh_graphql_operations_total{operation="Officials",outcome="UNAUTHENTICATED",type="query"} 1`,
		`liemchinh_graphql_operation_duration_seconds_count{operation="Provinces",type="query"} 2`,
		`liemchinh_http_requests_total{route="/query",status="200"}`,
		`liemchinh_http_requests_total{route="other",status="404"} 1`,
		`liemchinh_websocket_connections 0`,
		`liemchinh_graphql_subscriptions 0`,
		`go_sql_max_open_connections{db_name="liemchinh"}`,
		`liemchinh_graphql_complexity_count 3`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", text)
	}
}

// TestAccountsProvisionCommand: `accounts provision` works a run over an imported roster from the
// command line, batch by batch; run again it creates nothing.
func TestAccountsProvisionCommand(t *testing.T) {
	dir := t.TempDir()
	getenv := env("DATABASE_URL", "sqlite:"+dir+"/x.db", "BLOB_DIR", dir+"/blobs")
	file := dir + "/roster.csv"
	for _, args := range [][]string{{"roster", "generate", "--out", file, "--rows", "2500", "--units", "3"},
		{"import", "roster", file, "--scope", "province-code:R1"}} {
		if err := app.Run(context.Background(), args, getenv, io.Discard, io.Discard); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	for _, want := range []string{"created 2500, skipped 0 (login taken), codes sent 0, sheets 3", "created 0, skipped 0 (login taken), codes sent 0, sheets 0"} {
		var out bytes.Buffer
		if err := app.Run(context.Background(), []string{"accounts", "provision", "--scope", "province-code:R1", "--delivery", "SHEET"}, getenv, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), want) || !strings.Contains(out.String(), ": DONE in") {
			t.Fatalf("output %q, want %q", out.String(), want)
		}
	}
	if err := app.Run(context.Background(), []string{"accounts", "provision", "--scope", "nation:x"}, getenv, io.Discard, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "usage: accounts provision") {
		t.Fatalf("bad scope: %v", err)
	}
}
