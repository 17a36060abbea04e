package namesearch_test

import (
	"context"
	"slices"
	"testing"

	"github.com/liemchinh/liemchinh/internal/namesearch"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Main(m) }

func TestKeys(t *testing.T) {
	for in, want := range map[string][]string{
		"nguyen van an": {"nguyen van an", "van an", "an"},
		"van thi van":   {"van thi van", "thi van", "van"},
		"an an":         {"an an", "an"},
		"a":             {"a"},
		"":              {},
	} {
		if got := namesearch.Keys(in); !slices.Equal(got, want) {
			t.Errorf("Keys(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestBackfill: the migration's backfill writes, page by page, exactly the keys the hook writes.
func TestBackfill(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		testutil.NewWorld(t, db, testutil.Config(t, nil))
		ctx := context.Background()
		dump := func() []string {
			t.Helper()
			rows, err := db.SQL.QueryContext(ctx, `SELECT key, official_id, unit_id FROM official_name_keys ORDER BY key, official_id`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var k, o, u string
				if err := rows.Scan(&k, &o, &u); err != nil {
					t.Fatal(err)
				}
				out = append(out, k+"|"+o+"|"+u)
			}
			return out
		}
		byHook := dump()
		if len(byHook) < 10 {
			t.Fatalf("%d keys written by the hook for the world's officials", len(byHook))
		}
		if _, err := db.SQL.ExecContext(ctx, `DELETE FROM official_name_keys`); err != nil {
			t.Fatal(err)
		}
		namesearch.SetBackfillPage(3)
		t.Cleanup(func() { namesearch.SetBackfillPage(20000) })
		tx, err := db.SQL.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := namesearch.Backfill(ctx, tx, dia); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if got := dump(); !slices.Equal(got, byHook) {
			t.Errorf("backfill wrote %d keys, the hook %d:\n%q\nwant\n%q", len(got), len(byHook), got, byHook)
		}
	})
}
