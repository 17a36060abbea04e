package server_test

import (
	"log/slog"
	"runtime"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/liemchinh/liemchinh/internal/config"
	"github.com/liemchinh/liemchinh/internal/server"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// TestBuildLeaksNothingOnError: a server that fails to build leaves nothing running behind it:
// no goroutine (the limits' sweeper, the broker's listener, the job queue) and, on PostgreSQL, no
// connection of its own (the broker's, the limits' pool). Once with a REPORTER_KEY the sealed
// store cannot use (which config.Load refuses; set here past it), refused before anything is
// opened, and once with a failure after the broker and the limits are open (an unreadable FCM
// service account).
func TestBuildLeaksNothingOnError(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		connections := func() int {
			if dia != dialect.Postgres {
				return 0
			}
			var n int
			if err := db.SQL.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
				AND pid <> pg_backend_pid()`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		db.SQL.SetMaxIdleConns(1) // the test's own reads hold one connection, always the same
		connections()
		cases := map[string]func(*config.Config){
			"reporter key of 48 bytes": func(c *config.Config) {
				c.ReporterKey = "cmVwb3J0ZXIta2V5LW9mLWZvcnR5LWVpZ2h0LWJ5dGVzLWxvbmctLS0tLS0tLS0t"
			},
			"reporter key not base64": func(c *config.Config) { c.ReporterKey = "not base64!" },
			"unreadable FCM account":  func(c *config.Config) { c.Notify.Sender, c.Notify.Credentials = "fcm", "{not json" },
		}
		for name, breakIt := range cases {
			cfg := testutil.Config(t, nil)
			cfg.DatabaseURL = db.URL
			cfg.BlobDir = t.TempDir()
			breakIt(&cfg)
			goroutines, conns := runtime.NumGoroutine(), connections()
			if _, err := server.Build(cfg, slog.New(slog.DiscardHandler), db.DB, time.Now); err == nil {
				t.Fatalf("%s: built", name)
			}
			// What was started may take a moment to end once closed: wait for it, boundedly.
			var g, c int
			for range 100 {
				if g, c = runtime.NumGoroutine(), connections(); g <= goroutines && c <= conns {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			if g > goroutines || c > conns {
				t.Errorf("%s: %d goroutines before, %d after; %d other connections before, %d after", name, goroutines, g, conns, c)
			}
		}
	})
}
