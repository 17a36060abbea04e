package app_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/liemchinh/liemchinh/internal/app"
	"github.com/liemchinh/liemchinh/internal/seed"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

func TestMain(m *testing.M) {
	if v := os.Getenv(serveChildEnv); v == "1" || v == "migrate" {
		os.Exit(serveChild()) // a server process of TestTwoProcesses
	}
	testutil.Main(m)
}

// TestBenchProgress runs `bench progress` and `bench search` on a tiny synthetic nation: they print
// the timings of every query, and fail on a database without the national data.
func TestBenchProgress(t *testing.T) {
	if !strings.Contains(strings.Join(testutil.Dialects(), ","), dialect.Postgres) {
		t.Skip("the national data needs PostgreSQL: set " + testutil.EnvPostgres)
	}
	ctx := context.Background()
	empty := testutil.Open(t, dialect.Postgres)
	var out, logs bytes.Buffer
	err := app.Run(ctx, []string{"bench", "progress", "--iterations", "2", "--warmup", "0"},
		env("DATABASE_URL", empty.URL, "APP_ENV", "test"), &out, &logs)
	if err == nil || !strings.Contains(err.Error(), "seed --national") {
		t.Fatalf("bench on an empty database: %v", err)
	}

	db := testutil.Open(t, dialect.Postgres)
	if _, err := seed.National(ctx, db.DB, seed.NationalOptions{Scale: 0.001, Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = app.Run(ctx, []string{"bench", "progress", "--iterations", "5", "--warmup", "1"},
		env("DATABASE_URL", db.URL, "APP_ENV", "test"), &out, &logs)
	if err != nil {
		t.Fatalf("bench: %v\n%s\n%s", err, out.String(), logs.String())
	}
	t.Logf("\n%s", out.String())
	for _, want := range []string{"progress nation", "progress province", "progress unit", "ranking nation",
		"ranking province", "progressSeries nation", "progressSeries unit", "median(nation)/median(unit) =", "p99"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}

	out.Reset()
	err = app.Run(ctx, []string{"bench", "search", "--iterations", "3", "--warmup", "1"},
		env("DATABASE_URL", db.URL, "APP_ENV", "test"), &out, &logs)
	if err != nil {
		t.Fatalf("bench search: %v\n%s\n%s", err, out.String(), logs.String())
	}
	t.Logf("\n%s", out.String())
	for _, want := range []string{"officials 'nguyen van' admin", "officials 'nguyen van' province", "units 'uy ban' admin",
		"cases tracking code admin", "p99"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("bench search output lacks %q", want)
		}
	}
}
