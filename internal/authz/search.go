package authz

import (
	"context"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/citizencase"
	"github.com/liemchinh/liemchinh/ent/predicate"
	"github.com/liemchinh/liemchinh/internal/apperr"
)

// ErrCaseSearch refuses a case search by someone who is not staff: officials read only the cases
// about them, and a tracking code must not become a way to confirm which case a code belongs to.
var ErrCaseSearch = apperr.New(apperr.Forbidden,
	"Chỉ cán bộ nghiệp vụ được tìm hồ sơ theo mã theo dõi.",
	"Only staff may search cases by tracking code.")

// CaseSearch is the predicate finding a case by its (normalized) tracking code for the viewer:
// staff only, within their scope (the read filter still applies), and never a case about the
// viewer's own official, whether or not they may read it, so that the person concerned cannot
// match a code to a case about them.
func CaseSearch(ctx context.Context, trackingCode string) (predicate.CitizenCase, error) {
	if !FromContext(ctx).Staff() && !SystemReads(ctx, ent.TypeCitizenCase) {
		return nil, ErrCaseSearch
	}
	return citizencase.And(citizencase.TrackingCode(trackingCode), NotConcerned(ctx)), nil
}
