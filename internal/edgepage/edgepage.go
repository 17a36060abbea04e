// Package edgepage pages a nested connection (the first n children of each of many parents) by
// reading only the rows it keeps.
//
// entgql pages a nested edge with entgql.LimitPerRow: it numbers every child of every parent with a
// ROW_NUMBER() window and keeps the first n of each, so a province with 5,224 units is read whole
// to show 20 of them. LimitPerRow here asks each parent for its own first n instead:
//
//   - PostgreSQL: the parents that have a matching child, then a LATERAL subquery per parent with
//     ORDER BY ... LIMIT n, which an index on (parent, order key) answers by reading n entries;
//   - SQLite (no LATERAL): the same per-parent LIMIT as a correlated subquery on the primary key.
//
// The generated code calls it in place of entgql.LimitPerRow (ent/entc.go rewrites the call in
// entgql's collection template), with the same arguments and the same result: the same rows, in
// the page's order (the connection is built from the rows in the order they come).
package edgepage

import (
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
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
