package authz

import (
	"strings"
	"testing"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/liemchinh/liemchinh/internal/edgepage"
)

// TestUnitsInListedParents: when a query's rows are those of a list of units (an eager loader or
// a nested count), a province's or district's units are looked for among those units alone, with
// the list written once more inside the subquery; without such a list, for a list of another
// column, and for a unit's subtree the subquery is as before.
func TestUnitsInListedParents(t *testing.T) {
	build := func(dia string, scope Scope, list string) (string, []any) {
		d := sql.Dialect(dia)
		s := d.Select("id").From(d.Table("officials"))
		if list != "" {
			s.Where(edgepage.In(s, s.C(list), "u1", "u2"))
		}
		s.Where(unitsIn(Viewer{Role: RoleSupervisor, Scope: scope}, s, s.C("unit_officials")))
		return s.Query()
	}
	province, district := Scope{Kind: ScopeProvince, ID: "p1"}, Scope{Kind: ScopeDistrict, ID: "d1"}
	for _, c := range []struct {
		dia    string
		scope  Scope
		list   string
		narrow string
	}{
		{dialect.Postgres, province, "unit_officials", "SELECT id FROM units WHERE id = ANY($2) AND province_units IN"},
		{dialect.Postgres, district, "unit_officials", "SELECT id FROM units WHERE id = ANY($2) AND district_units = $3"},
		{dialect.SQLite, province, "unit_officials", "SELECT id FROM units WHERE `id` IN (?, ?) AND province_units IN"},
		{dialect.Postgres, province, "", "SELECT id FROM units WHERE province_units IN"},
		{dialect.Postgres, province, "category", "SELECT id FROM units WHERE province_units IN"},
		{dialect.Postgres, district, "", "SELECT id FROM units WHERE district_units = $1"},
	} {
		q, args := build(c.dia, c.scope, c.list)
		if !strings.Contains(q, c.narrow) {
			t.Errorf("%s %s, list of %q: want %q in %s %v", c.dia, c.scope.Kind, c.list, c.narrow, q, args)
		}
	}
	if q, args := build(dialect.Postgres, Scope{Kind: ScopeUnit, ID: "u1"}, "unit_officials"); len(args) != 2 ||
		!strings.Contains(q, "(SELECT id FROM units WHERE id = $2 UNION ALL") {
		t.Errorf("a unit's subtree is walked from the unit alone: %s %v", q, args)
	}
}
