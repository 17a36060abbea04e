package progress_test

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/liemchinh/liemchinh/internal/progress"
	"github.com/liemchinh/liemchinh/internal/sealbox"
	"github.com/liemchinh/liemchinh/internal/seed"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// counters reads every counter, the shards added up, zeros left out.
func counters(t *testing.T, db *testutil.DB) map[string]int64 {
	t.Helper()
	rows, err := db.SQL.QueryContext(context.Background(),
		"SELECT scope, year, key, sum(value) FROM progress_counters GROUP BY 1, 2, 3 HAVING sum(value) <> 0")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var scope, key string
		var year, v int64
		if err := rows.Scan(&scope, &year, &key, &v); err != nil {
			t.Fatal(err)
		}
		out[fmt.Sprintf("%s %d %s", scope, year, key)] = v
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// sameCounters fails the test when two sets of counters differ, naming the first differences.
func sameCounters(t *testing.T, what string, want, got map[string]int64) {
	t.Helper()
	if len(want) == 0 {
		t.Fatalf("%s: no counters to compare", what)
	}
	var diffs []string
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if got[k] != want[k] {
			diffs = append(diffs, fmt.Sprintf("%s: want %d, got %d", k, want[k], got[k]))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: want none, got %d", k, got[k]))
		}
	}
	if len(diffs) > 0 {
		t.Errorf("%s: %d of %d counters differ, first: %v", what, len(diffs), len(want), diffs[:min(10, len(diffs))])
	}
}

// rebuiltBothWays rebuilds the counters in Go (the rules the hooks apply to each change) then
// set-based (Rebuild on PostgreSQL), and checks they are the same, record for record.
func rebuiltBothWays(t *testing.T, db *testutil.DB, now time.Time) map[string]int64 {
	t.Helper()
	svc := progress.New(db.DB, func() time.Time { return now })
	if err := svc.RebuildInGo(sys, now); err != nil {
		t.Fatal(err)
	}
	inGo := counters(t, db)
	if err := svc.RebuildInTx(sys, now); err != nil {
		t.Fatal(err)
	}
	sameCounters(t, "set-based rebuild in one transaction against the Go one", inGo, counters(t, db))
	if err := svc.Rebuild(sys); err != nil {
		t.Fatal(err)
	}
	setBased := counters(t, db)
	sameCounters(t, "set-based rebuild on several connections against the Go one", inGo, setBased)
	var staged int
	if err := db.SQL.QueryRow("SELECT count(*) FROM pg_class WHERE relname LIKE 'progress_rebuild_%'").Scan(&staged); err != nil {
		t.Fatal(err)
	}
	if staged != 0 {
		t.Errorf("the rebuild left %d staging tables behind", staged)
	}
	return setBased
}

func TestSetBasedRebuildOnDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the whole demo")
	}
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		if dia != dialect.Postgres {
			t.Skip("SQLite rebuilds in Go")
		}
		db, _ := demo(t, dia)
		rebuiltBothWays(t, db, demoNow)
		// And on another day: the current year's reference day moves, deadlines pass.
		rebuiltBothWays(t, db, demoNow.Add(40*24*time.Hour+5*time.Minute))
	})
}

func TestSetBasedRebuildOnNationalSeed(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a small national seed")
	}
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		if dia != dialect.Postgres {
			t.Skip("the national seed needs PostgreSQL")
		}
		db := testutil.Open(t, dia)
		box, err := sealbox.New(bytes.Repeat([]byte{7}, 32))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := seed.National(context.Background(), db.DB, seed.NationalOptions{Scale: 0.002, Now: demoNow, Box: box}); err != nil {
			t.Fatal(err)
		}
		got := rebuiltBothWays(t, db, demoNow)
		// A pool with no connection to spare for the steps rebuilds in its transaction alone,
		// after a few seconds, rather than wait with the counters locked.
		db.SQL.SetMaxOpenConns(1)
		if err := progress.New(db.DB, func() time.Time { return demoNow }).Rebuild(sys); err != nil {
			t.Fatal(err)
		}
		db.SQL.SetMaxOpenConns(0)
		sameCounters(t, "rebuild on a pool of one connection", got, counters(t, db))
		if got["nation 2026 headcount"] == 0 || got["nation 2025 pledge"] == 0 || got["nation 2025 case.received"] == 0 {
			t.Errorf("the national seed counts no officials, pledges or cases: %d, %d, %d",
				got["nation 2026 headcount"], got["nation 2025 pledge"], got["nation 2025 case.received"])
		}
	})
}
