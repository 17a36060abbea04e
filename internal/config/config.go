// Package config reads the server's configuration from the environment once, at start-up, and
// validates it. Nothing else reads the environment.
package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/liemchinh/liemchinh/internal/assessment"
	"github.com/liemchinh/liemchinh/internal/blob"
	"github.com/liemchinh/liemchinh/internal/receipt"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

// Environments.
const (
	EnvDevelopment = "development"
	EnvProduction  = "production"
	EnvTest        = "test"
)

// DefaultDatabaseURL is the embedded SQLite file used when DATABASE_URL is not set.
const DefaultDatabaseURL = "sqlite:./data/liemchinh.db"

// Config is the whole configuration of the server.
type Config struct {
	Env             string        // APP_ENV: development (default), test or production
	ListenAddr      string        // LISTEN_ADDR
	MetricsAddr     string        // METRICS_ADDR: where /metrics is served; "" (the default): nowhere
	DatabaseURL     string        // DATABASE_URL
	DatabaseReadURL string        // DATABASE_READ_URL: a streaming standby for lag-tolerant reads; "": none
	ReadMaxLag      time.Duration // DATABASE_READ_MAX_LAG: beyond it the standby's reads go to the primary
	AutoMigrate     bool          // AUTO_MIGRATE: serve applies pending migrations first
	SeedDemo        bool          // SEED_DEMO: serve loads the demo data into an empty database
	CORSOrigins     []string      // CORS_ALLOWED_ORIGINS, comma-separated
	LogLevel        string        // LOG_LEVEL: debug, info, warn, error
	ComplexityLimit int           // GRAPHQL_COMPLEXITY_LIMIT
	DepthLimit      int           // GRAPHQL_DEPTH_LIMIT
	ShutdownTimeout time.Duration // SHUTDOWN_TIMEOUT
	ShutdownDrain   time.Duration // SHUTDOWN_DRAIN: not ready but still serving, before shutting down
	ReporterKey     string        // REPORTER_KEY: base64 of 32 bytes sealing reporters' identities
	TokenKey        string        // TOKEN_KEY: base64 of 32 or more bytes signing access tokens
	ReceiptKeys     []string      // RECEIPT_KEY: base64 Ed25519 seeds, comma-separated; the first signs receipts, all verify
	TrustProxy      int           // TRUST_PROXY: how many proxies append to X-Forwarded-For (0: none, take the peer)
	AssessmentClose string        // ASSESSMENT_WINDOW_CLOSES: MM-DD, the last day self-assessments are accepted
	BlobDir         string        // BLOB_DIR: folder of evidence files
	BlobURL         string        // BLOB_URL: s3://bucket?endpoint=...&region=..., in place of BLOB_DIR
	BlobKey         string        // BLOB_KEY: base64 of 32 bytes wrapping the data key of every evidence file
	SubmitRate      Rate          // CITIZEN_SUBMIT_RATE: anonymous submissions per client address
	TrackingRate    Rate          // TRACKING_RATE: tracking-code accesses per client address
	ExportRate      Rate          // EXPORT_DOWNLOAD_RATE: export downloads per account
	Open311Rate     Rate          // OPEN311_RATE: Open311 GET requests per client address
	Open311Post     Rate          // OPEN311_POST_RATE: Open311 POST requests per client address, before the api_key is looked up
	Open311Submit   Rate          // OPEN311_SUBMIT_RATE: Open311 submissions per partner api_key
	ExtraHolidays   []time.Time   // HOLIDAYS_EXTRA: extra days off, YYYY-MM-DD, comma-separated
	ExtraWorkdays   []time.Time   // WORKDAYS_EXTRA: extra working days, YYYY-MM-DD, comma-separated
	Deadlines       workdays.Durations
	Limits          Limits
	DBConns         int           // DB_MAX_CONNS: PostgreSQL connections, all kept open while idle
	DBConnLifetime  time.Duration // DB_CONN_MAX_LIFETIME: a PostgreSQL connection is replaced after this; 0 keeps it
	DBStatements    int           // DB_STATEMENT_CACHE: prepared statements kept per PostgreSQL connection; 0 none
	AccountCache    int           // ACCOUNT_CACHE_SIZE: accounts whose sign-in state is cached per process; 0 turns the cache off
	ReferenceCache  int           // REFERENCE_CACHE_SIZE: answers of public reference queries cached per process; 0 turns the cache off
	LoadTestKey     string        // LOAD_TEST_KEY: requests carrying it (X-Load-Test-Key) skip the per-address limits; refused in production
	// MaxOperations bounds the GraphQL operations executing at once over HTTP
	// (MAX_CONCURRENT_OPERATIONS; 0: no bound).
	MaxOperations int
	// Tracing is on when an OTLP endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT or
	// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT; internal/tracing).
	Tracing bool
	// Accounts: activation codes, their delivery and single sign-on (DESIGN.md §11).
	Accounts Accounts
	// Notify configures notifications and the job queue (package notify).
	Notify Notify
	// HeapLimit is the soft limit serve puts on the Go heap when GOMEMLIMIT is not set
	// (DefaultHeapLimit); 0 when it is, the Go runtime having applied it already.
	HeapLimit int64
	// GCPercent is the collector's target serve sets when GOGC is not set (DefaultGCPercent);
	// 0 when it is, the Go runtime having applied it already.
	GCPercent int
}

// DefaultHeapLimit is the soft limit on the Go heap of a server started without GOMEMLIMIT: with
// the 64 MB of the program's own code mapped, it keeps the process near 150 MB under load, the
// collector working harder as the heap nears it (never more than half the CPU: past the limit the
// heap grows rather than the server stalling).
const DefaultHeapLimit = 80 << 20

// DefaultGCPercent is the collector's target (GOGC) of a server started without GOGC: the heap
// may grow to five times what is live before a collection, so the soft limit above, not the live
// heap, decides when the collector runs. Under the nested read on the national seed this gave 18%
// more requests a second than Go's 100 (84.1 against 70.6 at 10 clients, 85.7 against 72.8 at 32,
// interleaved), for 137 MB resident instead of 128.
const DefaultGCPercent = 400

// LoadTestHeader carries LOAD_TEST_KEY from `liemchinh load` to a server outside production.
const LoadTestHeader = "X-Load-Test-Key"

// MinLoadTestKey is the shortest LOAD_TEST_KEY accepted (it lifts the per-address limits).
const MinLoadTestKey = 16

// Accounts configures activation codes, the senders that deliver them, and OpenID Connect.
type Accounts struct {
	ActivationTTL time.Duration // ACTIVATION_CODE_TTL: how long a provisioned or reissued code works
	ResetTTL      time.Duration // RESET_CODE_TTL: how long a self-service reset code works
	SMTPAddr      string        // SMTP_ADDR: host:port of the mail relay (STARTTLS when offered); "" logs instead
	SMTPFrom      string        // SMTP_FROM
	SMTPUser      string        // SMTP_USERNAME
	SMTPPassword  string        // SMTP_PASSWORD
	SMSURL        string        // SMS_GATEWAY_URL: an HTTP SMS gateway taking POST {"to","text"}; "" logs instead
	SMSToken      string        // SMS_GATEWAY_TOKEN: sent as Authorization: Bearer
	OIDCIssuer    string        // OIDC_ISSUER
	OIDCClientID  string        // OIDC_CLIENT_ID
	OIDCSecret    string        // OIDC_CLIENT_SECRET (optional: a public client with PKCE has none)
	OIDCLinkClaim string        // OIDC_LINK_CLAIM: the ID token claim accounts are linked by
	OIDCRedirects []string      // OIDC_REDIRECT_URIS: the redirect URIs the app may use
	OIDCRate      Rate          // OIDC_SIGNIN_RATE: single sign-on attempts the provider has not confirmed, per client address
}

// Notify configures push notifications, the inbox and the job queue they travel on.
type Notify struct {
	Sender       string        // PUSH_SENDER: log (default) or fcm
	FCMEndpoint  string        // PUSH_FCM_ENDPOINT: the FCM base URL (https://fcm.googleapis.com)
	Credentials  string        // GOOGLE_APPLICATION_CREDENTIALS: the service account's JSON file (fcm)
	Rate         float64       // PUSH_RATE: pushes per second per process; 0 is unlimited
	Retention    time.Duration // NOTIFICATION_RETENTION: how long inbox items are kept
	PollInterval time.Duration // JOBS_POLL_INTERVAL: how often each process looks for jobs without being told
	Workers      int           // JOBS_WORKERS: jobs run at once per process
	Listen       bool          // JOBS_LISTEN: on PostgreSQL, processes hear of new jobs by LISTEN/NOTIFY
	Run          bool          // JOBS_RUN: this process works jobs (false: it only enqueues)
	RescueAfter  time.Duration // JOBS_RESCUE_AFTER: a job running this long was left by a dead process, and is retried
	Drain        time.Duration // JOBS_DRAIN: at shutdown, how long running jobs may finish before they are handed back
}

// Limits bound what one request, one connection or one account per minute may cost the server.
type Limits struct {
	RequestTimeout   time.Duration // REQUEST_TIMEOUT: deadline of a request's work, database included
	MaxBodyBytes     int64         // MAX_REQUEST_BODY_BYTES: largest /query body
	ComplexityBudget int           // COMPLEXITY_BUDGET_PER_MINUTE: complexity an account (or address) may spend per minute; 0 is unlimited
	ReadTimeout      time.Duration // HTTP_READ_TIMEOUT: to read a whole request, body included
	WriteTimeout     time.Duration // HTTP_WRITE_TIMEOUT: from the end of the request headers to the end of the response
	IdleTimeout      time.Duration // HTTP_IDLE_TIMEOUT: a kept-alive connection waiting for its next request
}

// Rate is "N per period" (burst N, refilled evenly over the period); zero means unlimited.
type Rate struct {
	N      int
	Period time.Duration
}

func parseRate(s string) (Rate, error) {
	if s == "off" || s == "0" {
		return Rate{}, nil
	}
	n, per, ok := strings.Cut(s, "/")
	if !ok {
		return Rate{}, fmt.Errorf("%q is not N/period such as 5/10m, or off", s)
	}
	count, err := strconv.Atoi(n)
	d, derr := time.ParseDuration(per)
	if err != nil || derr != nil || count <= 0 || d <= 0 {
		return Rate{}, fmt.Errorf("%q is not N/period such as 5/10m, or off", s)
	}
	return Rate{N: count, Period: d}, nil
}

// DemoTokenKey signs access tokens outside production when TOKEN_KEY is unset; production refuses it.
const DemoTokenKey = "bGllbWNoaW5oLWRlbW8tdG9rZW4ta2V5LW5vdC1wcm9kIQ=="

// DemoReporterKey is the key used outside production when REPORTER_KEY is unset; production
// refuses it.
const DemoReporterKey = "bGllbWNoaW5oLWRlbW8ta2V5LW5vdC1mb3ItcHJvZCE="

// DemoBlobKey is the key wrapping evidence files' data keys outside production when BLOB_KEY is
// unset; production refuses it.
const DemoBlobKey = "bGllbWNoaW5oLWRlbW8tYmxvYi1rZXktbm90LXByb2Q="

// isDemoReceiptKey reports whether k is the demo receipt key, however written.
func isDemoReceiptKey(k string) bool {
	demo, _ := receipt.ParseSeed(receipt.DemoKey)
	key, err := receipt.ParseSeed(k)
	return err == nil && key.Equal(demo)
}

// Variable describes one environment variable, for the README and `liemchinh help`.
type Variable struct{ Name, Default, Meaning string }

// Variables lists every setting the server reads.
var Variables = []Variable{
	{"APP_ENV", EnvDevelopment, "development, test or production; production turns introspection, GraphiQL and demo seeding off and refuses demo secrets"},
	{"LISTEN_ADDR", "127.0.0.1:8080", "address the HTTP server listens on"},
	{"METRICS_ADDR", "(off)", "address of a second listener serving Prometheus metrics at /metrics (e.g. 0.0.0.0:9090, kept off the public port)"},
	{"DATABASE_URL", DefaultDatabaseURL, "postgres://... for PostgreSQL (required in production), or sqlite:PATH for the embedded database"},
	{"DATABASE_READ_URL", "(none)", "postgres://... of a streaming standby of DATABASE_URL's database: reads that tolerate a short lag (progress, ranking, reviews, exports, open data, Open311 reads, supervisors' lists) go there, everything else to the primary"},
	{"DATABASE_READ_MAX_LAG", "30s", "while the standby lags more than this (or cannot be reached) its reads go to the primary"},
	{"AUTO_MIGRATE", "true", "serve applies pending migrations before listening (set false to run `liemchinh migrate` separately)"},
	{"SEED_DEMO", "true outside production", "serve loads the demo data when the database has no campaign"},
	{"CORS_ALLOWED_ORIGINS", "http://localhost:3000,http://127.0.0.1:3000 outside production, none in production", "comma-separated origins allowed to call the API from a browser"},
	{"LOG_LEVEL", "info", "debug, info, warn or error"},
	{"GRAPHQL_COMPLEXITY_LIMIT", "50000", "maximum complexity of an operation (page sizes multiply; aggregates such as progress or caseStatistics weigh what their work costs)"},
	{"COMPLEXITY_BUDGET_PER_MINUTE", "500000", "complexity an account (or, without a token, a client address) may spend per minute, at least GRAPHQL_COMPLEXITY_LIMIT; 0 turns it off"},
	{"REQUEST_TIMEOUT", "10s", "deadline of a request (not of a subscription): its database work is cancelled and it answers TIMEOUT"},
	{"MAX_REQUEST_BODY_BYTES", "1048576", "largest /query request body; a larger one is answered 413 without being read"},
	{"HTTP_READ_TIMEOUT", "30s", "time to read a whole request, body included (evidence uploads get 10 minutes)"},
	{"HTTP_WRITE_TIMEOUT", "30s", "time from the request's headers to the end of its response, more than REQUEST_TIMEOUT (WebSockets are not cut; evidence downloads get 10 minutes)"},
	{"HTTP_IDLE_TIMEOUT", "120s", "how long a kept-alive connection may wait for its next request"},
	{"DB_MAX_CONNS", "20", "PostgreSQL connections of the pool, all kept open while idle (no session churn under bursts)"},
	{"DB_CONN_MAX_LIFETIME", "0", "a PostgreSQL connection is closed and replaced after this long (e.g. 30m, to rebalance behind a pooler); 0 keeps connections"},
	{"DB_STATEMENT_CACHE", "256", "statements each PostgreSQL connection keeps prepared (parsed once, then bound and executed in one round trip); 0 prepares none, for a pooler in transaction mode (PgBouncer before 1.21) that cannot keep them"},
	{"ACCOUNT_CACHE_SIZE", "10000", "accounts whose sign-in state (enabled, token version, role, scope) each process caches, dropped at once on every change of the account on every process (LISTEN/NOTIFY on PostgreSQL) and bypassed while the notification connection is down; 0 turns the cache off"},
	{"OTEL_EXPORTER_OTLP_ENDPOINT", "(off)", "an OpenTelemetry collector's OTLP/HTTP endpoint (e.g. http://collector:4318): traces with a span per request (continuing a W3C traceparent) and per SQL statement; the other standard OTEL_EXPORTER_OTLP_* variables apply"},
	{"MAX_CONCURRENT_OPERATIONS", "4 per processor", "GraphQL queries and mutations over HTTP executing at once; others wait for a turn up to REQUEST_TIMEOUT, then answer 503 TIMEOUT with Retry-After (subscriptions and cached reference answers take none); 0 for no bound"},
	{"GOMEMLIMIT", "80MiB (set by serve)", "Go's soft limit on the heap (e.g. 512MiB, or off): the collector works harder as the heap nears it; raise it when more memory is given to the process"},
	{"GOGC", "400 (set by serve when GOMEMLIMIT is not set either)", "the collector's target: the heap grows to this percentage over what is live before a collection, so GOMEMLIMIT decides when it runs; lower it (Go's default is 100) to trade requests a second for memory"},
	{"REFERENCE_CACHE_SIZE", "256", "answers to anonymous queries of public reference data only (provinces, districts, units) each process caches, up to 256 KB each, dropped at once on every change of a province, district or unit on every process (LISTEN/NOTIFY on PostgreSQL) and bypassed while the notification connection is down; 0 turns the cache off"},
	{"LOAD_TEST_KEY", "(none)", "outside production only (production refuses to start with it): a secret of at least 16 characters; requests whose X-Load-Test-Key header carries it skip the per-address submission limit and complexity budget, so that `liemchinh load --url` can drive the server from one address"},
	{"GRAPHQL_DEPTH_LIMIT", "20", "maximum selection depth of an operation"},
	{"SHUTDOWN_TIMEOUT", "15s", "how long in-flight requests get on SIGTERM"},
	{"SHUTDOWN_DRAIN", "0s (5s in production)", "on SIGTERM, how long /readyz answers 503 while requests are still served, so that a load balancer stops sending new ones before the listener closes"},
	{"REPORTER_KEY", "a demo key outside production", "base64 of 32 random bytes sealing reporters' identities (required in production)"},
	{"TOKEN_KEY", "a demo key outside production", "base64 of 32 or more random bytes signing access tokens (required in production)"},
	{"RECEIPT_KEY", "a demo key outside production", "Ed25519 keys signing citizens' receipts: comma-separated, each the base64 of a 32-byte seed (openssl rand -base64 32); the first signs, every one listed is published at /.well-known/jwks.json and verifies, so to rotate put the new key first and keep the old ones after it (required in production)"},
	{"TRUST_PROXY", "false", "behind proxies that append to X-Forwarded-For: true for one (a load balancer), or their number (2: a CDN then a load balancer); the client address is the entry the outermost appended. false: the connection's peer"},
	{"ASSESSMENT_WINDOW_CLOSES", "12-15", "MM-DD: the last day (Vietnam time) a year's self-assessments can be submitted"},
	{"BLOB_DIR", "./data/blobs", "folder where evidence files are kept (unless BLOB_URL is set)"},
	{"BLOB_URL", "(none: BLOB_DIR)", "s3://BUCKET?endpoint=HOST:PORT&region=REGION keeps evidence files in an existing bucket of an S3-compatible store (AWS S3, MinIO) instead of BLOB_DIR; https unless endpoint starts with http://; without endpoint, AWS S3. Credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), else MINIO_ROOT_USER and MINIO_ROOT_PASSWORD"},
	{"BLOB_KEY", "a demo key outside production", "base64 of 32 random bytes (openssl rand -base64 32) wrapping the per-file data key of every evidence file, which is encrypted at rest (AES-256-GCM in 64 KiB chunks) in either store; files stored before encryption stay readable as they are and `liemchinh blobs seal` encrypts them (required in production)"},
	{"CITIZEN_SUBMIT_RATE", "5/10m", "anonymous case submissions per client address (N/period, or off)"},
	{"TRACKING_RATE", "30/1m", "accesses by tracking code and secret per client address (N/period, or off)"},
	{"EXPORT_DOWNLOAD_RATE", "30/10m", "export downloads per account: each rebuilds its file (N/period, or off)"},
	{"OPEN311_RATE", "120/1m", "Open311 GeoReport v2 reads (GET /open311/v2/...) per client address (N/period, or off); shared by every process on PostgreSQL; answers are cached for a minute"},
	{"OPEN311_POST_RATE", "120/1m", "Open311 submissions (POST) per client address, counted before the api_key is looked up, so that a flood of made-up keys costs no statement (N/period, or off); its own setting: OPEN311_RATE=off leaves it"},
	{"OPEN311_SUBMIT_RATE", "60/1m", "Open311 submissions (POST /open311/v2/requests.json) per partner api_key, in place of the per-address limit its users share (N/period, or off)"},
	{"ACTIVATION_CODE_TTL", "336h", "how long an activation code (provisioning, or a manager's new code) works"},
	{"RESET_CODE_TTL", "30m", "how long a self-service password reset code works"},
	{"SMTP_ADDR", "(none: codes are logged)", "host:port of the mail relay that e-mails activation and reset codes (STARTTLS when the relay offers it); SMTP_FROM, SMTP_USERNAME and SMTP_PASSWORD go with it"},
	{"SMTP_FROM", "(none)", "sender address of the e-mailed codes"},
	{"SMTP_USERNAME", "(none)", "user of the mail relay (PLAIN auth, only over TLS)"},
	{"SMTP_PASSWORD", "(none)", "password of the mail relay"},
	{"SMS_GATEWAY_URL", "(none: codes are logged)", "an HTTP SMS gateway: each code is a POST of {\"to\": phone, \"text\": message} (JSON), a 2xx answer is success"},
	{"SMS_GATEWAY_TOKEN", "(none)", "sent to the SMS gateway as Authorization: Bearer"},
	{"OIDC_ISSUER", "(off)", "issuer URL of an OpenID Connect provider for single sign-on (discovery at ISSUER/.well-known/openid-configuration)"},
	{"OIDC_CLIENT_ID", "(none)", "the app's client id at the provider (required with OIDC_ISSUER)"},
	{"OIDC_CLIENT_SECRET", "(none)", "client secret, for a confidential client; a public client with PKCE has none"},
	{"OIDC_LINK_CLAIM", "sub", "the ID token claim accounts are linked by (e.g. a national identity number claim); `email` also requires email_verified"},
	{"OIDC_REDIRECT_URIS", "(none)", "comma-separated redirect URIs the app may use (required with OIDC_ISSUER)"},
	{"OIDC_SIGNIN_RATE", "60/1m", "single sign-on attempts (oidcSignIn, citizenSignIn, oidcLink) per client address, counted before the server calls the provider's token endpoint, so that nobody can make it hammer the provider; an attempt the provider confirms is given back (N/period, or off); shared by every process on PostgreSQL"},
	{"HOLIDAYS_EXTRA", "", "extra days off beyond the shipped Vietnamese public holidays, YYYY-MM-DD, comma-separated"},
	{"WORKDAYS_EXTRA", "", "extra working days (a Saturday worked in exchange for a day off) beyond the shipped ones, YYYY-MM-DD, comma-separated; a date may not also be in HOLIDAYS_EXTRA"},
	{"DEADLINE_DENUNCIATION_ACCEPT_WORKING_DAYS", "7", "working days to decide whether to accept a denunciation"},
	{"DEADLINE_DENUNCIATION_CONCLUDE_DAYS", "30", "days to conclude an accepted denunciation"},
	{"DEADLINE_DENUNCIATION_EXTENSION_DAYS", "30", "days each extension adds"},
	{"DEADLINE_DENUNCIATION_MAX_EXTENSIONS_COMPLEX", "1", "extensions allowed for a complex denunciation"},
	{"DEADLINE_DENUNCIATION_MAX_EXTENSIONS_VERY_COMPLEX", "2", "extensions allowed for a very complex denunciation (at least the complex one's)"},
	{"DEADLINE_FEEDBACK_ACKNOWLEDGE_WORKING_HOURS", "8", "working hours to acknowledge feedback"},
	{"DEADLINE_FEEDBACK_ANSWER_DAYS", "15", "days to answer feedback"},
	{"DUE_SOON_WORKING_DAYS", "2", "an open case is due soon (dueSoon) when its deadline falls within this many working days"},
}

// Load reads and validates the configuration through getenv.
func Load(getenv func(string) string) (Config, error) {
	get := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	c := Config{
		Env:             get("APP_ENV", EnvDevelopment),
		ListenAddr:      get("LISTEN_ADDR", "127.0.0.1:8080"),
		MetricsAddr:     get("METRICS_ADDR", ""),
		DatabaseURL:     get("DATABASE_URL", ""),
		DatabaseReadURL: get("DATABASE_READ_URL", ""),
		LogLevel:        get("LOG_LEVEL", "info"),
		ReporterKey:     get("REPORTER_KEY", ""),
		TokenKey:        get("TOKEN_KEY", ""),
		ReceiptKeys:     receipt.SplitKeys(getenv("RECEIPT_KEY")),
		LoadTestKey:     get("LOAD_TEST_KEY", ""),

		AssessmentClose: get("ASSESSMENT_WINDOW_CLOSES", "12-15"),
		BlobDir:         get("BLOB_DIR", "./data/blobs"),
		BlobURL:         get("BLOB_URL", ""),
		BlobKey:         get("BLOB_KEY", ""),
	}
	prod := c.Env == EnvProduction
	var errs []error
	switch c.Env {
	case EnvDevelopment, EnvProduction, EnvTest:
	default:
		errs = append(errs, fmt.Errorf("APP_ENV must be development, test or production, not %q", c.Env))
	}
	parseBool := func(name string, def bool) bool {
		v := get(name, strconv.FormatBool(def))
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s must be true or false, not %q", name, v))
		}
		return b
	}
	parseInt := func(name string, def int) int {
		v := get(name, strconv.Itoa(def))
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			errs = append(errs, fmt.Errorf("%s must be a positive integer, not %q", name, v))
		}
		return n
	}
	c.AutoMigrate = parseBool("AUTO_MIGRATE", true)
	switch v := get("TRUST_PROXY", "false"); v {
	case "false", "0":
		c.TrustProxy = 0
	case "true":
		c.TrustProxy = 1
	default:
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 10 {
			errs = append(errs, fmt.Errorf("TRUST_PROXY must be false, true or a number of proxies from 0 to 10, not %q", v))
		}
		c.TrustProxy = n
	}
	var oidcRate Rate
	for _, r := range []struct {
		name, def string
		dst       *Rate
	}{{"CITIZEN_SUBMIT_RATE", "5/10m", &c.SubmitRate}, {"TRACKING_RATE", "30/1m", &c.TrackingRate},
		{"EXPORT_DOWNLOAD_RATE", "30/10m", &c.ExportRate}, {"OPEN311_RATE", "120/1m", &c.Open311Rate},
		{"OPEN311_POST_RATE", "120/1m", &c.Open311Post}, {"OPEN311_SUBMIT_RATE", "60/1m", &c.Open311Submit},
		{"OIDC_SIGNIN_RATE", "60/1m", &oidcRate}} {
		rate, err := parseRate(get(r.name, r.def))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", r.name, err))
		}
		*r.dst = rate
	}
	parseDates := func(name string) []time.Time {
		var out []time.Time
		for _, d := range strings.Split(get(name, ""), ",") {
			if d = strings.TrimSpace(d); d == "" {
				continue
			}
			t, err := time.Parse(time.DateOnly, d)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %q is not a date YYYY-MM-DD", name, d))
				continue
			}
			out = append(out, t)
		}
		return out
	}
	parseDuration := func(name, def string) time.Duration {
		v := get(name, def)
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("%s must be a positive duration such as %s, not %q", name, def, v))
		}
		return d
	}
	c.Accounts = Accounts{
		ActivationTTL: parseDuration("ACTIVATION_CODE_TTL", "336h"),
		ResetTTL:      parseDuration("RESET_CODE_TTL", "30m"),
		SMTPAddr:      get("SMTP_ADDR", ""), SMTPFrom: get("SMTP_FROM", ""),
		SMTPUser: get("SMTP_USERNAME", ""), SMTPPassword: get("SMTP_PASSWORD", ""),
		SMSURL: get("SMS_GATEWAY_URL", ""), SMSToken: get("SMS_GATEWAY_TOKEN", ""),
		OIDCIssuer: get("OIDC_ISSUER", ""), OIDCClientID: get("OIDC_CLIENT_ID", ""),
		OIDCSecret: get("OIDC_CLIENT_SECRET", ""), OIDCLinkClaim: get("OIDC_LINK_CLAIM", "sub"),
		OIDCRate: oidcRate,
	}
	for _, u := range strings.Split(get("OIDC_REDIRECT_URIS", ""), ",") {
		if u = strings.TrimSpace(u); u != "" {
			c.Accounts.OIDCRedirects = append(c.Accounts.OIDCRedirects, u)
		}
	}
	if c.Accounts.OIDCIssuer != "" && (c.Accounts.OIDCClientID == "" || len(c.Accounts.OIDCRedirects) == 0) {
		errs = append(errs, errors.New("OIDC_ISSUER needs OIDC_CLIENT_ID and OIDC_REDIRECT_URIS"))
	}
	if c.Accounts.SMTPAddr != "" && c.Accounts.SMTPFrom == "" {
		errs = append(errs, errors.New("SMTP_ADDR needs SMTP_FROM"))
	}
	c.ExtraHolidays = parseDates("HOLIDAYS_EXTRA")
	c.ExtraWorkdays = parseDates("WORKDAYS_EXTRA")
	for _, w := range c.ExtraWorkdays {
		if slices.ContainsFunc(c.ExtraHolidays, w.Equal) {
			errs = append(errs, fmt.Errorf("WORKDAYS_EXTRA: %s is also in HOLIDAYS_EXTRA", w.Format(time.DateOnly)))
		}
	}
	parsed, def := len(errs), workdays.DefaultDurations()
	c.Deadlines = workdays.Durations{
		DenunciationAcceptWorkingDays:        parseInt("DEADLINE_DENUNCIATION_ACCEPT_WORKING_DAYS", def.DenunciationAcceptWorkingDays),
		DenunciationConcludeDays:             parseInt("DEADLINE_DENUNCIATION_CONCLUDE_DAYS", def.DenunciationConcludeDays),
		DenunciationExtensionDays:            parseInt("DEADLINE_DENUNCIATION_EXTENSION_DAYS", def.DenunciationExtensionDays),
		DenunciationMaxExtensionsComplex:     parseInt("DEADLINE_DENUNCIATION_MAX_EXTENSIONS_COMPLEX", def.DenunciationMaxExtensionsComplex),
		DenunciationMaxExtensionsVeryComplex: parseInt("DEADLINE_DENUNCIATION_MAX_EXTENSIONS_VERY_COMPLEX", def.DenunciationMaxExtensionsVeryComplex),
		FeedbackAcknowledgeWorkingHours:      parseInt("DEADLINE_FEEDBACK_ACKNOWLEDGE_WORKING_HOURS", def.FeedbackAcknowledgeWorkingHours),
		FeedbackAnswerDays:                   parseInt("DEADLINE_FEEDBACK_ANSWER_DAYS", def.FeedbackAnswerDays),
		DueSoonWorkingDays:                   parseInt("DUE_SOON_WORKING_DAYS", def.DueSoonWorkingDays),
	}
	if len(errs) == parsed { // the durations' own rules, once each is a positive integer
		if err := c.Deadlines.Validate(); err != nil { // only the extensions' order is left to fail
			errs = append(errs, fmt.Errorf("DEADLINE_DENUNCIATION_MAX_EXTENSIONS_COMPLEX must not exceed DEADLINE_DENUNCIATION_MAX_EXTENSIONS_VERY_COMPLEX: %w", err))
		}
	}
	if _, err := assessment.ParseWindow(c.AssessmentClose); err != nil {
		errs = append(errs, fmt.Errorf("ASSESSMENT_WINDOW_CLOSES: %w", err))
	}
	c.SeedDemo = parseBool("SEED_DEMO", !prod)
	c.ComplexityLimit = parseInt("GRAPHQL_COMPLEXITY_LIMIT", 50000)
	c.DepthLimit = parseInt("GRAPHQL_DEPTH_LIMIT", 20)
	c.Limits = Limits{
		RequestTimeout: parseDuration("REQUEST_TIMEOUT", "10s"),
		MaxBodyBytes:   int64(parseInt("MAX_REQUEST_BODY_BYTES", 1<<20)),
		ReadTimeout:    parseDuration("HTTP_READ_TIMEOUT", "30s"),
		WriteTimeout:   parseDuration("HTTP_WRITE_TIMEOUT", "30s"),
		IdleTimeout:    parseDuration("HTTP_IDLE_TIMEOUT", "120s"),
	}
	if v := get("COMPLEXITY_BUDGET_PER_MINUTE", "500000"); v != "0" && v != "off" {
		c.Limits.ComplexityBudget = parseInt("COMPLEXITY_BUDGET_PER_MINUTE", 500000)
		if c.Limits.ComplexityBudget > 0 && c.Limits.ComplexityBudget < c.ComplexityLimit {
			errs = append(errs, fmt.Errorf("COMPLEXITY_BUDGET_PER_MINUTE (%d) must be at least GRAPHQL_COMPLEXITY_LIMIT (%d), or 0",
				c.Limits.ComplexityBudget, c.ComplexityLimit))
		}
	}
	c.DBConns = parseInt("DB_MAX_CONNS", 20)
	if v := get("DB_STATEMENT_CACHE", "256"); v != "0" {
		c.DBStatements = parseInt("DB_STATEMENT_CACHE", 256)
	}
	c.ReadMaxLag = parseDuration("DATABASE_READ_MAX_LAG", "30s")
	if v := get("DB_CONN_MAX_LIFETIME", "0"); v != "0" {
		c.DBConnLifetime = parseDuration("DB_CONN_MAX_LIFETIME", "30m")
	}
	if v := get("ACCOUNT_CACHE_SIZE", "10000"); v != "0" {
		c.AccountCache = parseInt("ACCOUNT_CACHE_SIZE", 10000)
	}
	if v := get("REFERENCE_CACHE_SIZE", "256"); v != "0" {
		c.ReferenceCache = parseInt("REFERENCE_CACHE_SIZE", 256)
	}
	c.Notify = Notify{
		Sender:       get("PUSH_SENDER", "log"),
		FCMEndpoint:  get("PUSH_FCM_ENDPOINT", "https://fcm.googleapis.com"),
		Credentials:  getenv("GOOGLE_APPLICATION_CREDENTIALS"),
		Retention:    parseDuration("NOTIFICATION_RETENTION", "4320h"),
		PollInterval: parseDuration("JOBS_POLL_INTERVAL", "1s"),
		Workers:      parseInt("JOBS_WORKERS", 10),
		Listen:       get("JOBS_LISTEN", "true") == "true",
		Run:          get("JOBS_RUN", "true") == "true",
		RescueAfter:  parseDuration("JOBS_RESCUE_AFTER", "20m"),
		Drain:        parseDuration("JOBS_DRAIN", "20s"),
	}
	if v := get("PUSH_RATE", "500"); v != "0" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r < 0 {
			errs = append(errs, fmt.Errorf("PUSH_RATE must be a number of pushes per second (0: unlimited), not %q", v))
		}
		c.Notify.Rate = r
	}
	switch c.Notify.Sender {
	case "log":
	case "fcm":
		if c.Notify.Credentials == "" {
			errs = append(errs, errors.New("PUSH_SENDER=fcm needs GOOGLE_APPLICATION_CREDENTIALS (a service account's JSON file)"))
		}
	default:
		errs = append(errs, fmt.Errorf("PUSH_SENDER must be log or fcm, not %q", c.Notify.Sender))
	}
	if c.Notify.PollInterval < time.Millisecond || c.Notify.Workers < 1 {
		errs = append(errs, errors.New("JOBS_POLL_INTERVAL must be at least 1ms and JOBS_WORKERS at least 1"))
	}
	if c.Notify.RescueAfter <= 0 {
		errs = append(errs, errors.New("JOBS_RESCUE_AFTER must be positive"))
	}
	if getenv("GOMEMLIMIT") == "" {
		c.HeapLimit = DefaultHeapLimit
	}
	if getenv("GOGC") == "" && c.HeapLimit > 0 {
		// Only under serve's own heap limit: without a limit a collector target of 400 would let
		// the heap grow to five times what is live.
		c.GCPercent = DefaultGCPercent
	}
	if v := get("MAX_CONCURRENT_OPERATIONS", ""); v != "0" {
		c.MaxOperations = parseInt("MAX_CONCURRENT_OPERATIONS", 4*runtime.GOMAXPROCS(0))
	}
	c.Tracing = getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
	if c.Limits.WriteTimeout > 0 && c.Limits.WriteTimeout <= c.Limits.RequestTimeout {
		errs = append(errs, fmt.Errorf("HTTP_WRITE_TIMEOUT (%s) must be longer than REQUEST_TIMEOUT (%s), or answers are cut before they are written",
			c.Limits.WriteTimeout, c.Limits.RequestTimeout))
	}
	timeout := get("SHUTDOWN_TIMEOUT", "15s")
	d, err := time.ParseDuration(timeout)
	if err != nil || d <= 0 {
		errs = append(errs, fmt.Errorf("SHUTDOWN_TIMEOUT must be a positive duration such as 15s, not %q", timeout))
	}
	c.ShutdownTimeout = d
	defDrain := "0s"
	if prod {
		defDrain = "5s"
	}
	drain := get("SHUTDOWN_DRAIN", defDrain)
	if c.ShutdownDrain, err = time.ParseDuration(drain); err != nil || c.ShutdownDrain < 0 {
		errs = append(errs, fmt.Errorf("SHUTDOWN_DRAIN must be a duration such as 5s (0 for none), not %q", drain))
	}
	defOrigins := "http://localhost:3000,http://127.0.0.1:3000"
	if prod {
		defOrigins = ""
	}
	for _, o := range strings.Split(get("CORS_ALLOWED_ORIGINS", defOrigins), ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.CORSOrigins = append(c.CORSOrigins, o)
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("LOG_LEVEL must be debug, info, warn or error, not %q", c.LogLevel))
	}
	if prod {
		if !strings.HasPrefix(c.DatabaseURL, "postgres") {
			errs = append(errs, errors.New("production needs DATABASE_URL=postgres://..."))
		}
		if c.SeedDemo {
			errs = append(errs, errors.New("production refuses SEED_DEMO=true"))
		}
		if c.ReporterKey == "" || c.ReporterKey == DemoReporterKey {
			errs = append(errs, errors.New("production needs its own REPORTER_KEY (base64 of 32 random bytes), not the demo key"))
		}
		if c.BlobKey == "" || c.BlobKey == DemoBlobKey {
			errs = append(errs, errors.New("production needs its own BLOB_KEY (base64 of 32 random bytes), not the demo key"))
		}
		if c.TokenKey == "" || c.TokenKey == DemoTokenKey {
			errs = append(errs, errors.New("production needs its own TOKEN_KEY (base64 of 32 or more random bytes), not the demo key"))
		}
		if len(c.ReceiptKeys) == 0 || slices.ContainsFunc(c.ReceiptKeys, isDemoReceiptKey) {
			errs = append(errs, errors.New("production needs its own RECEIPT_KEY (base64 of a 32-byte Ed25519 seed, comma-separated when rotating), not the demo key"))
		}
		if c.LoadTestKey != "" {
			errs = append(errs, errors.New("production refuses LOAD_TEST_KEY: the per-address limits cannot be lifted there"))
		}
	} else if c.LoadTestKey != "" && len(c.LoadTestKey) < MinLoadTestKey {
		errs = append(errs, fmt.Errorf("LOAD_TEST_KEY must be at least %d characters", MinLoadTestKey))
	}
	if c.DatabaseURL == "" {
		c.DatabaseURL = DefaultDatabaseURL
	}
	if c.DatabaseReadURL != "" && (!strings.HasPrefix(c.DatabaseURL, "postgres") || !strings.HasPrefix(c.DatabaseReadURL, "postgres")) {
		errs = append(errs, errors.New("DATABASE_READ_URL needs PostgreSQL: postgres://... for it and for DATABASE_URL"))
	}
	if c.ReporterKey == "" {
		c.ReporterKey = DemoReporterKey
	}
	if c.TokenKey == "" {
		c.TokenKey = DemoTokenKey
	}
	if c.BlobKey == "" {
		c.BlobKey = DemoBlobKey
	}
	if b, err := base64.StdEncoding.DecodeString(c.BlobKey); err != nil || len(b) != 32 {
		errs = append(errs, errors.New("BLOB_KEY must be base64 of exactly 32 bytes (openssl rand -base64 32)"))
	}
	if c.BlobURL != "" {
		if _, err := blob.ParseS3URL(c.BlobURL); err != nil {
			errs = append(errs, err)
		}
	}
	if len(c.ReceiptKeys) == 0 {
		c.ReceiptKeys = []string{receipt.DemoKey}
	}
	for i, k := range c.ReceiptKeys {
		if _, err := receipt.ParseSeed(k); err != nil {
			errs = append(errs, fmt.Errorf("RECEIPT_KEY: key %d is not the base64 of a 32-byte Ed25519 seed (%v)", i+1, err))
		}
	}
	// The reporter key is an AES-256 key (internal/sealbox): exactly 32 bytes, refused here with the
	// other settings rather than when the server is built. Identities are never stored unsealed.
	if b, err := base64.StdEncoding.DecodeString(c.ReporterKey); err != nil || len(b) != 32 {
		errs = append(errs, errors.New("REPORTER_KEY must be base64 of exactly 32 bytes (openssl rand -base64 32)"))
	}
	if b, err := base64.StdEncoding.DecodeString(c.TokenKey); err != nil || len(b) < 32 {
		errs = append(errs, errors.New("TOKEN_KEY must be base64 of at least 32 bytes"))
	}
	return c, errors.Join(errs...)
}

// Production reports whether the server runs in production.
func (c Config) Production() bool { return c.Env == EnvProduction }
