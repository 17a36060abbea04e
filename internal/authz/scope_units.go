package authz

import "entgo.io/ent/dialect/sql"

// UnitsOf is the predicate "column (of the query's table) holds a unit of scope", with scopes read
// as everywhere else (a unit with its descendants, a district's units, a province's units and
// those of the provinces merged into it, the nation). It filters by a scope a caller asked about,
// not by the viewer's: whether the viewer may see that scope is for Covers to say first.
func UnitsOf(scope Scope, column string) func(*sql.Selector) {
	return func(s *sql.Selector) {
		if p := unitsIn(Viewer{Role: RoleSupervisor, Scope: scope}, s, s.C(column)); p != nil {
			s.Where(p)
		}
	}
}
