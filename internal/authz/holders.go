package authz

import (
	"context"
	stdsql "database/sql"
	"strconv"
	"strings"

	"entgo.io/ent/dialect"

	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/ent/citizencase"
	"github.com/liemchinh/liemchinh/ent/province"
	"github.com/liemchinh/liemchinh/ent/unit"
)

// Holder is an enabled staff account that holds a case (heldIn, read from the account's side).
type Holder struct {
	CaseID    string
	AccountID string
	Role      Role
	// Level says how closely the account's scope holds the case's unit: 0 a scope naming the
	// unit itself, 1 its parent unit, and so on up the tree; then LevelDistrict, LevelProvince
	// and LevelNation. DESIGN.md §5: "the other staff in scope, or the scope above".
	Level int
}

// Levels of a Holder whose scope is not a unit.
const (
	LevelDistrict = 1000
	LevelProvince = 2000
	LevelNation   = 3000
)

// Querier runs a query (a *sql.DB or a *sql.Tx).
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*stdsql.Rows, error)
}

// CaseHolders returns, for each of the cases, the enabled staff accounts that hold it: the rule
// of heldIn (the cases a staff viewer reads and handles) turned around, from a case to the
// accounts, in one statement. A scope holds a case when it holds the case's record scope: a
// unit scope the case's unit or one of its ancestors, a district scope the district of the
// case's unit, a province scope the case's province or one merged into it, the nation every case.
// Recusal holds as in heldIn: an account linked to the official a case is about never holds it.
// Inspectors are among the holders; what an inspector not assigned may do is for casework to say.
// dia is the database's dialect; the ids are at most a few thousand.
func CaseHolders(ctx context.Context, db Querier, dia string, caseIDs []string) ([]Holder, error) {
	if len(caseIDs) == 0 {
		return nil, nil
	}
	var args []any
	in := make([]string, len(caseIDs))
	for i, id := range caseIDs {
		in[i] = "?"
		args = append(args, id)
	}
	staff := []any{string(RoleUnitManager), string(RoleSupervisor), string(RoleInspector), string(RoleAdmin)}
	args = append(args, staff...)
	q := `WITH RECURSIVE pc(case_id, unit_id, province_id, official_id) AS (
			SELECT id, ` + citizencase.UnitColumn + `, ` + citizencase.FieldScopeProvinceID + `, ` + citizencase.OfficialColumn + `
			FROM ` + citizencase.Table + ` WHERE id IN (` + strings.Join(in, ",") + `)),
		up(case_id, unit_id, depth) AS (
			SELECT case_id, unit_id, 0 FROM pc
			UNION ALL SELECT up.case_id, u.` + unit.ParentColumn + `, up.depth + 1 FROM up JOIN ` + unit.Table + ` u ON u.id = up.unit_id
			WHERE u.` + unit.ParentColumn + ` IS NOT NULL AND up.depth < 64),
		h(case_id, account_id, level) AS (
			SELECT up.case_id, a.id, up.depth FROM up JOIN ` + account.Table + ` a
				ON a.` + account.FieldScopeKind + ` = 'UNIT' AND a.` + account.ScopeUnitColumn + ` = up.unit_id
			UNION ALL SELECT pc.case_id, a.id, ` + strconv.Itoa(LevelDistrict) + ` FROM pc JOIN ` + unit.Table + ` u ON u.id = pc.unit_id
				JOIN ` + account.Table + ` a ON a.` + account.FieldScopeKind + ` = 'DISTRICT' AND a.` + account.ScopeDistrictColumn + ` = u.` + unit.DistrictColumn + `
			UNION ALL SELECT pc.case_id, a.id, ` + strconv.Itoa(LevelProvince) + ` FROM pc JOIN ` + province.Table + ` p ON p.id = pc.province_id
				JOIN ` + account.Table + ` a ON a.` + account.FieldScopeKind + ` = 'PROVINCE'
				AND (a.` + account.ScopeProvinceColumn + ` = p.id OR a.` + account.ScopeProvinceColumn + ` = p.` + province.SuccessorColumn + `)
			UNION ALL SELECT pc.case_id, a.id, ` + strconv.Itoa(LevelNation) + ` FROM pc JOIN ` + account.Table + ` a ON a.` + account.FieldScopeKind + ` = 'NATION')
		SELECT h.case_id, a.id, a.` + account.FieldRole + `, h.level FROM h
		JOIN ` + account.Table + ` a ON a.id = h.account_id
		JOIN pc ON pc.case_id = h.case_id
		WHERE a.` + account.FieldRole + ` IN (?, ?, ?, ?) AND NOT a.` + account.FieldDisabled + `
		AND (a.` + account.OfficialColumn + ` IS NULL OR pc.official_id IS NULL OR a.` + account.OfficialColumn + ` <> pc.official_id)
		ORDER BY h.case_id, h.level, a.id`
	rows, err := db.QueryContext(ctx, placeholders(dia, q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Holder
	for rows.Next() {
		var h Holder
		var role string
		if err := rows.Scan(&h.CaseID, &h.AccountID, &role, &h.Level); err != nil {
			return nil, err
		}
		h.Role = Role(role)
		out = append(out, h)
	}
	return out, rows.Err()
}

// placeholders numbers the ? of q for PostgreSQL.
func placeholders(dia, q string) string {
	if dia != dialect.Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
