// Package edgepage pages a nested connection (the first n children of each of many parents) by
// reading only the rows it keeps.
//
// entgql pages a nested edge with entgql.LimitPerRow: it numbers every child of every parent with a
// ROW_NUMBER() window and keeps the first n of each, so a province with 5,224 units is read whole
// to show 20 of them. LimitPerRow here asks each parent for its own first n instead:
//
//   - PostgreSQL: the loader's parents, then a LATERAL subquery per parent with
//     ORDER BY ... LIMIT n, which an index on (parent, order key) answers by reading n entries
//     (the loader's "parent IN (parents)" is left out of it: see Parents);
//   - SQLite (no LATERAL): the same per-parent LIMIT as a correlated subquery on the primary key.
//
// The generated code calls it in place of entgql.LimitPerRow (ent/entc.go rewrites the call in
// entgql's collection template), with the same arguments and the same result: the same rows, in
// the page's order (the connection is built from the rows in the order they come).
package edgepage

import (
	"context"
	"database/sql/driver"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
	"github.com/lib/pq"
)

// parentAlias names the derived table of distinct parents (its column keeps the partition
// column's name); pageAlias the kept rows, read back under the table's own name.
const parentAlias, pageAlias = "edge_parents", "edge_page"

// LimitPerRow returns a modifier that keeps, of the rows the selector s reads, the first limit of
// each value of partitionBy (an unqualified column of s's table) in the order orderBy, and returns
// them in that order.
//
// s is an eager-loading query of one table: its WHERE holds the loader's "partitionBy IN
// (parents)", the cursors of the page and the viewer's read filter, all of which are kept, for
// the parents and for each parent's page. Some of those predicates name their columns through s
// when the query is written, so s ends as a query of a table with the original name (a WITH
// query), as with entgql.LimitPerRow.
func LimitPerRow(partitionBy string, limit int, orderBy ...sql.Querier) func(s *sql.Selector) {
	return func(s *sql.Selector) {
		s.SetDistinct(false)
		table, columns, d := s.TableName(), s.UnqualifiedColumns(), sql.Dialect(s.Dialect())
		parents := s.Clone()
		parents.Select(parents.C(partitionBy)).Distinct()
		loaded, _ := s.Context().Value(parentsKey{}).(*parentList)
		if loaded != nil && (len(loaded.values) == 0 || loaded.column != s.C(partitionBy)) {
			loaded = nil
		}
		if s.Dialect() == dialect.Postgres && loaded != nil {
			// The parents straight from the loader's list, without reading the table for them (a
			// parent without rows has an empty page), and in each parent's page the loader's
			// predicate written as TRUE (Parents): it holds there, by "partitionBy =
			// edge_parents.partitionBy".
			loaded.inPage = true
			parents = listed(d, partitionBy, loaded.values)
		}
		page := s.Clone()
		page.Where(sql.ColumnsEQ(page.C(partitionBy), d.Table(parentAlias).C(partitionBy))).
			OrderExpr(orderBy...).Limit(limit)
		var from sql.Querier
		if s.Dialect() == dialect.Postgres {
			from = lateral(parents, page, table)
		} else {
			from = correlated(parents, page.Select(page.C("id")), table)
		}
		kept := d.Select(qualify(d, table, columns)...).FromExpr(from)
		*s = *d.Select(columns...).From(d.Table(pageAlias).As(table)).
			Prefix(d.With(pageAlias).As(kept)).OrderExpr(orderBy...)
	}
}

// listed is, on PostgreSQL, the distinct values as a one-column query named column:
//
//	SELECT DISTINCT (unnest($1::text[])) AS column
//
// Reading the parents from the table instead (SELECT DISTINCT t.p FROM t WHERE t.p IN (...))
// cost 1,213 of the 2,679 buffers of 126 officials' pledges on the national seed. The values are
// ids, text like the columns holding them, passed as one array so that the statement's text is
// the same for any number of parents (the connection's prepared statement is reused: see
// internal/store/stmtcache.go); values that are not all text are listed one by one.
func listed(d *sql.DialectBuilder, column string, values []driver.Value) *sql.Selector {
	return d.Select().AppendSelectExprAs(sql.ExprFunc(func(b *sql.Builder) {
		if texts, ok := textArray(values); ok {
			b.WriteString("unnest(").Arg(texts).WriteString("::text[])")
			return
		}
		b.WriteString("unnest(ARRAY[")
		for i, v := range values {
			if i > 0 {
				b.Comma()
			}
			b.Arg(v)
		}
		b.WriteString("])")
	}), column).Distinct()
}

// textArray returns values as one PostgreSQL text array when they are all strings.
func textArray(values []driver.Value) (pq.StringArray, bool) {
	out := make(pq.StringArray, len(values))
	for i, v := range values {
		s, ok := v.(string)
		if !ok {
			return nil, false
		}
		out[i] = s
	}
	return out, true
}

// In is "column IN (values)" as the field collection counts a nested connection's rows per
// parent (the generated code calls it in place of sql.InValues: see pageEdgesPerParent in
// ent/entc.go). On PostgreSQL, when the values are text, it is "column = ANY($1)" with the values
// as one array: one statement text for any number of parents, which the connection prepares once.
// The list is noted in s's context, for Listed.
func In(s *sql.Selector, column string, values ...driver.Value) *sql.Predicate {
	s.WithContext(context.WithValue(s.Context(), parentsKey{}, &parentList{column: column, values: values}))
	return inList(s.Dialect(), column, values)
}

// inList writes "column IN (values)", as one array argument on PostgreSQL when the values are text.
func inList(dia, column string, values []driver.Value) *sql.Predicate {
	if dia == dialect.Postgres {
		if texts, ok := textArray(values); ok {
			return sql.P(func(b *sql.Builder) {
				b.WriteString(column).WriteString(" = ANY(").Arg(texts).WriteString(")")
			})
		}
	}
	return sql.InValues(column, values...)
}

// Listed is "as IN (the parents)" when s is the query of an eager loader or a nested count whose
// parents are a list of values of column (Parents, In), and nil otherwise. A read filter that
// looks column up in a subquery (the units of a province) can add it there: the rows already have
// one of those values, so the answer is the same, and the subquery reads the listed rows instead
// of all it would otherwise hold.
func Listed(s *sql.Selector, column, as string) *sql.Predicate {
	l, _ := s.Context().Value(parentsKey{}).(*parentList)
	if l == nil || l.column != column || len(l.values) == 0 {
		return nil
	}
	return inList(s.Dialect(), as, l.values)
}

// lateral is, on PostgreSQL,
//
//	(SELECT DISTINCT t.p FROM t WHERE w) AS edge_parents
//	CROSS JOIN LATERAL (SELECT <columns> FROM t WHERE w AND t.p = edge_parents.p ORDER BY o LIMIT n) AS t
func lateral(parents, page *sql.Selector, table string) sql.Querier {
	return sql.ExprFunc(func(b *sql.Builder) {
		b.Wrap(func(b *sql.Builder) { b.Join(parents) }).WriteString(" AS ").Ident(parentAlias).
			WriteString(" CROSS JOIN LATERAL ").
			Wrap(func(b *sql.Builder) { b.Join(page) }).WriteString(" AS ").Ident(table)
	})
}

// correlated is the same on SQLite (and any dialect without LATERAL), by primary key:
//
//	(SELECT DISTINCT t.p FROM t WHERE w) AS edge_parents
//	JOIN t ON t.id IN (SELECT t.id FROM t WHERE w AND t.p = edge_parents.p ORDER BY o LIMIT n)
//
// In the subquery t names its own FROM (the inner scope wins), and edge_parents the outer row.
func correlated(parents, page *sql.Selector, table string) sql.Querier {
	return sql.ExprFunc(func(b *sql.Builder) {
		b.Wrap(func(b *sql.Builder) { b.Join(parents) }).WriteString(" AS ").Ident(parentAlias).
			WriteString(" JOIN ").Ident(table).WriteString(" ON ").Ident(table).WriteString(".").Ident("id").
			WriteString(" IN ").Wrap(func(b *sql.Builder) { b.Join(page) })
	})
}

// qualify names columns of table, as the query that keeps the rows reads two tables.
func qualify(d *sql.DialectBuilder, table string, columns []string) []string {
	out := make([]string, len(columns))
	t := d.Table(table)
	for i, c := range columns {
		out[i] = t.C(c)
	}
	return out
}

// parentsKey holds, in an eager-loading selector's context, the loader's list of parents.
type parentsKey struct{}

// parentList is the loader's "column IN (values)"; inPage is set when the list is the page's
// edge_parents, and the predicate then writes TRUE.
type parentList struct {
	column string
	values []driver.Value
	inPage bool
}

// Parents is the predicate "column IN (values)" with which an eager loader restricts the rows it
// reads to those of its parents (the generated code calls it in place of sql.InValues: see
// markEdgeParents in ent/entc.go). It is written as In writes it unless LimitPerRow pages the
// rows on PostgreSQL: there the parents become the page's edge_parents, and the predicate TRUE in
// each parent's page. Left in it, PostgreSQL used it as an index condition beside "column =
// edge_parents.column" and probed the index once per parent for every parent: 126 officials'
// pledges cost 15,876 probes and 29 ms on the national seed.
func Parents(s *sql.Selector, column string, values ...driver.Value) *sql.Predicate {
	list := &parentList{column: column, values: values}
	s.WithContext(context.WithValue(s.Context(), parentsKey{}, list))
	in := inList(s.Dialect(), column, values)
	return sql.P(func(b *sql.Builder) {
		if list.inPage {
			b.WriteString("TRUE")
			return
		}
		b.Join(in)
	})
}
