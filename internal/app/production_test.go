package app_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/liemchinh/liemchinh/internal/app"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// TestProductionSettings starts the command as production does (APP_ENV=production, PostgreSQL,
// keys of its own) and shows what production turns off: introspection (a coded refusal, not an
// internal error), suggestions, GraphiQL, and demo data, with no ERROR line in its log.
func TestProductionSettings(t *testing.T) {
	if os.Getenv(testutil.EnvPostgres) == "" {
		t.Skip("production runs on PostgreSQL only: set " + testutil.EnvPostgres + " to run this test")
	}
	db := testutil.Open(t, dialect.Postgres)
	key := func() string {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		return base64.StdEncoding.EncodeToString(b)
	}
	vars := []string{"APP_ENV", "production", "DATABASE_URL", db.URL, "LISTEN_ADDR", "127.0.0.1:0",
		"REPORTER_KEY", key(), "TOKEN_KEY", key(), "RECEIPT_KEY", key(), "BLOB_KEY", key(), "LOG_LEVEL", "debug", "BLOB_DIR", t.TempDir()}

	for _, tt := range []struct {
		name string
		args []string
		env  []string
		want string
	}{
		{"seed --demo", []string{"seed", "--demo"}, nil, "seed --demo refuses to run with APP_ENV=production"},
		{"SEED_DEMO", nil, []string{"SEED_DEMO", "true"}, "production refuses SEED_DEMO=true"},
	} {
		err := app.Run(context.Background(), tt.args, env(append(append([]string{}, vars...), tt.env...)...), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Fatalf("%s in production: %v, want %q", tt.name, err, tt.want)
		}
	}
	if n := db.Client.Campaign.Query().CountX(context.Background()); n != 0 {
		t.Fatalf("%d campaigns: demo data loaded in production", n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx, nil, env(vars...), io.Discard, stderr) }()
	base := "http://" + waitForListening(t, stderr, done)

	query := func(q, lang string) (int, gqlAnswer) {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"query": q})
		req, _ := http.NewRequest(http.MethodPost, base+"/query", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept-Language", lang)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out gqlAnswer
		raw, _ := io.ReadAll(resp.Body)
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s: not JSON: %s", q, raw)
		}
		out.raw = string(raw)
		return resp.StatusCode, out
	}

	if _, r := query(`{ provinces { totalCount } }`, "vi"); len(r.Errors) > 0 {
		t.Fatalf("an ordinary query failed: %s", r.raw)
	}
	for _, q := range []string{
		`{ __schema { queryType { name } } }`,
		`{ __type(name: "Case") { fields { name } } }`,
		`query { ...F } fragment F on Query { __schema { types { name } } }`,
	} {
		for lang, want := range map[string]string{"vi": "đã tắt introspection", "en": "Introspection (__schema, __type) is turned off"} {
			status, r := query(q, lang)
			if status != http.StatusOK || r.code() != "FORBIDDEN" || !strings.Contains(r.Errors[0].Message, want) || r.Data != nil {
				t.Fatalf("introspection %s (%s): %d %s, want FORBIDDEN %q", q, lang, status, r.raw, want)
			}
		}
	}
	if _, r := query(`{ __typename }`, "vi"); len(r.Errors) > 0 {
		t.Fatalf("__typename refused: %s", r.raw)
	}
	for _, q := range []string{
		`{ provincez { totalCount } }`,                                         // a field
		`{ provinces(firts: 1) { totalCount } }`,                               // an argument
		`query($w: ProvinceWhereInpt) { provinces(where: $w) { totalCount } }`, // a type
		`{ provinces(orderBy: {field: NAMEE}) { totalCount } }`,                // an enum value
		`{ provinces }`, // a selection
	} {
		_, r := query(q, "en")
		if len(r.Errors) == 0 || strings.Contains(r.raw, "Did you mean") || strings.Contains(r.raw, "suggest") {
			t.Fatalf("%s: %s, want an error without suggestions", q, r.raw)
		}
	}
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || bytes.Contains(bytes.ToLower(page), []byte("graphiql")) {
		t.Fatalf("GET / in production: %d %.200s, want 404 without GraphiQL", resp.StatusCode, page)
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
	debug := 0
	sc := bufio.NewScanner(strings.NewReader(stderr.String()))
	for sc.Scan() {
		var line struct{ Level, Msg string }
		_ = json.Unmarshal(sc.Bytes(), &line)
		switch line.Level {
		case "ERROR", "WARN":
			t.Errorf("logged %s", sc.Text())
		case "DEBUG":
			debug++
		}
	}
	if debug == 0 {
		t.Fatalf("no debug line: the log was not captured at LOG_LEVEL=debug:\n%s", stderr.String())
	}
}

type gqlAnswer struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string
		Extensions map[string]any
	}
	raw string
}

func (a gqlAnswer) code() string {
	if len(a.Errors) == 0 {
		return ""
	}
	c, _ := a.Errors[0].Extensions["code"].(string)
	return c
}
