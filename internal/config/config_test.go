package config

import (
	"strings"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/internal/receipt"
)

func TestLoad(t *testing.T) {
	prodOK := map[string]string{
		"APP_ENV": "production", "DATABASE_URL": "postgres://db/liemchinh",
		"REPORTER_KEY": "c2VjcmV0LWtleS1mb3ItcHJvZHVjdGlvbi11c2UtMzI=",
		"TOKEN_KEY":    "dG9rZW4ta2V5LWZvci1wcm9kdWN0aW9uLXVzZS0zMmI=",
		"RECEIPT_KEY":  "cmVjZWlwdC1rZXktZm9yLXByb2R1Y3Rpb24tdXNlLTE=",
		"BLOB_KEY":     "YmxvYi1rZXktZm9yLXByb2R1Y3Rpb24tdXNlLTMyYiE=",
	}
	with := func(base map[string]string, kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
		check   func(t *testing.T, c Config)
	}{
		{"defaults", nil, "", func(t *testing.T, c Config) {
			if c.DatabaseURL != DefaultDatabaseURL || c.ListenAddr != "127.0.0.1:8080" || !c.SeedDemo || !c.AutoMigrate {
				t.Fatalf("defaults: %+v", c)
			}
			if c.ReporterKey != DemoReporterKey || len(c.CORSOrigins) != 2 {
				t.Fatalf("defaults: %+v", c)
			}
		}},
		{"production", prodOK, "", func(t *testing.T, c Config) {
			if c.SeedDemo || len(c.CORSOrigins) != 0 || !c.Production() {
				t.Fatalf("production: %+v", c)
			}
		}},
		{"production without postgres", with(prodOK, "DATABASE_URL", "sqlite:x.db"), "DATABASE_URL", nil},
		{"production with demo key", with(prodOK, "REPORTER_KEY", DemoReporterKey), "REPORTER_KEY", nil},
		{"production without key", with(prodOK, "REPORTER_KEY", ""), "REPORTER_KEY", nil},
		{"production with demo token key", with(prodOK, "TOKEN_KEY", DemoTokenKey), "TOKEN_KEY", nil},
		{"production without receipt key", with(prodOK, "RECEIPT_KEY", ""), "RECEIPT_KEY", nil},
		{"production with the demo receipt key", with(prodOK, "RECEIPT_KEY", "cmVjZWlwdC1rZXktZm9yLXByb2R1Y3Rpb24tdXNlLTE=,"+strings.TrimRight(receipt.DemoKey, "=")), "RECEIPT_KEY", nil},
		{"receipt key of 31 bytes", map[string]string{"RECEIPT_KEY": "cmVjZWlwdC1rZXktZm9yLXByb2R1Y3Rpb24tdXNlLQ=="}, "RECEIPT_KEY", nil},
		{"receipt keys rotated", with(prodOK, "RECEIPT_KEY", " cmVjZWlwdC1rZXktZm9yLXByb2R1Y3Rpb24tdXNlLTI=, cmVjZWlwdC1rZXktZm9yLXByb2R1Y3Rpb24tdXNlLTE="), "",
			func(t *testing.T, c Config) {
				if len(c.ReceiptKeys) != 2 || c.ReceiptKeys[0] != "cmVjZWlwdC1rZXktZm9yLXByb2R1Y3Rpb24tdXNlLTI=" {
					t.Fatalf("receipt keys %q", c.ReceiptKeys)
				}
			}},
		{"demo receipt key outside production", nil, "", func(t *testing.T, c Config) {
			if len(c.ReceiptKeys) != 1 || c.ReceiptKeys[0] != receipt.DemoKey {
				t.Fatalf("receipt keys %q", c.ReceiptKeys)
			}
		}},
		{"short token key", map[string]string{"TOKEN_KEY": "c2hvcnQ="}, "TOKEN_KEY", nil},
		// A reporter key the sealed store cannot use is a start-up error, in production or not;
		// unset outside production it is the demo key, explicitly (see "defaults").
		{"production reporter key of 33 bytes", with(prodOK, "REPORTER_KEY", "YmxvYi1rZXktZm9yLXByb2R1Y3Rpb24tdXNlLTMyYiEh"), "REPORTER_KEY", nil},
		{"reporter key of 48 bytes", map[string]string{"REPORTER_KEY": "cmVwb3J0ZXIta2V5LW9mLWZvcnR5LWVpZ2h0LWJ5dGVzLWxvbmctLS0tLS0tLS0t"}, "REPORTER_KEY", nil},
		{"reporter key not base64", map[string]string{"REPORTER_KEY": "not base64!"}, "REPORTER_KEY", nil},
		{"production with the demo blob key", with(prodOK, "BLOB_KEY", DemoBlobKey), "BLOB_KEY", nil},
		{"production without blob key", with(prodOK, "BLOB_KEY", ""), "BLOB_KEY", nil},
		{"blob key of 33 bytes", map[string]string{"BLOB_KEY": "YmxvYi1rZXktZm9yLXByb2R1Y3Rpb24tdXNlLTMyYiEh"}, "BLOB_KEY", nil},
		{"demo blob key outside production", nil, "", func(t *testing.T, c Config) {
			if c.BlobKey != DemoBlobKey || c.BlobURL != "" {
				t.Fatalf("blob key %q, url %q", c.BlobKey, c.BlobURL)
			}
		}},
		{"blob url", map[string]string{"BLOB_URL": "s3://evidence?endpoint=minio:9000&region=vn"}, "", func(t *testing.T, c Config) {
			if c.BlobURL != "s3://evidence?endpoint=minio:9000&region=vn" {
				t.Fatalf("BLOB_URL %q", c.BlobURL)
			}
		}},
		{"bad blob url", map[string]string{"BLOB_URL": "https://minio:9000/evidence"}, "BLOB_URL", nil},
		{"read replica", map[string]string{"DATABASE_URL": "postgres://primary/lc", "DATABASE_READ_URL": "postgres://standby/lc",
			"DATABASE_READ_MAX_LAG": "5s"}, "", func(t *testing.T, c Config) {
			if c.DatabaseReadURL != "postgres://standby/lc" || c.ReadMaxLag != 5*time.Second {
				t.Fatalf("read URL %q, max lag %s", c.DatabaseReadURL, c.ReadMaxLag)
			}
		}},
		{"no read replica by default", nil, "", func(t *testing.T, c Config) {
			if c.DatabaseReadURL != "" || c.ReadMaxLag != 30*time.Second {
				t.Fatalf("read URL %q, max lag %s", c.DatabaseReadURL, c.ReadMaxLag)
			}
		}},
		{"read replica of SQLite", map[string]string{"DATABASE_READ_URL": "postgres://standby/lc"}, "DATABASE_READ_URL", nil},
		{"read replica not PostgreSQL", map[string]string{"DATABASE_URL": "postgres://primary/lc", "DATABASE_READ_URL": "sqlite:x.db"}, "DATABASE_READ_URL", nil},
		{"bad read lag", map[string]string{"DATABASE_READ_MAX_LAG": "-1s"}, "DATABASE_READ_MAX_LAG", nil},
		{"production seeding demo", with(prodOK, "SEED_DEMO", "true"), "SEED_DEMO", nil},
		{"unknown env", map[string]string{"APP_ENV": "staging"}, "APP_ENV", nil},
		{"bad bool", map[string]string{"AUTO_MIGRATE": "perhaps"}, "AUTO_MIGRATE", nil},
		{"bad limit", map[string]string{"GRAPHQL_COMPLEXITY_LIMIT": "-3"}, "GRAPHQL_COMPLEXITY_LIMIT", nil},
		{"bad duration", map[string]string{"SHUTDOWN_TIMEOUT": "soon"}, "SHUTDOWN_TIMEOUT", nil},
		{"bad log level", map[string]string{"LOG_LEVEL": "loud"}, "LOG_LEVEL", nil},
		{"bad window", map[string]string{"ASSESSMENT_WINDOW_CLOSES": "02-30"}, "ASSESSMENT_WINDOW_CLOSES", nil},
		{"proxy hops", map[string]string{"TRUST_PROXY": "2"}, "", func(t *testing.T, c Config) {
			if c.TrustProxy != 2 {
				t.Fatalf("TRUST_PROXY=2: %d hops", c.TrustProxy)
			}
		}},
		{"one proxy", map[string]string{"TRUST_PROXY": "true"}, "", func(t *testing.T, c Config) {
			if c.TrustProxy != 1 {
				t.Fatalf("TRUST_PROXY=true: %d hops", c.TrustProxy)
			}
		}},
		{"bad proxy hops", map[string]string{"TRUST_PROXY": "-1"}, "TRUST_PROXY", nil},
		{"bad proxy word", map[string]string{"TRUST_PROXY": "yes"}, "TRUST_PROXY", nil},
		{"pool and account cache defaults", nil, "", func(t *testing.T, c Config) {
			if c.DBConns != 20 || c.DBConnLifetime != 0 || c.AccountCache != 10000 || c.DBStatements != 256 {
				t.Fatalf("pool %d, lifetime %s, account cache %d, statements %d", c.DBConns, c.DBConnLifetime, c.AccountCache, c.DBStatements)
			}
		}},
		{"pool and account cache set", map[string]string{"DB_MAX_CONNS": "32", "DB_CONN_MAX_LIFETIME": "30m", "ACCOUNT_CACHE_SIZE": "0", "DB_STATEMENT_CACHE": "0"}, "",
			func(t *testing.T, c Config) {
				if c.DBConns != 32 || c.DBConnLifetime != 30*time.Minute || c.AccountCache != 0 || c.DBStatements != 0 {
					t.Fatalf("pool %d, lifetime %s, account cache %d", c.DBConns, c.DBConnLifetime, c.AccountCache)
				}
			}},
		{"bad lifetime", map[string]string{"DB_CONN_MAX_LIFETIME": "forever"}, "DB_CONN_MAX_LIFETIME", nil},
		{"bad pool size", map[string]string{"DB_MAX_CONNS": "0"}, "DB_MAX_CONNS", nil},
		{"bad cache size", map[string]string{"ACCOUNT_CACHE_SIZE": "-1"}, "ACCOUNT_CACHE_SIZE", nil},
		{"bad statement cache", map[string]string{"DB_STATEMENT_CACHE": "many"}, "DB_STATEMENT_CACHE", nil},
		{"limits", nil, "", func(t *testing.T, c Config) {
			want := Limits{RequestTimeout: 10 * time.Second, MaxBodyBytes: 1 << 20, ComplexityBudget: 500000,
				ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second}
			if c.Limits != want {
				t.Fatalf("limits %+v, want %+v", c.Limits, want)
			}
		}},
		{"budget off", map[string]string{"COMPLEXITY_BUDGET_PER_MINUTE": "off"}, "", func(t *testing.T, c Config) {
			if c.Limits.ComplexityBudget != 0 {
				t.Fatalf("budget %d", c.Limits.ComplexityBudget)
			}
		}},
		{"budget below the limit", map[string]string{"COMPLEXITY_BUDGET_PER_MINUTE": "1000"}, "COMPLEXITY_BUDGET_PER_MINUTE", nil},
		{"write timeout within the request timeout", map[string]string{"REQUEST_TIMEOUT": "30s"}, "HTTP_WRITE_TIMEOUT", nil},
		{"bad request timeout", map[string]string{"REQUEST_TIMEOUT": "0s"}, "REQUEST_TIMEOUT", nil},
		{"bad rescue", map[string]string{"JOBS_RESCUE_AFTER": "0s"}, "JOBS_RESCUE_AFTER", nil},
		{"GOGC left alone without a heap limit", map[string]string{"GOMEMLIMIT": "off"}, "", func(t *testing.T, c Config) {
			if c.HeapLimit != 0 || c.GCPercent != 0 {
				t.Fatalf("GOMEMLIMIT=off: heap limit %d, GC percent %d", c.HeapLimit, c.GCPercent)
			}
		}},
		{"origins", map[string]string{"CORS_ALLOWED_ORIGINS": " https://a.vn , ,https://b.vn"}, "", func(t *testing.T, c Config) {
			if strings.Join(c.CORSOrigins, "|") != "https://a.vn|https://b.vn" {
				t.Fatalf("origins %q", c.CORSOrigins)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one about %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestCaseSettings(t *testing.T) {
	c, err := Load(func(k string) string {
		return map[string]string{"CITIZEN_SUBMIT_RATE": "3/1m", "TRACKING_RATE": "off", "HOLIDAYS_EXTRA": "2026-11-24, 2027-11-24",
			"WORKDAYS_EXTRA": "2027-05-08", "DEADLINE_FEEDBACK_ANSWER_DAYS": "10", "DUE_SOON_WORKING_DAYS": "3"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.SubmitRate != (Rate{3, time.Minute}) || c.TrackingRate != (Rate{}) || len(c.ExtraHolidays) != 2 ||
		c.Deadlines.FeedbackAnswerDays != 10 || c.Deadlines.DenunciationAcceptWorkingDays != 7 ||
		len(c.ExtraWorkdays) != 1 || !c.ExtraWorkdays[0].Equal(time.Date(2027, 5, 8, 0, 0, 0, 0, time.UTC)) ||
		c.Deadlines.DueSoonWorkingDays != 3 || c.Deadlines.DenunciationMaxExtensionsVeryComplex != 2 {
		t.Fatalf("%+v", c)
	}
	for k, v := range map[string]string{"CITIZEN_SUBMIT_RATE": "lots", "TRACKING_RATE": "5/x", "HOLIDAYS_EXTRA": "24/11/2026",
		"DEADLINE_DENUNCIATION_CONCLUDE_DAYS": "0", "WORKDAYS_EXTRA": "2027-5-8", "DUE_SOON_WORKING_DAYS": "-1",
		"DEADLINE_DENUNCIATION_MAX_EXTENSIONS_COMPLEX": "3", "LOAD_TEST_KEY": "too-short"} {
		if _, err := Load(func(key string) string {
			if key == k {
				return v
			}
			return ""
		}); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: %v", k, v, err)
		}
	}
	both := map[string]string{"HOLIDAYS_EXTRA": "2027-05-08", "WORKDAYS_EXTRA": "2027-05-08"}
	if _, err := Load(func(k string) string { return both[k] }); err == nil || !strings.Contains(err.Error(), "also in HOLIDAYS_EXTRA") {
		t.Errorf("a day both off and worked: %v", err)
	}
}

// TestSeparateLimits: the Open311 POST guard and the single sign-on limit have their own
// settings: turning the reads' limit off leaves the POST guard, and each parses as N/period or off.
func TestSeparateLimits(t *testing.T) {
	load := func(env map[string]string) Config {
		t.Helper()
		c, err := Load(func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := load(map[string]string{"OPEN311_RATE": "off"})
	if c.Open311Rate != (Rate{}) || c.Open311Post != (Rate{120, time.Minute}) || c.Accounts.OIDCRate != (Rate{60, time.Minute}) {
		t.Fatalf("defaults with OPEN311_RATE=off: reads %+v, posts %+v, sign-on %+v", c.Open311Rate, c.Open311Post, c.Accounts.OIDCRate)
	}
	c = load(map[string]string{"OPEN311_POST_RATE": "off", "OIDC_SIGNIN_RATE": "5/10m"})
	if c.Open311Rate != (Rate{120, time.Minute}) || c.Open311Post != (Rate{}) || c.Accounts.OIDCRate != (Rate{5, 10 * time.Minute}) {
		t.Fatalf("set: reads %+v, posts %+v, sign-on %+v", c.Open311Rate, c.Open311Post, c.Accounts.OIDCRate)
	}
	for _, k := range []string{"OPEN311_POST_RATE", "OIDC_SIGNIN_RATE"} {
		if _, err := Load(func(key string) string { return map[string]string{k: "many"}[key] }); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=many: %v", k, err)
		}
	}
}
