package graph

import (
	"context"

	"entgo.io/ent/dialect/sql"

	"github.com/liemchinh/liemchinh/ent/predicate"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/casework"
	"github.com/liemchinh/liemchinh/internal/fold"
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
