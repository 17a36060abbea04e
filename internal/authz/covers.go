package authz

import (
	"context"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/district"
	"github.com/liemchinh/liemchinh/ent/province"
)

// Covers reports whether the viewer may see the whole of target: staff whose scope holds it (a
// province holds its districts, its units and the provinces merged into it; a unit holds its
// sub-units), administrators everywhere, an official only their own unit. Figures for a scope
// (progress, rankings, reviews, exports, candidates) ask this before anything is read.
func Covers(ctx context.Context, c *ent.Client, target Scope) (bool, error) {
	v := FromContext(ctx)
	if v.Anonymous() || v.MustChangePassword {
		return false, nil
	}
	if !v.Staff() {
		if target.Kind != ScopeUnit {
			return false, nil
		}
		return UnitInScope(ctx, c, target.ID)
	}
	if v.Scope.Kind == ScopeNation {
		return true, nil
	}
	switch target.Kind {
	case ScopeNation:
		return false, nil
	case ScopeUnit:
		return UnitInScope(ctx, c, target.ID)
	case ScopeDistrict:
		switch v.Scope.Kind {
		case ScopeDistrict:
			return target.ID == v.Scope.ID, nil
		case ScopeProvince:
			return c.District.Query().Where(district.ID(target.ID), district.HasProvinceWith(
				province.Or(province.ID(v.Scope.ID), province.HasSuccessorWith(province.ID(v.Scope.ID))))).Exist(ctx)
		}
	case ScopeProvince:
		if v.Scope.Kind == ScopeProvince {
			if target.ID == v.Scope.ID {
				return true, nil
			}
			return c.Province.Query().Where(province.ID(target.ID), province.HasSuccessorWith(province.ID(v.Scope.ID))).Exist(ctx)
		}
	}
	return false, nil
}

// Require refuses a viewer who may not see the whole of target (Covers): UNAUTHENTICATED when
// signed out, FORBIDDEN otherwise.
func Require(ctx context.Context, c *ent.Client, target Scope) error {
	if FromContext(ctx).Anonymous() {
		return ErrUnauthenticated
	}
	ok, err := Covers(ctx, c, target)
	if err != nil {
		return err
	}
	if !ok {
		return ErrForbidden
	}
	return nil
}
