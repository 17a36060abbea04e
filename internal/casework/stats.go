package casework

import (
	"context"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/ent/citizencase"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/predicate"
	"github.com/liemchinh/liemchinh/ent/province"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/deadline"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

// Stats are the case figures of a year in the viewer's scope (the read filters decide what
// counts, so nobody counts outside their scope).
type Stats struct {
	Year            int
	Received        int
	Concluded       int // concluded (with a deadline) in the year
	ConcludedOnTime int // of those, concluded by their deadline
	OnTimeRate      *float64
	OverdueNow      int
	ByChannel       map[enum.Channel]int
}

func yearRange(y int) (time.Time, time.Time) {
	return time.Date(y, 1, 1, 0, 0, 0, 0, workdays.Vietnam), time.Date(y+1, 1, 1, 0, 0, 0, 0, workdays.Vietnam)
}

// Statistics counts the cases of a year: received, concluded, concluded on time (on-time rate =
// concluded by the deadline / concluded with a deadline), and overdue now.
func (s *Service) Statistics(ctx context.Context, year int) (*Stats, error) {
	v := authz.FromContext(ctx)
	if v.Anonymous() {
		return nil, authz.ErrUnauthenticated
	}
	from, to := yearRange(year)
	db := s.db(ctx)
	st := &Stats{Year: year, ByChannel: map[enum.Channel]int{}}
	var err error
	received := db.CitizenCase.Query().Where(citizencase.ReceivedAtGTE(from), citizencase.ReceivedAtLT(to))
	if st.Received, err = received.Clone().Count(ctx); err != nil {
		return nil, err
	}
	for _, ch := range []enum.Channel{enum.ChannelFeedback, enum.ChannelDenunciation, enum.ChannelPraise} {
		if st.ByChannel[ch], err = received.Clone().Where(citizencase.ChannelEQ(ch)).Count(ctx); err != nil {
			return nil, err
		}
	}
	// On time as deadline.OnTime decides: concluded, with a deadline, by it.
	concluded := db.CitizenCase.Query().Where(citizencase.ConcludedAtGTE(from), citizencase.ConcludedAtLT(to),
		citizencase.ConcludedAtNotNil(), citizencase.DueAtNotNil())
	if st.Concluded, err = concluded.Clone().Count(ctx); err != nil {
		return nil, err
	}
	if st.ConcludedOnTime, err = concluded.Clone().Where(func(s *sql.Selector) {
		s.Where(sql.ColumnsLTE(s.C(citizencase.FieldConcludedAt), s.C(citizencase.FieldDueAt)))
	}).Count(ctx); err != nil {
		return nil, err
	}
	if st.Concluded > 0 {
		r := float64(st.ConcludedOnTime) / float64(st.Concluded)
		st.OnTimeRate = &r
	}
	st.OverdueNow, err = db.CitizenCase.Query().Where(s.OverduePredicate()).Count(ctx)
	return st, err
}

// OverduePredicate selects the cases deadline.Overdue calls overdue now.
func (s *Service) OverduePredicate() predicate.CitizenCase {
	before := deadline.OverdueBefore(s.now())
	return citizencase.Or(
		citizencase.And(citizencase.StateIn(deadline.AcceptanceStates...), citizencase.AcknowledgeDueAtLT(before)),
		citizencase.And(citizencase.StateIn(deadline.ConclusionStates...), citizencase.DueAtLT(before)),
	)
}

// OverdueByProvince counts the cases overdue now (OverduePredicate) of every province, by the code
// of their unit's province, whoever holds them: the operators' metric (METRICS_ADDR).
func (s *Service) OverdueByProvince(ctx context.Context) (map[string]int, error) {
	ctx = authz.System(ctx, authz.SysOverdueMetric)
	var rows []struct {
		Province string `json:"scope_province_id"`
		Count    int    `json:"count"`
	}
	err := s.db(ctx).CitizenCase.Query().Where(s.OverduePredicate(), citizencase.ScopeProvinceIDNotNil()).
		GroupBy(citizencase.FieldScopeProvinceID).Aggregate(ent.Count()).Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.Province
	}
	provinces, err := s.db(ctx).Province.Query().Where(province.IDIn(ids...)).All(ctx)
	if err != nil {
		return nil, err
	}
	code := make(map[string]string, len(provinces))
	for _, p := range provinces {
		code[p.ID] = p.Code
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[code[r.Province]] += r.Count
	}
	return out, nil
}

// DueSoonPredicate selects the cases deadline.DueSoon calls due soon now.
func (s *Service) DueSoonPredicate() predicate.CitizenCase {
	now := s.now()
	lo, hi := deadline.OverdueBefore(now), deadline.SoonUntil(s.cal, now, s.dur.DueSoonWorkingDays)
	return citizencase.Or(
		citizencase.And(citizencase.StateIn(deadline.AcceptanceStates...), citizencase.AcknowledgeDueAtGTE(lo), citizencase.AcknowledgeDueAtLTE(hi)),
		citizencase.And(citizencase.StateIn(deadline.ConclusionStates...), citizencase.DueAtGTE(lo), citizencase.DueAtLTE(hi)),
	)
}

// PraisedOfficials is the query of officials in the viewer's scope praised by citizens in a year
// (a praise case concluded or closed): candidates for a commendation proposal.
func (s *Service) PraisedOfficials(ctx context.Context, year int) *ent.OfficialQuery {
	from, to := yearRange(year)
	return s.db(ctx).Official.Query().Where(official.HasCasesWith(citizencase.ChannelEQ(enum.ChannelPraise),
		citizencase.StateIn(enum.CaseConcluded, enum.CaseClosed), citizencase.ReceivedAtGTE(from), citizencase.ReceivedAtLT(to)))
}

// Feedback is the number of feedback cases received.
func (s *Stats) Feedback() int { return s.ByChannel[enum.ChannelFeedback] }

// Denunciations is the number of denunciations received.
func (s *Stats) Denunciations() int { return s.ByChannel[enum.ChannelDenunciation] }

// Praise is the number of praise cases received.
func (s *Stats) Praise() int { return s.ByChannel[enum.ChannelPraise] }

// WhereOverdue adds Case.overdue to a cases filter: nil leaves it, false keeps the cases not overdue.
func (s *Service) WhereOverdue(w *ent.CaseWhereInput, want *bool) error {
	where(w, s.OverduePredicate(), want)
	return nil
}

// WhereDueSoon adds Case.dueSoon to a cases filter: nil leaves it, false keeps the cases not due soon.
func (s *Service) WhereDueSoon(w *ent.CaseWhereInput, want *bool) error {
	where(w, s.DueSoonPredicate(), want)
	return nil
}

// WhereAssignedToMe keeps the cases the viewer handles (or, false, does not); an anonymous viewer
// handles none.
func (s *Service) WhereAssignedToMe(ctx context.Context, w *ent.CaseWhereInput, want *bool) error {
	v := authz.FromContext(ctx)
	where(w, citizencase.HasHandlerWith(account.ID(v.AccountID)), want)
	return nil
}

func where(w *ent.CaseWhereInput, p predicate.CitizenCase, want *bool) {
	if want == nil {
		return
	}
	if !*want {
		p = citizencase.Not(p)
	}
	w.AddPredicates(p)
}
