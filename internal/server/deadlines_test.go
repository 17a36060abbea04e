package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/ent/citizencase"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/testutil"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

// TestTransferredPastItsDeadline: a denunciation received on 30 April 2025 is due for acceptance at
// the end of 13 May (1 May off, 2 May swapped for Saturday 26 April, 7 working days from 5 May); once
// transferred and past that deadline it is overdue alike in Case.overdue, caseStatistics, progress
// and the cases filter, and due soon the day before. Before issue 11, caseStatistics and progress
// did not count a TRANSFERRED case.
func TestTransferredPastItsDeadline(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		cfg := testutil.Config(t, nil)
		w := testutil.NewWorld(t, db, cfg)
		var clock atomic.Pointer[time.Time]
		set := func(y int, m time.Month, d, hh, mm int) {
			at := time.Date(y, m, d, hh, mm, 0, 0, workdays.Vietnam)
			clock.Store(&at)
		}
		set(2025, 4, 30, 9, 0)
		api := testutil.NewAPIAt(t, db, cfg, func() time.Time { return *clock.Load() })
		a := w.A

		r := cwSubmit(t, api, map[string]any{
			"channel": "DENUNCIATION", "unitId": a.ChildUnit, "category": "NO_CORRUPTION",
			"description":    "Bộ phận một cửa giữ hồ sơ quá hạn mà không có lý do, đề nghị làm rõ trách nhiệm.",
			"reporter":       map[string]any{"name": "Trần Văn Dân", "phone": "0901234567"},
			"idempotencyKey": testutil.NewKey(),
		})
		if !r.ok() {
			t.Fatalf("submit: %+v", r)
		}
		id := db.Client.CitizenCase.Query().Where(citizencase.TrackingCode(*r.TrackingCode)).OnlyIDX(authz.System(context.Background(), authz.SysTestFixture))
		sup, _ := api.Login(t, w.Logins["provinceSupervisor"], testutil.Password)
		supAPI := api.As(sup)
		if out := cwCall(t, supAPI, "caseTransfer", map[string]any{"caseId": id, "unitId": a.OtherUnit, "note": "Chuyển đơn vị có thẩm quyền"}); out.got() != "" {
			t.Fatalf("transfer: %s", out.got())
		}
		inspectorID := db.Client.Account.Query().Where(account.Login(w.Logins["inspector"])).OnlyIDX(authz.System(context.Background(), authz.SysTestFixture))
		if out := cwCall(t, supAPI, "caseAssign", map[string]any{"caseId": id, "inspectorId": inspectorID}); out.got() != "" {
			t.Fatalf("assign: %s", out.got())
		}

		type view struct {
			Node struct {
				State            string
				AcknowledgeDueAt time.Time
				Overdue, DueSoon bool
			}
			CaseStatistics struct{ OverdueNow int }
			Progress       struct{ Cases struct{ OverdueNow int } }
			Overdue        struct {
				Edges []struct{ Node struct{ ID string } }
			}
			DueSoon struct {
				Edges []struct{ Node struct{ ID string } }
			}
			Mine struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		const q = `query($id: ID!, $p: ID!) {
			node(id: $id) { ... on Case { state acknowledgeDueAt overdue dueSoon } }
			caseStatistics(year: 2025) { overdueNow }
			progress(scope: {provinceId: $p}, year: 2025) { cases { overdueNow } }
			overdue: cases(first: 100, where: {overdue: true}) { edges { node { id } } }
			dueSoon: cases(first: 100, where: {dueSoon: true}) { edges { node { id } } }
			mine: cases(first: 100, where: {assignedToMe: true}) { edges { node { id } } } }`
		read := func(api *testutil.API) view {
			t.Helper()
			var v view
			api.Query(t, q, map[string]any{"id": id, "p": a.Province}).Decode(t, &v)
			return v
		}
		has := func(edges []struct{ Node struct{ ID string } }) bool {
			return slices.ContainsFunc(edges, func(e struct{ Node struct{ ID string } }) bool { return e.Node.ID == id })
		}

		set(2025, 5, 13, 12, 0) // the last day
		before := read(supAPI)
		if got, want := before.Node.AcknowledgeDueAt, time.Date(2025, 5, 13, 23, 59, 59, 999_999_000, workdays.Vietnam); !got.Equal(want) {
			t.Errorf("acceptance due %s, want %s", got, want)
		}
		if before.Node.State != "TRANSFERRED" || before.Node.Overdue || !before.Node.DueSoon || has(before.Overdue.Edges) || !has(before.DueSoon.Edges) {
			t.Errorf("on 13 May: %+v", before)
		}
		set(2025, 5, 14, 0, 30) // past it
		after := read(supAPI)
		if !after.Node.Overdue || after.Node.DueSoon || !has(after.Overdue.Edges) || has(after.DueSoon.Edges) {
			t.Errorf("on 14 May: %+v", after.Node)
		}
		if d := after.CaseStatistics.OverdueNow - before.CaseStatistics.OverdueNow; d != 1 {
			t.Errorf("caseStatistics.overdueNow grew by %d, want 1 (%d -> %d)", d, before.CaseStatistics.OverdueNow, after.CaseStatistics.OverdueNow)
		}
		if d := after.Progress.Cases.OverdueNow - before.Progress.Cases.OverdueNow; d != 1 {
			t.Errorf("progress cases.overdueNow grew by %d, want 1 (%d -> %d)", d, before.Progress.Cases.OverdueNow, after.Progress.Cases.OverdueNow)
		}
		if has(after.Mine.Edges) {
			t.Error("assignedToMe: the supervisor is not assigned the case")
		}
		// The operators' metric counts the same cases, by the code of the case's province.
		code := db.Client.Province.GetX(authz.System(context.Background(), authz.SysTestFixture), a.Province).Code
		rec := httptest.NewRecorder()
		api.Metrics.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		if want := fmt.Sprintf("liemchinh_cases_overdue{province=%q} %d\n", code, after.CaseStatistics.OverdueNow); !strings.Contains(rec.Body.String(), want) {
			t.Errorf("metrics lack %q:\n%s", want, grepLines(rec.Body.String(), "liemchinh_cases_overdue"))
		}

		insp, _ := api.Login(t, w.Logins["inspector"], testutil.Password)
		var mine struct {
			Yes struct {
				Edges []struct{ Node struct{ ID string } }
			}
			No struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		api.As(insp).Query(t, `{ yes: cases(first: 100, where: {assignedToMe: true}) { edges { node { id } } }
			no: cases(first: 100, where: {assignedToMe: false}) { edges { node { id } } } }`, nil).Decode(t, &mine)
		if !has(mine.Yes.Edges) || has(mine.No.Edges) || len(mine.No.Edges) == 0 {
			t.Errorf("assignedToMe for the inspector: %+v", mine)
		}
		sys := authz.System(context.Background(), authz.SysTestFixture)
		for _, e := range mine.Yes.Edges {
			if !db.Client.CitizenCase.Query().Where(citizencase.ID(e.Node.ID), citizencase.HasHandlerWith(account.ID(inspectorID))).ExistX(sys) {
				t.Errorf("assignedToMe: %s is not the inspector's", e.Node.ID)
			}
		}
		for _, e := range mine.No.Edges {
			if db.Client.CitizenCase.Query().Where(citizencase.ID(e.Node.ID), citizencase.HasHandlerWith(account.ID(inspectorID))).ExistX(sys) {
				t.Errorf("assignedToMe false: %s is the inspector's", e.Node.ID)
			}
		}
	})
}

// grepLines returns the lines of text holding sub.
func grepLines(text, sub string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
