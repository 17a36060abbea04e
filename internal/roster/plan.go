package roster

import (
	"context"
	"database/sql"
	"sort"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	"github.com/lib/pq"

	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/internal/authz"
)

// querier runs raw SQL in the import's transaction (an ent client: sql/execquery).
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// db is a querier with its dialect; statements are written with ? and rebound for PostgreSQL.
type db struct {
	q       querier
	dialect string
	tx      *sql.Tx // the same transaction, for COPY on PostgreSQL (nil: multi-row INSERTs)
	stmts   *int    // statements sent, when counted
}

func (d db) count() {
	if d.stmts != nil {
		*d.stmts++
	}
}

func (d db) rebind(query string) string {
	if d.dialect != dialect.Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (d db) query(ctx context.Context, query string, args []any, scan func(*sql.Rows) error) error {
	d.count()
	rows, err := d.q.QueryContext(ctx, d.rebind(query), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (d db) exec(ctx context.Context, query string, args ...any) error {
	d.count()
	_, err := d.q.ExecContext(ctx, d.rebind(query), args...)
	return err
}

// in is "col IN (values)", one array on PostgreSQL; chunks bounds the values per statement.
func (d db) in(col string, values []string) (string, []any) {
	if d.dialect == dialect.Postgres {
		return col + " = ANY(?)", []any{pq.Array(values)}
	}
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	return col + " IN (" + strings.TrimSuffix(strings.Repeat("?,", len(values)), ",") + ")", args
}

func (d db) chunk() int {
	if d.dialect == dialect.Postgres {
		return 20000
	}
	return 500
}

// Scope is the part of the organisation a roster covers.
type Scope = authz.Scope

// Mode is MERGE or FULL.
type Mode string

// Modes.
const (
	Merge Mode = "MERGE"
	Full  Mode = "FULL"
)

// existing is an official of the database a row names.
type existing struct {
	ID, Code, Name, Position, Unit string
	Category                       official.Category
	From                           time.Time
	To                             *time.Time
	Phone, Email                   string
	LeaveReason                    sql.NullString
	// The latest assignment (empty ID: none recorded), and how many there are.
	CurID   string
	CurFrom time.Time
	NAssign int
}

// Plan is what applying a file would change.
type Plan struct {
	Read, Create, Update, Transfer, End, Unchanged int
	Issues                                         []Issue

	creates  []Row
	units    map[int]string // row line -> unit id
	changes  []change
	fullEnds []*existing
	day      time.Time // the import's date
}

// change is what a row changes of an existing official.
type change struct {
	row      Row
	old      *existing
	unit     string // the row's unit
	transfer bool
	end      bool // an end date set or changed
	update   bool // name, position, category, start, contact, or an end date removed
}

// units reads the scope's units: id -> code, and code -> ids (open units only receive officials).
func scopeUnits(ctx context.Context, d db, sc Scope) (map[string]bool, map[string][]string, error) {
	var where string
	var args []any
	switch sc.Kind {
	case authz.ScopeUnit:
		where = "id IN (WITH RECURSIVE sub(id) AS (SELECT id FROM units WHERE id = ? UNION ALL SELECT u.id FROM units u JOIN sub s ON u.unit_children = s.id) SELECT id FROM sub)"
		args = []any{sc.ID}
	case authz.ScopeDistrict:
		where, args = "district_units = ?", []any{sc.ID}
	case authz.ScopeProvince:
		where, args = "province_units = ?", []any{sc.ID}
	}
	ids, codes := map[string]bool{}, map[string][]string{}
	err := d.query(ctx, "SELECT id, code, closed_on FROM units WHERE "+where, args, func(r *sql.Rows) error {
		var id string
		var code sql.NullString
		var closed sql.NullTime
		if err := r.Scan(&id, &code, &closed); err != nil {
			return err
		}
		ids[id] = true
		if closed.Valid {
			ids[id] = false
		} else if code.String != "" {
			codes[code.String] = append(codes[code.String], id)
		}
		return nil
	})
	return ids, codes, err
}

// MakePlan checks the rows against the database and the scope and works out what applying them
// would change. rows are those Parse kept; issues those it found (the plan adds its own).
func makePlan(ctx context.Context, d db, sc Scope, mode Mode, day time.Time, rows []Row, read int, issues []Issue, progress func(int)) (*Plan, error) {
	p := &Plan{Read: read, Issues: issues, units: map[int]string{}, day: day}
	inScope, codes, err := scopeUnits(ctx, d, sc)
	if err != nil {
		return nil, err
	}
	// Rows with an issue on their unit already (a lookup, not a scan of the issues per row: a file
	// of 300,000 rows naming unknown units would otherwise take quadratic time).
	unitIssue := map[int]bool{}
	for _, is := range issues {
		if is.Column == Columns[colUnit].Header {
			unitIssue[is.Row] = true
		}
	}
	// Units: by code in the scope, or by id.
	var unknown []string
	seenUnknown := map[string]bool{}
	for _, r := range rows {
		if ids := codes[r.UnitCode]; len(ids) == 1 {
			p.units[r.Line] = ids[0]
		} else if len(ids) > 1 {
			unitIssue[r.Line] = true
			p.Issues = append(p.Issues, issue(r.Line, colUnit, "AMBIGUOUS_UNIT", "Mã đơn vị %q trùng ở %d đơn vị trong phạm vi: dùng mã định danh (unt_...).",
				"Unit code %q is shared by %d units of the scope: use the unit's id (unt_...).", r.UnitCode, len(ids), r.UnitCode, len(ids)))
		} else if open, ok := inScope[r.UnitCode]; ok && open {
			p.units[r.Line] = r.UnitCode
		} else if ok {
			unitIssue[r.Line] = true
			p.Issues = append(p.Issues, issue(r.Line, colUnit, "CLOSED_UNIT", "Đơn vị %q đã giải thể.", "Unit %q is closed.", r.UnitCode, r.UnitCode))
		} else if !seenUnknown[r.UnitCode] { // each code looked up once
			seenUnknown[r.UnitCode] = true
			unknown = append(unknown, r.UnitCode)
		}
	}
	outside := map[string]bool{}
	for lo := 0; lo < len(unknown); lo += d.chunk() {
		part := unknown[lo:min(lo+d.chunk(), len(unknown))]
		w1, a1 := d.in("code", part)
		w2, a2 := d.in("id", part)
		if err := d.query(ctx, "SELECT id, coalesce(code, '') FROM units WHERE "+w1+" OR "+w2, append(a1, a2...), func(r *sql.Rows) error {
			var id, code string
			if err := r.Scan(&id, &code); err != nil {
				return err
			}
			outside[id], outside[code] = true, true
			return nil
		}); err != nil {
			return nil, err
		}
	}
	// Employee codes: once in the file.
	first := map[string]int{}
	var valid []Row
	for _, r := range rows {
		if f, dup := first[r.EmployeeCode]; dup {
			p.Issues = append(p.Issues, issue(r.Line, colCode, "DUPLICATE_CODE", "Mã cán bộ %q đã có ở dòng %d.",
				"Employee code %q already appears on row %d.", r.EmployeeCode, f, r.EmployeeCode, f))
			continue
		}
		first[r.EmployeeCode] = r.Line
		if _, ok := p.units[r.Line]; !ok {
			if outside[r.UnitCode] {
				p.Issues = append(p.Issues, issue(r.Line, colUnit, "OUTSIDE_SCOPE", "Đơn vị %q nằm ngoài phạm vi nhập.",
					"Unit %q is outside the scope imported.", r.UnitCode, r.UnitCode))
			} else if !unitIssue[r.Line] {
				p.Issues = append(p.Issues, issue(r.Line, colUnit, "UNKNOWN_UNIT", "Không có đơn vị mã %q.", "No unit has code %q.", r.UnitCode, r.UnitCode))
			}
			continue
		}
		valid = append(valid, r)
	}
	// The officials the file names.
	old := map[string]*existing{}
	codesIn := make([]string, 0, len(valid))
	for _, r := range valid {
		codesIn = append(codesIn, r.EmployeeCode)
	}
	if err := loadExisting(ctx, d, "t.employee_code", codesIn, old); err != nil {
		return nil, err
	}
	var fullOld map[string]*existing
	if mode == Full {
		fullOld = map[string]*existing{}
		if err := loadScope(ctx, d, inScope, day, fullOld); err != nil {
			return nil, err
		}
	}
	for i, r := range valid {
		if progress != nil && i%10000 == 0 {
			progress(i)
		}
		unit := p.units[r.Line]
		o := old[r.EmployeeCode]
		if o == nil {
			p.Create++
			p.creates = append(p.creates, r)
			continue
		}
		if _, ok := inScope[o.Unit]; !ok {
			p.Issues = append(p.Issues, issue(r.Line, colCode, "CODE_OUTSIDE_SCOPE", "Mã cán bộ %q thuộc một cán bộ ngoài phạm vi nhập.",
				"Employee code %q belongs to an official outside the scope imported.", r.EmployeeCode, r.EmployeeCode))
			continue
		}
		c := change{row: r, old: o, unit: unit}
		c.transfer = o.Unit != unit
		c.end = r.End != nil && (o.To == nil || !o.To.Equal(*r.End))
		c.update = o.Name != r.FullName || o.Position != r.Position || o.Category != r.Category || !o.From.Equal(r.Start) ||
			(r.Phone != "" && r.Phone != o.Phone) || (r.Email != "" && r.Email != o.Email) || (r.End == nil && o.To != nil)
		switch {
		case c.transfer && day.Before(o.CurFrom):
			p.Issues = append(p.Issues, issue(r.Line, colUnit, "TRANSFER_BEFORE_CURRENT", "Ngày nhập %s trước ngày cán bộ bắt đầu ở đơn vị hiện tại (%s).",
				"The import's date %s precedes the official's start in their current unit (%s).",
				day.Format(time.DateOnly), o.CurFrom.Format(time.DateOnly), day.Format(time.DateOnly), o.CurFrom.Format(time.DateOnly)))
			continue
		case c.transfer && r.End != nil && r.End.Before(day):
			p.Issues = append(p.Issues, issue(r.Line, colUnit, "TRANSFER_AFTER_END", "Cán bộ đã nghỉ trước ngày nhập, không thể chuyển đơn vị.",
				"The official left before the import's date and cannot be transferred."))
			continue
		case !o.From.Equal(r.Start) && o.NAssign > 1:
			p.Issues = append(p.Issues, issue(r.Line, colStart, "START_CONFLICT", "Ngày bắt đầu khác ngày đã ghi (%s) mà cán bộ đã chuyển đơn vị: sửa từng cán bộ.",
				"The start date differs from the one recorded (%s) and the official has moved units since: correct it on its own.",
				o.From.Format(time.DateOnly), o.From.Format(time.DateOnly)))
			continue
		case r.End != nil && r.End.Before(o.CurFrom):
			p.Issues = append(p.Issues, issue(r.Line, colEnd, "END_BEFORE_START", "Ngày kết thúc trước ngày bắt đầu ở đơn vị hiện tại (%s).",
				"The end date precedes the start in the current unit (%s).", o.CurFrom.Format(time.DateOnly), o.CurFrom.Format(time.DateOnly)))
			continue
		}
		if fullOld != nil {
			delete(fullOld, o.ID)
		}
		if !c.transfer && !c.end && !c.update {
			p.Unchanged++
			continue
		}
		if c.transfer {
			p.Transfer++
		}
		if c.end {
			p.End++
		}
		if c.update {
			p.Update++
		}
		p.changes = append(p.changes, c)
	}
	for _, o := range fullOld {
		if first[o.Code] == 0 { // named by no row (a row with errors still keeps its official)
			p.fullEnds = append(p.fullEnds, o)
		}
	}
	sort.Slice(p.fullEnds, func(i, j int) bool { return p.fullEnds[i].ID < p.fullEnds[j].ID })
	p.End += len(p.fullEnds)
	sort.SliceStable(p.Issues, func(i, j int) bool { return p.Issues[i].Row < p.Issues[j].Row })
	return p, nil
}

const existingColumns = "t.id, t.employee_code, t.full_name, t.position, t.category, t.active_from, t.active_to, t.unit_officials, " +
	"coalesce(t.contact_phone, ''), coalesce(t.contact_email, ''), t.leave_reason"

// loadExisting reads the officials whose column is one of values, with their latest assignment.
func loadExisting(ctx context.Context, d db, column string, values []string, into map[string]*existing) error {
	byID := map[string]*existing{}
	for lo := 0; lo < len(values); lo += d.chunk() {
		w, args := d.in(column, values[lo:min(lo+d.chunk(), len(values))])
		if err := d.query(ctx, "SELECT "+existingColumns+" FROM officials t WHERE "+w, args, func(r *sql.Rows) error {
			o, err := scanExisting(r)
			if err != nil {
				return err
			}
			into[o.Code], byID[o.ID] = o, o
			return nil
		}); err != nil {
			return err
		}
	}
	return loadAssignments(ctx, d, byID)
}

// loadScope reads the officials of the scope's units in service on day (FULL mode's candidates
// for ending), keyed by id.
func loadScope(ctx context.Context, d db, inScope map[string]bool, day time.Time, into map[string]*existing) error {
	units := make([]string, 0, len(inScope))
	for u := range inScope {
		units = append(units, u)
	}
	for lo := 0; lo < len(units); lo += d.chunk() {
		w, args := d.in("t.unit_officials", units[lo:min(lo+d.chunk(), len(units))])
		args = append(args, day, day)
		if err := d.query(ctx, "SELECT "+existingColumns+" FROM officials t WHERE "+w+
			" AND t.active_from <= ? AND (t.active_to IS NULL OR t.active_to >= ?)", args, func(r *sql.Rows) error {
			o, err := scanExisting(r)
			if err != nil {
				return err
			}
			into[o.ID] = o
			return nil
		}); err != nil {
			return err
		}
	}
	return loadAssignments(ctx, d, into)
}

func scanExisting(r *sql.Rows) (*existing, error) {
	o := &existing{}
	var to sql.NullTime
	var cat string
	if err := r.Scan(&o.ID, &o.Code, &o.Name, &o.Position, &cat, &o.From, &to, &o.Unit, &o.Phone, &o.Email, &o.LeaveReason); err != nil {
		return nil, err
	}
	o.Category = official.Category(cat)
	o.From = day(o.From)
	if to.Valid {
		t := day(to.Time)
		o.To = &t
	}
	return o, nil
}

// loadAssignments fills each official's latest assignment.
func loadAssignments(ctx context.Context, d db, byID map[string]*existing) error {
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	for lo := 0; lo < len(ids); lo += d.chunk() {
		w, args := d.in("official_assignments", ids[lo:min(lo+d.chunk(), len(ids))])
		if err := d.query(ctx, "SELECT id, official_assignments, valid_from FROM official_assignments WHERE "+w, args, func(r *sql.Rows) error {
			var id, off string
			var from time.Time
			if err := r.Scan(&id, &off, &from); err != nil {
				return err
			}
			o := byID[off]
			if o == nil {
				return nil
			}
			o.NAssign++
			from = day(from)
			if o.CurID == "" || from.After(o.CurFrom) || (from.Equal(o.CurFrom) && id > o.CurID) {
				o.CurID, o.CurFrom = id, from
			}
			return nil
		}); err != nil {
			return err
		}
	}
	for _, o := range byID {
		if o.CurID == "" {
			o.CurFrom = o.From
		}
	}
	return nil
}
