package server

import (
	"context"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/store"
)

// What may be read from the read replica (DATABASE_READ_URL, store.LagTolerant): figures,
// reviews and exports, open data, and the lists supervisors watch. A root field of a query marked
// here reads, with all its nested fields, from the standby; every other field, every mutation
// (its transaction) and every subscription reads the primary, and so does the account check of
// each request (auth) whatever is marked.

// lagTolerantFields are the root query fields that tolerate the standby's lag for any viewer:
// aggregates over many records, which nobody compares with a write of their own a second ago.
var lagTolerantFields = map[string]bool{
	"progress": true, "ranking": true, "progressSeries": true, "finalReview": true, "reviews": true,
	"caseStatistics": true, "praisedOfficials": true, "commendationCandidates": true,
}

// supervisorLists are the root lists that tolerate the lag for a supervisor, who watches them
// but writes none of their records; the person who writes (an official's own pledges, a unit
// manager's reviews, a handler's cases) reads them from the primary.
var supervisorLists = map[string]bool{
	"officials": true, "acknowledgements": true, "pledges": true, "selfAssessments": true,
	"emulationRegistrations": true, "commendations": true, "incidents": true, "inspections": true,
}

// lagTolerantField reports whether a root field of an operation may read from the standby.
func lagTolerantField(op ast.Operation, field string, v authz.Viewer) bool {
	if op != ast.Query {
		return false
	}
	return lagTolerantFields[field] || (supervisorLists[field] && v.Role == authz.RoleSupervisor)
}

// routeReads marks the root fields of lagTolerantField (graphql AroundRootFields).
func routeReads(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	oc, rc := graphql.GetOperationContext(ctx), graphql.GetRootFieldContext(ctx)
	if oc != nil && oc.Operation != nil && rc != nil && lagTolerantField(oc.Operation.Operation, rc.Field.Name, authz.FromContext(ctx)) {
		ctx = store.LagTolerant(ctx)
	}
	return next(ctx)
}

// lagTolerantGET marks the reads of a handler's GET requests (open data, exports): its writes,
// and the account check, still go to the primary.
func lagTolerantGET(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			r = r.WithContext(store.LagTolerant(r.Context()))
		}
		next.ServeHTTP(w, r)
	})
}
