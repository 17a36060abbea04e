// Package orgchart owns changes of the organisation (DESIGN.md §3, §11): units created, renamed,
// moved and closed into a successor; officials hired, updated, transferred and leaving. Every change
// is effective-dated, checked whole before anything is written, granted (authz.OrgEditor: supervisors
// and administrators in scope), written in the caller's transaction and audited. An official's
// career is kept as assignments (unit, first day, end), which the progress figures read: a
// transfer in 2026 does not move 2025's figures.
package orgchart

import (
	"context"
	"fmt"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/citizencase"
	"github.com/liemchinh/liemchinh/ent/district"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/officialassignment"
	"github.com/liemchinh/liemchinh/ent/province"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/ent/unitplacement"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/audit"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/deadline"
	"github.com/liemchinh/liemchinh/internal/store"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

// Service changes the organisation chart.
type Service struct {
	client *ent.Client
	now    func() time.Time
}

// New returns the service over client; now is the domain clock (time.Now outside tests).
func New(client *ent.Client, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{client: client, now: now}
}

// db is the client of the caller's transaction when there is one.
func (s *Service) db(ctx context.Context) *ent.Client { return store.ClientFrom(ctx, s.client) }

// Day is a calendar day as the organisation keeps it: midnight in Vietnam.
func Day(t time.Time) time.Time {
	y, m, d := t.In(workdays.Vietnam).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, workdays.Vietnam)
}

func (s *Service) today() time.Time { return Day(s.now()) }

// sys reads past the viewer filters, for checks the rule has already allowed.
func sys(ctx context.Context) context.Context { return authz.System(ctx, authz.SysOrgChart) }

// run checks the viewer may change the targets, then runs fn in the transaction with the writes of
// an org chart change granted, and records the audit entry fn returns.
func (s *Service) run(ctx context.Context, action string, fn func(ctx context.Context, tx *ent.Client) (audit.Entry, error)) error {
	return store.InTx(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		e, err := fn(authz.Grant(ctx, action, authz.OrgChartWrites...), tx)
		if err != nil {
			return err
		}
		e.Action = action
		return audit.Record(ctx, tx, e)
	})
}

func unitScope(id string) authz.Scope { return authz.Scope{Kind: authz.ScopeUnit, ID: id} }

var (
	errNoUnit     = apperr.New(apperr.NotFound, "Không tìm thấy đơn vị.", "No such unit.")
	errNoOfficial = apperr.New(apperr.NotFound, "Không tìm thấy cán bộ.", "No such official.")
	errFuture     = apperr.New(apperr.BadUserInput, "Ngày hiệu lực không được ở tương lai.", "The effective date cannot be in the future.")
	errClosed     = apperr.New(apperr.BadUserInput, "Đơn vị đã giải thể.", "The unit is closed.")
)

// openUnit reads a unit that is not closed, in the viewer's scope; field names the input.
func (s *Service) openUnit(ctx context.Context, tx *ent.Client, id, field string) (*ent.Unit, error) {
	if err := authz.OrgEditor(ctx, tx, unitScope(id)); err != nil {
		if ok, _ := tx.Unit.Query().Where(unit.ID(id)).Exist(sys(ctx)); !ok {
			return nil, errNoUnit.OnField(field)
		}
		return nil, err
	}
	u, err := tx.Unit.Get(sys(ctx), id)
	if ent.IsNotFound(err) {
		return nil, errNoUnit.OnField(field)
	} else if err != nil {
		return nil, err
	}
	if u.ClosedOn != nil {
		return nil, errClosed.OnField(field)
	}
	return u, nil
}

// text trims a required text and checks its length.
func text(v string, max int, field, viName, enName string) (string, error) {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return "", apperr.New(apperr.BadUserInput, "Cần nhập "+viName+".", "The "+enName+" is required.").OnField(field)
	case len(v) > max:
		return "", apperr.New(apperr.BadUserInput, fmt.Sprintf("%s quá dài (tối đa %d byte).", viName, max),
			fmt.Sprintf("The %s is too long (at most %d bytes).", enName, max)).OnField(field)
	}
	return v, nil
}

// UnitInput is a new unit.
type UnitInput struct {
	Name       string
	Level      unit.Level
	Kind       unit.Kind
	Code       string
	ParentID   string // the unit it reports to; or else
	ProvinceID string // the province it hangs under directly
	DistrictID string // optional, with ProvinceID
	OpenedOn   time.Time
}

// UnitCreate creates a unit under a parent unit (it takes the parent's province and district) or
// directly under a province, from a day (not in the future).
func (s *Service) UnitCreate(ctx context.Context, in UnitInput) (*ent.Unit, error) {
	var out *ent.Unit
	err := s.run(ctx, "unitCreate", func(ctx context.Context, tx *ent.Client) (audit.Entry, error) {
		name, err := text(in.Name, 300, "name", "tên đơn vị", "unit's name")
		if err != nil {
			return audit.Entry{}, err
		}
		if in.Code = strings.TrimSpace(in.Code); len(in.Code) > 20 {
			return audit.Entry{}, apperr.BadInput("Mã đơn vị tối đa 20 ký tự.", "The unit's code is at most 20 characters.", "code")
		}
		opened := Day(in.OpenedOn)
		if in.OpenedOn.IsZero() {
			opened = s.today()
		} else if opened.After(s.today()) {
			return audit.Entry{}, errFuture.OnField("openedOn")
		}
		c := tx.Unit.Create().SetName(name).SetLevel(in.Level).SetKind(in.Kind).SetOpenedOn(opened)
		if in.Code != "" {
			c.SetCode(in.Code)
		}
		switch {
		case in.ParentID != "" && in.ProvinceID != "":
			return audit.Entry{}, apperr.BadInput("Chọn đơn vị cấp trên hoặc tỉnh, không chọn cả hai.",
				"Give either the parent unit or the province, not both.", "parentId")
		case in.ParentID != "":
			p, err := s.openUnit(ctx, tx, in.ParentID, "parentId")
			if err != nil {
				return audit.Entry{}, err
			}
			// Not beside a move of the parent's subtree: the unit takes the parent's district as it is.
			if err := lockMove(ctx, tx, []string{p.ProvinceID}, p.ID); err != nil {
				return audit.Entry{}, err
			}
			if p, err = s.openUnit(ctx, tx, in.ParentID, "parentId"); err != nil {
				return audit.Entry{}, err
			}
			c.SetParentID(p.ID).SetProvinceID(p.ProvinceID).SetNillableDistrictID(p.DistrictID)
		case in.ProvinceID != "":
			target := authz.Scope{Kind: authz.ScopeProvince, ID: in.ProvinceID}
			if in.DistrictID != "" {
				d, err := tx.District.Query().Where(district.ID(in.DistrictID)).WithProvince().Only(sys(ctx))
				if ent.IsNotFound(err) || (err == nil && d.Edges.Province.ID != in.ProvinceID) {
					return audit.Entry{}, apperr.New(apperr.NotFound, "Không tìm thấy huyện trong tỉnh này.",
						"No such district in this province.").OnField("districtId")
				} else if err != nil {
					return audit.Entry{}, err
				}
				target = authz.Scope{Kind: authz.ScopeDistrict, ID: in.DistrictID}
				c.SetDistrictID(in.DistrictID)
			}
			if err := authz.OrgEditor(ctx, tx, target); err != nil {
				return audit.Entry{}, err
			}
			c.SetProvinceID(in.ProvinceID)
		default:
			return audit.Entry{}, apperr.BadInput("Cần chọn đơn vị cấp trên hoặc tỉnh.", "The parent unit or the province is required.", "parentId")
		}
		if out, err = c.Save(ctx); err != nil {
			return audit.Entry{}, err
		}
		return audit.Entry{ObjectType: "Unit", ObjectID: out.ID, Summary: "unit created from " + opened.Format(time.DateOnly)}, nil
	})
	return out, err
}

// UnitUpdate renames a unit and/or moves it, from a day, under another parent of the same province
// (not under itself or its own sub-units; the new parent in the viewer's scope). A move carries the
// whole subtree: the unit takes the new parent's district, and so does every sub-unit, from the
// same day. It is dated like a transfer: not in the future, not before the unit opened, its new
// parent opened, or the last move of the unit or of any of its sub-units (so every unit's history
// stays a sequence). Where each unit whose place changes sat until then is kept as a UnitPlacement
// (parent, district, province, from its last move to the day, who moved it), and the progress
// figures of every year whose reference day falls before the day stay there (package progress
// reads the history).
//
// Moves of one province are serialized (lockMove), so concurrent moves never interleave their
// checks and history.
func (s *Service) UnitUpdate(ctx context.Context, id string, name, parentID *string, from time.Time) (*ent.Unit, error) {
	var out *ent.Unit
	err := s.run(ctx, "unitUpdate", func(ctx context.Context, tx *ent.Client) (audit.Entry, error) {
		u, err := s.openUnit(ctx, tx, id, "unitId")
		if err != nil {
			return audit.Entry{}, err
		}
		moving := parentID != nil && *parentID != ""
		if moving {
			if err := lockMove(ctx, tx, []string{u.ProvinceID}, u.ID, *parentID); err != nil {
				return audit.Entry{}, err
			}
			if u, err = s.openUnit(ctx, tx, id, "unitId"); err != nil { // as it stands now the move holds the lock
				return audit.Entry{}, err
			}
		}
		up := tx.Unit.UpdateOne(u)
		var what []string
		if name != nil {
			n, err := text(*name, 300, "name", "tên đơn vị", "unit's name")
			if err != nil {
				return audit.Entry{}, err
			}
			up.SetName(n)
			what = append(what, "renamed")
		}
		var carried *carry
		if moving {
			p, day, err := s.checkMove(ctx, tx, u, *parentID, from)
			if err != nil {
				return audit.Entry{}, err
			}
			if carried, err = planCarry(ctx, tx, u, p, day); err != nil {
				return audit.Entry{}, err
			}
			up.SetParentID(p.ID).SetNillableDistrictID(p.DistrictID)
			if p.DistrictID == nil {
				up.ClearDistrictID()
			}
			what = append(what, "moved from "+deref(u.ParentID, "the province")+" to "+p.ID+" from "+day.Format(time.DateOnly))
			if n := len(carried.subUnits); n > 0 {
				what = append(what, fmt.Sprintf("with %d sub-unit(s) (%d changing district)", n, len(carried.moved)))
			}
		} else if !from.IsZero() {
			return audit.Entry{}, apperr.BadInput("Ngày hiệu lực chỉ dùng khi chuyển đơn vị sang đơn vị cấp trên mới.",
				"The effective date goes with a move to a new parent only.", "from")
		}
		if len(what) == 0 {
			return audit.Entry{}, apperr.BadInput("Không có gì để thay đổi.", "Nothing to change.", "name")
		}
		// The units move first, so that the figures are read where they sat before; then their
		// past places are recorded.
		if out, err = up.Save(ctx); err != nil {
			return audit.Entry{}, err
		}
		if carried != nil {
			if err := carried.apply(ctx, tx); err != nil {
				return audit.Entry{}, err
			}
		}
		return audit.Entry{ObjectType: "Unit", ObjectID: id, Summary: strings.Join(what, ", ")}, nil
	})
	return out, err
}

// carry is what a move writes besides the unit's own row: the sub-units taking the new district,
// and the past places of every unit whose place changes.
type carry struct {
	district *string     // the new parent's district, which the whole subtree takes
	subUnits []*ent.Unit // every sub-unit, at any depth
	moved    []string    // the sub-units whose district changes
	places   []*ent.UnitPlacementCreate
}

// planCarry checks the move's day against the history of the unit and of its subtree, and plans
// the writes that carry the subtree to p's district from day.
func planCarry(ctx context.Context, tx *ent.Client, u, p *ent.Unit, day time.Time) (*carry, error) {
	c := &carry{district: p.DistrictID}
	for frontier := []string{u.ID}; len(frontier) > 0; {
		kids, err := tx.Unit.Query().Where(unit.ParentIDIn(frontier...)).Order(ent.Asc(unit.FieldID)).All(sys(ctx))
		if err != nil {
			return nil, err
		}
		frontier = frontier[:0]
		for _, k := range kids {
			c.subUnits = append(c.subUnits, k)
			frontier = append(frontier, k.ID)
		}
	}
	ids := []string{u.ID}
	for _, k := range c.subUnits {
		ids = append(ids, k.ID)
	}
	// The last move of each unit of the subtree (its own, or one that carried it).
	last := map[string]time.Time{}
	for lo := 0; lo < len(ids); lo += 500 {
		ps, err := tx.UnitPlacement.Query().Where(unitplacement.UnitIDIn(ids[lo:min(lo+500, len(ids))]...)).All(sys(ctx))
		if err != nil {
			return nil, err
		}
		for _, pl := range ps {
			if t, ok := last[pl.UnitID]; !ok || pl.ValidTo.After(t) {
				last[pl.UnitID] = pl.ValidTo
			}
		}
	}
	if t, ok := last[u.ID]; ok && day.Before(Day(t)) { // history is appended in order
		return nil, apperr.Newf(apperr.BadUserInput, "Ngày hiệu lực không được trước lần chuyển trước của đơn vị (%s).",
			"The move cannot take effect before the unit's previous move (%s).", Day(t).Format(time.DateOnly)).OnField("from")
	}
	for _, k := range c.subUnits {
		if t, ok := last[k.ID]; ok && day.Before(Day(t)) {
			return nil, apperr.Newf(apperr.BadUserInput, "Ngày hiệu lực không được trước lần chuyển gần nhất của đơn vị cấp dưới %s (%s).",
				"The move cannot take effect before the last move of its sub-unit %s (%s).", k.Name, Day(t).Format(time.DateOnly)).OnField("from")
		}
	}
	by := authz.FromContext(ctx).AccountID
	place := func(x *ent.Unit) *ent.UnitPlacementCreate {
		pc := tx.UnitPlacement.Create().SetUnitID(x.ID).SetValidTo(day).SetNillableParentID(x.ParentID).
			SetNillableDistrictID(x.DistrictID).SetProvinceID(x.ProvinceID)
		if by != "" {
			pc.SetMovedBy(by)
		}
		if t, ok := last[x.ID]; ok {
			pc.SetValidFrom(t)
		} else {
			pc.SetNillableValidFrom(x.OpenedOn)
		}
		return pc
	}
	c.places = append(c.places, place(u))
	for _, k := range c.subUnits {
		if sameID(k.DistrictID, p.DistrictID) {
			continue // its place for the figures does not change: its ancestors' history says the rest
		}
		c.moved = append(c.moved, k.ID)
		if t, ok := last[k.ID]; ok && Day(t).Equal(day) {
			continue // its old district held for no day
		}
		c.places = append(c.places, place(k).SetMovedWith(u.ID))
	}
	return c, nil
}

// apply moves the sub-units to the new district and records the past places.
func (c *carry) apply(ctx context.Context, tx *ent.Client) error {
	for lo := 0; lo < len(c.moved); lo += 500 {
		up := tx.Unit.Update().Where(unit.IDIn(c.moved[lo:min(lo+500, len(c.moved))]...))
		if c.district == nil {
			up.ClearDistrictID()
		} else {
			up.SetDistrictID(*c.district)
		}
		if err := up.Exec(ctx); err != nil {
			return err
		}
	}
	for lo := 0; lo < len(c.places); lo += 500 {
		if err := tx.UnitPlacement.CreateBulk(c.places[lo:min(lo+500, len(c.places))]...).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

func sameID(a, b *string) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// lockMove serializes the structural changes of a province (moves, closures, units created under
// a parent): on PostgreSQL it locks the provinces' rows (in id order), then the rows of the units named, in id
// order, until the transaction ends. Every structural change takes the province's lock first, so
// the checks of one (cycles, the subtree and its history, a parent still open) see what the other
// wrote, and two moves of one unit append their history one after the other. FOR NO KEY UPDATE is
// the lock an UPDATE of the row takes: records referencing the rows (officials, cases) are still
// inserted meanwhile. SQLite has one writer at a time (transactions begin IMMEDIATE).
func lockMove(ctx context.Context, tx *ent.Client, provinceIDs []string, unitIDs ...string) error {
	if _, err := tx.Province.Query().Where(province.IDIn(provinceIDs...), forNoKeyUpdate).Order(ent.Asc(province.FieldID)).IDs(sys(ctx)); err != nil {
		return err
	}
	if len(unitIDs) == 0 {
		return nil
	}
	_, err := tx.Unit.Query().Where(unit.IDIn(unitIDs...), forNoKeyUpdate).Order(ent.Asc(unit.FieldID)).IDs(sys(ctx))
	return err
}

// forNoKeyUpdate makes a query lock the rows it reads, on PostgreSQL.
func forNoKeyUpdate(s *sql.Selector) {
	if s.Dialect() == dialect.Postgres {
		s.For(sql.LockNoKeyUpdate)
	}
}

// checkMove checks a move of u under parentID from a day and returns the new parent and the day.
func (s *Service) checkMove(ctx context.Context, tx *ent.Client, u *ent.Unit, parentID string, from time.Time) (*ent.Unit, time.Time, error) {
	day := Day(from)
	switch {
	case from.IsZero():
		return nil, day, apperr.BadInput("Cần nhập ngày hiệu lực của việc chuyển đơn vị.", "The date the move takes effect is required.", "from")
	case day.After(s.today()):
		return nil, day, apperr.BadInput("Ngày hiệu lực của việc chuyển đơn vị không được ở tương lai: hãy ghi nhận vào đúng ngày đó.",
			"The move cannot take effect in the future: record it on the day.", "from")
	case u.OpenedOn != nil && day.Before(Day(*u.OpenedOn)):
		return nil, day, apperr.Newf(apperr.BadUserInput, "Ngày hiệu lực không được trước ngày thành lập đơn vị (%s).",
			"The move cannot take effect before the unit opened (%s).", Day(*u.OpenedOn).Format(time.DateOnly)).OnField("from")
	}
	p, err := s.openUnit(ctx, tx, parentID, "parentId")
	if e, ok := apperr.As(err); ok && e.Code == apperr.Forbidden {
		return nil, day, apperr.New(apperr.Forbidden, "Đơn vị cấp trên mới nằm ngoài phạm vi của bạn.",
			"The new parent is outside your scope.").OnField("parentId")
	} else if err != nil {
		return nil, day, err
	}
	switch {
	case p.ProvinceID != u.ProvinceID:
		return nil, day, apperr.BadInput("Đơn vị cấp trên mới phải cùng tỉnh.", "The new parent must be in the same province.", "parentId")
	case u.ParentID != nil && *u.ParentID == p.ID:
		return nil, day, apperr.BadInput("Đơn vị đã trực thuộc đơn vị này.", "The unit already sits under this parent.", "parentId")
	case p.OpenedOn != nil && day.Before(Day(*p.OpenedOn)):
		return nil, day, apperr.Newf(apperr.BadUserInput, "Ngày hiệu lực không được trước ngày thành lập đơn vị cấp trên mới (%s).",
			"The move cannot take effect before the new parent opened (%s).", Day(*p.OpenedOn).Format(time.DateOnly)).OnField("from")
	}
	// Not under itself or a descendant: walk up from the new parent.
	above := map[string]*ent.Unit{}
	for a := p; ; {
		if a.ID == u.ID {
			return nil, day, apperr.BadInput("Không thể chuyển đơn vị vào dưới chính nó hoặc đơn vị cấp dưới của nó.",
				"A unit cannot move under itself or one of its sub-units.", "parentId")
		}
		above[a.ID] = a
		if a.ParentID == nil {
			break
		}
		if a, err = tx.Unit.Get(sys(ctx), *a.ParentID); err != nil {
			return nil, day, err
		}
	}
	// Nor before the last move of the new parent or of a unit above it: the unit takes the
	// parent's place as it is now, which is not where the parent stood before its own move (and
	// in a year before it, the tree of that year could hold a cycle).
	ids := make([]string, 0, len(above))
	for id := range above {
		ids = append(ids, id)
	}
	last, err := tx.UnitPlacement.Query().Where(unitplacement.UnitIDIn(ids...), unitplacement.ValidToGT(day)).
		Order(ent.Desc(unitplacement.FieldValidTo), ent.Asc(unitplacement.FieldID)).First(sys(ctx))
	if err != nil && !ent.IsNotFound(err) {
		return nil, day, err
	}
	if last != nil && day.Before(Day(last.ValidTo)) {
		return nil, day, apperr.Newf(apperr.BadUserInput, "Ngày hiệu lực không được trước lần chuyển gần nhất của đơn vị cấp trên mới %s (%s).",
			"The move cannot take effect before the last move of the new parent or a unit above it, %s (%s).",
			above[last.UnitID].Name, Day(last.ValidTo).Format(time.DateOnly)).OnField("from")
	}
	return p, day, nil
}

func deref(s *string, otherwise string) string {
	if s == nil {
		return otherwise
	}
	return *s
}

// UnitClose closes a unit on a day (not in the future) into a successor: its officials in
// service then are transferred to the successor from that day, its open cases go to the successor.
// A unit with open sub-units is refused (move or close them first).
func (s *Service) UnitClose(ctx context.Context, id, successorID string, on time.Time) (*ent.Unit, error) {
	var out *ent.Unit
	err := s.run(ctx, "unitClose", func(ctx context.Context, tx *ent.Client) (audit.Entry, error) {
		u, err := s.openUnit(ctx, tx, id, "unitId")
		if err != nil {
			return audit.Entry{}, err
		}
		succ, err := s.openUnit(ctx, tx, successorID, "successorId")
		if err != nil {
			return audit.Entry{}, err
		}
		// Not beside a move into the unit or of the successor: both read as they stand once locked.
		if err := lockMove(ctx, tx, []string{u.ProvinceID, succ.ProvinceID}, u.ID, succ.ID); err != nil {
			return audit.Entry{}, err
		}
		if u, err = s.openUnit(ctx, tx, id, "unitId"); err != nil {
			return audit.Entry{}, err
		}
		if succ, err = s.openUnit(ctx, tx, successorID, "successorId"); err != nil {
			return audit.Entry{}, err
		}
		if succ.ID == u.ID {
			return audit.Entry{}, apperr.BadInput("Đơn vị kế thừa phải là đơn vị khác.", "The successor must be another unit.", "successorId")
		}
		day := Day(on)
		switch {
		case on.IsZero():
			return audit.Entry{}, apperr.BadInput("Cần nhập ngày giải thể.", "The closing date is required.", "closedOn")
		case day.After(s.today()):
			return audit.Entry{}, errFuture.OnField("closedOn")
		case u.OpenedOn != nil && !day.After(*u.OpenedOn):
			return audit.Entry{}, apperr.BadInput("Ngày giải thể phải sau ngày thành lập.", "The closing date must be after the opening date.", "closedOn")
		}
		if n, err := tx.Unit.Query().Where(unit.ParentID(u.ID), unit.ClosedOnIsNil()).Count(sys(ctx)); err != nil {
			return audit.Entry{}, err
		} else if n > 0 {
			return audit.Entry{}, apperr.Newf(apperr.BadUserInput, "Đơn vị còn %d đơn vị cấp dưới: chuyển hoặc giải thể chúng trước.",
				"The unit still has %d sub-units: move or close them first.", n).OnField("unitId")
		}
		offs, err := tx.Official.Query().Where(official.UnitID(u.ID),
			official.Or(official.ActiveToIsNil(), official.ActiveToGTE(day))).All(sys(ctx))
		if err != nil {
			return audit.Entry{}, err
		}
		for _, o := range offs {
			if err := s.move(ctx, tx, o, succ.ID, day, officialassignment.ReasonUNIT_CLOSED, "closedOn"); err != nil {
				return audit.Entry{}, err
			}
		}
		var open []enum.CaseState
		open = append(append(open, deadline.AcceptanceStates...), deadline.ConclusionStates...)
		moved, err := tx.CitizenCase.Update().Where(citizencase.HasUnitWith(unit.ID(u.ID)), citizencase.StateIn(open...)).
			SetUnitID(succ.ID).Save(ctx)
		if err != nil {
			return audit.Entry{}, err
		}
		if out, err = tx.Unit.UpdateOne(u).SetClosedOn(day).SetSuccessorID(succ.ID).Save(ctx); err != nil {
			return audit.Entry{}, err
		}
		return audit.Entry{ObjectType: "Unit", ObjectID: id, Summary: fmt.Sprintf("closed on %s into %s: %d official(s), %d open case(s) handed over",
			day.Format(time.DateOnly), succ.ID, len(offs), moved)}, nil
	})
	return out, err
}

// OfficialInput is a new official.
type OfficialInput struct {
	UnitID       string
	FullName     string
	EmployeeCode string
	Category     official.Category
	Position     string
	StartDate    time.Time
}

// OfficialCreate hires an official into a unit from a start date (which may lie ahead).
func (s *Service) OfficialCreate(ctx context.Context, in OfficialInput) (*ent.Official, error) {
	var out *ent.Official
	err := s.run(ctx, "officialCreate", func(ctx context.Context, tx *ent.Client) (audit.Entry, error) {
		u, err := s.openUnit(ctx, tx, in.UnitID, "unitId")
		if err != nil {
			return audit.Entry{}, err
		}
		name, err := text(in.FullName, 200, "fullName", "họ tên", "full name")
		if err != nil {
			return audit.Entry{}, err
		}
		code, err := text(in.EmployeeCode, 40, "employeeCode", "mã cán bộ", "employee code")
		if err != nil {
			return audit.Entry{}, err
		}
		if len(strings.TrimSpace(in.Position)) > 200 {
			return audit.Entry{}, apperr.BadInput("Chức vụ quá dài.", "The position is too long.", "position")
		}
		if in.StartDate.IsZero() {
			return audit.Entry{}, apperr.BadInput("Cần nhập ngày bắt đầu.", "The start date is required.", "startDate")
		}
		if ok, err := tx.Official.Query().Where(official.EmployeeCode(code)).Exist(sys(ctx)); err != nil {
			return audit.Entry{}, err
		} else if ok {
			return audit.Entry{}, apperr.New(apperr.Conflict, "Mã cán bộ đã được dùng.", "The employee code is already in use.").OnField("employeeCode")
		}
		start := Day(in.StartDate)
		if out, err = tx.Official.Create().SetFullName(name).SetEmployeeCode(code).SetCategory(in.Category).
			SetPosition(strings.TrimSpace(in.Position)).SetActiveFrom(start).SetUnitID(u.ID).Save(ctx); err != nil {
			return audit.Entry{}, err
		}
		if err := tx.OfficialAssignment.Create().SetOfficialID(out.ID).SetUnitID(u.ID).SetValidFrom(start).
			SetReason(officialassignment.ReasonHIRE).Exec(ctx); err != nil {
			return audit.Entry{}, err
		}
		return audit.Entry{ObjectType: "Official", ObjectID: out.ID, Summary: "hired into " + u.ID + " from " + start.Format(time.DateOnly)}, nil
	})
	return out, err
}

// inScopeOfficial reads an official whose unit the viewer may change.
func (s *Service) inScopeOfficial(ctx context.Context, tx *ent.Client, id string) (*ent.Official, error) {
	o, err := tx.Official.Get(sys(ctx), id)
	if ent.IsNotFound(err) {
		return nil, errNoOfficial.OnField("officialId")
	} else if err != nil {
		return nil, err
	}
	if err := authz.OrgEditor(ctx, tx, unitScope(o.UnitID)); err != nil {
		return nil, err
	}
	return o, nil
}

// OfficialUpdate changes an official's name, position and/or category (not their history).
func (s *Service) OfficialUpdate(ctx context.Context, id string, fullName, position *string, category *official.Category) (*ent.Official, error) {
	var out *ent.Official
	err := s.run(ctx, "officialUpdate", func(ctx context.Context, tx *ent.Client) (audit.Entry, error) {
		o, err := s.inScopeOfficial(ctx, tx, id)
		if err != nil {
			return audit.Entry{}, err
		}
		up := tx.Official.UpdateOne(o)
		var what []string
		if fullName != nil {
			n, err := text(*fullName, 200, "fullName", "họ tên", "full name")
			if err != nil {
				return audit.Entry{}, err
			}
			up.SetFullName(n)
			what = append(what, "name")
		}
		if position != nil {
			if len(strings.TrimSpace(*position)) > 200 {
				return audit.Entry{}, apperr.BadInput("Chức vụ quá dài.", "The position is too long.", "position")
			}
			up.SetPosition(strings.TrimSpace(*position))
			what = append(what, "position")
		}
		if category != nil {
			up.SetCategory(*category)
			what = append(what, "category")
		}
		if len(what) == 0 {
			return audit.Entry{}, apperr.BadInput("Không có gì để thay đổi.", "Nothing to change.", "fullName")
		}
		if out, err = up.Save(ctx); err != nil {
			return audit.Entry{}, err
		}
		return audit.Entry{ObjectType: "Official", ObjectID: id, Summary: "changed " + strings.Join(what, ", ")}, nil
	})
	return out, err
}

// OfficialTransfer moves an official to another unit from a day (not in the future, not before
// their current assignment began, while in service). Figures of years whose reference day falls
// before that day stay with the old unit.
func (s *Service) OfficialTransfer(ctx context.Context, id, unitID string, from time.Time) (*ent.Official, error) {
	var out *ent.Official
	err := s.run(ctx, "officialTransfer", func(ctx context.Context, tx *ent.Client) (audit.Entry, error) {
		o, err := s.inScopeOfficial(ctx, tx, id)
		if err != nil {
			return audit.Entry{}, err
		}
		u, err := s.openUnit(ctx, tx, unitID, "unitId")
		if err != nil {
			return audit.Entry{}, err
		}
		if u.ID == o.UnitID {
			return audit.Entry{}, apperr.BadInput("Cán bộ đã thuộc đơn vị này.", "The official already works in this unit.", "unitId")
		}
		day := Day(from)
		switch {
		case from.IsZero():
			return audit.Entry{}, apperr.BadInput("Cần nhập ngày chuyển.", "The transfer date is required.", "from")
		case day.After(s.today()):
			return audit.Entry{}, errFuture.OnField("from")
		case o.ActiveTo != nil && day.After(Day(*o.ActiveTo)):
			return audit.Entry{}, apperr.BadInput("Cán bộ đã nghỉ trước ngày chuyển.", "The official left before the transfer date.", "from")
		}
		if err := s.move(ctx, tx, o, u.ID, day, officialassignment.ReasonTRANSFER, "from"); err != nil {
			return audit.Entry{}, err
		}
		if out, err = tx.Official.Get(sys(ctx), id); err != nil {
			return audit.Entry{}, err
		}
		return audit.Entry{ObjectType: "Official", ObjectID: id,
			Summary: fmt.Sprintf("transferred from %s to %s from %s", o.UnitID, u.ID, day.Format(time.DateOnly))}, nil
	})
	return out, err
}

// move ends the official's current assignment on day and starts one in unitID (or, when the
// current one began that very day, puts it in unitID instead), and makes unitID the official's
// unit. An official without history first gets their unit recorded from their first day.
func (s *Service) move(ctx context.Context, tx *ent.Client, o *ent.Official, unitID string, day time.Time, reason officialassignment.Reason, field string) error {
	cur, err := Current(ctx, tx, o)
	if err != nil {
		return err
	}
	switch {
	case day.Before(Day(cur.ValidFrom)):
		return apperr.Newf(apperr.BadUserInput, "Ngày chuyển không được trước ngày bắt đầu ở đơn vị hiện tại (%s).",
			"The date cannot precede the start in the current unit (%s).", Day(cur.ValidFrom).Format(time.DateOnly)).OnField(field)
	case day.Equal(Day(cur.ValidFrom)):
		if err := tx.OfficialAssignment.UpdateOne(cur).SetUnitID(unitID).Exec(ctx); err != nil {
			return err
		}
	default:
		if err := tx.OfficialAssignment.UpdateOne(cur).SetValidTo(day).Exec(ctx); err != nil {
			return err
		}
		if err := tx.OfficialAssignment.Create().SetOfficialID(o.ID).SetUnitID(unitID).SetValidFrom(day).
			SetReason(reason).Exec(ctx); err != nil {
			return err
		}
	}
	return tx.Official.UpdateOneID(o.ID).SetUnitID(unitID).Exec(ctx)
}

// Current returns the official's latest assignment, recording their unit from their first day
// first when they have no history (officials seeded before history was kept).
func Current(ctx context.Context, tx *ent.Client, o *ent.Official) (*ent.OfficialAssignment, error) {
	cur, err := tx.OfficialAssignment.Query().Where(officialassignment.OfficialID(o.ID)).
		Order(ent.Desc(officialassignment.FieldValidFrom), ent.Desc(officialassignment.FieldID)).First(sys(ctx))
	if ent.IsNotFound(err) {
		return tx.OfficialAssignment.Create().SetOfficialID(o.ID).SetUnitID(o.UnitID).SetValidFrom(Day(o.ActiveFrom)).
			SetReason(officialassignment.ReasonRECORDED).Save(ctx)
	}
	return cur, err
}

// LeaveReason is why an official left.
type LeaveReason = official.LeaveReason

// OfficialLeave ends an official's service on a last day (it may lie ahead: a retirement
// announced) with a reason; their current assignment ends with it.
func (s *Service) OfficialLeave(ctx context.Context, id string, last time.Time, reason LeaveReason) (*ent.Official, error) {
	var out *ent.Official
	err := s.run(ctx, "officialLeave", func(ctx context.Context, tx *ent.Client) (audit.Entry, error) {
		o, err := s.inScopeOfficial(ctx, tx, id)
		if err != nil {
			return audit.Entry{}, err
		}
		day := Day(last)
		switch {
		case last.IsZero():
			return audit.Entry{}, apperr.BadInput("Cần nhập ngày nghỉ.", "The end date is required.", "endDate")
		case day.Before(Day(o.ActiveFrom)):
			return audit.Entry{}, apperr.BadInput("Ngày nghỉ không được trước ngày bắt đầu.", "The end date cannot precede the start date.", "endDate")
		case official.LeaveReasonValidator(reason) != nil:
			return audit.Entry{}, apperr.BadInput("Lý do nghỉ không hợp lệ.", "Unknown reason.", "reason")
		}
		cur, err := Current(ctx, tx, o)
		if err != nil {
			return audit.Entry{}, err
		}
		if day.Before(Day(cur.ValidFrom)) {
			return audit.Entry{}, apperr.BadInput("Ngày nghỉ không được trước ngày bắt đầu ở đơn vị hiện tại.",
				"The end date cannot precede the start in the current unit.", "endDate")
		}
		if err := tx.OfficialAssignment.UpdateOne(cur).SetValidTo(day.AddDate(0, 0, 1)).Exec(ctx); err != nil {
			return audit.Entry{}, err
		}
		if out, err = tx.Official.UpdateOne(o).SetActiveTo(day).SetLeaveReason(reason).Save(ctx); err != nil {
			return audit.Entry{}, err
		}
		return audit.Entry{ObjectType: "Official", ObjectID: id, Summary: fmt.Sprintf("left on %s (%s)", day.Format(time.DateOnly), reason)}, nil
	})
	return out, err
}
