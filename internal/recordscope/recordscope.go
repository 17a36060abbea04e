// Package recordscope stamps the records about officials (acknowledgements, pledges,
// self-assessments, commendations) with where they were made: the official's unit at the time
// and its province (ent/schema/scope.go says why). The read filters of internal/authz find a
// scope's records by these two columns.
package recordscope

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"

	"entgo.io/ent/dialect/sql"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/acknowledgement"
	"github.com/liemchinh/liemchinh/ent/citizencase"
	"github.com/liemchinh/liemchinh/ent/commendation"
	"github.com/liemchinh/liemchinh/ent/hook"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/pledge"
	"github.com/liemchinh/liemchinh/ent/recordcount"
	"github.com/liemchinh/liemchinh/ent/selfassessment"
	"github.com/liemchinh/liemchinh/ent/unit"
)

// querier reads in a mutation's transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*stdsql.Rows, error)
}

// stamped is what the mutations of the stamped types have in common.
type stamped interface {
	ent.Mutation
	querier
	ScopeUnitID() (string, bool)
	SetScopeUnitID(string)
	SetScopeProvinceID(string)
}

// Install stamps every acknowledgement, pledge, self-assessment and commendation created through
// c that does not carry its scope already (the national seed writes it in its COPY rows).
func Install(c *ent.Client, dia string) {
	c.Acknowledgement.Use(hook.On(stamp(dia, func(m ent.Mutation) (string, string) {
		id, _ := m.(*ent.AcknowledgementMutation).OfficialID()
		return id, ""
	}), ent.OpCreate))
	c.Pledge.Use(hook.On(stamp(dia, func(m ent.Mutation) (string, string) {
		id, _ := m.(*ent.PledgeMutation).OfficialID()
		return id, ""
	}), ent.OpCreate))
	c.SelfAssessment.Use(hook.On(stamp(dia, func(m ent.Mutation) (string, string) {
		id, _ := m.(*ent.SelfAssessmentMutation).OfficialID()
		return id, ""
	}), ent.OpCreate))
	// A commendation of an official is stamped with the official's unit, a collective's with the unit.
	c.Commendation.Use(hook.On(stamp(dia, func(m ent.Mutation) (string, string) {
		cm := m.(*ent.CommendationMutation)
		officialID, _ := cm.OfficialID()
		unitID, _ := cm.UnitID()
		return officialID, unitID
	}), ent.OpCreate))
	// Counted after the stamp (hooks run in the order they are added): the count goes to the
	// record's place.
	installCounts(c, dia)
	c.CitizenCase.Use(hook.On(caseProvince(dia), ent.OpCreate|ent.OpUpdate|ent.OpUpdateOne))
}

// caseProvince is the cases' hook: whenever a case's unit is set (its creation, a transfer), its
// scope_province_id becomes that unit's province, unless the writer gives it with the unit.
func caseProvince(dia string) ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return hook.CitizenCaseFunc(func(ctx context.Context, m *ent.CitizenCaseMutation) (ent.Value, error) {
			unitID, ok := m.UnitID()
			if _, given := m.ScopeProvinceID(); !ok || given {
				return next.Mutate(ctx, m) // no new unit, or its province given by the writer (caseSubmit, seeds)
			}
			_, provinceID, err := place(ctx, m, dia, "", unitID)
			if err != nil {
				return nil, err
			}
			if provinceID != "" {
				m.SetScopeProvinceID(provinceID)
			}
			return next.Mutate(ctx, m)
		})
	}
}

// stamp is the hook: of reads the official the record is about, or else the unit.
func stamp(dia string, of func(ent.Mutation) (officialID, unitID string)) ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			sm, ok := m.(stamped)
			if !ok {
				return nil, fmt.Errorf("recordscope: unexpected mutation %T", m)
			}
			if _, done := sm.ScopeUnitID(); done {
				return next.Mutate(ctx, m)
			}
			officialID, unitID := of(m)
			if officialID == "" && unitID == "" {
				return next.Mutate(ctx, m) // the required edge is missing: ent's own check says so
			}
			unitID, provinceID, err := place(ctx, sm, dia, officialID, unitID)
			if err != nil {
				return nil, err
			}
			if unitID != "" {
				sm.SetScopeUnitID(unitID)
				sm.SetScopeProvinceID(provinceID)
			}
			return next.Mutate(ctx, m)
		})
	}
}

// place reads the unit and province of the official (their unit now, as the record is written)
// or else of the unit, in the mutation's transaction and outside the viewer's read filter (the filter
// is for what a viewer reads back; the stamp must hold whoever writes). Nothing for an id that
// does not exist: the foreign key refuses the record.
func place(ctx context.Context, m querier, dia, officialID, unitID string) (string, string, error) {
	d := sql.Dialect(dia)
	var q *sql.Selector
	if officialID != "" {
		o, u := d.Table(official.Table).As("o"), d.Table(unit.Table).As("u")
		q = d.Select(u.C(unit.FieldID), u.C(unit.ProvinceColumn)).From(o).
			Join(u).On(u.C(unit.FieldID), o.C(official.UnitColumn)).Where(sql.EQ(o.C(official.FieldID), officialID))
	} else {
		u := d.Table(unit.Table)
		q = d.Select(u.C(unit.FieldID), u.C(unit.ProvinceColumn)).From(u).Where(sql.EQ(u.C(unit.FieldID), unitID))
	}
	var placeUnit, placeProvince string
	query, args := q.Query()
	rows, err := m.QueryContext(ctx, query, args...)
	if err != nil {
		return "", "", fmt.Errorf("recordscope: %w", err)
	}
	defer rows.Close()
	if rows.Next() {
		err = rows.Scan(&placeUnit, &placeProvince)
	}
	if err == nil {
		err = rows.Err()
	}
	return placeUnit, placeProvince, err
}

// tables are the stamped tables: the column of the official a record is about, and of the unit
// for a record that may be about a unit alone (a collective commendation).
var tables = []struct{ table, official, unit string }{
	{acknowledgement.Table, acknowledgement.OfficialColumn, ""},
	{pledge.Table, pledge.OfficialColumn, ""},
	{selfassessment.Table, selfassessment.OfficialColumn, ""},
	{commendation.Table, commendation.OfficialColumn, commendation.UnitColumn},
}

// Backfill stamps the records written before the scope columns existed, by the hook's rule: the
// official's unit (no official had moved: there was no transfer yet), or the unit commended. An
// UPDATE ... FROM per table and rule, on both dialects.
func Backfill(ctx context.Context, tx *stdsql.Tx) error {
	for _, t := range tables {
		qs := []string{fmt.Sprintf(`UPDATE %[1]s SET scope_unit_id = units.id, scope_province_id = units.%[3]s
			FROM officials JOIN units ON units.id = officials.%[4]s
			WHERE officials.id = %[1]s.%[2]s AND %[1]s.scope_unit_id IS NULL`,
			t.table, t.official, unit.ProvinceColumn, official.UnitColumn)}
		if t.unit != "" {
			qs = append(qs, fmt.Sprintf(`UPDATE %[1]s SET scope_unit_id = units.id, scope_province_id = units.%[3]s
				FROM units WHERE units.id = %[1]s.%[2]s AND %[1]s.scope_unit_id IS NULL`,
				t.table, t.unit, unit.ProvinceColumn))
		}
		for _, q := range qs {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("recordscope: backfill %s: %w", t.table, err)
			}
		}
	}
	return nil
}

// Unstamped counts, per table, the records whose stamp is not the rule's for an organisation where
// nobody has moved since: the official's unit and its province, or the unit commended; under
// "cases" the cases whose province is not their unit's, and under "record_counts" the places
// (kind, unit, province) whose kept count is not the records' count. Seeds that write the stamps
// and counts themselves (the demo, the national COPY) are held to the hooks by it.
func Unstamped(ctx context.Context, db interface {
	QueryContext(ctx context.Context, query string, args ...any) (*stdsql.Rows, error)
}) (map[string]int, error) {
	out := map[string]int{}
	var n int
	for _, t := range tables {
		unitOf := "NULL"
		if t.unit != "" {
			unitOf = t.table + "." + t.unit
		}
		q := fmt.Sprintf(`SELECT count(*) FROM %[1]s
			LEFT JOIN officials ON officials.id = %[1]s.%[2]s
			JOIN units ON units.id = COALESCE(officials.%[3]s, %[5]s)
			WHERE %[1]s.scope_unit_id IS NULL OR %[1]s.scope_unit_id <> units.id
			OR %[1]s.scope_province_id IS NULL OR %[1]s.scope_province_id <> units.%[4]s`,
			t.table, t.official, official.UnitColumn, unit.ProvinceColumn, unitOf)
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("recordscope: %s: %w", t.table, err)
		}
		for rows.Next() {
			err = rows.Scan(&n)
		}
		if err = errors.Join(err, rows.Err(), rows.Close()); err != nil {
			return nil, fmt.Errorf("recordscope: %s: %w", t.table, err)
		}
		out[t.table] = n
	}
	// A case's province is its unit's, whatever moved.
	cases := fmt.Sprintf(`SELECT count(*) FROM %[1]s JOIN units ON units.id = %[1]s.%[2]s
		WHERE %[1]s.scope_province_id IS NULL OR %[1]s.scope_province_id <> units.%[3]s`,
		citizencase.Table, citizencase.UnitColumn, unit.ProvinceColumn)
	// The counts kept for each kind and place against the records: the places where they differ.
	counts := ""
	for _, k := range counted {
		if counts != "" {
			counts += " UNION ALL "
		}
		counts += fmt.Sprintf(`SELECT '%[1]s' AS kind, COALESCE(scope_unit_id, '') AS u, COALESCE(scope_province_id, '') AS p, count(*) AS n
			FROM %[1]s GROUP BY 2, 3`, k.kind)
	}
	drift := fmt.Sprintf(`SELECT count(*) FROM (SELECT kind, u, p, sum(n) AS n FROM (%[1]s
		UNION ALL SELECT kind, scope_unit_id, scope_province_id, -n FROM %[2]s) x GROUP BY 1, 2, 3 HAVING sum(n) <> 0) d`,
		counts, recordcount.Table)
	for _, c := range []struct{ name, q string }{{citizencase.Table, cases}, {recordcount.Table, drift}} {
		rows, err := db.QueryContext(ctx, c.q)
		if err != nil {
			return nil, fmt.Errorf("recordscope: %s: %w", c.name, err)
		}
		for rows.Next() {
			err = rows.Scan(&n)
		}
		if err = errors.Join(err, rows.Err(), rows.Close()); err != nil {
			return nil, fmt.Errorf("recordscope: %s: %w", c.name, err)
		}
		out[c.name] = n
	}
	return out, nil
}
