package roster

import (
	"context"
	"time"

	"github.com/liemchinh/liemchinh/internal/fold"
	"github.com/liemchinh/liemchinh/internal/pid"
)

// applyRowwise is apply as it was before its writes were made set-based: a statement (or three)
// per changed official. Kept here as the reference the batched apply must equal.
func (p *Plan) applyRowwise(ctx context.Context, d db, created []string, now time.Time) error {
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
		if err := d.exec(ctx, "UPDATE officials SET updated_at = ?, full_name = ?, full_name_folded = ?, position = ?, category = ?,"+
			" active_from = ?, active_to = ?, leave_reason = ?, unit_officials = ?, contact_phone = ?, contact_email = ? WHERE id = ?",
			now, r.FullName, fold.Query(r.FullName), r.Position, string(r.Category), r.Start, timeOrNil(r.End), leave, c.unit,
			nullable(phone), nullable(email), o.ID); err != nil {
			return err
		}
		// The history: recorded from the first day when there is none; the start moved with the
		// official's (only one assignment then); a transfer on the import's date; the end.
		cur := o.CurID
		if cur == "" {
			cur = pid.New(pid.OfficialAssignment)
			if err := d.insert(ctx, "official_assignments", asgCols, [][]any{{cur, now, now, r.Start, nil, "RECORDED", o.ID, o.Unit}}); err != nil {
				return err
			}
		} else if !o.From.Equal(r.Start) {
			if err := d.exec(ctx, "UPDATE official_assignments SET valid_from = ?, updated_at = ? WHERE id = ?", r.Start, now, cur); err != nil {
				return err
			}
		}
		curFrom := o.CurFrom
		if o.CurID == "" || !o.From.Equal(r.Start) && o.NAssign <= 1 {
			curFrom = r.Start
		}
		var end any
		if r.End != nil {
			end = r.End.AddDate(0, 0, 1)
		}
		switch {
		case c.transfer && p.day.Equal(curFrom):
			if err := d.exec(ctx, "UPDATE official_assignments SET unit_assignments = ?, valid_to = ?, updated_at = ? WHERE id = ?", c.unit, end, now, cur); err != nil {
				return err
			}
		case c.transfer:
			if err := d.exec(ctx, "UPDATE official_assignments SET valid_to = ?, updated_at = ? WHERE id = ?", p.day, now, cur); err != nil {
				return err
			}
			if err := d.insert(ctx, "official_assignments", asgCols, [][]any{{pid.New(pid.OfficialAssignment), now, now, p.day, end, "IMPORT", o.ID, c.unit}}); err != nil {
				return err
			}
		default:
			if err := d.exec(ctx, "UPDATE official_assignments SET valid_to = ?, updated_at = ? WHERE id = ?", end, now, cur); err != nil {
				return err
			}
		}
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
		var recorded [][]any
		for _, o := range p.fullEnds {
			if o.CurID == "" {
				recorded = append(recorded, []any{pid.New(pid.OfficialAssignment), now, now, o.From, p.day.AddDate(0, 0, 1), "RECORDED", o.ID, o.Unit})
				continue
			}
			if err := d.exec(ctx, "UPDATE official_assignments SET valid_to = ?, updated_at = ? WHERE id = ?", p.day.AddDate(0, 0, 1), now, o.CurID); err != nil {
				return err
			}
		}
		if err := d.insert(ctx, "official_assignments", asgCols, recorded); err != nil {
			return err
		}
	}
	return d.insert(ctx, "official_assignments", asgCols, asgs)
}
