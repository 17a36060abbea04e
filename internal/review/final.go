package review

import (
	"context"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/review"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/progress"
)

// Final is the final review 2021-2026 of a scope.
type Final struct {
	Scope progress.ScopeRef
	Rows  []FinalRow
}

// FinalRow is one year of the final review: the latest closed review of the year the viewer may
// read, with its frozen figures, or else the live figures (nil Review).
type FinalRow struct {
	Year    int
	Review  *ent.Review
	Figures *progress.Report
}

// Final assembles the final review of a scope for the viewer, with the access rules of progress
// (authz.Covers). Rows run from 2021 to 2026, or to the current year while 2026 is still ahead.
// Frozen figures come from reviews the viewer may read (staff); anyone else, an official looking
// at their own unit, gets the live figures as progress shows them to them (small cells hidden).
func (s *Service) Final(ctx context.Context, scope authz.Scope) (*Final, error) {
	if err := s.cover(ctx, scope); err != nil {
		return nil, err
	}
	ref, err := s.progress.Ref(ctx, scope)
	if err != nil {
		return nil, err
	}
	last := min(LastYear, s.year())
	// Oldest year first, its newest version first: the first of each year is the one that counts.
	closed, err := s.db(ctx).Review.Query().
		Where(review.ScopeKindEQ(review.ScopeKind(scope.Kind)), review.ScopeID(scope.ID),
			review.YearGTE(FirstYear), review.YearLTE(last)).
		Order(ent.Asc(review.FieldYear), ent.Desc(review.FieldVersion)).All(ctx)
	if err != nil {
		return nil, err
	}
	latest := map[int]*ent.Review{}
	for _, r := range closed {
		if latest[r.Year] == nil {
			latest[r.Year] = r
		}
	}
	out := &Final{Scope: ref}
	for y := FirstYear; y <= last; y++ {
		row := FinalRow{Year: y, Review: latest[y]}
		if row.Review != nil {
			row.Figures, err = s.FiguresFor(ctx, row.Review)
		} else {
			row.Figures, err = s.progress.Progress(ctx, scope, y)
		}
		if err != nil {
			return nil, err
		}
		out.Rows = append(out.Rows, row)
	}
	return out, nil
}
