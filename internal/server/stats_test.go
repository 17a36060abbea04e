package server_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

func TestCaseStatistics(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		cfg := testutil.Config(t, nil)
		w := testutil.NewWorld(t, db, cfg)
		now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
		api := testutil.NewAPIAt(t, db, cfg, func() time.Time { return now })
		ctx := authz.System(context.Background(), authz.SysTestFixture)
		day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 10, 0, 0, 0, time.UTC) }
		mk := func(unitID, officialID string, ch enum.Channel, state enum.CaseState, received time.Time, due, concluded *time.Time) {
			t.Helper()
			n := time.Now().UnixNano()
			c := db.Client.CitizenCase.Create().SetTrackingCode(fmt.Sprint("S", n%1e9)).SetSecretHash("x").
				SetChannel(ch).SetRequestedChannel(ch).SetDescription("Nội dung thử nghiệm").SetAnonymous(true).
				SetState(state).SetReceivedAt(received).SetUnitID(unitID).SetNillableDueAt(due).SetNillableConcludedAt(concluded)
			if officialID != "" {
				c.SetOfficialID(officialID)
			}
			if ch != enum.ChannelPraise {
				c.SetCategory(enum.CategoryNoBureaucracy)
			}
			c.ExecX(ctx)
		}
		p := func(t time.Time) *time.Time { return &t }
		a, b := w.A, w.B
		mk(a.ChildUnit, a.Clerk, enum.ChannelDenunciation, enum.CaseConcluded, day(2, 1), p(day(3, 20)), p(day(3, 10))) // on time
		mk(a.ChildUnit, a.Clerk, enum.ChannelFeedback, enum.CaseClosed, day(4, 1), p(day(4, 16)), p(day(4, 30)))        // late
		mk(a.OtherUnit, "", enum.ChannelFeedback, enum.CaseAccepted, day(10, 1), p(day(10, 16)), nil)                   // overdue now
		mk(a.ChildUnit, a.Clerk, enum.ChannelPraise, enum.CaseClosed, day(5, 1), nil, p(day(5, 3)))                     // praise
		mk(b.ChildUnit, b.Clerk, enum.ChannelDenunciation, enum.CaseConcluded, day(2, 1), p(day(3, 20)), p(day(3, 25))) // B, late

		type stats struct {
			CaseStatistics struct {
				Received, Feedback, Denunciations, Praise, Concluded, ConcludedOnTime, OverdueNow int
				OnTimeRate                                                                        *float64
			}
			PraisedOfficials struct {
				TotalCount int
				Edges      []struct{ Node struct{ ID string } }
			}
		}
		q := `{ caseStatistics(year: 2026) { received feedback denunciations praise concluded concludedOnTime onTimeRate overdueNow }
			praisedOfficials(year: 2026) { totalCount edges { node { id } } } }`
		sup, _ := api.Login(t, w.Logins["provinceSupervisor"], testutil.Password)
		var got stats
		api.As(sup).Query(t, q, nil).Decode(t, &got)
		s := got.CaseStatistics
		if s.Received != 4 || s.Feedback != 2 || s.Denunciations != 1 || s.Praise != 1 || s.Concluded != 2 ||
			s.ConcludedOnTime != 1 || s.OnTimeRate == nil || *s.OnTimeRate != 0.5 || s.OverdueNow != 1 {
			t.Fatalf("province A statistics: %+v", s)
		}
		if got.PraisedOfficials.TotalCount != 1 || got.PraisedOfficials.Edges[0].Node.ID != a.Clerk {
			t.Fatalf("praised officials: %+v", got.PraisedOfficials)
		}
		admin, _ := api.Login(t, w.Logins["admin"], testutil.Password)
		var all stats
		api.As(admin).Query(t, q, nil).Decode(t, &all)
		if all.CaseStatistics.Received != 5 || all.CaseStatistics.Concluded != 3 || all.CaseStatistics.ConcludedOnTime != 1 {
			t.Fatalf("national statistics: %+v", all.CaseStatistics)
		}
		if r := api.Query(t, q, nil); r.Code() != "UNAUTHENTICATED" {
			t.Fatalf("anonymous statistics: %s", r.Raw)
		}
	})
}
