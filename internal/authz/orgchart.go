package authz

import (
	"context"

	"github.com/liemchinh/liemchinh/ent"
)

// OrgEditor is the rule of the organisation chart and rosters (DESIGN.md §3, §8, §11): supervisors
// and administrators change the units and officials their scope holds (an administrator's scope is
// the nation). It refuses anyone else (UNAUTHENTICATED signed out, FORBIDDEN otherwise), and any
// target outside the viewer's scope with FORBIDDEN, whatever path the change takes (a mutation, a
// roster import).
func OrgEditor(ctx context.Context, c *ent.Client, targets ...Scope) error {
	v := FromContext(ctx)
	if v.Anonymous() {
		return ErrUnauthenticated
	}
	if v.Role != RoleSupervisor && v.Role != RoleAdmin {
		return ErrForbidden
	}
	for _, t := range targets {
		ok, err := Covers(ctx, c, t)
		if err != nil {
			return err
		}
		if !ok {
			return ErrForbidden
		}
	}
	return nil
}

// OrgChartWrites are the types a change of the organisation chart writes: units and their past
// placements, officials, their assignments, the cases a closed unit hands over, and the audit log.
var OrgChartWrites = []string{ent.TypeUnit, ent.TypeUnitPlacement, ent.TypeOfficial, ent.TypeOfficialAssignment, ent.TypeCitizenCase, ent.TypeAuditEvent}

// UnitHistoryReader is the rule of a unit's history (where it sat, and who moved it): staff whose
// scope holds the unit now (UNAUTHENTICATED signed out, FORBIDDEN otherwise). The placements
// themselves are filtered by the same rule (Install), whatever path reads them.
func UnitHistoryReader(ctx context.Context, c *ent.Client, unitID string) error {
	v := FromContext(ctx)
	if v.Anonymous() {
		return ErrUnauthenticated
	}
	if !v.Staff() || v.MustChangePassword {
		return ErrForbidden
	}
	ok, err := UnitInScope(ctx, c, unitID)
	if err != nil {
		return err
	}
	if !ok {
		return ErrForbidden
	}
	return nil
}
