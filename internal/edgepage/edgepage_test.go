package edgepage

import (
	"database/sql/driver"
	"slices"
	"strings"
	"testing"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
	"github.com/lib/pq"
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
	if len(args) != 2 || !slices.Equal(args[0].(pq.StringArray), pq.StringArray{"o1", "o2", "o3"}) || args[1] != 2024 {
		t.Errorf("PostgreSQL: the arguments should be the parents as one array, then the page's own predicate: %s %v", q, args)
	}
	lateral := q[strings.Index(q, "CROSS JOIN LATERAL"):]
	if parents := q[strings.Index(q, "FROM"):strings.Index(q, "CROSS JOIN LATERAL")]; !strings.Contains(parents, "SELECT DISTINCT (unnest($1::text[])) AS \"official_pledges\"") ||
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
	q, args = build(dialect.SQLite, false)
	if !slices.Equal(args, []any{"o1", "o2", "o3", 2024}) || !strings.Contains(strings.ReplaceAll(q, "`", `"`), `"pledges"."official_pledges" IN (`) {
		t.Errorf("SQLite, not paged: the loader's list should be as written: %s %v", q, args)
	}
	q, args = build(dialect.Postgres, false)
	if len(args) != 2 || !slices.Equal(args[0].(pq.StringArray), pq.StringArray{"o1", "o2", "o3"}) ||
		!strings.Contains(q, `"pledges"."official_pledges" = ANY($1)`) {
		t.Errorf("PostgreSQL, not paged: the loader's list should be one array: %s %v", q, args)
	}
}

// TestInOneText: on PostgreSQL a list of text parents is one array argument, so the statement's
// text does not change with their number; other values, and SQLite, keep the IN list.
func TestInOneText(t *testing.T) {
	text := func(dia string, values ...driver.Value) (string, []any) {
		d := sql.Dialect(dia)
		s := d.Select("n").From(d.Table("officials"))
		s.Where(In(s, s.C("unit_officials"), values...))
		return s.Query()
	}
	one, _ := text(dialect.Postgres, "u1")
	three, args := text(dialect.Postgres, "u1", "u2", "u3")
	if one != three || len(args) != 1 {
		t.Errorf("PostgreSQL: 1 and 3 parents should share a text with one argument: %q, %q %v", one, three, args)
	}
	if q, args := text(dialect.Postgres, 1, 2); !strings.Contains(q, "IN ($1, $2)") || len(args) != 2 {
		t.Errorf("PostgreSQL, numbers: %s %v", q, args)
	}
	if q, args := text(dialect.SQLite, "u1", "u2"); !strings.Contains(q, "IN (?, ?)") || len(args) != 2 {
		t.Errorf("SQLite: %s %v", q, args)
	}
}
