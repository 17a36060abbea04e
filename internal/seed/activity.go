package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/criterion"
	"github.com/liemchinh/liemchinh/ent/pledge"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/ent/selfassessment"
	"github.com/liemchinh/liemchinh/internal/pid"
)

// acknowledgements: nearly everyone in service read the campaign in its first months (phase 1), a
// few later, a few never; later hires read it soon after joining.
func (d *demo) acknowledgements(ctx context.Context) error {
	s := newStream("demo/acknowledgements")
	nowD := dateOf(d.now)
	sk := newSink(&d.err, func(ctx context.Context, b []*ent.AcknowledgementCreate) error {
		return d.c.Acknowledgement.CreateBulk(b...).Exec(ctx)
	})
	for _, o := range d.officials {
		start := maxTime(campaignIssued.AddDate(0, 0, 3), o.from)
		var on time.Time
		r := s.Float64()
		switch {
		case start.Year() == 2020 && r < 0.93:
			on = randDate(s, start, maxTime(day(2020, 6, 30), start.AddDate(0, 0, 45)))
		case start.Year() == 2020 && r < 0.975:
			on = randDate(s, maxTime(day(2020, 7, 1), start), day(2021, 6, 30))
		case start.Year() > 2020 && r < 0.92:
			on = randDate(s, start.AddDate(0, 0, 3), start.AddDate(0, 0, 60))
		default:
			continue // never acknowledged
		}
		if on.After(nowD) || (o.to != nil && on.After(*o.to)) {
			continue
		}
		t := officeTime(s, on)
		if t.After(d.now) {
			continue
		}
		sk.add(ctx, d.c.Acknowledgement.Create().SetID(s.id(pid.Acknowledgement, t)).SetCreatedAt(t).SetUpdatedAt(t).
			SetAcknowledgedAt(t).SetOfficialID(o.id).SetCampaignID(d.campaignID).
			SetScopeUnitID(o.unit.id).SetScopeProvinceID(d.provinceID))
	}
	d.st.Acknowledgements = sk.n
	return sk.flush(ctx)
}

// pledges: one a year per official in service, signed early in the year by 85% (2020) to 97% (2026);
// a few are withdrawn with a reason, most of those signed again.
func (d *demo) pledges(ctx context.Context) error {
	s := newStream("demo/pledges")
	sk := newSink(&d.err, func(ctx context.Context, b []*ent.PledgeCreate) error {
		return d.c.Pledge.CreateBulk(b...).Exec(ctx)
	})
	add := func(o *officialRec, y int, signed time.Time, withdrawn *time.Time, reason *string) {
		b := d.c.Pledge.Create().SetID(s.id(pid.Pledge, signed)).SetCreatedAt(signed).SetUpdatedAt(signed).
			SetYear(y).SetSignedAt(signed).SetStatus(pledge.StatusSIGNED).SetOfficialID(o.id).SetCampaignID(d.campaignID).
			SetScopeUnitID(o.unit.id).SetScopeProvinceID(d.provinceID)
		if withdrawn != nil {
			b.SetStatus(pledge.StatusWITHDRAWN).SetWithdrawnAt(*withdrawn).SetWithdrawalReason(*reason).SetUpdatedAt(*withdrawn)
		}
		sk.add(ctx, b)
	}
	for _, y := range d.years {
		rate := min(0.85+0.02*float64(y-2020), 0.97)
		from, to := day(y, 1, 4), day(y, 3, 31)
		if y == 2020 {
			from, to = campaignIssued.AddDate(0, 0, 5), day(2020, 5, 31)
		}
		for _, o := range d.officials {
			if o.daysIn(y) == 0 || !s.chance(rate) {
				continue
			}
			f, t := from, to
			if o.from.After(f) {
				f = o.from.AddDate(0, 0, 3)
				t = f.AddDate(0, 0, 30)
			}
			signed := officeTime(s, nextWorkday(randDate(s, f, t)))
			if signed.After(d.now) || signed.Year() != y || (o.to != nil && dateOf(signed).After(*o.to)) {
				continue
			}
			if !s.chance(0.006) {
				add(o, y, signed, nil, nil)
				continue
			}
			w := officeTime(s, nextWorkday(dateOf(signed).AddDate(0, 0, s.between(10, 120))))
			if w.After(d.now) || w.Year() != y {
				add(o, y, signed, nil, nil)
				continue
			}
			reason := pick(s, pledgeWithdrawReasons)
			add(o, y, signed, &w, &reason)
			if again := workdayAfter(s, w, s.between(0, 5)); s.chance(0.75) && !again.After(d.now) && again.Year() == y {
				add(o, y, again, nil, nil)
			}
		}
	}
	d.st.Pledges = sk.n
	return sk.flush(ctx)
}

// registrations: most units register for the emulation movement early each year.
func (d *demo) registrations(ctx context.Context) error {
	s := newStream("demo/registrations")
	sk := newSink(&d.err, func(ctx context.Context, b []*ent.EmulationRegistrationCreate) error {
		return d.c.EmulationRegistration.CreateBulk(b...).Exec(ctx)
	})
	for _, y := range d.years {
		rate := min(0.88+0.015*float64(y-2020), 0.97)
		from, to := day(y, 1, 5), day(y, 3, 15)
		if y == 2020 {
			from, to = campaignIssued.AddDate(0, 0, 5), day(2020, 4, 30)
		}
		for _, u := range d.units {
			if !s.chance(rate) {
				continue
			}
			t := officeTime(s, nextWorkday(randDate(s, from, to)))
			if t.After(d.now) {
				continue
			}
			goals := fmt.Sprintf(pick(s, registrationGoals), y, s.between(95, 100))
			sk.add(ctx, d.c.EmulationRegistration.Create().SetID(s.id(pid.EmulationRegistration, t)).SetCreatedAt(t).
				SetUpdatedAt(t).SetYear(y).SetGoals(goals).SetRegisteredAt(t).SetUnitID(u.id).SetCampaignID(d.campaignID))
		}
	}
	d.st.Registrations = sk.n
	return sk.flush(ctx)
}

var classOrder = []enum.Classification{enum.ClassificationExcellent, enum.ClassificationGood,
	enum.ClassificationCompleted, enum.ClassificationNotCompleted}

func better(c enum.Classification) enum.Classification {
	for i, x := range classOrder {
		if x == c && i > 0 {
			return classOrder[i-1]
		}
	}
	return c
}

// scoreFor is a plausible 100-point score for a classification (Decree 335/2025: 90 and over
// EXCELLENT, 70 GOOD, 50 COMPLETED, below 50 NOT_COMPLETED).
func scoreFor(s *stream, c enum.Classification) int {
	switch c {
	case enum.ClassificationExcellent:
		return s.between(90, 98)
	case enum.ClassificationGood:
		return s.between(70, 89)
	case enum.ClassificationCompleted:
		return s.between(50, 69)
	default:
		return s.between(35, 49)
	}
}

// selfAssessments: a yearly assessment per official who served six months or more of the year, with
// an item per prohibition (kept or not) and per virtue (rated 1-5). Past years are reviewed before 15
// December (an official with an incident in the year is never EXCELLENT or GOOD); the current year's
// are drafts, submitted or returned while the window is open. Under the four-level scheme until
// 2025, the 100-point score from 2026.
func (d *demo) selfAssessments(ctx context.Context) error {
	s := newStream("demo/self-assessments")
	sas := newSink(&d.err, func(ctx context.Context, b []*ent.SelfAssessmentCreate) error {
		return d.c.SelfAssessment.CreateBulk(b...).Exec(ctx)
	})
	items := newSink(&d.err, func(ctx context.Context, b []*ent.SelfAssessmentItemCreate) error {
		return d.c.SelfAssessmentItem.CreateBulk(b...).Exec(ctx)
	})
	items.before = append(items.before, sas)
	nowD := dateOf(d.now)
	for _, y := range d.years {
		open, closes := day(y, 11, 15), day(y, 12, 15)
		reviewed := nowD.After(closes)
		if !reviewed && !nowD.After(open) {
			continue
		}
		scheme := selfassessment.SchemeFOUR_LEVEL
		if y >= 2026 {
			scheme = selfassessment.SchemeSCORE_100
		}
		for _, o := range d.officials {
			if o.daysIn(y) < 183 || (o.to != nil && o.to.Before(open)) {
				continue // fewer than six months in the year: not rated
			}
			incs := d.incidentsOf[offYear{o, y}]
			var final enum.Classification
			switch r := s.Float64(); {
			case len(incs) > 0 && r < 0.7:
				final = enum.ClassificationNotCompleted
			case len(incs) > 0:
				final = enum.ClassificationCompleted
			default:
				final = classOrder[weighted(s, []float64{15, 62, 21, 2})]
			}
			proposed := final
			if s.chance(0.22) {
				proposed = better(final)
			}
			created := officeTime(s, nextWorkday(randDate(s, open, minTime(day(y, 11, 28), nowD))))
			b := d.c.SelfAssessment.Create().SetYear(y).SetPeriodKind(selfassessment.PeriodKindYEAR).SetPeriod(0).
				SetScheme(scheme).SetProposedClassification(proposed).SetSummary(pick(s, selfSummaries)).
				SetOfficialID(o.id).SetCampaignID(d.campaignID).SetCreatedAt(created).
				SetScopeUnitID(o.unit.id).SetScopeProvinceID(d.provinceID)
			if scheme == selfassessment.SchemeSCORE_100 {
				b.SetScore(scoreFor(s, proposed))
			}
			var submitted *time.Time
			updated := created
			if reviewed {
				sub := workdayAfter(s, created, s.between(0, 6))
				if s.chance(0.08) { // returned once, then submitted again
					sub = workdayAfter(s, sub, s.between(2, 4))
				}
				rev := minTime(workdayAfter(s, sub, s.between(1, 4)), at(day(y, 12, 14), 16, 30))
				if !rev.After(sub) {
					rev = sub.Add(time.Hour)
				}
				comment := pick(s, reviewComments[final])
				if len(incs) > 0 {
					comment = "Trong năm có vi phạm quy định về " + categoryVi[incs[0].cat] +
						" đã được kết luận; theo Nghị định 48/2023/NĐ-CP không xếp loại hoàn thành tốt nhiệm vụ trở lên."
				}
				submitted, updated = &sub, rev
				b.SetStatus(selfassessment.StatusREVIEWED).SetFinalClassification(final).SetSubmittedAt(sub).
					SetReviewedAt(rev).SetReviewComment(comment)
				d.final[offYear{o, y}] = string(final)
			} else {
				if created.After(d.now) {
					continue
				}
				switch r := s.Float64(); {
				case r < 0.08:
					continue // not started yet
				case r < 0.42:
					b.SetStatus(selfassessment.StatusDRAFT)
				default:
					sub := created.Add(time.Duration(s.Int64N(int64(d.now.Sub(created)/time.Minute)+1)) * time.Minute)
					submitted, updated = &sub, sub
					b.SetStatus(selfassessment.StatusSUBMITTED).SetSubmittedAt(sub)
					if r > 0.93 {
						b.SetStatus(selfassessment.StatusRETURNED).
							SetReviewComment("Đề nghị bổ sung minh chứng kết quả thực hiện nhiệm vụ và điều chỉnh điểm tự chấm.")
					}
				}
			}
			id := s.id(pid.SelfAssessment, created)
			sas.add(ctx, b.SetID(id).SetUpdatedAt(updated))
			for _, cr := range criteria[:9] {
				it := d.c.SelfAssessmentItem.Create().SetID(s.id(pid.SelfAssessmentItem, created)).SetCreatedAt(created).
					SetUpdatedAt(updated).SetAssessmentID(id).SetCriterionID(d.criterionIDs[cr.code])
				if cr.kind == string(criterion.KindINDIVIDUAL_PROHIBITION) {
					kept := true
					for _, in := range incs {
						if string(in.cat) == cr.code && submitted != nil && in.created.Before(*submitted) {
							kept = false
						}
					}
					it.SetKept(kept)
					if !kept {
						it.SetNote("Đã có kết luận vi phạm trong năm; đã kiểm điểm, rút kinh nghiệm.")
					}
				} else {
					it.SetRating(virtueRating(s, proposed))
				}
				items.add(ctx, it)
			}
		}
	}
	d.st.SelfAssessments = sas.n
	return items.flush(ctx)
}

func virtueRating(s *stream, c enum.Classification) int {
	switch c {
	case enum.ClassificationExcellent:
		return 4 + weighted(s, []float64{2, 8})
	case enum.ClassificationGood:
		return 3 + weighted(s, []float64{2, 7, 2})
	case enum.ClassificationCompleted:
		return 3 + weighted(s, []float64{6, 4})
	default:
		return 2 + weighted(s, []float64{5, 4})
	}
}
