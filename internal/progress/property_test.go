package progress_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/ent/citizencase"
	"github.com/liemchinh/liemchinh/ent/commendation"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/pledge"
	"github.com/liemchinh/liemchinh/ent/province"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/ent/selfassessment"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/orgchart"
	"github.com/liemchinh/liemchinh/internal/progress"
	"github.com/liemchinh/liemchinh/internal/recognition"
	"github.com/liemchinh/liemchinh/internal/store"
	"github.com/liemchinh/liemchinh/internal/testutil"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

// clock is a settable domain clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

var vn = workdays.Vietnam

// world is a random small organisation with activity, written through ent in transactions (so
// the counters follow every write through the hooks).
type world struct {
	t         *testing.T
	r         *rand.Rand
	c         *ent.Client
	camp      *ent.Campaign
	provinces []*ent.Province
	districts []*ent.District
	units     []*ent.Unit
	officials []*ent.Official
	n         int
}

func (w *world) tx(fn func(ctx context.Context, c *ent.Client)) {
	w.t.Helper()
	ctx := authz.System(context.Background(), authz.SysTestFixture)
	reckoned := w.c.ProgressClock.Query().CountX(ctx) > 0
	// As the server does: the context carries the transaction, so the counters follow each change.
	if err := store.InTx(ctx, w.c, func(ctx context.Context, c *ent.Client) error { fn(ctx, c); return nil }); err != nil {
		w.t.Fatal(err)
	}
	if reckoned && w.c.ProgressClock.Query().CountX(ctx) == 0 {
		w.t.Fatal("the transaction marked the counters for a rebuild instead of carrying its difference")
	}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// at is a random instant between two years (inclusive), Vietnam time.
func (w *world) at(from, to int) time.Time {
	start := time.Date(from, 1, 1, 0, 0, 0, 0, vn)
	end := time.Date(to+1, 1, 1, 0, 0, 0, 0, vn)
	return start.Add(time.Duration(w.r.Int64N(int64(end.Sub(start)))))
}

func (w *world) pick(n int) int { return w.r.IntN(n) }

func (w *world) build(now time.Time) {
	t := w.t
	w.tx(func(ctx context.Context, c *ent.Client) {
		w.camp = must[*ent.Campaign](t)(c.Campaign.Create().SetCode("P-TEST").SetPlanNumber("1/KH").SetIssuer("T").
			SetTitleVi("Thử").SetTitleEn("Test").SetIssuedOn(time.Date(2020, 3, 1, 0, 0, 0, 0, vn)).Save(ctx))
		old := must[*ent.Province](t)(c.Province.Create().SetCode("91").SetName("Tỉnh Cũ").SetKind(province.KindPROVINCE).
			SetValidFrom(time.Date(2004, 1, 1, 0, 0, 0, 0, vn)).SetValidTo(time.Date(2025, 7, 1, 0, 0, 0, 0, vn)).Save(ctx))
		merged := must[*ent.Province](t)(c.Province.Create().SetCode("92").SetName("Tỉnh Mới").SetKind(province.KindPROVINCE).
			SetValidFrom(time.Date(2025, 7, 1, 0, 0, 0, 0, vn)).AddPredecessors(old).Save(ctx))
		other := must[*ent.Province](t)(c.Province.Create().SetCode("93").SetName("Tỉnh Khác").SetKind(province.KindPROVINCE).
			SetValidFrom(time.Date(2004, 1, 1, 0, 0, 0, 0, vn)).Save(ctx))
		w.provinces = []*ent.Province{old, merged, other}
		for i, p := range []*ent.Province{old, old, other} {
			w.districts = append(w.districts, must[*ent.District](t)(c.District.Create().SetCode(fmt.Sprintf("D%d", i)).
				SetName(fmt.Sprintf("Huyện %d", i)).SetKind("Huyện").SetValidFrom(time.Date(2004, 1, 1, 0, 0, 0, 0, vn)).
				SetProvince(p).Save(ctx)))
		}
		for i := range 4 + w.pick(8) {
			p := w.provinces[w.pick(3)]
			uc := c.Unit.Create().SetName(fmt.Sprintf("Đơn vị %02d", i)).SetLevel(unit.LevelCOMMUNE).
				SetKind(unit.KindPEOPLES_COMMITTEE).SetProvince(p)
			if d := w.districts[w.pick(3)]; w.pick(2) == 0 && d.QueryProvince().OnlyIDX(ctx) == p.ID {
				uc.SetDistrict(d)
			}
			if len(w.units) > 0 && w.pick(3) > 0 {
				uc.SetParent(w.units[w.pick(len(w.units))])
			}
			w.units = append(w.units, must[*ent.Unit](t)(uc.Save(ctx)))
		}
	})
	// Officials and their records, in a few transactions.
	for range 3 {
		w.tx(func(ctx context.Context, c *ent.Client) {
			for range 4 + w.pick(10) {
				w.addOfficial(ctx, c, now)
			}
		})
	}
	w.tx(func(ctx context.Context, c *ent.Client) {
		for _, u := range w.units {
			for y := 2020; y <= now.Year(); y++ {
				if w.pick(2) == 0 {
					must[*ent.EmulationRegistration](t)(c.EmulationRegistration.Create().SetUnit(u).SetCampaign(w.camp).
						SetYear(y).SetGoals("mục tiêu").SetRegisteredAt(w.at(y, y)).Save(ctx))
				}
			}
			if w.pick(3) == 0 {
				w.commend(ctx, c, nil, u, now)
			}
		}
		for range 10 + w.pick(30) {
			w.addCase(ctx, c, now)
		}
	})
}

func (w *world) addOfficial(ctx context.Context, c *ent.Client, now time.Time) {
	t := w.t
	w.n++
	from := w.at(2018, now.Year())
	oc := c.Official.Create().SetFullName(fmt.Sprintf("Cán bộ %d", w.n)).SetCategory("CONG_CHUC").
		SetEmployeeCode(fmt.Sprintf("E%04d", w.n)).SetActiveFrom(from).SetUnit(w.units[w.pick(len(w.units))])
	if w.pick(4) == 0 {
		oc.SetActiveTo(from.Add(time.Duration(w.r.Int64N(int64(4 * 365 * 24 * time.Hour)))))
	}
	o := must[*ent.Official](t)(oc.Save(ctx))
	w.officials = append(w.officials, o)
	if w.pick(4) > 0 {
		must[*ent.Acknowledgement](t)(c.Acknowledgement.Create().SetOfficial(o).SetCampaign(w.camp).SetAcknowledgedAt(w.at(2020, now.Year())).Save(ctx))
	}
	for y := 2020; y <= now.Year(); y++ {
		if w.pick(3) > 0 {
			pc := c.Pledge.Create().SetOfficial(o).SetCampaign(w.camp).SetYear(y).SetSignedAt(w.at(y, y))
			if w.pick(6) == 0 {
				pc.SetStatus(pledge.StatusWITHDRAWN).SetWithdrawnAt(w.at(y, y)).SetWithdrawalReason("lý do")
			}
			must[*ent.Pledge](t)(pc.Save(ctx))
		}
		if w.pick(3) > 0 {
			st := []selfassessment.Status{selfassessment.StatusDRAFT, selfassessment.StatusSUBMITTED,
				selfassessment.StatusREVIEWED, selfassessment.StatusREVIEWED}[w.pick(4)]
			sc := c.SelfAssessment.Create().SetOfficial(o).SetCampaign(w.camp).SetYear(y).
				SetScheme(selfassessment.SchemeFOUR_LEVEL).SetStatus(st)
			if st != selfassessment.StatusDRAFT {
				sc.SetSubmittedAt(w.at(y, y))
			}
			if st == selfassessment.StatusREVIEWED {
				if w.pick(5) == 0 {
					sc.SetNotRated(true)
				} else {
					sc.SetFinalClassification(enum.Classification(enum.Classification("").Values()[w.pick(4)]))
				}
			}
			must[*ent.SelfAssessment](t)(sc.Save(ctx))
		}
		if w.pick(8) == 0 {
			w.incident(ctx, c, o, y)
		}
		if w.pick(6) == 0 {
			w.commend(ctx, c, o, nil, now)
		}
	}
}

func (w *world) incident(ctx context.Context, c *ent.Client, o *ent.Official, y int) {
	u := c.Official.QueryUnit(o).OnlyX(ctx)
	must[*ent.Incident](w.t)(c.Incident.Create().SetOfficial(o).SetUnit(u).SetYear(y).
		SetCategory(enum.CategoryNoCorruption).SetOccurredOn(w.at(y, y)).SetSource("INSPECTION").SetSummary("vi phạm").Save(ctx))
}

func (w *world) commend(ctx context.Context, c *ent.Client, o *ent.Official, u *ent.Unit, now time.Time) {
	forms := []commendation.Form{commendation.FormGIAY_KHEN, commendation.FormBANG_KHEN, commendation.FormPUBLIC_PRAISE}
	cc := c.Commendation.Create().SetForm(forms[w.pick(3)]).SetLevel(commendation.LevelPROVINCE).
		SetYear(2020 + w.pick(now.Year()-2019)).SetReason("tốt").
		SetStatus([]commendation.Status{commendation.StatusPROPOSED, commendation.StatusAPPROVED, commendation.StatusAPPROVED}[w.pick(3)])
	if o != nil {
		cc.SetOfficial(o)
	} else {
		cc.SetUnit(u)
	}
	must[*ent.Commendation](w.t)(cc.Save(ctx))
}

func (w *world) addCase(ctx context.Context, c *ent.Client, now time.Time) {
	w.n++
	received := w.at(2020, now.Year())
	if received.After(now) {
		received = now.Add(-time.Hour)
	}
	ch := enum.Channel(enum.Channel("").Values()[w.pick(3)])
	st := enum.CaseState(enum.CaseState("").Values()[w.pick(9)])
	cc := c.CitizenCase.Create().SetTrackingCode(fmt.Sprintf("TC%06d", w.n)).SetSecretHash("x").SetChannel(ch).
		SetRequestedChannel(ch).SetDescription("mô tả").SetAnonymous(true).SetState(st).SetReceivedAt(received).
		SetUnit(w.units[w.pick(len(w.units))])
	if ch != enum.ChannelPraise {
		cc.SetCategory(enum.Category(enum.Category("").Values()[w.pick(6)]))
	}
	// Deadlines around now, so some are overdue; some on the minute.
	if w.pick(5) > 0 {
		cc.SetAcknowledgeDueAt(now.Add(time.Duration(w.r.Int64N(int64(96*time.Hour))) - 48*time.Hour).Truncate(time.Second))
	}
	if w.pick(5) > 0 {
		cc.SetDueAt(now.Add(time.Duration(w.r.Int64N(int64(96*time.Hour))) - 48*time.Hour).Truncate(time.Minute))
	}
	if st == enum.CaseConcluded || st == enum.CaseClosed {
		cc.SetConcludedAt(received.Add(time.Duration(w.r.Int64N(int64(60 * 24 * time.Hour)))))
	}
	if st == enum.CaseClosed && w.pick(3) > 0 {
		cc.SetRating(1 + w.pick(5))
	}
	must[*ent.CitizenCase](w.t)(cc.Save(ctx))
}

// scopes are every scope of the world.
func (w *world) scopes() []authz.Scope {
	out := []authz.Scope{{Kind: authz.ScopeNation}}
	for _, p := range w.provinces {
		out = append(out, authz.Scope{Kind: authz.ScopeProvince, ID: p.ID})
	}
	for _, d := range w.districts {
		out = append(out, authz.Scope{Kind: authz.ScopeDistrict, ID: d.ID})
	}
	for _, u := range w.units {
		out = append(out, authz.Scope{Kind: authz.ScopeUnit, ID: u.ID})
	}
	return out
}

// check compares every scope's figures of every year with the brute force.
func check(t *testing.T, svc *progress.Service, c *ent.Client, w *world, now time.Time, stage string) {
	t.Helper()
	ctx := authz.System(context.Background(), authz.SysTestFixture)
	raw := loadRaw(t, c)
	for _, sc := range w.scopes() {
		for y := progress.FirstYear; y <= now.In(vn).Year(); y++ {
			got, err := svc.Figures(ctx, sc, y)
			if err != nil {
				t.Fatalf("%s: Figures(%v, %d): %v", stage, sc, y, err)
			}
			want := raw.report(sc, y, now)
			want.Scope, want.AsOf = got.Scope, got.AsOf
			gj, _ := json.MarshalIndent(got, "", " ")
			wj, _ := json.MarshalIndent(want, "", " ")
			if string(gj) != string(wj) {
				t.Fatalf("%s: %v %d:\n%s", stage, sc, y, diff(string(wj), string(gj)))
			}
		}
	}
}

func diff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := range max(len(wl), len(gl)) {
		var a, g string
		if i < len(wl) {
			a = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if a != g {
			fmt.Fprintf(&b, "line %d: want %s | got %s\n", i, strings.TrimSpace(a), strings.TrimSpace(g))
		}
	}
	return b.String()
}

func TestProgressMatchesRecords(t *testing.T) {
	for seed := range uint64(3) {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) { testProgressMatchesRecords(t, seed) })
	}
}

func testProgressMatchesRecords(t *testing.T, seed uint64) {
	{
		testutil.ForEachDialect(t, func(t *testing.T, dia string) {
			db := testutil.Open(t, dia)
			clk := &clock{t: time.Date(2026, 11, 29, 10, 17, 30, 0, vn)}
			svc := progress.New(db.DB, clk.now)
			w := &world{t: t, r: rand.New(rand.NewPCG(seed, 7)), c: db.Client}
			w.build(clk.t)
			check(t, svc, db.Client, w, clk.t, "built")

			// Records change: pledges withdrawn, cases concluded and closed, officials moved,
			// a unit moved in the tree, incidents and awards added, a new official.
			w.tx(func(ctx context.Context, c *ent.Client) {
				ps := c.Pledge.Query().Where(pledge.StatusEQ(pledge.StatusSIGNED)).Limit(5).AllX(ctx)
				for _, p := range ps {
					c.Pledge.UpdateOne(p).SetStatus(pledge.StatusWITHDRAWN).SetWithdrawnAt(clk.t).SetWithdrawalReason("rút").ExecX(ctx)
				}
				open := c.CitizenCase.Query().Where(citizencase.StateIn(enum.CaseAccepted, enum.CaseVerifying)).Limit(4).AllX(ctx)
				for i, k := range open {
					u := c.CitizenCase.UpdateOne(k).SetState(enum.CaseConcluded).SetConcludedAt(clk.t)
					if i%2 == 0 {
						u.SetState(enum.CaseClosed).SetRating(4)
					}
					u.ExecX(ctx)
				}
				// Cases transferred to the unit in charge stay held to their acceptance deadline.
				sub := c.CitizenCase.Query().Where(citizencase.StateIn(enum.CaseSubmitted, enum.CaseRejected)).Limit(3).AllX(ctx)
				for i, k := range sub {
					c.CitizenCase.UpdateOne(k).SetState(enum.CaseTransferred).
						SetAcknowledgeDueAt(clk.t.Add(time.Duration(i-1) * 90 * time.Minute)).ExecX(ctx)
				}
				if c.CitizenCase.Query().Where(citizencase.StateEQ(enum.CaseTransferred), citizencase.AcknowledgeDueAtLT(clk.t)).CountX(ctx) == 0 {
					t.Fatal("no overdue TRANSFERRED case: the world does not cover them")
				}
				for i := range min(4, len(w.officials)) {
					o := w.officials[w.pick(len(w.officials))]
					c.Official.UpdateOneID(o.ID).SetUnit(w.units[(i+w.pick(len(w.units)))%len(w.units)]).ExecX(ctx)
				}
				w.incident(ctx, c, w.officials[0], 2026)
				w.incident(ctx, c, w.officials[len(w.officials)-1], 2025)
				w.addOfficial(ctx, c, clk.t)
				// An incident established after EXCELLENT or GOOD reviews of its year flags them.
				if a, err := c.SelfAssessment.Query().Where(selfassessment.StatusEQ(selfassessment.StatusREVIEWED),
					selfassessment.FinalClassificationIn(enum.ClassificationExcellent, enum.ClassificationGood)).WithOfficial().First(ctx); err == nil {
					u := c.Official.QueryUnit(a.Edges.Official).OnlyX(ctx)
					must[*ent.Incident](t)(recognition.RecordIncident(ctx, c, c.Incident.Create().SetOfficial(a.Edges.Official).SetUnit(u).
						SetYear(a.Year).SetCategory(enum.CategoryNoCorruption).SetOccurredOn(w.at(a.Year, a.Year)).SetSource("INSPECTION").
						SetSummary("vi phạm"), clk.t))
					if c.SelfAssessment.GetX(ctx, a.ID).FlaggedAt == nil {
						t.Fatal("the EXCELLENT or GOOD review was not flagged")
					}
				}
			})
			check(t, svc, db.Client, w, clk.t, "changed")
			// The flagged assessments are reviewed again: COMPLETED, unflagged.
			w.tx(func(ctx context.Context, c *ent.Client) {
				n := c.SelfAssessment.Update().Where(selfassessment.FlaggedAtNotNil()).
					SetFinalClassification(enum.ClassificationCompleted).ClearFlaggedAt().ClearFlagReason().SaveX(ctx)
				if n == 0 {
					t.Fatal("no flagged assessment to review again")
				}
			})
			check(t, svc, db.Client, w, clk.t, "reviewed again")
			w.tx(func(ctx context.Context, c *ent.Client) {
				// A unit moves under another (not its own descendant: the first unit is a root).
				last := w.units[len(w.units)-1]
				if last.ID != w.units[0].ID {
					c.Unit.UpdateOne(last).SetParent(w.units[0]).SetProvince(w.provinces[2]).ClearDistrict().ExecX(ctx)
				}
				cs := c.Commendation.Query().Where(commendation.StatusEQ(commendation.StatusAPPROVED)).Limit(2).AllX(ctx)
				for _, cm := range cs {
					c.Commendation.UpdateOne(cm).SetStatus(commendation.StatusREVOKED).SetStatusReason("vi phạm").ExecX(ctx)
				}
			})
			check(t, svc, db.Client, w, clk.t, "moved")
			if seed == 0 { // each step is checked against the brute force: once is enough
				w.orgChart(svc, clk)
			}
			// The counters the hooks kept are exactly those a rebuild computes (set-based on PostgreSQL).
			incremental := counters(t, db)
			if err := svc.Rebuild(authz.System(context.Background(), authz.SysTestFixture)); err != nil {
				t.Fatal(err)
			}
			sameCounters(t, "rebuilt against the incremental counters", incremental, counters(t, db))

			// Time passes: days (officials' first and last days cross the reference date),
			// minutes (deadlines pass), then a new year.
			clk.t = clk.t.Add(3*24*time.Hour + 7*time.Minute)
			check(t, svc, db.Client, w, clk.t, "days later")
			w.tx(func(ctx context.Context, c *ent.Client) { w.addOfficial(ctx, c, clk.t) })
			clk.t = time.Date(2027, 1, 2, 9, 0, 0, 0, vn)
			check(t, svc, db.Client, w, clk.t, "next year")

			// A write outside a transaction marks the counters for a rebuild.
			ctx := authz.System(context.Background(), authz.SysTestFixture)
			db.Client.Official.UpdateOneID(w.officials[1].ID).SetUnit(w.units[0]).ExecX(ctx)
			check(t, svc, db.Client, w, clk.t, "after a write outside a transaction")
			if err := svc.Rebuild(ctx); err != nil {
				t.Fatal(err)
			}
			check(t, svc, db.Client, w, clk.t, "rebuilt")
		})
	}
}

// orgChart changes the organisation through internal/orgchart as an administrator would (hires,
// transfers in 2026 and one backdated into 2025, a leave, a new unit, a unit closed into another),
// checking the figures after each step, and that a 2026 transfer leaves 2025's figures alone.
func (w *world) orgChart(svc *progress.Service, clk *clock) {
	t := w.t
	sys := authz.System(context.Background(), authz.SysTestFixture)
	admin := w.c.Account.Create().SetLogin(fmt.Sprintf("admin%d", w.pick(1e9))).SetPasswordHash("x").
		SetRole(account.RoleADMIN).SetScopeKind(account.ScopeKindNATION).SaveX(sys)
	ctx := authz.WithViewer(sys, authz.Viewer{AccountID: admin.ID, Role: authz.RoleAdmin, Scope: authz.Scope{Kind: authz.ScopeNation}})
	org := orgchart.New(w.c, clk.now)
	step := func(name string, fn func(ctx context.Context) error) {
		t.Helper()
		if err := store.InTx(ctx, w.c, func(ctx context.Context, _ *ent.Client) error { return fn(ctx) }); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	figures := func(unitID string, year int) *progress.Report {
		r, err := svc.Figures(sys, authz.Scope{Kind: authz.ScopeUnit, ID: unitID}, year)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	vnDay := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, vn) }
	var hired *ent.Official
	step("official hired", func(ctx context.Context) error {
		var err error
		hired, err = org.OfficialCreate(ctx, orgchart.OfficialInput{UnitID: w.units[1%len(w.units)].ID, FullName: "Trần Thị Mới",
			EmployeeCode: fmt.Sprintf("NEW%d", w.n), Category: official.CategoryCONG_CHUC, StartDate: vnDay(2024, 3, 1)})
		return err
	})
	w.officials = append(w.officials, hired)
	// Officials in service in 2025 and now, moved in 2026: their 2025 figures stay where they were.
	var movers []*ent.Official
	for _, o := range w.c.Official.Query().Where(official.ActiveFromLT(vnDay(2025, 1, 1)), official.ActiveToIsNil()).Limit(3).AllX(sys) {
		movers = append(movers, o)
	}
	if len(movers) == 0 {
		t.Fatal("no official in service since 2024 to transfer: the world does not cover transfers")
	}
	for i, o := range movers {
		to := w.units[(i+1+w.pick(len(w.units)-1))%len(w.units)]
		if to.ID == o.UnitID {
			to = w.units[(indexOf(w.units, to)+1)%len(w.units)]
		}
		before := figures(o.UnitID, 2025)
		step(fmt.Sprintf("transfer %d in 2026", i), func(ctx context.Context) error {
			_, err := org.OfficialTransfer(ctx, o.ID, to.ID, vnDay(2026, time.Month(3+i), 1))
			return err
		})
		if after := figures(o.UnitID, 2025); after.Headcount != before.Headcount || *after.Pledge.Numerator != *before.Pledge.Numerator {
			t.Fatalf("a 2026 transfer moved 2025's figures: headcount %d -> %d", before.Headcount, after.Headcount)
		}
		if now := figures(to.ID, 2026); now.Headcount == 0 {
			t.Fatal("the transferred official does not count in the new unit's 2026 figures")
		}
	}
	check(t, svc, w.c, w, clk.t, "hired and transferred in 2026")
	// A transfer recorded late, from mid-2025: 2025's figures (reckoned on 31 December) move with it.
	late, err := w.c.Official.Query().Where(official.ActiveFromLT(vnDay(2025, 1, 1)), official.ActiveToIsNil(),
		official.IDNotIn(movers[0].ID, movers[len(movers)-1].ID), official.Not(official.HasAssignments())).First(sys)
	if ent.IsNotFound(err) {
		t.Fatal("no official in service since 2024 left to transfer from mid-2025")
	} else if err != nil {
		t.Fatal(err)
	}
	{
		to := w.units[0]
		if to.ID == late.UnitID {
			to = w.units[1]
		}
		step("transfer from mid-2025", func(ctx context.Context) error {
			_, err := org.OfficialTransfer(ctx, late.ID, to.ID, vnDay(2025, 6, 1))
			return err
		})
		if figures(to.ID, 2025).Headcount == 0 {
			t.Fatal("a transfer from mid-2025 does not count in the new unit's 2025 figures")
		}
	}
	step("official leaves", func(ctx context.Context) error {
		_, err := org.OfficialLeave(ctx, movers[len(movers)-1].ID, vnDay(2026, 8, 31), official.LeaveReasonRETIREMENT)
		return err
	})
	var fresh *ent.Unit
	step("unit created", func(ctx context.Context) error {
		var err error
		fresh, err = org.UnitCreate(ctx, orgchart.UnitInput{Name: "Đơn vị mới", Level: unit.LevelCOMMUNE, Kind: unit.KindAGENCY,
			ParentID: w.units[0].ID, OpenedOn: vnDay(2026, 2, 1)})
		return err
	})
	w.units = append(w.units, fresh)
	step("official hired into the new unit", func(ctx context.Context) error {
		_, err := org.OfficialCreate(ctx, orgchart.OfficialInput{UnitID: fresh.ID, FullName: "Lê Văn Đến",
			EmployeeCode: fmt.Sprintf("NEW%dB", w.n), Category: official.CategoryVIEN_CHUC, StartDate: vnDay(2026, 2, 1)})
		return err
	})
	check(t, svc, w.c, w, clk.t, "left, unit created, hired into it")
	// A leaf unit with officials closes into the new unit.
	var leaf *ent.Unit
	for _, u := range w.units {
		if u.ID != fresh.ID && w.c.Unit.Query().Where(unit.ParentID(u.ID)).CountX(sys) == 0 &&
			w.c.Official.Query().Where(official.UnitID(u.ID)).CountX(sys) > 0 {
			leaf = u
			break
		}
	}
	if leaf == nil {
		t.Fatal("no leaf unit with officials to close")
	}
	step("unit closed into a successor", func(ctx context.Context) error {
		_, err := org.UnitClose(ctx, leaf.ID, fresh.ID, vnDay(2026, 10, 1))
		return err
	})
	check(t, svc, w.c, w, clk.t, "unit closed")
	if n := w.c.Official.Query().Where(official.UnitID(leaf.ID), official.Or(official.ActiveToIsNil(), official.ActiveToGTE(vnDay(2026, 10, 1)))).CountX(sys); n != 0 {
		t.Fatalf("%d officials in service stayed in the closed unit", n)
	}
	w.unitMoves(svc, clk, ctx, org, figures, vnDay)
}

// unitMoves moves units under other parents through orgchart.UnitUpdate, one from 2026 and one
// backdated into 2025: figures of the years before a move stay under the old parent, those after
// it count under the new one, and the brute force (which reads each year's organisation on its
// reference day) agrees after each; then the refusals of a move (cycle, dates).
func (w *world) unitMoves(svc *progress.Service, clk *clock, ctx context.Context, org *orgchart.Service,
	figures func(string, int) *progress.Report, vnDay func(int, time.Month, int) time.Time) {
	t := w.t
	sys := authz.System(context.Background(), authz.SysTestFixture)
	// A unit with officials counted in 2025 and now, under a parent, and a new parent for it in its
	// province, outside its subtree.
	move := func(name string, day time.Time, skip string) (m *ent.Unit, from, to string) {
		t.Helper()
		units := w.c.Unit.Query().Where(unit.ClosedOnIsNil(), unit.ParentIDNotNil()).Order(ent.Asc(unit.FieldID)).AllX(sys)
		for _, m := range units {
			if m.ID == skip || w.c.Official.Query().Where(official.UnitID(m.ID), official.ActiveFromLT(vnDay(2025, 1, 1)),
				official.ActiveToIsNil()).CountX(sys) == 0 || (m.OpenedOn != nil && m.OpenedOn.After(day)) {
				continue
			}
			for _, p := range w.c.Unit.Query().Where(unit.ClosedOnIsNil(), unit.ProvinceID(m.ProvinceID), unit.IDNEQ(m.ID),
				unit.IDNEQ(*m.ParentID)).Order(ent.Asc(unit.FieldID)).AllX(sys) {
				if p.OpenedOn != nil && p.OpenedOn.After(day) {
					continue
				}
				oldParent := *m.ParentID
				before := map[string]*progress.Report{}
				for _, u := range []string{oldParent, p.ID} {
					for _, y := range []int{2024, 2025} {
						before[fmt.Sprint(u, y)] = figures(u, y)
					}
				}
				moved := false
				err := store.InTx(ctx, w.c, func(ctx context.Context, _ *ent.Client) error {
					pid := p.ID
					_, err := org.UnitUpdate(ctx, m.ID, nil, &pid, day)
					moved = err == nil
					if e, ok := apperr.As(err); ok && len(e.Field) > 0 && e.Field[0] == "parentId" {
						return nil // under its own sub-unit: try another parent
					}
					return err
				})
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if !moved {
					continue
				}
				// Years whose reference day is before the move never move.
				for _, u := range []string{oldParent, p.ID} {
					for _, y := range []int{2024, 2025} {
						if y >= day.Year() {
							continue
						}
						if a, b := figures(u, y), before[fmt.Sprint(u, y)]; a.Headcount != b.Headcount || a.Units != b.Units {
							t.Fatalf("%s moved %d's figures of %s: headcount %d -> %d, units %d -> %d", name, y, u, b.Headcount, a.Headcount, b.Units, a.Units)
						}
					}
				}
				if now := figures(p.ID, day.Year()); now.Headcount <= before[fmt.Sprint(p.ID, 2025)].Headcount && day.Year() == 2025 {
					t.Fatalf("%s: the moved unit's officials do not count under the new parent in %d", name, day.Year())
				}
				check(t, svc, w.c, w, clk.t, name)
				return m, oldParent, p.ID
			}
		}
		t.Fatalf("%s: no unit to move: the world does not cover unit moves", name)
		return nil, "", ""
	}
	first, _, _ := move("unit moved from 2026", vnDay(2026, 4, 1), "")
	move("unit moved from mid-2025", vnDay(2025, 7, 1), first.ID)
	// Moved again in the same year: still exact.
	again, _, _ := move("unit moved again", vnDay(2026, 6, 1), "")
	if w.c.UnitPlacement.Query().CountX(sys) < 3 {
		t.Fatal("the moves kept no history")
	}

	// Refusals, each a user error on its field: under its own sub-unit, in the future, before the
	// unit's previous move, before the unit opened, without a date.
	refused := func(what, unitID, parentID string, day time.Time, field string) {
		t.Helper()
		err := store.InTx(ctx, w.c, func(ctx context.Context, _ *ent.Client) error {
			_, err := org.UnitUpdate(ctx, unitID, nil, &parentID, day)
			return err
		})
		e, ok := apperr.As(err)
		if !ok || !e.User || len(e.Field) == 0 || e.Field[0] != field || e.VI == "" || e.VI == e.EN {
			t.Fatalf("%s: %v, want a user error on %s", what, err, field)
		}
	}
	cur := w.c.Unit.GetX(sys, again.ID)
	child := w.c.Unit.Create().SetName("Đơn vị con").SetLevel(unit.LevelCOMMUNE).SetKind(unit.KindAGENCY).
		SetProvinceID(cur.ProvinceID).SetParentID(cur.ID).SaveX(sys)
	other := w.c.Unit.Query().Where(unit.ProvinceID(cur.ProvinceID), unit.IDNotIn(cur.ID, child.ID, *cur.ParentID), unit.ClosedOnIsNil()).FirstX(sys)
	refused("a cycle", cur.ID, child.ID, vnDay(2026, 7, 1), "parentId")
	refused("a future date", cur.ID, other.ID, clk.t.AddDate(0, 0, 2), "from")
	refused("before the previous move", cur.ID, other.ID, vnDay(2026, 5, 1), "from")
	refused("without a date", cur.ID, other.ID, time.Time{}, "from")
	opened := w.c.Unit.Create().SetName("Đơn vị mở năm 2026").SetLevel(unit.LevelCOMMUNE).SetKind(unit.KindAGENCY).
		SetProvinceID(cur.ProvinceID).SetParentID(other.ID).SetOpenedOn(vnDay(2026, 2, 1)).SaveX(sys)
	refused("before the unit opened", opened.ID, cur.ID, vnDay(2026, 1, 15), "from")
	check(t, svc, w.c, w, clk.t, "moves refused")
	w.subtreeMoves(svc, clk, ctx, org, refused, vnDay)
}

// subtreeMoves moves units that have sub-units (with officials and cases in every level) across
// districts: a move carries the whole subtree from its day, so every sub-unit counts in the new
// parent's district in the years from the move's on and in its old one before. After each move the
// organisation on every reference day is compared with the one before the move (only the moved
// subtree's places of the years from the move on may change, to the new parent's district), then
// every scope's figures with the brute force (the rebuild follows in the caller); a move dated
// before a sub-unit's own last move is refused; a past year's ranking lists the sub-units as they
// stood then.
func (w *world) subtreeMoves(svc *progress.Service, clk *clock, ctx context.Context, org *orgchart.Service,
	refused func(what, unitID, parentID string, day time.Time, field string), vnDay func(int, time.Month, int) time.Time) {
	t := w.t
	sys := authz.System(context.Background(), authz.SysTestFixture)
	old, d0, d1 := w.provinces[0], w.districts[0], w.districts[1]
	var g, c, gc, t1, t2 *ent.Unit
	newUnit := func(name string, parent *ent.Unit, district *ent.District) *ent.Unit {
		t.Helper()
		in := orgchart.UnitInput{Name: name, Level: unit.LevelCOMMUNE, Kind: unit.KindAGENCY, OpenedOn: vnDay(2024, 1, 1)}
		if parent != nil {
			in.ParentID = parent.ID
		} else {
			in.ProvinceID = old.ID
			if district != nil {
				in.DistrictID = district.ID
			}
		}
		var u *ent.Unit
		if err := store.InTx(ctx, w.c, func(ctx context.Context, _ *ent.Client) error {
			var err error
			u, err = org.UnitCreate(ctx, in)
			if err != nil {
				return err
			}
			for i := range 2 {
				w.n++
				if _, err := org.OfficialCreate(ctx, orgchart.OfficialInput{UnitID: u.ID, FullName: fmt.Sprintf("%s %d", name, i),
					EmployeeCode: fmt.Sprintf("ST%d", w.n), Category: official.CategoryCONG_CHUC, StartDate: vnDay(2024, 2, 1)}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		w.units = append(w.units, u)
		return u
	}
	g = newUnit("Sở G", nil, d0)
	c = newUnit("Phòng C", g, nil)
	gc = newUnit("Tổ GC", c, nil)
	t1 = newUnit("Sở T1", nil, d1)
	t2 = newUnit("Sở T2", nil, nil)
	if gc.DistrictID == nil || *gc.DistrictID != d0.ID {
		t.Fatal("a unit created under a parent does not take its district")
	}
	w.tx(func(ctx context.Context, cl *ent.Client) {
		for i, u := range []*ent.Unit{g, c, gc} {
			w.n++
			must[*ent.CitizenCase](t)(cl.CitizenCase.Create().SetTrackingCode(fmt.Sprintf("ST%06d", w.n)).SetSecretHash("x").
				SetChannel(enum.ChannelFeedback).SetRequestedChannel(enum.ChannelFeedback).SetCategory(enum.CategoryNoCorruption).
				SetDescription("mô tả").SetAnonymous(true).SetState(enum.CaseClosed).SetReceivedAt(vnDay(2024+i%2, 5, 1)).
				SetConcludedAt(vnDay(2024+i%2, 6, 1)).SetRating(3 + i%2).SetUnit(u).Save(ctx))
		}
		w.incident(ctx, cl, cl.Official.Query().Where(official.UnitID(gc.ID)).FirstX(ctx), 2025)
	})
	check(t, svc, w.c, w, clk.t, "a subtree built")

	type where struct{ parent, district, province string }
	years := func() map[string]map[int]where {
		out := map[string]map[int]where{}
		for _, u := range loadRaw(t, w.c).units {
			out[u.ID] = map[int]where{}
			for y := progress.FirstYear; y <= clk.t.In(vn).Year(); y++ {
				if u.OpenedOn != nil && date(*u.OpenedOn) > ref(y, clk.t) {
					continue // not there yet: nothing counts in it
				}
				p, d, pr := place(u, ref(y, clk.t))
				out[u.ID][y] = where{p, d, pr}
			}
		}
		return out
	}
	moveTree := func(name string, m, parent *ent.Unit, day time.Time) {
		t.Helper()
		before := years()
		m = w.c.Unit.GetX(sys, m.ID)
		parent = w.c.Unit.GetX(sys, parent.ID)
		sub := map[string]bool{}
		for frontier := []string{m.ID}; len(frontier) > 0; {
			next := []string{}
			for _, id := range frontier {
				sub[id] = true
				next = append(next, w.c.Unit.Query().Where(unit.ParentID(id)).IDsX(sys)...)
			}
			frontier = next
		}
		if len(sub) < 2 {
			t.Fatalf("%s: the unit has no sub-unit", name)
		}
		if err := store.InTx(ctx, w.c, func(ctx context.Context, _ *ent.Client) error {
			pid := parent.ID
			_, err := org.UnitUpdate(ctx, m.ID, nil, &pid, day)
			return err
		}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		after := years()
		for id, ys := range after {
			for y, a := range ys {
				b := before[id][y]
				switch {
				case !sub[id] || ref(y, clk.t) < date(day):
					if a != b {
						t.Fatalf("%s: %s's place of %d changed: %+v -> %+v", name, id, y, b, a)
					}
				case a.district != deref(parent.DistrictID) || a.province != b.province ||
					(id == m.ID && a.parent != parent.ID) || (id != m.ID && a.parent != b.parent):
					t.Fatalf("%s: %s's place of %d is %+v (was %+v), want under %s in district %q", name, id, y, a, b, parent.ID, deref(parent.DistrictID))
				}
			}
		}
		check(t, svc, w.c, w, clk.t, name)
	}
	headcount := func(sc authz.Scope, y int) int64 {
		t.Helper()
		r, err := svc.Figures(sys, sc, y)
		if err != nil {
			t.Fatal(err)
		}
		return r.Headcount
	}
	inD0 := headcount(authz.Scope{Kind: authz.ScopeDistrict, ID: d0.ID}, 2024)
	moveTree("a unit with two levels of sub-units moved to another district from mid-2025", g, t1, vnDay(2025, 9, 1))
	if n := headcount(authz.Scope{Kind: authz.ScopeDistrict, ID: d0.ID}, 2024); n != inD0 {
		t.Fatalf("the move from 2025 changed the old district's 2024 headcount: %d -> %d", inD0, n)
	}
	if n := headcount(authz.Scope{Kind: authz.ScopeDistrict, ID: d0.ID}, 2025); n >= inD0 {
		t.Fatalf("the moved subtree still counts in its old district in 2025 (%d)", n)
	}
	moveTree("a sub-unit moved out, with its own sub-unit, to no district", c, t2, vnDay(2026, 3, 1))
	refused("a move before a sub-unit's own last move", t2.ID, t1.ID, vnDay(2026, 2, 1), "from")
	moveTree("a unit that received a subtree moved with it", t2, t1, vnDay(2026, 4, 1))

	// A past year's ranking lists the sub-units as they stood on its reference day.
	admin := authz.FromContext(ctx)
	rctx := authz.WithViewer(sys, admin)
	ranked := func(sc authz.Scope, y int) []string {
		t.Helper()
		es, err := svc.Ranking(rctx, sc, y, progress.RankHeadcount, false, progress.RankUnits{})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, e := range es {
			ids = append(ids, *e.Scope.ID)
		}
		slices.Sort(ids)
		return ids
	}
	sorted := func(ids ...string) []string { slices.Sort(ids); return ids }
	for _, tc := range []struct {
		scope authz.Scope
		year  int
		want  []string
	}{
		{authz.Scope{Kind: authz.ScopeUnit, ID: g.ID}, 2025, []string{c.ID}},
		{authz.Scope{Kind: authz.ScopeUnit, ID: g.ID}, 2026, nil},
		{authz.Scope{Kind: authz.ScopeUnit, ID: t1.ID}, 2024, nil},
		{authz.Scope{Kind: authz.ScopeUnit, ID: t1.ID}, 2025, []string{g.ID}},
		{authz.Scope{Kind: authz.ScopeUnit, ID: t1.ID}, 2026, sorted(g.ID, t2.ID)},
		{authz.Scope{Kind: authz.ScopeUnit, ID: t2.ID}, 2025, nil},
	} {
		if got := ranked(tc.scope, tc.year); !slices.Equal(got, tc.want) {
			t.Fatalf("ranking of %v in %d: %v, want %v", tc.scope, tc.year, got, tc.want)
		}
	}
	if got := ranked(authz.Scope{Kind: authz.ScopeDistrict, ID: d0.ID}, 2024); !slices.Contains(got, g.ID) {
		t.Fatalf("the 2024 ranking of the old district does not list the unit that stood in it then: %v", got)
	}
	if got := ranked(authz.Scope{Kind: authz.ScopeDistrict, ID: d0.ID}, 2025); slices.Contains(got, g.ID) {
		t.Fatalf("the 2025 ranking of the old district lists the unit moved out from mid-2025: %v", got)
	}
	// The new district's top-level units of 2025: the new parent, not the unit moved under it.
	if got := ranked(authz.Scope{Kind: authz.ScopeDistrict, ID: d1.ID}, 2025); !slices.Contains(got, t1.ID) || slices.Contains(got, g.ID) {
		t.Fatalf("the 2025 ranking of the new district: %v, want the new parent and not the unit moved under it", got)
	}
	for y, want := range map[int]bool{2024: true, 2025: false} {
		es, err := svc.Ranking(rctx, authz.Scope{Kind: authz.ScopeProvince, ID: old.ID}, y, progress.RankHeadcount, false, progress.RankUnits{TopLevel: true})
		if err != nil {
			t.Fatal(err)
		}
		if got := slices.ContainsFunc(es, func(e progress.Entry) bool { return *e.Scope.ID == g.ID }); got != want {
			t.Fatalf("the %d ranking of the province's top-level units lists the unit moved under another from mid-2025: %v, want %v", y, got, want)
		}
	}
}

func indexOf(us []*ent.Unit, u *ent.Unit) int {
	for i, x := range us {
		if x.ID == u.ID {
			return i
		}
	}
	return -1
}
