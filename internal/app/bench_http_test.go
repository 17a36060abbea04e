package app_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/liemchinh/liemchinh/internal/app"
)

// fakeGraphQL answers every POST with body, and counts requests.
func fakeGraphQL(t *testing.T, body string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestBenchHTTPReport runs `bench http --interleave` between two fake servers: the payloads are
// compared before any timing, the rounds alternate A B A B, and medians and the ratio are printed.
func TestBenchHTTPReport(t *testing.T) {
	a := fakeGraphQL(t, `{"data":{"provinces":{"totalCount":1,"edges":[{"node":{"id":"p1","name":"X","year":2024}}]}}}`)
	b := fakeGraphQL(t, `{"data":{"allProvinces":{"totalCount":1,"nodes":[{"nodeId":"WyJ","id":"p1","year":"2024","name":"X"}]}}}`)
	other := fakeGraphQL(t, `{"data":{"allProvinces":{"totalCount":1,"nodes":[{"id":"p2","year":"2024","name":"X"}]}}}`)
	broken := fakeGraphQL(t, `{"errors":[{"message":"no"}]}`)
	common := []string{"bench", "http", "--query-text", "{ x }", "--query-text2", "{ y }", "--clients", "2",
		"--duration", "100ms", "--warmup", "0s", "--rounds", "2"}
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := app.Run(context.Background(), append(append([]string{}, common...), args...), env(), &out, io.Discard)
		return out.String(), err
	}

	out, err := run("--url", a.URL, "--interleave", b.URL)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"payload 1 nodes, 1 totalCounts", "payloads: equal", "median A:", "median B:", "ratio A/B: req/s"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	rounds := regexp.MustCompile(`(?m)^round (\d) ([AB]): ([\d.]+) req/s .* errors (\d+) .*\(([\d]+) B/request\), drained in \S+$`).FindAllStringSubmatch(out, -1)
	var order []string
	for _, r := range rounds {
		order = append(order, r[1]+r[2])
		if rps, _ := strconv.ParseFloat(r[3], 64); rps <= 0 || r[4] != "0" || r[5] == "0" {
			t.Errorf("round %s %s: %s req/s, %s errors, %s B/request", r[1], r[2], r[3], r[4], r[5])
		}
	}
	if got := strings.Join(order, " "); got != "1A 1B 2A 2B" {
		t.Fatalf("rounds %q, want 1A 1B 2A 2B in:\n%s", got, out)
	}

	if out, err := run("--url", a.URL, "--interleave", other.URL); err == nil || !strings.Contains(out, "payloads: DIFFERENT") || strings.Contains(out, "round 1") {
		t.Fatalf("different payloads were timed: %v\n%s", err, out)
	}
	if out, err := run("--url", a.URL, "--interleave", other.URL, "--allow-different"); err != nil || !strings.Contains(out, "round 2 B") {
		t.Fatalf("--allow-different: %v\n%s", err, out)
	}
	if out, err := run("--url", broken.URL); err == nil || !strings.Contains(err.Error(), "errors") {
		t.Fatalf("a server answering GraphQL errors was timed: %v\n%s", err, out)
	}
}

func TestBenchHTTPFlags(t *testing.T) {
	q := t.TempDir() + "/q.graphql"
	if err := os.WriteFile(q, []byte("{ x }"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--query", q}, "URL"},
		{[]string{"--url", "http://x"}, "exactly one of --query"},
		{[]string{"--url", "http://x", "--query", q, "--query-text", "{ y }"}, "exactly one of --query"},
		{[]string{"--url", "http://x", "--query", q, "--token", "t", "--login", "l", "--password", "p"}, "not both"},
		{[]string{"--url", "http://x", "--query", q, "--login", "l"}, "go together"},
		{[]string{"--url", "http://x", "--query", q, "--variables", "[1]"}, "not a JSON object"},
		{[]string{"--url", "http://x", "--query", q, "--interleave", "http://y"}, "--query2"},
		{[]string{"--url", "http://x", "--query", q, "--clients", "0"}, "--clients"},
		{[]string{"--url", "http://x", "--query", t.TempDir() + "/missing"}, "no such file"},
	} {
		err := app.Run(context.Background(), append([]string{"bench", "http"}, c.args...), env(), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error with %q", c.args, err, c.want)
		}
	}
}

// TestBenchHTTPAgainstServer starts our server on the demo data (SQLite, and PostgreSQL when
// configured) and runs `bench http` on it through HTTP with the repository's queries: the public
// tree without a token, and the nested read signed in as the province supervisor interleaved with
// itself (a second target with its own sign-in). Without a token the nested read is refused, and
// bench http must say so rather than time it.
func TestBenchHTTPAgainstServer(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the demo")
	}
	urls := map[string]string{"sqlite": "sqlite:" + t.TempDir() + "/bench.db"}
	if base := os.Getenv("LIEMCHINH_TEST_DATABASE_URL"); base != "" {
		urls["postgres"] = freshDatabase(t, base)
	}
	for name, dbURL := range urls {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			stderr := &syncBuffer{}
			done := make(chan error, 1)
			go func() {
				done <- app.Run(ctx, []string{"serve"}, env("DATABASE_URL", dbURL, "LISTEN_ADDR", "127.0.0.1:0",
					"APP_ENV", "test", "BLOB_DIR", t.TempDir(), "COMPLEXITY_BUDGET_PER_MINUTE", "0"), io.Discard, stderr)
			}()
			t.Cleanup(func() { cancel(); <-done })
			endpoint := "http://" + waitForListening(t, stderr, done) + "/query"
			bench := func(args ...string) (string, error) {
				var out bytes.Buffer
				err := app.Run(context.Background(), append([]string{"bench", "http", "--url", endpoint, "--clients", "4",
					"--duration", "500ms", "--warmup", "100ms"}, args...), env(), &out, io.Discard)
				return out.String(), err
			}

			out, err := bench("--query", "benchdata/ours-public-tree.graphql")
			if err != nil {
				t.Fatalf("public tree: %v\n%s", err, out)
			}
			if !strings.Contains(out, "payload 190 nodes, 11 totalCounts") || !regexp.MustCompile(`round 1 A: [1-9][\d.]* req/s .* errors 0 `).MatchString(out) {
				t.Fatalf("public tree: want 190 nodes and 0 errors:\n%s", out)
			}

			out, err = bench("--query", "benchdata/ours-nested.graphql", "--login", "province.supervisor", "--password", "liemchinh-demo",
				"--interleave", endpoint, "--query2", "benchdata/ours-nested.graphql", "--login2", "province.supervisor",
				"--password2", "liemchinh-demo", "--rounds", "1")
			if err != nil {
				t.Fatalf("nested: %v\n%s", err, out)
			}
			for _, want := range []string{"payloads: equal", "round 1 B:", "ratio A/B"} {
				if !strings.Contains(out, want) {
					t.Fatalf("nested: no %q in:\n%s", want, out)
				}
			}
			if m := regexp.MustCompile(`payload (\d+) nodes`).FindStringSubmatch(out); m == nil || m[1] == "0" {
				t.Fatalf("nested: no nodes:\n%s", out)
			}

			if out, err := bench("--query", "benchdata/ours-nested.graphql"); err == nil || !strings.Contains(err.Error(), "UNAUTHENTICATED") {
				t.Fatalf("nested without a token: %v\n%s", err, out)
			}
			t.Log(out)
		})
	}
}
