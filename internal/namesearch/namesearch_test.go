package namesearch_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/namesearch"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Main(m) }

func TestKeys(t *testing.T) {
	type k = namesearch.Key
	for in, want := range map[string][]k{
		"nguyen van an":     {{"nguyen van an", 0}, {"van an", 0}, {"an", 0}},
		"van thi van":       {{"van thi van", 0}, {"thi van", 0}, {"van", 3}},
		"an an":             {{"an an", 0}, {"an", 2}},
		"nguyen thi nguyet": {{"nguyen thi nguyet", 0}, {"thi nguyet", 0}, {"nguyet", 5}},
		"đỗ":                {{"đỗ", 0}}, // runes, not bytes (a search form never has them, Keys does not care)
		"a":                 {{"a", 0}},
		"":                  {},
	} {
		if got := namesearch.Keys(in); !slices.Equal(got, want) {
			t.Errorf("Keys(%q) = %v, want %v", in, got, want)
		}
	}
}

// TestCountsEachOfficialOnce: a query matching two word starts of one name ("van" in Văn Thị Vân,
// "nguy" in Nguyễn Thị Nguyệt) counts and lists that official once, and a longer query still
// finds the later word start alone.
func TestCountsEachOfficialOnce(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		w := testutil.NewWorld(t, db, testutil.Config(t, nil))
		ctx := authz.System(context.Background(), authz.SysTestFixture)
		queries := map[string]int{"van": 2, "va": 2, "van thi": 1, "thi van": 1, "nguy": 1, "nguyet": 1, "thi": 2}
		counts := func() map[string][2]int {
			t.Helper()
			out := map[string][2]int{}
			for q := range queries {
				n, err := namesearch.Count(ctx, db.Client, q)
				if err != nil {
					t.Fatal(err)
				}
				match, err := namesearch.Officials(ctx, q, nil)
				if err != nil {
					t.Fatal(err)
				}
				ids, err := db.Client.Official.Query().Where(match).IDs(ctx)
				if err != nil {
					t.Fatal(err)
				}
				out[q] = [2]int{n, len(ids)}
			}
			return out
		}
		before := counts() // the world's own officials
		for i, name := range []string{"Văn Thị Vân", "Nguyễn Thị Nguyệt", "Lê Vân"} {
			if _, err := db.Client.Official.Create().SetFullName(name).SetCategory(official.CategoryCONG_CHUC).
				SetEmployeeCode(fmt.Sprintf("K-%d", i)).SetActiveFrom(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)).
				SetUnitID(w.A.ChildUnit).Save(ctx); err != nil {
				t.Fatal(err)
			}
		}
		for q, got := range counts() {
			if n, ids := got[0]-before[q][0], got[1]-before[q][1]; n != queries[q] || ids != queries[q] {
				t.Errorf("%q: %d more counted, %d more officials; want %d", q, n, ids, queries[q])
			}
		}
	})
}

// TestBackfill: the migration's backfill writes, page by page, exactly the keys the hook writes.
func TestBackfill(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		testutil.NewWorld(t, db, testutil.Config(t, nil))
		ctx := context.Background()
		dump := func() []string {
			t.Helper()
			rows, err := db.SQL.QueryContext(ctx, `SELECT key, overlap, official_id, unit_id FROM official_name_keys ORDER BY key, official_id`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var k, o, u string
				var overlap int
				if err := rows.Scan(&k, &overlap, &o, &u); err != nil {
					t.Fatal(err)
				}
				out = append(out, fmt.Sprintf("%s|%d|%s|%s", k, overlap, o, u))
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
