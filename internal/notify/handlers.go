package notify

import (
	"context"
	"slices"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/ent/citizencase"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/deadline"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

// Deadlines says when handlers are warned (DESIGN.md §12): a deadline within DueSoonDays working
// days (deadline.DueSoon, as Case.dueSoon), and once it has passed.
type Deadlines struct {
	Calendar    deadline.Calendar
	DueSoonDays int
}

// CasePage is how many cases RemindHandlers reads at a time.
const CasePage = 500

// RemindHandlers enqueues, for every open case whose deadline is near, a CASE_DUE_SOON, and once
// it has passed a CASE_OVERDUE: to the handler assigned, or, for a case with none, to the staff
// who may handle it (DESIGN.md §12, "handler (assigned, else the unit's staff in scope)"). Once
// per case, stage, deadline and recipient (an extension moves the deadline, and warns again).
// Cases are read CasePage at a time, in id order. It returns the cases it looked at.
func (s *Service) RemindHandlers(ctx context.Context, now time.Time) (int, error) {
	d := s.opt.Deadlines
	if d == nil || d.Calendar == nil {
		return 0, nil
	}
	sctx := authz.System(ctx, authz.SysNotify)
	soon := deadline.SoonUntil(d.Calendar, now, d.DueSoonDays)
	after, seen := "", 0
	for {
		q := s.client.CitizenCase.Query().Where(citizencase.Or(
			citizencase.And(citizencase.StateIn(deadline.AcceptanceStates...), citizencase.AcknowledgeDueAtLTE(soon)),
			citizencase.And(citizencase.StateIn(deadline.ConclusionStates...), citizencase.DueAtLTE(soon)),
		)).WithHandler(func(q *ent.AccountQuery) { q.Where(account.Disabled(false)).Select(account.FieldID) }).
			Order(ent.Asc(citizencase.FieldID)).Limit(CasePage)
		if after != "" {
			q = q.Where(citizencase.IDGT(after))
		}
		cases, err := q.All(sctx)
		if err != nil {
			return seen, err
		}
		if len(cases) == 0 {
			return seen, nil
		}
		seen += len(cases)
		after = cases[len(cases)-1].ID
		if err := s.warnHandlers(ctx, cases, now); err != nil {
			return seen, err
		}
	}
}

// warnHandlers enqueues the warnings of one page of cases.
func (s *Service) warnHandlers(ctx context.Context, cases []*ent.CitizenCase, now time.Time) error {
	d := s.opt.Deadlines
	var (
		items      []Item
		unassigned []*ent.CitizenCase
	)
	warning := func(c *ent.CitizenCase) (Kind, string, *time.Time, bool) {
		due := deadline.Open(c.State, c.AcknowledgeDueAt, c.DueAt)
		if due == nil {
			return "", "", nil, false
		}
		stage := "acceptance"
		if slices.Contains(deadline.ConclusionStates, c.State) {
			stage = "conclusion"
		}
		if deadline.Overdue(c.State, c.AcknowledgeDueAt, c.DueAt, now) {
			return CaseOverdue, stage, due, true
		}
		if deadline.DueSoon(d.Calendar, c.State, c.AcknowledgeDueAt, c.DueAt, now, d.DueSoonDays) {
			return CaseDueSoon, stage, due, true
		}
		return "", "", nil, false
	}
	item := func(c *ent.CitizenCase, accountID string, kind Kind, stage string, due *time.Time, params map[string]string) Item {
		p := map[string]string{"stage": stage, "due": due.In(workdays.Vietnam).Format("02/01/2006 15:04")}
		for k, v := range params {
			p[k] = v
		}
		return Item{Kind: kind, AccountID: accountID, Subject: c.ID,
			Cause: c.ID + ":" + stage + ":" + due.UTC().Format(time.RFC3339), Params: p}
	}
	for _, c := range cases {
		kind, stage, due, ok := warning(c)
		if !ok {
			continue
		}
		if c.Edges.Handler != nil {
			items = append(items, item(c, c.Edges.Handler.ID, kind, stage, due, nil))
		} else { // none assigned, or the one assigned was disabled since
			unassigned = append(unassigned, c)
		}
	}
	if len(unassigned) > 0 {
		ids := make([]string, len(unassigned))
		for i, c := range unassigned {
			ids[i] = c.ID
		}
		db, err := s.rawDB()
		if err != nil {
			return err
		}
		holders, err := authz.CaseHolders(ctx, db, s.dialect, ids)
		if err != nil {
			return err
		}
		byCase := map[string][]authz.Holder{}
		for _, h := range holders {
			byCase[h.CaseID] = append(byCase[h.CaseID], h)
		}
		for _, c := range unassigned {
			kind, stage, due, _ := warning(c)
			for _, accountID := range nearestStaff(byCase[c.ID], stage) {
				items = append(items, item(c, accountID, kind, stage, due, map[string]string{"handler": "none"}))
			}
		}
	}
	for len(items) > 0 {
		n := min(len(items), BatchSize)
		if err := s.Enqueue(ctx, items[:n]...); err != nil {
			return err
		}
		items = items[n:]
	}
	return nil
}

// nearestStaff picks, among the holders of a case with no handler (ordered by level), those of
// the nearest level that may act on it at its stage: the staff of the unit's own scope, or when
// it has none (or only the person concerned, whom CaseHolders leaves out), the scope above
// (DESIGN.md §5). At acceptance every holder may accept, reject, transfer or assign it; once
// accepted, an inspector acts only on the cases assigned to them (casework's handlerOnly), so the
// warning goes to those who may assign it.
func nearestStaff(holders []authz.Holder, stage string) []string {
	var out []string
	level := -1
	for _, h := range holders {
		if stage == "conclusion" && h.Role == authz.RoleInspector {
			continue
		}
		if level >= 0 && h.Level != level {
			break
		}
		level = h.Level
		out = append(out, h.AccountID)
	}
	return out
}
