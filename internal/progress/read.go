package progress

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/commendation"
	"github.com/liemchinh/liemchinh/ent/district"
	"github.com/liemchinh/liemchinh/ent/province"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/pid"
	"github.com/liemchinh/liemchinh/internal/store"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

// figures are a scope's counters: year -> key -> value.
type figures map[int]map[string]int64

func (f figures) get(year int, key string) int64 { return f[year][key] }

// sumMonths is the sum of key's monthly counts from before the year to month m.
func (f figures) sumMonths(year int, key string, m int) int64 {
	var n int64
	for i := 0; i <= m; i++ {
		n += f[year][monthly(key, i)]
	}
	return n
}

func (s *Service) db(ctx context.Context) db { return db{q: s.ent(ctx), dialect: s.e.dialect} }

// ent is the client of the transaction ctx carries, or the root one.
func (s *Service) ent(ctx context.Context) *ent.Client { return store.ClientFrom(ctx, s.client) }

// fresh brings the counters to today before a read.
func (s *Service) fresh(ctx context.Context) error {
	today := s.today()
	if r := s.e.rolled.Load(); r != nil && *r == today {
		return nil
	}
	if tc := ent.FromContext(ctx); tc != nil { // inside a mutation: its transaction
		return ensure(ctx, db{q: tc, dialect: s.e.dialect}, today)
	}
	tx, err := s.client.Tx(ctx)
	if err != nil {
		return err
	}
	if err := ensure(ctx, db{q: tx.Client(), dialect: s.e.dialect}, today); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.e.rolled.Store(&today)
	return nil
}

// Rebuild recomputes every counter from the records, in one transaction: after a bulk load
// (seeds), or to repair.
func (s *Service) Rebuild(ctx context.Context) error {
	tx, err := s.client.Tx(ctx)
	if err != nil {
		return err
	}
	side := s.side()
	defer side.dropStaged(ctx) // once the transaction has ended
	d := db{q: tx.Client(), dialect: s.e.dialect, side: side}
	today := s.today()
	err = rebuild(ctx, d, today)
	if err == nil {
		if err = d.exec(ctx, "DELETE FROM progress_clocks WHERE name = ?", clockName); err == nil {
			err = d.exec(ctx, "INSERT INTO progress_clocks (name, as_of) VALUES (?, ?)", clockName, today.String())
		}
	}
	if err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.e.rolled.Store(&today)
	return nil
}

var errNoScope = apperr.New(apperr.NotFound, "Không tìm thấy phạm vi này.", "No such scope.").OnField("scope")

// Ref names a scope (NOT_FOUND for an unknown id).
func (s *Service) Ref(ctx context.Context, scope authz.Scope) (ScopeRef, error) {
	ref := ScopeRef{Kind: scope.Kind}
	if scope.Kind == authz.ScopeNation {
		ref.Name = "Toàn quốc"
		return ref, nil
	}
	id := scope.ID
	ref.ID = &id
	want := map[authz.ScopeKind]string{authz.ScopeUnit: "Unit", authz.ScopeDistrict: "District", authz.ScopeProvince: "Province"}[scope.Kind]
	if t, ok := pid.TypeOf(id); !ok || t != want {
		return ref, errNoScope
	}
	c := s.ent(ctx)
	var err error
	switch scope.Kind {
	case authz.ScopeUnit:
		var u *ent.Unit
		if u, err = c.Unit.Query().Where(unit.ID(id)).Only(ctx); err == nil {
			ref.Name = u.Name
		}
	case authz.ScopeDistrict:
		var d *ent.District
		if d, err = c.District.Query().Where(district.ID(id)).Only(ctx); err == nil {
			ref.Name = d.Name
		}
	case authz.ScopeProvince:
		var p *ent.Province
		if p, err = c.Province.Query().Where(province.ID(id)).Only(ctx); err == nil {
			ref.Name = p.Name
		}
	default:
		return ref, errNoScope
	}
	if ent.IsNotFound(err) {
		return ref, errNoScope
	}
	return ref, err
}

// access checks the viewer may see the scope; full is false when small cells must be hidden
// from them (anyone but the scope's own supervisors: staff whose scope holds it).
func (s *Service) access(ctx context.Context, scope authz.Scope) (full bool, err error) {
	if err := authz.Require(ctx, s.ent(ctx), scope); err != nil {
		return false, err
	}
	return authz.FromContext(ctx).Staff(), nil
}

// counterScopes are the counter scopes whose sum is the scope: a province adds the provinces
// merged into it.
func (s *Service) counterScopes(ctx context.Context, scope authz.Scope) ([]string, error) {
	switch scope.Kind {
	case authz.ScopeNation:
		return []string{nationScope}, nil
	case authz.ScopeProvince:
		preds, err := s.ent(ctx).Province.Query().Where(province.HasSuccessorWith(province.ID(scope.ID))).IDs(ctx)
		return append([]string{scope.ID}, preds...), err
	}
	return []string{scope.ID}, nil
}

// read sums the counters of scopes for the years, optionally only some keys; by scope when
// byScope is set (else all under "").
func (s *Service) read(ctx context.Context, scopes []string, years []int, keys []string, byScope bool) (map[string]figures, error) {
	out := map[string]figures{}
	d := s.db(ctx)
	for lo := 0; lo < len(scopes); lo += chunk {
		part := scopes[lo:min(lo+chunk, len(scopes))]
		f := idsIn("scope", part)
		args := append([]any{}, f.args...)
		q := "SELECT t.scope, t.year, t.key, SUM(t.value) FROM progress_counters t WHERE " + f.where + " AND t.year IN (" +
			strings.TrimSuffix(strings.Repeat("?,", len(years)), ",") + ")"
		for _, y := range years {
			args = append(args, y)
		}
		if len(keys) > 0 {
			q += " AND t.key IN (" + strings.TrimSuffix(strings.Repeat("?,", len(keys)), ",") + ")"
			for _, k := range keys {
				args = append(args, k)
			}
		}
		q += " GROUP BY t.scope, t.year, t.key"
		if err := d.query(ctx, q, args, func(r *sql.Rows) error {
			var sc, key string
			var year int
			var v int64
			if err := r.Scan(&sc, &year, &key, &v); err != nil {
				return err
			}
			if !byScope {
				sc = ""
			}
			if out[sc] == nil {
				out[sc] = figures{}
			}
			if out[sc][year] == nil {
				out[sc][year] = map[string]int64{}
			}
			out[sc][year][key] += v
			return nil
		}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// CheckYear refuses a year before the campaign (FirstYear) or after the current one, as a
// BAD_USER_INPUT on the given field path ("year" by default).
func (s *Service) CheckYear(year int, field ...string) error {
	if len(field) == 0 {
		field = []string{"year"}
	}
	if last := s.today().Y; year < FirstYear || year > last {
		return apperr.Newf(apperr.BadUserInput, "Năm phải từ %d đến %d.", "The year must be from %d to %d.",
			FirstYear, last).OnField(field...)
	}
	return nil
}

// Progress is the report of a scope's year for the viewer: staff whose scope holds the scope (and
// administrators) see it whole; an official sees their own unit, suppressed under 10 officials;
// anyone else gets FORBIDDEN (UNAUTHENTICATED when signed out).
func (s *Service) Progress(ctx context.Context, scope authz.Scope, year int) (*Report, error) {
	if err := s.CheckYear(year); err != nil {
		return nil, err
	}
	ref, err := s.Ref(ctx, scope)
	if err != nil {
		return nil, err
	}
	full, err := s.access(ctx, scope)
	if err != nil {
		return nil, err
	}
	return s.report(ctx, ref, year, full, true)
}

// Figures is the whole report of a scope's year, never suppressed and without viewer checks: for
// callers that checked access themselves (a review's snapshot, an export).
func (s *Service) Figures(ctx context.Context, scope authz.Scope, year int) (*Report, error) {
	if err := s.CheckYear(year); err != nil {
		return nil, err
	}
	ref, err := s.Ref(ctx, scope)
	if err != nil {
		return nil, err
	}
	return s.report(ctx, ref, year, true, false)
}

// ProvinceFigures is Figures for each of provinces, in a number of statements that does not
// grow with them (one for the provinces merged into them, one read of the counters and one of
// the overdue cases, per chunk of scopes): an export of every province was a report each.
func (s *Service) ProvinceFigures(ctx context.Context, provinces []*ent.Province, year int) ([]*Report, error) {
	if err := s.CheckYear(year); err != nil {
		return nil, err
	}
	if err := s.fresh(ctx); err != nil {
		return nil, err
	}
	own := map[string][]string{} // a province's counter scopes (counterScopes): itself and those merged into it
	var scopes []string
	for _, p := range provinces {
		own[p.ID] = []string{p.ID}
		scopes = append(scopes, p.ID)
	}
	d := s.db(ctx)
	for lo := 0; lo < len(scopes); lo += chunk {
		f := idsIn(province.SuccessorColumn, scopes[lo:min(lo+chunk, len(scopes))])
		if err := d.query(ctx, "SELECT t.id, t."+province.SuccessorColumn+" FROM "+province.Table+" t WHERE "+f.where, f.args,
			func(r *sql.Rows) error {
				var id, succ string
				if err := r.Scan(&id, &succ); err != nil {
					return err
				}
				own[succ] = append(own[succ], id)
				return nil
			}); err != nil {
			return nil, err
		}
	}
	for _, p := range provinces {
		scopes = append(scopes, own[p.ID][1:]...)
	}
	all, err := s.read(ctx, scopes, []int{year, year - 1}, nil, true)
	if err != nil {
		return nil, err
	}
	overdue, err := s.overdueByScope(ctx, scopes, year)
	if err != nil {
		return nil, err
	}
	out := make([]*Report, len(provinces))
	today := s.today()
	for i, p := range provinces {
		sum, late := figures{}, int64(0)
		for _, sc := range own[p.ID] {
			for y, keys := range all[sc] {
				if sum[y] == nil {
					sum[y] = map[string]int64{}
				}
				for k, v := range keys {
					sum[y][k] += v
				}
			}
			late += overdue[sc]
		}
		id := p.ID
		out[i] = build(ScopeRef{Kind: authz.ScopeProvince, ID: &id, Name: p.Name}, year, sum, late, today, true)
	}
	return out, nil
}

// overdueByScope is overdue for each of scopes, read at once (per chunk).
func (s *Service) overdueByScope(ctx context.Context, scopes []string, year int) (map[string]int64, error) {
	now := s.now().In(workdays.Vietnam)
	out := map[string]int64{}
	for lo := 0; lo < len(scopes); lo += chunk {
		part := scopes[lo:min(lo+chunk, len(scopes))]
		args := make([]any, 0, len(part)+5)
		for _, sc := range part {
			args = append(args, dueScope(sc))
		}
		args = append(args, year, kDueDay, kDueDay+now.Format(dueDayLayout),
			kDueMin+now.Format(dueDayLayout), kDueMin+now.Format(dueMinLayout))
		if err := s.db(ctx).query(ctx, "SELECT scope, SUM(value) FROM progress_counters WHERE scope IN ("+
			strings.TrimSuffix(strings.Repeat("?,", len(part)), ",")+") AND year = ? AND "+
			"((key >= ? AND key < ?) OR (key >= ? AND key < ?)) GROUP BY scope", args, func(r *sql.Rows) error {
			var sc string
			var n int64
			if err := r.Scan(&sc, &n); err != nil {
				return err
			}
			out[strings.TrimPrefix(sc, dueScope(""))] += n
			return nil
		}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// report builds the scope's report; for the viewer, without what they may not see (unseen).
func (s *Service) report(ctx context.Context, ref ScopeRef, year int, full, forViewer bool) (*Report, error) {
	if err := s.fresh(ctx); err != nil {
		return nil, err
	}
	scopes, err := s.counterScopes(ctx, ref.Scope())
	if err != nil {
		return nil, err
	}
	all, err := s.read(ctx, scopes, []int{year, year - 1}, nil, false)
	if err != nil {
		return nil, err
	}
	overdue, err := s.overdue(ctx, scopes, year)
	if err != nil {
		return nil, err
	}
	if forViewer {
		unseen, err := s.unseen(ctx)
		if err != nil {
			return nil, err
		}
		unseen.into(all, scopes, false)
		overdue += unseen.overdue(scopes, year, s.now())
	}
	return build(ref, year, all[""], overdue, s.today(), full), nil
}

// overdue counts the open cases of a year past their deadline now: deadlines on days before
// today, and today's deadlines in minutes before this one.
func (s *Service) overdue(ctx context.Context, scopes []string, year int) (int64, error) {
	now := s.now().In(workdays.Vietnam)
	args := make([]any, 0, len(scopes)+5)
	for _, sc := range scopes {
		args = append(args, dueScope(sc))
	}
	args = append(args, year, kDueDay, kDueDay+now.Format(dueDayLayout),
		kDueMin+now.Format(dueDayLayout), kDueMin+now.Format(dueMinLayout))
	var n sql.NullInt64
	err := s.db(ctx).query(ctx, "SELECT SUM(value) FROM progress_counters WHERE scope IN ("+
		strings.TrimSuffix(strings.Repeat("?,", len(scopes)), ",")+") AND year = ? AND "+
		"((key >= ? AND key < ?) OR (key >= ? AND key < ?))", args, func(r *sql.Rows) error { return r.Scan(&n) })
	return n.Int64, err
}

func rate(num, den int64) *float64 {
	if den == 0 {
		return nil
	}
	r := float64(num) / float64(den)
	return &r
}

func metric(num, den int64, hide bool) Metric {
	if hide {
		return Metric{Denominator: den}
	}
	return Metric{Numerator: &num, Denominator: den, Rate: rate(num, den)}
}

// build assembles a report from a scope's counters.
func build(ref ScopeRef, year int, f figures, overdue int64, today day, full bool) *Report {
	ref0 := refDay(year, today)
	r := &Report{Scope: ref, Year: year, AsOf: time.Date(ref0.Y, ref0.M, ref0.D, 0, 0, 0, 0, workdays.Vietnam),
		Headcount: f.get(year, kHeadcount), Units: f.get(year, kUnits)}
	hide := !full && r.Headcount < SmallCell
	r.Suppressed = hide
	hc := r.Headcount
	r.Awareness = metric(f.get(year, kAware), hc, hide)
	r.AwarenessTarget = Target{Target: AwarenessTarget}
	if r.Awareness.Rate != nil {
		met := *r.Awareness.Rate >= AwarenessTarget
		r.AwarenessTarget.Met = &met
	}
	r.Pledge = metric(f.get(year, kPledge), hc, hide)
	r.Registration = metric(f.get(year, kRegistered), r.Units, hide)
	r.SelfAssessment = metric(f.get(year, kAssessed), hc, hide)
	r.Negativity = metric(f.get(year, kNegative), hc, hide)
	r.Classifications = []ClassificationCount{}
	r.Reduction = Reduction{TargetLow: ReductionLow, TargetHigh: ReductionHigh, Status: ReductionNoBaseline}
	if hide {
		return r
	}
	if r.Negativity.Rate != nil {
		pt := *r.Negativity.Rate * 1000
		r.NegativityPerThousand = &pt
	}
	for _, c := range (enum.Classification("")).Values() {
		cl := enum.Classification(c)
		r.Classifications = append(r.Classifications, ClassificationCount{Classification: &cl, Count: f.get(year, kClass+c)})
	}
	r.Classifications = append(r.Classifications, ClassificationCount{Count: f.get(year, kClass+notRated)})
	r.Reduction.Rate = r.Negativity.Rate
	if year-1 >= FirstYear {
		r.Reduction.PreviousRate = rate(f.get(year-1, kNegative), f.get(year-1, kHeadcount))
	}
	if p := r.Reduction.PreviousRate; p != nil && *p > 0 && r.Reduction.Rate != nil {
		v := 1 - *r.Reduction.Rate / *p
		r.Reduction.Value = &v
		r.Reduction.Status = ReductionNotMet
		if v >= ReductionLow {
			r.Reduction.Status = ReductionMet
		}
	}
	cs := &Cases{Received: f.get(year, kReceived)}
	for _, ch := range (enum.Channel("")).Values() {
		cs.ByChannel = append(cs.ByChannel, ChannelCount{Channel: enum.Channel(ch), Count: f.get(year, kChannel+ch)})
	}
	for _, c := range (enum.Category("")).Values() {
		cat := enum.Category(c)
		cs.ByCategory = append(cs.ByCategory, CategoryCount{Category: &cat, Count: f.get(year, kCategory+c)})
	}
	cs.ByCategory = append(cs.ByCategory, CategoryCount{Count: f.get(year, kCategory+noCategory)})
	for _, st := range (enum.CaseState("")).Values() {
		cs.ByState = append(cs.ByState, StateCount{State: enum.CaseState(st), Count: f.get(year, kState+st)})
	}
	cs.OverdueNow = overdue
	cs.OnTime = metric(f.get(year, kOnTime), f.get(year, kConcluded), false)
	cs.Satisfaction = Satisfaction{Rated: f.get(year, kRated), Mean: rate(f.get(year, kRatingSum), f.get(year, kRated))}
	r.Cases = cs
	cm := &Commendations{Total: f.get(year, kCmTotal)}
	for _, fm := range forms {
		cm.ByForm = append(cm.ByForm, FormCount{Form: fm, Count: f.get(year, kCmForm+string(fm))})
	}
	for _, l := range levels {
		cm.ByLevel = append(cm.ByLevel, LevelCount{Level: l, Count: f.get(year, kCmLevel+string(l))})
	}
	r.Commendations = cm
	return r
}

var (
	forms = []commendation.Form{commendation.FormGIAY_KHEN, commendation.FormBANG_KHEN, commendation.FormLAO_DONG_TIEN_TIEN,
		commendation.FormCHIEN_SI_THI_DUA_CO_SO, commendation.FormTAP_THE_LAO_DONG_TIEN_TIEN, commendation.FormPUBLIC_PRAISE}
	levels = []commendation.Level{commendation.LevelCENTRAL, commendation.LevelPROVINCE, commendation.LevelDISTRICT, commendation.LevelUNIT}
)

// Series is the scope's year month by month, with the same access rules as Progress.
func (s *Service) Series(ctx context.Context, scope authz.Scope, year int) (*Series, error) {
	if err := s.CheckYear(year); err != nil {
		return nil, err
	}
	ref, err := s.Ref(ctx, scope)
	if err != nil {
		return nil, err
	}
	full, err := s.access(ctx, scope)
	if err != nil {
		return nil, err
	}
	if err := s.fresh(ctx); err != nil {
		return nil, err
	}
	scopes, err := s.counterScopes(ctx, scope)
	if err != nil {
		return nil, err
	}
	all, err := s.read(ctx, scopes, []int{year}, nil, false)
	if err != nil {
		return nil, err
	}
	unseen, err := s.unseen(ctx)
	if err != nil {
		return nil, err
	}
	unseen.into(all, scopes, false)
	f := all[""]
	today := s.today()
	out := &Series{Scope: ref, Year: year, Headcount: f.get(year, kHeadcount), Points: []Point{}}
	out.Suppressed = !full && out.Headcount < SmallCell
	last := 12
	if year == today.Y {
		last = int(today.M)
	}
	for m := 1; m <= last; m++ {
		p := Point{Month: m}
		if !out.Suppressed {
			n := func(key string) *int64 { v := f.sumMonths(year, key, m); return &v }
			p.Acknowledged, p.Pledged, p.SelfAssessed = n(kAware), n(kPledge), n(kAssessed)
			p.OfficialsWithIncident, p.Registered = n(kNegative), n(kRegistered)
			rc := f.get(year, monthly(kReceived, m))
			p.CasesReceived = &rc
			hc := out.Headcount
			p.AwarenessRate, p.PledgeRate = rate(*p.Acknowledged, hc), rate(*p.Pledged, hc)
			p.SelfAssessmentRate, p.NegativityRate = rate(*p.SelfAssessed, hc), rate(*p.OfficialsWithIncident, hc)
		}
		out.Points = append(out.Points, p)
	}
	return out, nil
}

// rankKeys are the counters a metric needs: numerator and denominator (one for counts).
func rankKeys(m RankMetric) (num, den string, isRate bool) {
	switch m {
	case RankAwareness:
		return kAware, kHeadcount, true
	case RankPledge:
		return kPledge, kHeadcount, true
	case RankRegistration:
		return kRegistered, kUnits, true
	case RankSelfAssessment:
		return kAssessed, kHeadcount, true
	case RankNegativity:
		return kNegative, kHeadcount, true
	case RankOnTime:
		return kOnTime, kConcluded, true
	case RankSatisfaction:
		return kRatingSum, kRated, true
	case RankCasesReceived:
		return kReceived, "", false
	case RankCommendations:
		return kCmTotal, "", false
	}
	return kHeadcount, "", false
}

// ProvinceRankLevel is the level a province's ranking orders by default: the communes' and
// wards' people's committees, which a province governs directly under the two-tier local
// government (1 July 2025), and the level most of the units of the demo and national seeds are at.
const ProvinceRankLevel = unit.LevelCOMMUNE

// RankUnits says which units a ranking orders: every unit of Level in the scope, or the scope's
// top-level units; neither is the scope's default (for a province, its units of ProvinceRankLevel,
// or its top-level units when it has none; for a district, its top-level units; for a unit, its
// children; for the nation, the provinces).
type RankUnits struct {
	Level    *unit.Level
	TopLevel bool
}

// Ranking is every unit (or, for the nation, province) under the scope ordered by metric, best
// first (asc reverses), entries without a value last; which units, RankUnits says. Same access
// rules as Progress.
func (s *Service) Ranking(ctx context.Context, scope authz.Scope, year int, metric RankMetric, asc bool, which RankUnits) ([]Entry, error) {
	if which.Level != nil && which.TopLevel {
		return nil, apperr.BadInput("Chỉ chọn một trong level và topLevel.", "Give level or topLevel, not both.", "topLevel")
	}
	level, byDefault := which.Level, which.Level == nil && !which.TopLevel && scope.Kind == authz.ScopeProvince
	if byDefault {
		l := ProvinceRankLevel
		level = &l
	}
	if err := s.CheckYear(year); err != nil {
		return nil, err
	}
	if _, err := s.Ref(ctx, scope); err != nil {
		return nil, err
	}
	full, err := s.access(ctx, scope)
	if err != nil {
		return nil, err
	}
	if err := s.fresh(ctx); err != nil {
		return nil, err
	}
	entries, members, err := s.rankedScopes(ctx, scope, level, year)
	if err == nil && len(entries) == 0 && byDefault { // a province without communes: its top-level units
		entries, members, err = s.rankedScopes(ctx, scope, nil, year)
	}
	if err != nil {
		return nil, err
	}
	num, den, isRate := rankKeys(metric)
	keys := []string{kHeadcount, num}
	if den != "" {
		keys = append(keys, den)
	}
	var scopes []string
	for sc := range members {
		scopes = append(scopes, sc)
	}
	sort.Strings(scopes)
	got, err := s.read(ctx, scopes, []int{year}, keys, true)
	if err != nil {
		return nil, err
	}
	unseen, err := s.unseen(ctx)
	if err != nil {
		return nil, err
	}
	unseen.into(got, scopes, true)
	for sc, f := range got {
		e := &entries[members[sc]]
		e.Headcount += f.get(year, kHeadcount)
		n := f.get(year, num)
		if e.Numerator == nil {
			e.Numerator = new(int64)
		}
		*e.Numerator += n
		if den != "" {
			e.Denominator += f.get(year, den)
		}
	}
	for i := range entries {
		e := &entries[i]
		if e.Numerator == nil {
			e.Numerator = new(int64)
		}
		switch {
		case !full && e.Headcount < SmallCell:
			e.Numerator, e.Value = nil, nil
		case isRate:
			e.Value = rate(*e.Numerator, e.Denominator)
		default:
			v := float64(*e.Numerator)
			e.Value = &v
		}
		if metric == RankSatisfaction && e.Numerator != nil { // the mean's parts: ratings given
			e.Numerator = &e.Denominator
		}
	}
	lowerIsBetter := metric == RankNegativity
	sort.SliceStable(entries, func(i, j int) bool {
		a, b := entries[i], entries[j]
		if (a.Value == nil) != (b.Value == nil) {
			return a.Value != nil
		}
		if a.Value != nil && *a.Value != *b.Value {
			better := *a.Value > *b.Value
			if lowerIsBetter {
				better = *a.Value < *b.Value
			}
			return better != asc
		}
		if a.Scope.Name != b.Scope.Name {
			return a.Scope.Name < b.Scope.Name
		}
		return *a.Scope.ID < *b.Scope.ID
	})
	for i := range entries {
		entries[i].Rank = i + 1
	}
	return entries, nil
}

// rankedScopes are the entries a scope's ranking of a year orders, and which entry each counter
// scope adds to: the units under the scope as they stood on the year's reference day (like the
// figures), today's tree unless a dated move changed it since (unitsAt).
func (s *Service) rankedScopes(ctx context.Context, scope authz.Scope, level *unit.Level, year int) ([]Entry, map[string]int, error) {
	c := s.ent(ctx)
	if ids, ok, err := s.unitsAt(ctx, scope, level, year); err != nil {
		return nil, nil, err
	} else if ok {
		members := map[string]int{}
		var entries []Entry
		units, err := c.Unit.Query().Where(unit.IDIn(ids...)).Order(unit.ByName(), unit.ByID()).All(ctx)
		if err != nil {
			return nil, nil, err
		}
		for _, u := range units {
			id := u.ID
			members[u.ID] = len(entries)
			entries = append(entries, Entry{Scope: ScopeRef{Kind: authz.ScopeUnit, ID: &id, Name: u.Name}, Unit: u})
		}
		return entries, members, nil
	}
	members := map[string]int{}
	var entries []Entry
	if scope.Kind == authz.ScopeNation && level == nil {
		provinces, err := c.Province.Query().Where(province.ValidToIsNil()).WithPredecessors().Order(province.ByName()).All(ctx)
		if err != nil {
			return nil, nil, err
		}
		for _, p := range provinces {
			id := p.ID
			members[p.ID] = len(entries)
			for _, pre := range p.Edges.Predecessors {
				members[pre.ID] = len(entries)
			}
			entries = append(entries, Entry{Scope: ScopeRef{Kind: authz.ScopeProvince, ID: &id, Name: p.Name}, Province: p})
		}
		return entries, members, nil
	}
	q := c.Unit.Query()
	switch scope.Kind {
	case authz.ScopeProvince:
		pids, err := s.counterScopes(ctx, scope)
		if err != nil {
			return nil, nil, err
		}
		q = q.Where(unit.HasProvinceWith(province.IDIn(pids...)))
		if level == nil {
			q = q.Where(unit.Not(unit.HasParent()))
		}
	case authz.ScopeDistrict:
		q = q.Where(unit.HasDistrictWith(district.ID(scope.ID)))
		if level == nil {
			q = q.Where(unit.Not(unit.HasParentWith(unit.HasDistrictWith(district.ID(scope.ID)))))
		}
	case authz.ScopeUnit:
		if level == nil {
			q = q.Where(unit.HasParentWith(unit.ID(scope.ID)))
		} else {
			ids, err := subtree(ctx, s.db(ctx), scope.ID)
			if err != nil {
				return nil, nil, err
			}
			q = q.Where(unit.IDIn(ids...))
		}
	}
	if level != nil {
		q = q.Where(unit.LevelEQ(*level))
	}
	units, err := q.Order(unit.ByName(), unit.ByID()).All(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, u := range units {
		id := u.ID
		members[u.ID] = len(entries)
		entries = append(entries, Entry{Scope: ScopeRef{Kind: authz.ScopeUnit, ID: &id, Name: u.Name}, Unit: u})
	}
	return entries, members, nil
}

// unitsAt are the units a ranking of a past year orders when a dated move changed the tree the
// ranking reads since that year's reference day (31 December): the province's units placed where
// they stood that day (unitNode.at, as the figures count them). ok is false when today's tree is
// that year's too (no such move, the current year, or a scope no move changes: the nation, or a
// province's units of a level).
func (s *Service) unitsAt(ctx context.Context, scope authz.Scope, level *unit.Level, year int) (ids []string, ok bool, err error) {
	if year >= s.today().Y || scope.Kind == authz.ScopeNation || (scope.Kind == authz.ScopeProvince && level != nil) {
		return nil, false, nil
	}
	d := s.db(ctx)
	after := time.Date(year+1, 1, 1, 0, 0, 0, 0, workdays.Vietnam)
	moved := false
	if err := d.query(ctx, "SELECT 1 FROM unit_placements WHERE valid_to >= ? LIMIT 1", []any{after}, func(*sql.Rows) error {
		moved = true
		return nil
	}); err != nil || !moved {
		return nil, false, err
	}
	// The provinces whose units may stand under the scope (a move stays within its province).
	var provinces filter
	switch scope.Kind {
	case authz.ScopeProvince:
		pids, err := s.counterScopes(ctx, scope)
		if err != nil {
			return nil, false, err
		}
		provinces = idsIn("province_units", pids)
	case authz.ScopeDistrict:
		provinces = filter{where: "t.province_units = (SELECT province_districts FROM districts WHERE id = ?)", args: []any{scope.ID}}
	case authz.ScopeUnit:
		provinces = filter{where: "t.province_units = (SELECT province_units FROM units WHERE id = ?)", args: []any{scope.ID}}
	default:
		return nil, false, nil
	}
	tree := map[string]unitNode{}
	if err := loadTree(ctx, d, provinces, tree); err != nil {
		return nil, false, err
	}
	at := make(map[string]unitNode, len(tree))
	for id, n := range tree {
		at[id] = n.at(year)
	}
	under := func(u, root string) bool {
		for seen := 0; u != "" && seen <= len(at); seen++ {
			if u == root {
				return true
			}
			u = at[u].Parent
		}
		return false
	}
	for id, n := range at {
		var in bool
		switch scope.Kind {
		case authz.ScopeProvince: // the top-level units (with a level, today's tree serves)
			in = n.Parent == ""
		case authz.ScopeDistrict:
			in = n.District == scope.ID && (level != nil || n.Parent == "" || at[n.Parent].District != scope.ID)
		case authz.ScopeUnit:
			if level == nil {
				in = n.Parent == scope.ID
			} else {
				in = under(id, scope.ID)
			}
		}
		if in {
			ids = append(ids, id)
		}
	}
	if level != nil && len(ids) > 0 {
		var err error
		if ids, err = s.ent(ctx).Unit.Query().Where(unit.IDIn(ids...), unit.LevelEQ(*level)).IDs(ctx); err != nil {
			return nil, false, err
		}
	}
	return ids, true, nil
}

// subtree is a unit and its descendants.
func subtree(ctx context.Context, d db, root string) ([]string, error) {
	var ids []string
	err := d.query(ctx, "WITH RECURSIVE sub(id) AS (SELECT id FROM units WHERE id = ? UNION SELECT u.id FROM units u JOIN sub s ON u.unit_children = s.id) SELECT id FROM sub",
		[]any{root}, func(r *sql.Rows) error {
			var id string
			if err := r.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("subtree: %w", err)
	}
	return ids, nil
}

// Invalidate marks the counters for a rebuild on their next use, in c's transaction: bulk loads
// that skip them (Bulk) call it, before the server's Service is made (a Service knows the counters
// reckoned for the day and reads them until the next day).
func Invalidate(ctx context.Context, c *ent.Client) error {
	if _, err := c.ExecContext(ctx, "DELETE FROM progress_clocks"); err != nil {
		return fmt.Errorf("progress: %w", err)
	}
	return nil
}

func (e *engine) invalidate(ctx context.Context, c *ent.Client) error {
	e.rolled.Store(nil)
	return Invalidate(ctx, c)
}

// aboutViewer are the cases about the viewer's linked official (none without one), with when each
// became visible to them (nil: still hidden), and the unit tree above them.
func (s *Service) aboutViewer(ctx context.Context) (map[string]*caseFacts, map[string]*time.Time, map[string]unitNode, error) {
	v := authz.FromContext(ctx)
	if v.OfficialID == "" || authz.SystemReads(ctx, ent.TypeCitizenCase) {
		return nil, nil, nil, nil
	}
	d := s.db(ctx)
	about := filter{where: "t.official_cases = ?", args: []any{v.OfficialID}}
	cases, err := loadCases(ctx, d, about)
	if err != nil || len(cases) == 0 {
		return nil, nil, nil, err
	}
	visible := map[string]*time.Time{}
	if err := d.query(ctx, "SELECT t.id, t.subject_visible_at FROM cases t WHERE "+about.where+" AND t.subject_visible_at IS NOT NULL",
		about.args, func(r *sql.Rows) error {
			var id string
			var at sql.NullTime
			if err := r.Scan(&id, &at); err != nil {
				return err
			}
			visible[id] = nullTime(at)
			return nil
		}); err != nil {
		return nil, nil, nil, err
	}
	units := map[string]bool{}
	for _, k := range cases {
		units[k.Unit] = true
	}
	ids := make([]string, 0, len(units))
	for u := range units {
		ids = append(ids, u)
	}
	tree := map[string]unitNode{}
	for lo := 0; lo < len(ids); lo += chunk {
		if err := loadTree(ctx, d, idsIn("id", ids[lo:min(lo+chunk, len(ids))]), tree); err != nil {
			return nil, nil, nil, err
		}
	}
	return cases, visible, tree, nil
}

// unseen is what the counters hold that the viewer may not see (DESIGN.md §5, the person
// concerned): the cases about their own linked official that are still hidden from them, whole,
// and the ratings of those they see. Counters are sums, so it is subtracted from what they read:
// exact, and read only for a viewer with a linked official (the cases about one official).
func (s *Service) unseen(ctx context.Context) (delta, error) {
	cases, visible, tree, err := s.aboutViewer(ctx)
	if err != nil || len(cases) == 0 {
		return nil, err
	}
	today := s.today()
	dl := delta{}
	for _, k := range cases {
		c := caseContribution(k, today)
		if visible[k.ID] != nil { // seen, but never its rating
			rated := contribution{unit: c.unit}
			for cl, n := range c.cells {
				if cl.key == kRated || cl.key == kRatingSum {
					rated.add(cl.year, cl.key, n)
				}
			}
			c = rated
		}
		dl.add(c, -1, tree)
	}
	return dl, nil
}

// Concerned reports whether figures of the scope's year frozen at a time (a closed review) count
// something the viewer may not see: a case about their linked official received that year in the
// scope, hidden from them at that time or rated. Frozen figures cannot be corrected exactly (the
// cases' states were those of then), so the caller withholds their case figures.
func (s *Service) Concerned(ctx context.Context, scope authz.Scope, year int, at time.Time) (bool, error) {
	cases, visible, tree, err := s.aboutViewer(ctx)
	if err != nil || len(cases) == 0 {
		return false, err
	}
	scopes, err := s.counterScopes(ctx, scope)
	if err != nil {
		return false, err
	}
	for _, k := range cases {
		if k.ReceivedAt.In(workdays.Vietnam).Year() != year {
			continue
		}
		if v := visible[k.ID]; v != nil && !v.After(at) && k.Rating == nil {
			continue
		}
		for _, sc := range scopesAt(k.Unit, year, tree) {
			if slices.Contains(scopes, sc) {
				return true, nil
			}
		}
	}
	return false, nil
}

// apply adds the delta's cells of the scopes to figures (under "" unless byScope).
func (dl delta) into(out map[string]figures, scopes []string, byScope bool) {
	in := map[string]bool{}
	for _, sc := range scopes {
		in[sc] = true
	}
	for k, n := range dl {
		if !in[k.scope] || n == 0 {
			continue
		}
		sc := ""
		if byScope {
			sc = k.scope
		}
		if out[sc] == nil {
			out[sc] = figures{}
		}
		if out[sc][k.year] == nil {
			out[sc][k.year] = map[string]int64{}
		}
		out[sc][k.year][k.key] += n
	}
}

// overdue is the delta's part of the overdue count of the scopes' year now, read as overdue
// reads the counters.
func (dl delta) overdue(scopes []string, year int, now time.Time) int64 {
	now = now.In(workdays.Vietnam)
	dayHi, minLo, minHi := kDueDay+now.Format(dueDayLayout), kDueMin+now.Format(dueDayLayout), kDueMin+now.Format(dueMinLayout)
	var n int64
	for _, sc := range scopes {
		for k, v := range dl {
			if k.scope != dueScope(sc) || k.year != year {
				continue
			}
			if (k.key >= kDueDay && k.key < dayHi) || (k.key >= minLo && k.key < minHi) {
				n += v
			}
		}
	}
	return n
}

// Check compares the maintained counters (brought to today) with what a rebuild from the records
// computes, in one transaction rolled back at the end (nothing changes), and returns the figures
// that differ as "scope year key: kept, rebuilt" (none when they agree). The counters' check
// after a bulk change: `liemchinh progress check`.
func (s *Service) Check(ctx context.Context) ([]string, error) {
	side := s.side()
	defer side.dropStaged(ctx) // after the rollback below
	tx, err := s.client.Tx(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback() }()
	d := db{q: tx.Client(), dialect: s.e.dialect, side: side}
	today := s.today()
	if err := ensure(ctx, d, today); err != nil {
		return nil, err
	}
	read := func() (map[counterKey]int64, error) {
		out := map[counterKey]int64{}
		err := d.query(ctx, "SELECT scope, year, key, sum(value) FROM progress_counters GROUP BY scope, year, key", nil, func(r *sql.Rows) error {
			var k counterKey
			var v int64
			if err := r.Scan(&k.scope, &k.year, &k.key, &v); err != nil {
				return err
			}
			if v != 0 {
				out[k] = v
			}
			return nil
		})
		return out, err
	}
	kept, err := read()
	if err != nil {
		return nil, err
	}
	if err := rebuild(ctx, d, today); err != nil {
		return nil, err
	}
	rebuilt, err := read()
	if err != nil {
		return nil, err
	}
	var diffs []string
	for k, v := range kept {
		if rebuilt[k] != v {
			diffs = append(diffs, fmt.Sprintf("%s %d %s: %d, %d", k.scope, k.year, k.key, v, rebuilt[k]))
		}
	}
	for k, v := range rebuilt {
		if _, ok := kept[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s %d %s: 0, %d", k.scope, k.year, k.key, v))
		}
	}
	sort.Strings(diffs)
	return diffs, nil
}
