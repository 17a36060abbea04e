package graph

import (
	"context"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/dialect/sql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/liemchinh/liemchinh/ent"

	"github.com/liemchinh/liemchinh/ent/predicate"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/casework"
	"github.com/liemchinh/liemchinh/internal/fold"
	"github.com/liemchinh/liemchinh/internal/namesearch"
)

// wordStarts matches a folded column whose words, from some word on, begin with the folded
// query's words in order: "nguyen van a" finds "nguyen van an" and "tran nguyen van anh", not
// "nguyen thi van a". Two LIKEs (at the start, after a space) that pg_trgm's GIN index serves on
// PostgreSQL. nil when there is nothing to search for (no search, or only punctuation).
func wordStarts(column string, search *string) func(*sql.Selector) {
	if search == nil {
		return nil
	}
	q := fold.Query(*search)
	if q == "" {
		return nil
	}
	return func(s *sql.Selector) {
		c := s.C(column)
		s.Where(sql.Or(sql.HasPrefix(c, q), sql.Contains(c, " "+q)))
	}
}

// caseSearch is the cases predicate of a search (a tracking code), decided by authz.
func caseSearch(ctx context.Context, search *string) (predicate.CitizenCase, error) {
	if search == nil {
		return nil, nil
	}
	return authz.CaseSearch(ctx, casework.NormalizeTrackingCode(*search))
}

// officialsSearch pages the officials a search finds. Without a where filter, totalCount (and a
// pageInfo without edges) are counted from the name keys alone (namesearch.Count, filtered by the
// same scope rule): the page is read by the generated pager, told that nobody asked for the count
// so that it does not count the officials' rows again.
func officialsSearch(ctx context.Context, c *ent.Client, q string, after *entgql.Cursor[string], first *int,
	before *entgql.Cursor[string], last *int, orderBy *ent.OfficialOrder, where *ent.OfficialWhereInput) (*ent.OfficialConnection, error) {
	fc := graphql.GetFieldContext(ctx)
	var page *namesearch.Page
	if fc != nil && where == nil && orderBy == nil && first != nil && before == nil && last == nil {
		// The default order (id) forward: the keys choose the page (first, and one more to tell
		// whether a next page exists, as the pager asks).
		page = &namesearch.Page{Limit: *first + 1}
		if after != nil {
			page.After = after.ID
		}
	}
	match, err := namesearch.Officials(ctx, q, page)
	if err != nil {
		return nil, err
	}
	query := c.Official.Query().Where(match)
	opts := []ent.OfficialPaginateOption{ent.WithOfficialOrder(orderBy), ent.WithOfficialFilter(where.Filter)}
	if where != nil || fc == nil {
		return query.Paginate(ctx, after, first, before, last, opts...)
	}
	op := graphql.GetOperationContext(ctx)
	var kept ast.SelectionSet
	counted, edges := false, false
	for _, f := range graphql.CollectFields(op, fc.Field.Selections, nil) {
		switch f.Name {
		case "totalCount", "pageInfo":
			counted = true
			continue
		case "edges":
			edges = true
		}
		field := *f.Field
		field.SelectionSet = f.Selections
		kept = append(kept, &field)
	}
	if !counted {
		return query.Paginate(ctx, after, first, before, last, opts...)
	}
	inner := *fc
	inner.Field.Selections = kept
	conn, err := query.Paginate(graphql.WithFieldContext(ctx, &inner), after, first, before, last, opts...)
	if err != nil {
		return nil, err
	}
	if conn.TotalCount, err = namesearch.Count(ctx, c, q); err != nil {
		return nil, err
	}
	if !edges {
		conn.PageInfo.HasNextPage = first != nil && conn.TotalCount > 0
		conn.PageInfo.HasPreviousPage = last != nil && conn.TotalCount > 0
	}
	return conn, nil
}
