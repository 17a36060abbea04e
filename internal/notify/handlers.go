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

// RemindHandlers enqueues, for every open case with an assigned handler, a CASE_DUE_SOON when the
// deadline it is held to is near and a CASE_OVERDUE once it has passed: once per case, stage and
// deadline (an extension moves the deadline, and warns again).
func (s *Service) RemindHandlers(ctx context.Context, now time.Time) (int, error) {
	d := s.opt.Deadlines
	if d == nil || d.Calendar == nil {
		return 0, nil
	}
	sctx := authz.System(ctx, authz.SysNotify)
	soon := deadline.SoonUntil(d.Calendar, now, d.DueSoonDays)
	cases, err := s.client.CitizenCase.Query().Where(citizencase.HasHandler(), citizencase.Or(
		citizencase.And(citizencase.StateIn(deadline.AcceptanceStates...), citizencase.AcknowledgeDueAtLTE(soon)),
		citizencase.And(citizencase.StateIn(deadline.ConclusionStates...), citizencase.DueAtLTE(soon)),
	)).WithHandler(func(q *ent.AccountQuery) { q.Where(account.Disabled(false)).Select(account.FieldID) }).All(sctx)
	if err != nil {
		return 0, err
	}
	var items []Item
	for _, c := range cases {
		due := deadline.Open(c.State, c.AcknowledgeDueAt, c.DueAt)
		if due == nil || c.Edges.Handler == nil {
			continue
		}
		stage := "acceptance"
		if slices.Contains(deadline.ConclusionStates, c.State) {
			stage = "conclusion"
		}
		kind := CaseDueSoon
		if deadline.Overdue(c.State, c.AcknowledgeDueAt, c.DueAt, now) {
			kind = CaseOverdue
		} else if !deadline.DueSoon(d.Calendar, c.State, c.AcknowledgeDueAt, c.DueAt, now, d.DueSoonDays) {
			continue
		}
		items = append(items, Item{Kind: kind, AccountID: c.Edges.Handler.ID, Subject: c.ID,
			Cause:  c.ID + ":" + stage + ":" + due.UTC().Format(time.RFC3339),
			Params: map[string]string{"stage": stage, "due": due.In(workdays.Vietnam).Format("02/01/2006 15:04")}})
	}
	for len(items) > 0 {
		n := min(len(items), BatchSize)
		if err := s.Enqueue(ctx, items[:n]...); err != nil {
			return 0, err
		}
		items = items[n:]
	}
	return len(cases), nil
}
