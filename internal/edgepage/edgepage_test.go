package edgepage

import (
	"slices"
	"strings"
	"testing"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
)

// TestParentsLeftOutOfEachPage: on PostgreSQL the loader's parent list is the parents of the
// LATERAL pages (unnested, not looked up in the table), and written TRUE inside each page (an
// index condition there, it cost a probe per listed parent for every parent); the page keeps
// every other predicate. On SQLite, and for a loader that is not paged, the list stays where the
// loader put it.
func TestParentsLeftOutOfEachPage(t *testing.T) {
	build := func(dia string, paged bool) (string, []any) {
		d := sql.Dialect(dia)
		s := d.Select().From(d.Table("pledges"))
		s.Select(s.Columns("id", "official_pledges", "year")...)
		s.Where(Parents(s, s.C("official_pledges"), "o1", "o2", "o3"))
		s.Where(sql.GT(s.C("year"), 2024)) // a cursor or the viewer's filter
		if paged {
			LimitPerRow("official_pledges", 2, sql.ExprFunc(func(b *sql.Builder) { b.WriteString(s.C("id")) }))(s)
		}
		return s.Query()
	}
	count := func(args []any, v any) int {
		n := 0
		for _, a := range args {
			if a == v {
				n++
			}
		}
		return n
	}

	q, args := build(dialect.Postgres, true)
	for _, v := range []any{"o1", "o2", "o3"} {
		if n := count(args, v); n != 1 {
			t.Errorf("PostgreSQL: parent %v is an argument %d times, want once (the parents): %s %v", v, n, q, args)
		}
	}
	if n := count(args, 2024); n != 1 {
		t.Errorf("PostgreSQL: the page's own predicate is an argument %d times, want once: %s %v", n, q, args)
	}
	lateral := q[strings.Index(q, "CROSS JOIN LATERAL"):]
	if parents := q[strings.Index(q, "FROM"):strings.Index(q, "CROSS JOIN LATERAL")]; !strings.Contains(parents, "SELECT DISTINCT (unnest(ARRAY[$1, $2, $3])) AS \"official_pledges\"") ||
		strings.Contains(parents, `FROM "pledges"`) {
		t.Errorf("PostgreSQL: the parents should be the loader's list, not read from the table: %s", q)
	}
	if !strings.Contains(lateral, "WHERE TRUE AND") || !strings.Contains(lateral, `"pledges"."official_pledges" = "edge_parents"."official_pledges"`) ||
		!strings.Contains(lateral, "LIMIT 2") {
		t.Errorf("PostgreSQL: each page should be the parent's rows with the loader's list as TRUE: %s", q)
	}

	q, args = build(dialect.SQLite, true)
	if n := count(args, "o2"); n != 2 {
		t.Errorf("SQLite: parent o2 is an argument %d times, want twice (parents and page): %s %v", n, q, args)
	}
	for _, dia := range []string{dialect.Postgres, dialect.SQLite} {
		q, args = build(dia, false)
		if !slices.Equal(args, []any{"o1", "o2", "o3", 2024}) || !strings.Contains(strings.ReplaceAll(q, "`", `"`), `"pledges"."official_pledges" IN (`) {
			t.Errorf("%s, not paged: the loader's list should be as written: %s %v", dia, q, args)
		}
	}
}
