package recognition_test

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent/commendation"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/ent/selfassessment"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// Commendations end to end through the HTTP handler (DESIGN.md §7): proposal, approval, decline,
// revocation, their audit entries, the eligibility rules, the scopes, concurrent decisions.

func TestCommendationLifecycle(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		f := newFixture(t, dia)
		a := f.w.A
		f.reviewed(t, a.Staff, 2025, enum.ClassificationGood)
		manager, supervisor, admin := f.api["unitManager"], f.api["districtSupervisor"], f.api["admin"]

		// The unit manager proposes the staff member of their unit for the 2025 title.
		in := map[string]any{"officialId": a.Staff, "form": "LAO_DONG_TIEN_TIEN", "year": 2025,
			"campaignId": f.w.Campaign, "idempotencyKey": "propose-ldtt"}
		first := f.propose(t, manager, in)
		got := first.commendation(t)
		if first.Code != "" || len(first.Errors) > 0 || got.Status != "PROPOSED" || got.Form != "LAO_DONG_TIEN_TIEN" || got.Flagged {
			t.Fatalf("propose: %+v %+v", first, got)
		}
		// A retry with the same key returns the same proposal and writes nothing.
		retry := f.propose(t, manager, map[string]any{"officialId": a.Staff, "form": "LAO_DONG_TIEN_TIEN", "year": 2025,
			"campaignId": f.w.Campaign, "idempotencyKey": "propose-ldtt"})
		if retry.commendation(t).ID != got.ID || len(retry.Errors) > 0 {
			t.Fatalf("retry returned %+v, want %s", retry, got.ID)
		}
		// The same key with another input is a conflict on the key.
		reused := f.propose(t, manager, map[string]any{"officialId": a.Staff, "form": "GIAY_KHEN", "year": 2025,
			"idempotencyKey": "propose-ldtt"})
		if reused.userCode() != "CONFLICT" || reused.field() != "[idempotencyKey]" {
			t.Fatalf("reused key: %+v", reused)
		}
		stored := f.commendation(t, got.ID)
		if n := f.db.Client.Commendation.Query().Where(commendation.ReasonEQ("Hoàn thành xuất sắc nhiệm vụ")).CountX(sys); n != 1 {
			t.Fatalf("%d proposals stored, want 1", n)
		}
		if stored.Year != 2025 || stored.Level != commendation.LevelDISTRICT {
			t.Fatalf("stored %+v", stored)
		}
		proposer := f.db.Client.Commendation.QueryProposedBy(stored).OnlyX(sys)
		if proposer.Login != f.w.Logins["unitManager"] {
			t.Fatalf("proposed by %s, want the unit manager", proposer.Login)
		}

		// The unit manager cannot decide; the district supervisor approves.
		if r := f.approve(t, manager, got.ID, today); r.Code != "FORBIDDEN" {
			t.Fatalf("unit manager approved: %+v", r)
		}
		r := f.approve(t, supervisor, got.ID, today.AddDate(0, 0, -1))
		if c := r.commendation(t); len(r.Errors) > 0 || c.Status != "APPROVED" || c.DecisionNumber == nil || *c.DecisionNumber != "15/QĐ-UBND" {
			t.Fatalf("approve: %+v %+v", r, c)
		}
		if r := f.approve(t, supervisor, got.ID, today); r.userCode() != "CONFLICT" || r.field() != "[commendationId]" {
			t.Fatalf("second approval: %+v", r)
		}
		if r := f.decline(t, supervisor, got.ID, "Không đủ điều kiện"); r.userCode() != "CONFLICT" {
			t.Fatalf("declined an approved commendation: %+v", r)
		}
		// Revocation needs a reason, and then holds it.
		if r := f.revoke(t, admin, got.ID, "   "); r.userCode() != "BAD_USER_INPUT" || r.field() != "[reason]" {
			t.Fatalf("revoke without a reason: %+v", r)
		}
		r = f.revoke(t, admin, got.ID, "Vi phạm trong năm được phát hiện sau")
		if c := r.commendation(t); len(r.Errors) > 0 || c.Status != "REVOKED" || c.StatusReason == nil || *c.StatusReason != "Vi phạm trong năm được phát hiện sau" {
			t.Fatalf("revoke: %+v %+v", r, c)
		}
		if r := f.revoke(t, admin, got.ID, "Lần nữa"); r.userCode() != "CONFLICT" {
			t.Fatalf("revoked twice: %+v", r)
		}

		// A revoked award frees the form and year: a new proposal, declined with a reason.
		again := f.propose(t, supervisor, map[string]any{"officialId": a.Staff, "form": "LAO_DONG_TIEN_TIEN", "year": 2025})
		if again.commendation(t).Status != "PROPOSED" {
			t.Fatalf("proposal after revocation: %+v", again)
		}
		if r := f.decline(t, supervisor, again.commendation(t).ID, ""); r.userCode() != "BAD_USER_INPUT" || r.field() != "[reason]" {
			t.Fatalf("decline without a reason: %+v", r)
		}
		r = f.decline(t, supervisor, again.commendation(t).ID, "Chưa đủ thành tích")
		if c := r.commendation(t); c.Status != "DECLINED" || c.StatusReason == nil || *c.StatusReason != "Chưa đủ thành tích" {
			t.Fatalf("decline: %+v %+v", r, c)
		}
		if r := f.revoke(t, supervisor, again.commendation(t).ID, "Thu hồi"); r.userCode() != "CONFLICT" {
			t.Fatalf("revoked a declined commendation: %+v", r)
		}

		// A unit is proposed for the collective title.
		unit := f.propose(t, manager, map[string]any{"unitId": a.ChildUnit, "form": "TAP_THE_LAO_DONG_TIEN_TIEN", "year": 2025})
		if c := unit.commendation(t); c.Status != "PROPOSED" || len(unit.Errors) > 0 {
			t.Fatalf("unit proposal: %+v", unit)
		}
		if r := f.approve(t, admin, unit.commendation(t).ID, today); r.commendation(t).Status != "APPROVED" {
			t.Fatalf("unit approval: %+v", r)
		}

		// The audit log holds every change with its actor and reason.
		log := f.audit(t, got.ID)
		if want := []string{"commendationPropose", "commendationApprove", "commendationRevoke"}; !slices.Equal(actions(log), want) {
			t.Fatalf("audit of the commendation: %v, want %v", actions(log), want)
		}
		wantActors := []string{f.w.Logins["unitManager"], f.w.Logins["districtSupervisor"], f.w.Logins["admin"]}
		for i, e := range log {
			if e.Actor == nil || e.Actor.Login != wantActors[i] {
				t.Errorf("%s by %+v, want %s", e.Action, e.Actor, wantActors[i])
			}
		}
		if log[2].Reason == nil || *log[2].Reason != "Vi phạm trong năm được phát hiện sau" {
			t.Errorf("revocation audited without its reason: %+v", log[2])
		}
		if !strings.Contains(log[1].Summary, "PROPOSED -> APPROVED") {
			t.Errorf("approval summary %q", log[1].Summary)
		}
		declined := f.audit(t, again.commendation(t).ID)
		if want := []string{"commendationPropose", "commendationDecline"}; !slices.Equal(actions(declined), want) {
			t.Fatalf("audit of the declined one: %v, want %v", actions(declined), want)
		}
		if declined[1].Reason == nil || *declined[1].Reason != "Chưa đủ thành tích" {
			t.Errorf("decline audited without its reason: %+v", declined[1])
		}
	})
}

func TestProposalRules(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		f := newFixture(t, dia)
		a := f.w.A
		supervisor := f.api["provinceSupervisor"]
		// Staff: GOOD in 2025. Clerk: an incident in 2025 (the World's) though reviewed EXCELLENT.
		// average: COMPLETED in 2025. pending: GOOD proposed but not reviewed. quarterly: only a
		// quarter reviewed GOOD.
		f.reviewed(t, a.Staff, 2025, enum.ClassificationGood)
		average := f.official(t, a.ParentUnit, "Đỗ Trung Bình")
		f.reviewed(t, average, 2025, enum.ClassificationCompleted)
		pending := f.official(t, a.ParentUnit, "Vũ Chờ Duyệt")
		f.assessed(t, pending, 2025, selfassessment.PeriodKindYEAR, selfassessment.StatusSUBMITTED, enum.ClassificationGood)
		quarterly := f.official(t, a.ChildUnit, "Hà Theo Quý")
		f.assessed(t, quarterly, 2025, selfassessment.PeriodKindQUARTER, selfassessment.StatusREVIEWED, enum.ClassificationGood)
		before := f.db.Client.Commendation.Query().CountX(sys)

		tests := []struct {
			name  string
			in    map[string]any
			code  string
			field string
			vi    string // a part of the Vietnamese message
			en    string // a part of the English message
		}{
			{"incident in the year, any form", map[string]any{"officialId": a.Clerk, "form": "GIAY_KHEN", "year": 2025},
				"BAD_USER_INPUT", "[officialId]", "vi phạm trong năm 2025", "incident in 2025"},
			{"incident in the year, a title", map[string]any{"officialId": a.Clerk, "form": "CHIEN_SI_THI_DUA_CO_SO", "year": 2025},
				"BAD_USER_INPUT", "[officialId]", "vi phạm", "incident"},
			{"title without a review that year", map[string]any{"officialId": a.Staff, "form": "LAO_DONG_TIEN_TIEN", "year": 2024},
				"BAD_USER_INPUT", "[form]", "Tốt hoặc Xuất sắc", "GOOD or EXCELLENT"},
			{"title with COMPLETED", map[string]any{"officialId": average, "form": "LAO_DONG_TIEN_TIEN", "year": 2025},
				"BAD_USER_INPUT", "[form]", "Tốt hoặc Xuất sắc", "GOOD or EXCELLENT"},
			{"emulation fighter with COMPLETED", map[string]any{"officialId": average, "form": "CHIEN_SI_THI_DUA_CO_SO", "year": 2025},
				"BAD_USER_INPUT", "[form]", "Tốt hoặc Xuất sắc", "GOOD or EXCELLENT"},
			{"title with a review pending", map[string]any{"officialId": pending, "form": "LAO_DONG_TIEN_TIEN", "year": 2025},
				"BAD_USER_INPUT", "[form]", "đã được xem xét", "reviewed"},
			{"title with only a quarter reviewed", map[string]any{"officialId": quarterly, "form": "LAO_DONG_TIEN_TIEN", "year": 2025},
				"BAD_USER_INPUT", "[form]", "năm 2025", "yearly"},
			{"collective title for an official", map[string]any{"officialId": a.Staff, "form": "TAP_THE_LAO_DONG_TIEN_TIEN", "year": 2025},
				"BAD_USER_INPUT", "[form]", "tập thể", "units only"},
			{"individual title for a unit", map[string]any{"unitId": a.ChildUnit, "form": "LAO_DONG_TIEN_TIEN", "year": 2025},
				"BAD_USER_INPUT", "[form]", "cá nhân", "officials only"},
			{"both recipients", map[string]any{"officialId": a.Staff, "unitId": a.ChildUnit, "form": "GIAY_KHEN", "year": 2025},
				"BAD_USER_INPUT", "[officialId]", "đúng một", "exactly one"},
			{"no recipient", map[string]any{"form": "GIAY_KHEN", "year": 2025},
				"BAD_USER_INPUT", "[officialId]", "đúng một", "exactly one"},
			{"blank reason", map[string]any{"officialId": a.Staff, "form": "GIAY_KHEN", "year": 2025, "reason": "  "},
				"BAD_USER_INPUT", "[reason]", "lý do", "reason"},
			{"year before the campaign", map[string]any{"officialId": a.Staff, "form": "GIAY_KHEN", "year": 2019},
				"BAD_USER_INPUT", "[year]", "2020 đến 2026", "between 2020 and 2026"},
			{"year to come", map[string]any{"officialId": a.Staff, "form": "GIAY_KHEN", "year": 2027},
				"BAD_USER_INPUT", "[year]", "2020 đến 2026", "between 2020 and 2026"},
			{"no such official", map[string]any{"officialId": "off_01jw0000000000000000000999", "form": "GIAY_KHEN", "year": 2025},
				"NOT_FOUND", "[officialId]", "Không tìm thấy", "No such official"},
			{"no such campaign", map[string]any{"officialId": a.Staff, "form": "GIAY_KHEN", "year": 2025, "campaignId": "cmp_01jw0000000000000000000999"},
				"NOT_FOUND", "[campaignId]", "Không tìm thấy", "No such campaign"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				vi := f.propose(t, supervisor, clone(tt.in))
				en := f.propose(t, supervisor, clone(tt.in), "Accept-Language", "en")
				for _, r := range []outcome{vi, en} {
					if r.userCode() != tt.code || r.field() != tt.field || r.commendation(t).ID != "" {
						t.Fatalf("got %+v, want %s on %s", r, tt.code, tt.field)
					}
				}
				if !strings.Contains(vi.Errors[0].Message, tt.vi) {
					t.Errorf("Vietnamese message %q lacks %q", vi.Errors[0].Message, tt.vi)
				}
				if !strings.Contains(en.Errors[0].Message, tt.en) {
					t.Errorf("English message %q lacks %q", en.Errors[0].Message, tt.en)
				}
			})
		}
		if after := f.db.Client.Commendation.Query().CountX(sys); after != before {
			t.Fatalf("refused proposals wrote %d commendations", after-before)
		}

		// The rules that pass: a certificate for the COMPLETED official, the title for the GOOD one.
		if r := f.propose(t, supervisor, map[string]any{"officialId": average, "form": "GIAY_KHEN", "year": 2025}); r.commendation(t).Status != "PROPOSED" {
			t.Fatalf("certificate for a COMPLETED official: %+v", r)
		}
		title := f.propose(t, supervisor, map[string]any{"officialId": a.Staff, "form": "LAO_DONG_TIEN_TIEN", "year": 2025})
		if title.commendation(t).Status != "PROPOSED" {
			t.Fatalf("title for a GOOD official: %+v", title)
		}
		// One proposal or award in force per form, recipient and year.
		dup := f.propose(t, supervisor, map[string]any{"officialId": a.Staff, "form": "LAO_DONG_TIEN_TIEN", "year": 2025})
		if dup.userCode() != "CONFLICT" || dup.field() != "[form]" {
			t.Fatalf("second proposal of the same form: %+v", dup)
		}
		if r := f.propose(t, supervisor, map[string]any{"officialId": a.Staff, "form": "GIAY_KHEN", "year": 2025}); r.commendation(t).Status != "PROPOSED" {
			t.Fatalf("another form the same year: %+v", r)
		}
		unitTitle := map[string]any{"unitId": a.ChildUnit, "form": "TAP_THE_LAO_DONG_TIEN_TIEN", "year": 2025}
		if r := f.propose(t, supervisor, clone(unitTitle)); r.commendation(t).Status != "PROPOSED" {
			t.Fatalf("unit title: %+v", r)
		}
		if r := f.propose(t, supervisor, clone(unitTitle)); r.userCode() != "CONFLICT" {
			t.Fatalf("second unit title: %+v", r)
		}
		// A declined proposal does not count.
		if r := f.decline(t, supervisor, proposedTitle(t, f), "Không đạt"); r.commendation(t).Status != "DECLINED" {
			t.Fatalf("decline: %+v", r)
		}
		if r := f.propose(t, supervisor, map[string]any{"officialId": a.Staff, "form": "LAO_DONG_TIEN_TIEN", "year": 2025}); r.commendation(t).Status != "PROPOSED" {
			t.Fatalf("proposal after a decline: %+v", r)
		}

		// Approval checks the rules again: an incident established since the proposal refuses it.
		late := f.propose(t, supervisor, map[string]any{"officialId": average, "form": "PUBLIC_PRAISE", "year": 2025}).commendation(t)
		if late.Status != "PROPOSED" {
			t.Fatalf("public praise: %+v", late)
		}
		f.incident(t, average, a.ParentUnit, 2025)
		r := f.approve(t, supervisor, late.ID, today)
		if r.userCode() != "BAD_USER_INPUT" || r.field() != "[commendationId]" || !strings.Contains(r.Errors[0].Message, "vi phạm") {
			t.Fatalf("approval despite an incident: %+v", r)
		}
		if c := f.commendation(t, late.ID); c.Status != commendation.StatusPROPOSED || c.DecisionNumber != nil {
			t.Fatalf("a refused approval changed the commendation: %+v", c)
		}
		// And the decision's own input.
		ok := f.propose(t, supervisor, map[string]any{"officialId": pending, "form": "GIAY_KHEN", "year": 2025}).commendation(t)
		if r := f.approve(t, supervisor, ok.ID, today.AddDate(0, 0, 1)); r.userCode() != "BAD_USER_INPUT" || r.field() != "[decisionDate]" {
			t.Fatalf("decision dated tomorrow: %+v", r)
		}
		blank := mutate(t, supervisor, "commendationApprove", "CommendationApproveInput", "commendation", commendationSel,
			map[string]any{"commendationId": ok.ID, "decisionNumber": " ", "decisionDate": today.Format(time.RFC3339)})
		if blank.userCode() != "BAD_USER_INPUT" || blank.field() != "[decisionNumber]" {
			t.Fatalf("decision without a number: %+v", blank)
		}
		if r := f.approve(t, supervisor, "cmd_01jw0000000000000000000999", today); r.userCode() != "NOT_FOUND" {
			t.Fatalf("approving nothing: %+v", r)
		}
		if r := f.approve(t, supervisor, ok.ID, today); r.commendation(t).Status != "APPROVED" {
			t.Fatalf("approval: %+v", r)
		}
	})
}

// proposedTitle returns the id of the one PROPOSED LAO_DONG_TIEN_TIEN of 2025.
func proposedTitle(t *testing.T, f *fixture) string {
	t.Helper()
	c := f.db.Client.Commendation.Query().Where(commendation.FormEQ(commendation.FormLAO_DONG_TIEN_TIEN),
		commendation.Year(2025), commendation.StatusEQ(commendation.StatusPROPOSED)).OnlyX(sys)
	return c.ID
}

func clone(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func TestCommendationScope(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		f := newFixture(t, dia)
		a, b := f.w.A, f.w.B
		before := f.db.Client.Commendation.Query().CountX(sys)
		gk := func(officialID string) map[string]any {
			return map[string]any{"officialId": officialID, "form": "GIAY_KHEN", "year": 2026}
		}
		tests := []struct {
			name, role string
			in         map[string]any
			code       string
		}{
			{"province supervisor, other province", "provinceSupervisor", gk(b.Staff), "FORBIDDEN"},
			{"province supervisor, other province's unit", "provinceSupervisor",
				map[string]any{"unitId": b.ParentUnit, "form": "TAP_THE_LAO_DONG_TIEN_TIEN", "year": 2025}, "FORBIDDEN"},
			{"district supervisor, other district", "districtSupervisor", gk(a.Outsider), "FORBIDDEN"},
			{"unit manager, other unit", "unitManager", gk(a.Outsider), "FORBIDDEN"},
			{"unit manager, themself", "unitManager", gk(a.Manager), "FORBIDDEN"},
			{"official", "official", gk(a.Staff), "FORBIDDEN"},
			{"inspector", "inspector", gk(a.Staff), "FORBIDDEN"},
			{"anonymous", "anonymous", gk(a.Staff), "UNAUTHENTICATED"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if r := f.propose(t, f.api[tt.role], tt.in); r.Code != tt.code {
					t.Fatalf("got %+v, want %s", r, tt.code)
				}
			})
		}
		if after := f.db.Client.Commendation.Query().CountX(sys); after != before {
			t.Fatalf("refused proposals wrote %d commendations", after-before)
		}
		// In scope: the unit manager proposes an official of their unit.
		if r := f.propose(t, f.api["unitManager"], gk(a.Staff)); r.commendation(t).Status != "PROPOSED" {
			t.Fatalf("unit manager in scope: %+v", r)
		}
		// Decisions: B's proposed award is out of every A scope; A's in the district's.
		bAward := b.Records["Commendation"] // PROPOSED GIAY_KHEN of B's clerk, 2024
		aAward := a.OutsiderRecords["Commendation"]
		for _, who := range []string{"provinceSupervisor", "districtSupervisor"} {
			if r := f.decline(t, f.api[who], bAward, "Không"); r.Code != "FORBIDDEN" {
				t.Errorf("%s declined B's award: %+v", who, r)
			}
		}
		if r := f.decline(t, f.api["districtSupervisor"], aAward, "Không"); r.Code != "FORBIDDEN" {
			t.Errorf("district supervisor declined another district's award: %+v", r)
		}
		for _, who := range []string{"official", "inspector", "unitManager"} {
			if r := f.decline(t, f.api[who], a.Records["Commendation"], "Không"); r.Code != "FORBIDDEN" {
				t.Errorf("%s declined: %+v", who, r)
			}
		}
		if r := f.decline(t, f.api["anonymous"], a.Records["Commendation"], "Không"); r.Code != "UNAUTHENTICATED" {
			t.Errorf("anonymous declined: %+v", r)
		}
		for _, id := range []string{bAward, aAward, a.Records["Commendation"]} {
			if c := f.commendation(t, id); c.Status != commendation.StatusPROPOSED {
				t.Errorf("refused decisions changed %s: %s", id, c.Status)
			}
		}
		if r := f.decline(t, f.api["provinceSupervisor"], aAward, "Không đủ thành tích"); r.commendation(t).Status != "DECLINED" {
			t.Fatalf("province supervisor in scope: %+v", r)
		}
		if r := f.decline(t, f.api["admin"], bAward, "Không đủ thành tích"); r.commendation(t).Status != "DECLINED" {
			t.Fatalf("administrator: %+v", r)
		}
	})
}

// TestConcurrentDecisions races an approval against a decline of the same proposal: exactly one
// of them wins, the other is told so, and only the winner is in the audit log.
func TestConcurrentDecisions(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		f := newFixture(t, dia)
		a := f.w.A
		supervisor, admin := f.api["provinceSupervisor"], f.api["admin"]
		forms := []string{"GIAY_KHEN", "BANG_KHEN", "PUBLIC_PRAISE"}
		for round, form := range forms {
			c := f.propose(t, supervisor, map[string]any{"officialId": a.Staff, "form": form, "year": 2026}).commendation(t)
			if c.Status != "PROPOSED" {
				t.Fatalf("round %d: propose %+v", round, c)
			}
			var approved, declined outcome
			var wg sync.WaitGroup
			start := make(chan struct{})
			wg.Add(2)
			go func() {
				defer wg.Done()
				<-start
				approved = f.approve(t, supervisor, c.ID, today)
			}()
			go func() {
				defer wg.Done()
				<-start
				declined = f.decline(t, admin, c.ID, "Không đủ điều kiện")
			}()
			close(start)
			wg.Wait()
			aWon := len(approved.Errors) == 0 && approved.Code == "" && approved.commendation(t).Status == "APPROVED"
			dWon := len(declined.Errors) == 0 && declined.Code == "" && declined.commendation(t).Status == "DECLINED"
			if aWon == dWon {
				t.Fatalf("round %d: approve %+v, decline %+v: want exactly one winner", round, approved, declined)
			}
			loser, want := declined, commendation.StatusAPPROVED
			if dWon {
				loser, want = approved, commendation.StatusDECLINED
			}
			if loser.userCode() != "CONFLICT" {
				t.Fatalf("round %d: the loser got %+v, want CONFLICT", round, loser)
			}
			if got := f.commendation(t, c.ID).Status; got != want {
				t.Fatalf("round %d: stored %s, want %s", round, got, want)
			}
			if log := actions(f.audit(t, c.ID)); len(log) != 2 || log[0] != "commendationPropose" {
				t.Fatalf("round %d: audit %v, want the proposal and one decision", round, log)
			}
		}
	})
}

// TestConcurrentProposals sends the same proposal under different keys at once (two proposers
// tapping together): one is recorded, the others are refused as duplicates.
func TestConcurrentProposals(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		f := newFixture(t, dia)
		a := f.w.A
		apis := []*testutil.API{f.api["unitManager"], f.api["districtSupervisor"], f.api["provinceSupervisor"], f.api["admin"]}
		results := make([]outcome, len(apis))
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, api := range apis {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				results[i] = f.propose(t, api, map[string]any{"officialId": a.Staff, "form": "BANG_KHEN", "year": 2026})
			}()
		}
		close(start)
		wg.Wait()
		won := 0
		for _, r := range results {
			switch {
			case r.commendation(t).Status == "PROPOSED":
				won++
			case r.userCode() != "CONFLICT" || r.field() != "[form]":
				t.Errorf("a losing proposal got %+v, want CONFLICT on form", r)
			}
		}
		if won != 1 {
			t.Fatalf("%d proposals recorded, want 1", won)
		}
		if n := f.db.Client.Commendation.Query().Where(commendation.FormEQ(commendation.FormBANG_KHEN)).CountX(sys); n != 1 {
			t.Fatalf("%d BANG_KHEN stored, want 1", n)
		}
	})
}
