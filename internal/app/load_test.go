package app_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/lib/pq"

	"github.com/liemchinh/liemchinh/internal/app"
)

// TestLoadCommand runs `liemchinh load` briefly with more clients than the database pool has
// connections: every submission must be answered and stored (this caught a pool deadlock when a
// mutation read through the root client while holding its transaction).
func TestLoadCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("load")
	}
	urls := map[string]string{"sqlite": "sqlite:" + t.TempDir() + "/load.db"}
	if base := os.Getenv("LIEMCHINH_TEST_DATABASE_URL"); base != "" {
		urls["postgres"] = freshDatabase(t, base)
	}
	for name, dbURL := range urls {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			err := app.Run(context.Background(), []string{"load", "--clients", "24", "--duration", "2s"},
				env("DATABASE_URL", dbURL, "APP_ENV", "test", "BLOB_DIR", t.TempDir()), &out, io.Discard)
			if err != nil {
				t.Fatalf("load: %v\n%s", err, out.String())
			}
			m := regexp.MustCompile(`ok (\d+), errors (\d+)`).FindStringSubmatch(out.String())
			if m == nil {
				t.Fatalf("no figures in:\n%s", out.String())
			}
			if ok, _ := strconv.Atoi(m[1]); ok == 0 || m[2] != "0" {
				t.Fatalf("load answered %s ok with %s errors:\n%s", m[1], m[2], out.String())
			}
			t.Log(out.String())
		})
	}
}

// freshDatabase creates an empty database next to base and drops it when the test ends.
func freshDatabase(t *testing.T, base string) string {
	t.Helper()
	admin, err := sql.Open("postgres", base)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("lc_app_%d", time.Now().UnixNano())
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		admin.Close()
	})
	u, _ := url.Parse(base)
	u.Path = "/" + name
	return u.String()
}

// TestLoadAgainstURL drives a separately started server (serve, with the default per-address
// submission limit of 5 per 10 minutes) with `load --url`, counting in the server's database: with
// the server's LOAD_TEST_KEY every submission goes through; without it, the limit refuses them.
func TestLoadAgainstURL(t *testing.T) {
	if testing.Short() {
		t.Skip("load")
	}
	urls := map[string]string{"sqlite": "sqlite:" + t.TempDir() + "/load.db"}
	if base := os.Getenv("LIEMCHINH_TEST_DATABASE_URL"); base != "" {
		urls["postgres"] = freshDatabase(t, base)
	}
	const key = "a-load-test-key-for-this-test"
	for name, dbURL := range urls {
		t.Run(name, func(t *testing.T) {
			base, _, _, _ := serveEmbedded(t, "DATABASE_URL", dbURL, "APP_ENV", "test", "BLOB_DIR", t.TempDir(),
				"LOAD_TEST_KEY", key)
			load := func(key string) (string, error) {
				var out bytes.Buffer
				err := app.Run(context.Background(), []string{"load", "--url", base + "/query", "--clients", "4", "--duration", "1s"},
					env("DATABASE_URL", dbURL, "APP_ENV", "test", "LOAD_TEST_KEY", key), &out, io.Discard)
				return out.String(), err
			}
			out, err := load(key)
			if err != nil {
				t.Fatalf("load with the key: %v\n%s", err, out)
			}
			m := regexp.MustCompile(`ok (\d+), errors (\d+)`).FindStringSubmatch(out)
			stored := regexp.MustCompile(`cases stored with this run's marker: (\d+) `).FindStringSubmatch(out)
			if m == nil || stored == nil {
				t.Fatalf("no figures in:\n%s", out)
			}
			if ok, _ := strconv.Atoi(m[1]); ok <= 5 || m[2] != "0" || stored[1] != m[1] {
				t.Fatalf("with the key: %s ok, %s errors, %s stored (want more than the limit's 5, no error, all stored):\n%s",
					m[1], m[2], stored[1], out)
			}
			for _, wrong := range []string{"", "another-key-of-enough-length"} {
				out, err := load(wrong)
				if err == nil || !strings.Contains(out+err.Error(), "RATE_LIMITED") {
					t.Fatalf("load with key %q was not limited (%v):\n%s", wrong, err, out)
				}
			}
		})
	}
}
