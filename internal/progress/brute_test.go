package progress_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/commendation"
	"github.com/liemchinh/liemchinh/ent/pledge"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/ent/selfassessment"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/progress"
)

// raw is every record, read plainly: the brute force counts over it, independently of the
// counters, by DESIGN.md §6 and the formulas published in the schema.
type raw struct {
	units     []*ent.Unit
	provinces []*ent.Province
	officials []*ent.Official
	cases     []*ent.CitizenCase
	regs      []*ent.EmulationRegistration
	awards    []*ent.Commendation
}

func loadRaw(t *testing.T, c *ent.Client) *raw {
	ctx := authz.System(context.Background(), authz.SysTestFixture)
	r := &raw{}
	var err error
	if r.units, err = c.Unit.Query().WithParent().WithDistrict().WithProvince().WithPlacements().All(ctx); err != nil {
		t.Fatal(err)
	}
	if r.provinces, err = c.Province.Query().WithSuccessor().All(ctx); err != nil {
		t.Fatal(err)
	}
	if r.officials, err = c.Official.Query().WithUnit().WithAcknowledgements().WithPledges().
		WithSelfAssessments().WithIncidents().WithCommendations().WithAssignments().All(ctx); err != nil {
		t.Fatal(err)
	}
	if r.cases, err = c.CitizenCase.Query().WithUnit().All(ctx); err != nil {
		t.Fatal(err)
	}
	if r.regs, err = c.EmulationRegistration.Query().WithUnit().All(ctx); err != nil {
		t.Fatal(err)
	}
	if r.awards, err = c.Commendation.Query().WithUnit().WithOfficial().All(ctx); err != nil {
		t.Fatal(err)
	}
	return r
}

// place is where a unit sat on a day: the past placement holding the day (from its first day,
// before its move's day), else its present parent, district and province.
func place(u *ent.Unit, day string) (parent, district, province string) {
	for _, p := range u.Edges.Placements {
		if (p.ValidFrom == nil || date(*p.ValidFrom) <= day) && day < date(p.ValidTo) {
			return deref(p.ParentID), deref(p.DistrictID), p.ProvinceID
		}
	}
	if u.Edges.Parent != nil {
		parent = u.Edges.Parent.ID
	}
	if u.Edges.District != nil {
		district = u.Edges.District.ID
	}
	return parent, district, u.Edges.Province.ID
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// inScope is the set of units of a scope for a year's figures: the organisation on the year's
// reference day (a unit moved with a date sits under its old parent before the move).
func (r *raw) inScope(sc authz.Scope, y int, now time.Time) map[string]bool {
	out := map[string]bool{}
	parent, district, prov := map[string]string{}, map[string]string{}, map[string]string{}
	day := ref(y, now)
	for _, u := range r.units {
		parent[u.ID], district[u.ID], prov[u.ID] = place(u, day)
	}
	under := func(u, root string) bool {
		for seen := 0; u != "" && seen < 1000; seen++ {
			if u == root {
				return true
			}
			u = parent[u]
		}
		return false
	}
	for _, u := range r.units {
		switch sc.Kind {
		case authz.ScopeNation:
			out[u.ID] = true
		case authz.ScopeUnit:
			out[u.ID] = under(u.ID, sc.ID)
		case authz.ScopeDistrict:
			out[u.ID] = district[u.ID] == sc.ID
		case authz.ScopeProvince:
			p := prov[u.ID]
			out[u.ID] = p == sc.ID
			for _, q := range r.provinces {
				if q.ID == p && q.Edges.Successor != nil && q.Edges.Successor.ID == sc.ID {
					out[u.ID] = true
				}
			}
		}
	}
	return out
}

func date(t time.Time) string { return t.In(vn).Format(time.DateOnly) }

func ref(year int, now time.Time) string {
	if year >= now.In(vn).Year() {
		return date(now)
	}
	return time.Date(year, 12, 31, 0, 0, 0, 0, vn).Format(time.DateOnly)
}

func active(o *ent.Official, day string) bool {
	return date(o.ActiveFrom) <= day && (o.ActiveTo == nil || date(*o.ActiveTo) >= day)
}

// unitIn is the unit an official's figures of a year count in: their assignment on the year's
// reference day (the last begun by then, the first before any), or their unit without history.
func unitIn(o *ent.Official, y int, now time.Time) string {
	as := slices.Clone(o.Edges.Assignments)
	if len(as) == 0 {
		return o.Edges.Unit.ID
	}
	slices.SortFunc(as, func(a, b *ent.OfficialAssignment) int {
		if c := strings.Compare(date(a.ValidFrom), date(b.ValidFrom)); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	u := as[0].UnitID
	for _, a := range as[1:] {
		if date(a.ValidFrom) <= ref(y, now) {
			u = a.UnitID
		}
	}
	return u
}

// exists reports whether a unit existed on a day (opened by then, not yet closed).
func exists(u *ent.Unit, day string) bool {
	return (u.OpenedOn == nil || date(*u.OpenedOn) <= day) && (u.ClosedOn == nil || date(*u.ClosedOn) > day)
}

type counts struct {
	headcount, aware, pledged, assessed, negative, units, registered int64
	classes                                                          map[string]int64
}

func (r *raw) count(in map[string]bool, y int, now time.Time) counts {
	c := counts{classes: map[string]int64{}}
	day := ref(y, now)
	for _, o := range r.officials {
		if !in[unitIn(o, y, now)] {
			continue
		}
		for _, i := range o.Edges.Incidents {
			if i.Year == y {
				c.negative++
				break
			}
		}
		if !active(o, day) {
			continue
		}
		c.headcount++
		for _, a := range o.Edges.Acknowledgements {
			if date(a.AcknowledgedAt) <= day {
				c.aware++
				break
			}
		}
		for _, p := range o.Edges.Pledges {
			if p.Year == y && p.Status == pledge.StatusSIGNED {
				c.pledged++
				break
			}
		}
		var reviewed *ent.SelfAssessment
		any := false
		for _, a := range o.Edges.SelfAssessments {
			if a.Year != y || a.PeriodKind != selfassessment.PeriodKindYEAR ||
				(a.Status != selfassessment.StatusSUBMITTED && a.Status != selfassessment.StatusREVIEWED) {
				continue
			}
			any = true
			if a.Status == selfassessment.StatusREVIEWED && (reviewed == nil || a.SubmittedAt.After(*reviewed.SubmittedAt)) {
				reviewed = a
			}
		}
		if any {
			c.assessed++
		}
		if reviewed != nil {
			cl := "NOT_RATED"
			if reviewed.FinalClassification != nil && !reviewed.NotRated {
				cl = string(*reviewed.FinalClassification)
			}
			c.classes[cl]++
		}
	}
	for _, u := range r.units {
		if in[u.ID] && exists(u, day) {
			c.units++
		}
	}
	for _, g := range r.regs {
		if in[g.Edges.Unit.ID] && g.Year == y {
			c.registered++
		}
	}
	return c
}

func i64(v int64) *int64 { return &v }

func ratio(n, d int64) *float64 {
	if d == 0 {
		return nil
	}
	v := float64(n) / float64(d)
	return &v
}

func m(n, d int64) progress.Metric {
	return progress.Metric{Numerator: i64(n), Denominator: d, Rate: ratio(n, d)}
}

// report is the brute-force progress of a scope's year, unsuppressed.
func (r *raw) report(sc authz.Scope, y int, now time.Time) *progress.Report {
	in := r.inScope(sc, y, now)
	c := r.count(in, y, now)
	rep := &progress.Report{Year: y, Headcount: c.headcount, Units: c.units,
		Awareness: m(c.aware, c.headcount), Pledge: m(c.pledged, c.headcount),
		Registration: m(c.registered, c.units), SelfAssessment: m(c.assessed, c.headcount),
		Negativity: m(c.negative, c.headcount)}
	rep.AwarenessTarget = progress.Target{Target: 1}
	if rep.Awareness.Rate != nil {
		met := *rep.Awareness.Rate >= 1
		rep.AwarenessTarget.Met = &met
	}
	if rep.Negativity.Rate != nil {
		v := *rep.Negativity.Rate * 1000
		rep.NegativityPerThousand = &v
	}
	for _, cl := range enum.Classification("").Values() {
		x := enum.Classification(cl)
		rep.Classifications = append(rep.Classifications, progress.ClassificationCount{Classification: &x, Count: c.classes[cl]})
	}
	rep.Classifications = append(rep.Classifications, progress.ClassificationCount{Count: c.classes["NOT_RATED"]})
	rep.Reduction = progress.Reduction{Rate: rep.Negativity.Rate, TargetLow: 0.05, TargetHigh: 0.10, Status: progress.ReductionNoBaseline}
	if y > progress.FirstYear {
		p := r.count(r.inScope(sc, y-1, now), y-1, now) // last year as it was: a move this year leaves it
		rep.Reduction.PreviousRate = ratio(p.negative, p.headcount)
		if pr := rep.Reduction.PreviousRate; pr != nil && *pr > 0 && rep.Negativity.Rate != nil {
			v := 1 - *rep.Negativity.Rate / *pr
			rep.Reduction.Value = &v
			rep.Reduction.Status = progress.ReductionNotMet
			if v >= 0.05 {
				rep.Reduction.Status = progress.ReductionMet
			}
		}
	}
	cs := &progress.Cases{}
	ch, cat, st := map[string]int64{}, map[string]int64{}, map[string]int64{}
	var concluded, onTime, rated, sum int64
	for _, k := range r.cases {
		if !in[k.Edges.Unit.ID] || k.ReceivedAt.In(vn).Year() != y {
			continue
		}
		cs.Received++
		ch[string(k.Channel)]++
		if k.Category != nil {
			cat[string(*k.Category)]++
		} else {
			cat[""]++
		}
		st[string(k.State)]++
		if k.ConcludedAt != nil && k.DueAt != nil {
			concluded++
			if !k.ConcludedAt.After(*k.DueAt) {
				onTime++
			}
		}
		if k.State == enum.CaseClosed && k.Rating != nil {
			rated++
			sum += int64(*k.Rating)
		}
		var deadline *time.Time
		switch k.State {
		case enum.CaseSubmitted, enum.CaseTransferred: // the unit in charge has yet to accept it
			deadline = k.AcknowledgeDueAt
		case enum.CaseAccepted, enum.CaseVerifying:
			deadline = k.DueAt
		}
		// Overdue once the minute of the deadline has passed.
		if deadline != nil && deadline.Truncate(time.Minute).Before(now.Truncate(time.Minute)) {
			cs.OverdueNow++
		}
	}
	for _, v := range enum.Channel("").Values() {
		cs.ByChannel = append(cs.ByChannel, progress.ChannelCount{Channel: enum.Channel(v), Count: ch[v]})
	}
	for _, v := range enum.Category("").Values() {
		x := enum.Category(v)
		cs.ByCategory = append(cs.ByCategory, progress.CategoryCount{Category: &x, Count: cat[v]})
	}
	cs.ByCategory = append(cs.ByCategory, progress.CategoryCount{Count: cat[""]})
	for _, v := range enum.CaseState("").Values() {
		cs.ByState = append(cs.ByState, progress.StateCount{State: enum.CaseState(v), Count: st[v]})
	}
	cs.OnTime = m(onTime, concluded)
	cs.Satisfaction = progress.Satisfaction{Rated: rated, Mean: ratio(sum, rated)}
	rep.Cases = cs
	cm := &progress.Commendations{}
	forms, levels := map[string]int64{}, map[string]int64{}
	for _, a := range r.awards {
		if a.Status != commendation.StatusAPPROVED || a.Year != y {
			continue
		}
		var u string
		if a.Edges.Official != nil {
			for _, o := range r.officials {
				if o.ID == a.Edges.Official.ID {
					u = unitIn(o, a.Year, now)
				}
			}
		} else if a.Edges.Unit != nil {
			u = a.Edges.Unit.ID
		}
		if in[u] {
			cm.Total++
			forms[string(a.Form)]++
			levels[string(a.Level)]++
		}
	}
	for _, f := range []commendation.Form{commendation.FormGIAY_KHEN, commendation.FormBANG_KHEN, commendation.FormLAO_DONG_TIEN_TIEN,
		commendation.FormCHIEN_SI_THI_DUA_CO_SO, commendation.FormTAP_THE_LAO_DONG_TIEN_TIEN, commendation.FormPUBLIC_PRAISE} {
		cm.ByForm = append(cm.ByForm, progress.FormCount{Form: f, Count: forms[string(f)]})
	}
	for _, l := range []commendation.Level{commendation.LevelCENTRAL, commendation.LevelPROVINCE, commendation.LevelDISTRICT, commendation.LevelUNIT} {
		cm.ByLevel = append(cm.ByLevel, progress.LevelCount{Level: l, Count: levels[string(l)]})
	}
	rep.Commendations = cm
	return rep
}
