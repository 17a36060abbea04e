package roster

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	"github.com/lib/pq"

	"github.com/liemchinh/liemchinh/internal/fold"
	"github.com/liemchinh/liemchinh/internal/orgchart"
	"github.com/liemchinh/liemchinh/internal/pid"
)

func day(t time.Time) time.Time { return orgchart.Day(t) }

// maxParams bounds the parameters of one statement (PostgreSQL allows 65,535, SQLite 32,766).
const maxParams = 30000

// insert writes rows: through COPY on PostgreSQL (one statement whatever the rows), multi-row
// INSERTs elsewhere.
func (d db) insert(ctx context.Context, table string, columns []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if d.dialect == dialect.Postgres && d.tx != nil {
		d.count()
		st, err := d.tx.PrepareContext(ctx, pq.CopyIn(table, columns...))
		if err != nil {
			return err
		}
		for _, r := range rows {
			if _, err := st.ExecContext(ctx, r...); err != nil {
				_ = st.Close()
				return err
			}
		}
		if _, err := st.ExecContext(ctx); err != nil {
			_ = st.Close()
			return err
		}
		return st.Close()
	}
	per := maxParams / len(columns)
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?,", len(columns)), ",") + ")"
	for lo := 0; lo < len(rows); lo += per {
		part := rows[lo:min(lo+per, len(rows))]
		args := make([]any, 0, len(part)*len(columns))
		for _, r := range part {
			args = append(args, r...)
		}
		q := "INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ") VALUES " +
			strings.TrimSuffix(strings.Repeat(tuple+",", len(part)), ",")
		if err := d.exec(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

// col is a column an update sets, with its PostgreSQL type (the values' list needs it).
type col struct{ name, pgType string }

// update sets columns of the rows of table whose ids lead each row, in statements of at most
// maxParams parameters: WITH v(id, ...) AS (VALUES ...) UPDATE table SET c = v.c FROM v WHERE
// table.id = v.id (both databases; PostgreSQL casts each value to its column's type).
func (d db) update(ctx context.Context, table string, columns []col, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	names := make([]string, len(columns))
	sets := make([]string, 0, len(columns)-1)
	var tuple strings.Builder
	tuple.WriteByte('(')
	for i, c := range columns {
		names[i] = c.name
		if i > 0 {
			tuple.WriteByte(',')
			sets = append(sets, c.name+" = v."+c.name)
		}
		tuple.WriteByte('?')
		if d.dialect == dialect.Postgres {
			tuple.WriteString("::" + c.pgType)
		}
	}
	tuple.WriteByte(')')
	if d.dialect == dialect.Postgres {
		return d.updateArrays(ctx, table, columns, names, sets, rows)
	}
	per := maxParams / len(columns)
	for lo := 0; lo < len(rows); lo += per {
		part := rows[lo:min(lo+per, len(rows))]
		args := make([]any, 0, len(part)*len(columns))
		for _, r := range part {
			args = append(args, r...)
		}
		q := "WITH v(" + strings.Join(names, ", ") + ") AS (VALUES " + strings.TrimSuffix(strings.Repeat(tuple.String()+",", len(part)), ",") +
			") UPDATE " + table + " SET " + strings.Join(sets, ", ") + " FROM v WHERE " + table + ".id = v.id"
		if err := d.exec(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

// updateArrays is update on PostgreSQL: one statement whatever the rows, each column passed as
// one array (unnest): binding and planning tens of thousands of parameters cost about as much as
// the writing itself.
func (d db) updateArrays(ctx context.Context, table string, columns []col, names, sets []string, rows [][]any) error {
	arrays := make([]any, len(columns))
	casts := make([]string, len(columns))
	for i, c := range columns {
		vs := make([]sql.NullString, len(rows))
		for j, r := range rows {
			switch v := r[i].(type) {
			case nil:
			case string:
				vs[j] = sql.NullString{String: v, Valid: true}
			case time.Time:
				vs[j] = sql.NullString{String: v.Format(time.RFC3339Nano), Valid: true}
			default:
				return fmt.Errorf("update %s: unexpected %T in column %s", table, v, c.name)
			}
		}
		arrays[i] = pq.Array(vs)
		casts[i] = "?::" + c.pgType + "[]"
	}
	return d.exec(ctx, "UPDATE "+table+" SET "+strings.Join(sets, ", ")+" FROM unnest("+strings.Join(casts, ", ")+") AS v("+
		strings.Join(names, ", ")+") WHERE "+table+".id = v.id", arrays...)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func timeOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return *t
}

// touched are the officials an application changes (existing ones before the change, and the new
// ids it will create), for the progress counters and the name keys.
func (p *Plan) assignIDs() (created []string, changed []string) {
	for range p.creates {
		created = append(created, pid.New(pid.Official))
	}
	for _, c := range p.changes {
		changed = append(changed, c.old.ID)
	}
	for _, o := range p.fullEnds {
		changed = append(changed, o.ID)
	}
	return created, changed
}

// counted are the officials among those the application changes whose part in the progress
// figures it may change: their unit, start or end changes, or their history is recorded now
// (progress reads an official's unit, dates and assignments, never the name, position, category
// or contact), and those FULL mode ends. Only these need the counters to follow them.
func (p *Plan) counted() []string {
	var ids []string
	for _, c := range p.changes {
		o, r := c.old, c.row
		sameEnd := o.To == nil && r.End == nil || o.To != nil && r.End != nil && o.To.Equal(*r.End)
		if c.transfer || !o.From.Equal(r.Start) || !sameEnd || o.CurID == "" {
			ids = append(ids, o.ID)
		}
	}
	for _, o := range p.fullEnds {
		ids = append(ids, o.ID)
	}
	return ids
}

// Columns the updates of apply set.
var (
	officialUpdate = []col{{"id", "text"}, {"updated_at", "timestamptz"}, {"full_name", "text"}, {"full_name_folded", "text"},
		{"position", "text"}, {"category", "text"}, {"active_from", "timestamptz"}, {"active_to", "timestamptz"},
		{"leave_reason", "text"}, {"unit_officials", "text"}, {"contact_phone", "text"}, {"contact_email", "text"}}
	assignmentFrom = []col{{"id", "text"}, {"valid_from", "timestamptz"}, {"updated_at", "timestamptz"}}
	assignmentMove = []col{{"id", "text"}, {"unit_assignments", "text"}, {"valid_to", "timestamptz"}, {"updated_at", "timestamptz"}}
	assignmentEnd  = []col{{"id", "text"}, {"valid_to", "timestamptz"}, {"updated_at", "timestamptz"}}
)

// apply writes the plan in d's transaction, set-based whatever the number of rows: new officials
// and their assignments (COPY, or multi-row INSERTs), the changed officials' rows and their
// assignments' starts, ends and units (one UPDATE ... FROM VALUES per kind and 30,000
// parameters), the officials FULL mode ends. A changed official without a recorded history
// gets the assignment of the unit they held, written already in its final state.
func (p *Plan) apply(ctx context.Context, d db, created []string, now time.Time) error {
	offCols := []string{"id", "created_at", "updated_at", "full_name", "category", "position", "employee_code",
		"active_from", "active_to", "full_name_folded", "unit_officials", "contact_phone", "contact_email"}
	asgCols := []string{"id", "created_at", "updated_at", "valid_from", "valid_to", "reason", "official_assignments", "unit_assignments"}
	var offs, asgs [][]any
	for i, r := range p.creates {
		id := created[i]
		offs = append(offs, []any{id, now, now, r.FullName, string(r.Category), r.Position, r.EmployeeCode,
			r.Start, timeOrNil(r.End), fold.Query(r.FullName), p.units[r.Line], nullable(r.Phone), nullable(r.Email)})
		var to any
		if r.End != nil {
			to = r.End.AddDate(0, 0, 1)
		}
		asgs = append(asgs, []any{pid.New(pid.OfficialAssignment), now, now, r.Start, to, "IMPORT", id, p.units[r.Line]})
	}
	if err := d.insert(ctx, "officials", offCols, offs); err != nil {
		return err
	}
	var offUpd, fromUpd, moveUpd, endUpd [][]any
	for _, c := range p.changes {
		r, o := c.row, c.old
		phone, email := o.Phone, o.Email
		if r.Phone != "" {
			phone = r.Phone
		}
		if r.Email != "" {
			email = r.Email
		}
		leave := any(nil)
		if r.End != nil && o.LeaveReason.Valid {
			leave = o.LeaveReason.String
		}
		offUpd = append(offUpd, []any{o.ID, now, r.FullName, fold.Query(r.FullName), r.Position, string(r.Category), r.Start,
			timeOrNil(r.End), leave, c.unit, nullable(phone), nullable(email)})
		// The history: recorded from the first day when there is none; the start moved with the
		// official's (only one assignment then); a transfer on the import's date; the end.
		curFrom := o.CurFrom
		if o.CurID == "" || !o.From.Equal(r.Start) && o.NAssign <= 1 {
			curFrom = r.Start
		}
		var end any
		if r.End != nil {
			end = r.End.AddDate(0, 0, 1)
		}
		// What the latest assignment becomes: its unit and its end.
		unit, to, moved := o.Unit, end, false
		switch {
		case c.transfer && p.day.Equal(curFrom):
			unit, moved = c.unit, true
		case c.transfer:
			to = p.day
			asgs = append(asgs, []any{pid.New(pid.OfficialAssignment), now, now, p.day, end, "IMPORT", o.ID, c.unit})
		}
		if o.CurID == "" {
			asgs = append(asgs, []any{pid.New(pid.OfficialAssignment), now, now, r.Start, to, "RECORDED", o.ID, unit})
			continue
		}
		if !o.From.Equal(r.Start) {
			fromUpd = append(fromUpd, []any{o.CurID, r.Start, now})
		}
		if moved {
			moveUpd = append(moveUpd, []any{o.CurID, unit, to, now})
		} else {
			endUpd = append(endUpd, []any{o.CurID, to, now})
		}
	}
	if err := d.update(ctx, "officials", officialUpdate, offUpd); err != nil {
		return err
	}
	for _, o := range p.fullEnds {
		if o.CurID == "" {
			asgs = append(asgs, []any{pid.New(pid.OfficialAssignment), now, now, o.From, p.day.AddDate(0, 0, 1), "RECORDED", o.ID, o.Unit})
			continue
		}
		endUpd = append(endUpd, []any{o.CurID, p.day.AddDate(0, 0, 1), now})
	}
	if len(p.fullEnds) > 0 {
		ids := make([]string, len(p.fullEnds))
		for i, o := range p.fullEnds {
			ids[i] = o.ID
		}
		for lo := 0; lo < len(ids); lo += d.chunk() {
			w, args := d.in("id", ids[lo:min(lo+d.chunk(), len(ids))])
			if err := d.exec(ctx, "UPDATE officials SET active_to = ?, leave_reason = 'OTHER', updated_at = ? WHERE "+w,
				append([]any{p.day, now}, args...)...); err != nil {
				return err
			}
		}
	}
	for _, u := range []struct {
		cols []col
		rows [][]any
	}{{assignmentFrom, fromUpd}, {assignmentMove, moveUpd}, {assignmentEnd, endUpd}} {
		if err := d.update(ctx, "official_assignments", u.cols, u.rows); err != nil {
			return err
		}
	}
	return d.insert(ctx, "official_assignments", asgCols, asgs)
}
