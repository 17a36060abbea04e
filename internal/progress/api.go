package progress

import (
	"context"
	"errors"

	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/authz"
)

var errTodo = errors.New("progress: not built yet")

// Progress is the report of a scope's year for the viewer: staff whose scope holds the scope (and
// administrators) see it whole; an official sees their own unit, suppressed under 10 officials;
// anyone else gets authz.ErrForbidden (authz.ErrUnauthenticated when signed out). An unknown scope
// or a year outside 2020..current is a BAD_USER_INPUT / NOT_FOUND apperr.
func (s *Service) Progress(ctx context.Context, scope authz.Scope, year int) (*Report, error) {
	return nil, errTodo
}

// Figures is the whole report of a scope's year, never suppressed and without viewer checks: for
// callers that have checked access themselves (a review's snapshot, an export).
func (s *Service) Figures(ctx context.Context, scope authz.Scope, year int) (*Report, error) {
	return nil, errTodo
}

// Series is the scope's year month by month, with the same access rules as Progress.
func (s *Service) Series(ctx context.Context, scope authz.Scope, year int) (*Series, error) {
	return nil, errTodo
}

// Ranking is every unit (or, for the nation, province) under the scope ordered by metric, best
// first (asc reverses), entries without a value last; level ranks every unit of that level in the
// scope instead. Same access rules as Progress.
func (s *Service) Ranking(ctx context.Context, scope authz.Scope, year int, metric RankMetric, asc bool, level *unit.Level) ([]Entry, error) {
	return nil, errTodo
}

// Ref names a scope (NOT_FOUND apperr for an unknown id).
func (s *Service) Ref(ctx context.Context, scope authz.Scope) (ScopeRef, error) {
	return ScopeRef{}, errTodo
}
