package testutil

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/internal/auth"
	"github.com/liemchinh/liemchinh/internal/config"
	"github.com/liemchinh/liemchinh/internal/server"
)

// Config returns the configuration tests run the server with (APP_ENV=test) after applying env.
func Config(tb testing.TB, env map[string]string) config.Config {
	tb.Helper()
	cfg, err := config.Load(func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		if k == "APP_ENV" {
			return config.EnvTest
		}
		if k == "COMPLEXITY_BUDGET_PER_MINUTE" {
			return "0" // tests asking many times as one account; the budget's own tests turn it on
		}
		return ""
	})
	if err != nil {
		tb.Fatal(err)
	}
	return cfg
}

// API calls the real HTTP handler of the product in process.
type API struct {
	Handler http.Handler
	Logs    *bytes.Buffer
	token   string
	seen    *responses
	signer  *auth.Signer
	// Auth is the server's sign-in service (its account cache, for tests that await invalidations).
	Auth *auth.Service
	// Reference is the server's public reference cache (nil when off), for the same purpose.
	Reference server.Watched
	// Metrics serves the server's Prometheus metrics (what METRICS_ADDR serves).
	Metrics http.Handler
	// Close shuts the server's dependencies down as the serve command does (the job queue drains
	// within JOBS_DRAIN, then hands running jobs back); once, also at the test's end.
	Close func()
}

// NewAPI builds the product's handler over db with the given configuration.
func NewAPI(tb testing.TB, db *DB, cfg config.Config) *API {
	tb.Helper()
	return NewAPIAt(tb, db, cfg, time.Now)
}

// NewAPIAt is NewAPI with the clock the domain runs on (for deadlines and "this year").
func NewAPIAt(tb testing.TB, db *DB, cfg config.Config, now func() time.Time) *API {
	tb.Helper()
	return NewAPIWith(tb, db, cfg, now, server.Options{})
}

// NewAPIWith is NewAPIAt with build options (e.g. the transport to a test S3 server).
func NewAPIWith(tb testing.TB, db *DB, cfg config.Config, now func() time.Time, opt server.Options) *API {
	tb.Helper()
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewJSONHandler(&lockedWriter{w: logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg.DatabaseURL = db.URL // the event broker of PostgreSQL listens on it
	if cfg.BlobDir == "" || cfg.BlobDir == "./data/blobs" {
		cfg.BlobDir = tb.TempDir()
	}
	deps, err := server.BuildWith(cfg, log, db.DB, now, opt)
	if err != nil {
		tb.Fatal(err)
	}
	var once sync.Once
	closeDeps := func() { once.Do(func() { _ = deps.Close() }) }
	tb.Cleanup(closeDeps)
	return &API{Handler: server.New(deps), Logs: logs, signer: deps.Auth.Signer(), Auth: deps.Auth,
		Reference: deps.ReferenceCache(), Metrics: deps.Metrics.Handler(), Close: closeDeps}
}

// GQLError is one error of a GraphQL response.
type GQLError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Response is a decoded GraphQL response.
type Response struct {
	Status int
	Data   json.RawMessage `json:"data"`
	Errors []GQLError      `json:"errors"`
	Raw    []byte
}

// Code returns the first error's extensions.code, or "".
func (r *Response) Code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// Decode unmarshals data into v, failing the test on errors in the response.
func (r *Response) Decode(tb testing.TB, v any) {
	tb.Helper()
	if len(r.Errors) > 0 {
		tb.Fatalf("unexpected errors: %s", r.Raw)
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		tb.Fatalf("decode %s: %v", r.Data, err)
	}
}

// Post sends a GraphQL request body as JSON with optional headers (name, value pairs).
func (a *API) Post(tb testing.TB, body map[string]any, headers ...string) *Response {
	tb.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		tb.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/query", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return a.Do(tb, req)
}

// Query posts a query with variables.
func (a *API) Query(tb testing.TB, query string, vars map[string]any, headers ...string) *Response {
	tb.Helper()
	body := map[string]any{"query": query}
	if vars != nil {
		body["variables"] = vars
	}
	return a.Post(tb, body, headers...)
}

// Do serves req and decodes the response.
func (a *API) Do(tb testing.TB, req *http.Request) *Response {
	tb.Helper()
	if a.token != "" && req.Header.Get("Authorization") == "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	rec := httptest.NewRecorder()
	a.Handler.ServeHTTP(rec, req.WithContext(context.WithValue(req.Context(), servedKey{}, true)))
	raw, _ := io.ReadAll(rec.Body)
	if a.seen != nil {
		a.seen.add(raw)
	}
	r := &Response{Status: rec.Code, Raw: raw}
	if err := json.Unmarshal(raw, r); err != nil {
		tb.Fatalf("response is not JSON (status %d): %s", rec.Code, raw)
	}
	return r
}

// As returns a copy of the API that sends the given access token on every request.
func (a *API) As(token string) *API {
	c := *a
	c.token = token
	return &c
}

// Token returns the access token the API sends, if any.
func (a *API) Token() string { return a.token }

// lockedWriter serializes writes of concurrent requests to one log buffer.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
