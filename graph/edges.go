package graph

import (
	"context"

	"entgo.io/contrib/entgql"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/internal/authz"
)

// casesEdge resolves a cases edge (Official.cases, Unit.cases) with its where argument: the page
// entgql eager-loaded or loads (load, filtered by where alone), unless where asks about the
// reporter of a viewer who may be the person concerned; then the edge's own query (q) with the
// guard of Query.cases, so that the edge tells no more than the root list.
func casesEdge(ctx context.Context, q *ent.CitizenCaseQuery, load func() (*ent.CaseConnection, error),
	after *entgql.Cursor[string], first *int, before *entgql.Cursor[string], last *int,
	orderBy *ent.CaseOrder, where *ent.CaseWhereInput) (*ent.CaseConnection, error) {
	if !authz.CaseWhereGuarded(ctx, where) {
		return load()
	}
	return q.Paginate(ctx, after, first, before, last,
		ent.WithCaseOrder(orderBy), ent.WithCaseFilter(authz.CaseWhere(ctx, where)))
}
