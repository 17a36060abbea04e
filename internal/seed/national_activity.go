package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/liemchinh/liemchinh/ent/commendation"
	"github.com/liemchinh/liemchinh/ent/pledge"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/ent/selfassessment"
	"github.com/liemchinh/liemchinh/internal/fold"
	"github.com/liemchinh/liemchinh/internal/namesearch"
	"github.com/liemchinh/liemchinh/internal/pid"
)

func (n *nation) unitsTable() table {
	return table{name: "units",
		cols: []string{"id", "created_at", "updated_at", "name", "name_folded", "level", "kind", "code", "district_units",
			"province_units", "unit_children"},
		gen: func(ctx context.Context, w *rowWriter) error {
			for _, u := range n.units {
				r := w.add().str(u.id).time(systemStart).time(systemStart).str(u.name).str(fold.Query(u.name)).str(string(u.level)).
					str(string(u.kind))
				if u.code != "" {
					r.str(u.code)
				} else {
					r.null()
				}
				r.null().str(n.provinces[u.prov].id)
				if u.parent >= 0 {
					r.str(n.units[u.parent].id)
				} else {
					r.null()
				}
				if err := w.end(ctx); err != nil {
					return err
				}
			}
			return nil
		}}
}

// officialsJob writes the officials and the word starts of their names that search matches
// (internal/namesearch keeps them for every later write; COPY bypasses it).
func (n *nation) officialsJob() job {
	officials := table{name: "officials",
		cols: []string{"id", "created_at", "updated_at", "full_name", "full_name_folded", "category", "position", "employee_code",
			"active_from", "active_to", "unit_officials"}}
	keys := table{name: "official_name_keys", cols: []string{"key", "overlap", "official_id", "unit_id"}}
	return job{tables: []table{officials, keys}, gen: func(ctx context.Context, w []*rowWriter) error {
		s := n.stream("names")
		for i := range n.officials {
			o := &n.officials[i]
			u := &n.units[o.unit]
			p := postOf(u.fl, o.post)
			created := n.officialCreated(i)
			updated := created
			if o.to != 0 {
				updated = at(dateNum(o.to), 16, 0)
			}
			name := personName(s)
			folded := fold.Query(name)
			w[0].add().str(o.id).time(created).time(updated).str(name).str(folded).str(string(p.cat)).str(p.title).
				str(n.employeeCode(i)).time(o.fromDate()).timep(o.toDate()).str(u.id)
			if err := w[0].end(ctx); err != nil {
				return err
			}
			for _, k := range namesearch.Keys(folded) {
				w[1].add().str(k.Text).int(k.Overlap).str(o.id).str(u.id)
				if err := w[1].end(ctx); err != nil {
					return err
				}
			}
		}
		return nil
	}}
}

// acknowledgementsTable: nearly everyone in service read the campaign in its first months, some
// in 2021, a few never; later hires soon after joining.
func (n *nation) acknowledgementsTable() table {
	return table{name: "acknowledgements",
		cols: []string{"id", "created_at", "updated_at", "acknowledged_at", "campaign_acknowledgements",
			"official_acknowledgements", "scope_unit_id", "scope_province_id"},
		gen: func(ctx context.Context, w *rowWriter) error {
			k := n.keyed("acknowledgements")
			nowD := dateOf(n.now)
			for i := range n.officials {
				o := &n.officials[i]
				s := k.at(uint64(i), 0)
				from := o.fromDate()
				start := maxTime(campaignIssued.AddDate(0, 0, 3), from)
				var on time.Time
				switch r := s.Float64(); {
				case start.Year() == 2020 && r < 0.9:
					on = randDate(s, start, maxTime(day(2020, 6, 30), start.AddDate(0, 0, 45)))
				case start.Year() == 2020 && r < 0.975:
					on = randDate(s, maxTime(day(2020, 7, 1), start), day(2021, 12, 31))
				case start.Year() > 2020 && r < 0.93:
					on = randDate(s, start.AddDate(0, 0, 3), start.AddDate(0, 0, 60))
				default:
					continue // never acknowledged
				}
				if on.After(nowD) || (o.to != 0 && dayNum(on) > o.to) {
					continue
				}
				t := officeTime(s, on)
				if t.After(n.now) {
					continue
				}
				unitID, provinceID := n.placeOf(o)
				w.add().str(s.id(pid.Acknowledgement, t)).time(t).time(t).time(t).str(n.campaignID).str(o.id).
					str(unitID).str(provinceID)
				if err := w.end(ctx); err != nil {
					return err
				}
			}
			return nil
		}}
}

// pledgesTable: a pledge a year per official in service, signed early in the year by 93% (2021)
// to 97%; a few are withdrawn with a reason, most of those signed again. Year by year, so that
// the ids (which begin with the signing time) go into the indexes mostly in order.
func (n *nation) pledgesTable() table {
	return table{name: "pledges",
		cols: []string{"id", "created_at", "updated_at", "year", "status", "signed_at", "withdrawn_at",
			"withdrawal_reason", "campaign_pledges", "official_pledges", "scope_unit_id", "scope_province_id"},
		gen: func(ctx context.Context, w *rowWriter) error {
			k := n.keyed("pledges")
			for _, y := range n.years {
				rate := min(0.93+0.008*float64(y-2021), 0.97)
				from, to := day(y, 1, 4), day(y, 3, 31)
				for i := range n.officials {
					o := &n.officials[i]
					s := k.at(uint64(i), uint64(y))
					if o.daysIn(y) == 0 || !s.chance(rate) {
						continue
					}
					f, t := from, to
					if of := o.fromDate(); of.After(f) {
						f = of.AddDate(0, 0, 3)
						t = f.AddDate(0, 0, 30)
					}
					signed := officeTime(s, nextWorkday(randDate(s, f, t)))
					if signed.After(n.now) || signed.Year() != y || (o.to != 0 && dayNum(dateOf(signed)) > o.to) {
						continue
					}
					unitID, provinceID := n.placeOf(o)
					emit := func(signed time.Time, withdrawn *time.Time, reason *string) error {
						status, updated := pledge.StatusSIGNED, signed
						if withdrawn != nil {
							status, updated = pledge.StatusWITHDRAWN, *withdrawn
						}
						w.add().str(s.id(pid.Pledge, signed)).time(signed).time(updated).int(y).str(string(status)).
							time(signed).timep(withdrawn).strp(reason).str(n.campaignID).str(o.id).str(unitID).str(provinceID)
						return w.end(ctx)
					}
					if !s.chance(0.006) {
						if err := emit(signed, nil, nil); err != nil {
							return err
						}
						continue
					}
					wd := officeTime(s, nextWorkday(dateOf(signed).AddDate(0, 0, s.between(10, 120))))
					if wd.After(n.now) || wd.Year() != y {
						if err := emit(signed, nil, nil); err != nil {
							return err
						}
						continue
					}
					reason := pick(s, pledgeWithdrawReasons)
					if err := emit(signed, &wd, &reason); err != nil {
						return err
					}
					if again := workdayAfter(s, wd, s.between(0, 5)); s.chance(0.75) && !again.After(n.now) && again.Year() == y {
						if err := emit(again, nil, nil); err != nil {
							return err
						}
					}
				}
			}
			return nil
		}}
}

// registrationsTable: most units register for the emulation movement early each year.
func (n *nation) registrationsTable() table {
	return table{name: "emulation_registrations",
		cols: []string{"id", "created_at", "updated_at", "year", "goals", "registered_at",
			"campaign_emulation_registrations", "unit_emulation_registrations"},
		gen: func(ctx context.Context, w *rowWriter) error {
			k := n.keyed("registrations")
			for _, y := range n.years {
				rate := min(0.9+0.015*float64(y-2021), 0.98)
				for ui := range n.units {
					s := k.at(uint64(ui), uint64(y))
					if !s.chance(rate) {
						continue
					}
					t := officeTime(s, nextWorkday(randDate(s, day(y, 1, 5), day(y, 3, 15))))
					if t.After(n.now) {
						continue
					}
					goals := fmt.Sprintf(pick(s, registrationGoals), y, s.between(95, 100))
					w.add().str(s.id(pid.EmulationRegistration, t)).time(t).time(t).int(y).str(goals).time(t).
						str(n.campaignID).str(n.units[ui].id)
					if err := w.end(ctx); err != nil {
						return err
					}
				}
			}
			return nil
		}}
}

// assessed reports whether official i files a yearly self-assessment for year y: six months or
// more in service in the year, still in service when the window opens (15 November), and the
// window open by now.
func (n *nation) assessed(i int, y int) bool {
	o := &n.officials[i]
	open := day(y, 11, 15)
	return dateOf(n.now).After(open) && o.daysIn(y) >= 183 && (o.to == 0 || !dateNum(o.to).Before(open))
}

// reviewed reports whether year y's self-assessments have been reviewed by now (after 15 December).
func (n *nation) reviewed(y int) bool { return dateOf(n.now).After(day(y, 12, 15)) }

// finalClass is the classification official i's reviewer gives for year y: never EXCELLENT or
// GOOD with an incident in the year (Decree 48/2023).
func (n *nation) finalClass(k *keyed, i int, y int) enum.Classification {
	s := k.at(uint64(i), uint64(y))
	if len(n.incidentsOf[offYearKey{int32(i), int16(y)}]) > 0 {
		if s.chance(0.7) {
			return enum.ClassificationNotCompleted
		}
		return enum.ClassificationCompleted
	}
	return classOrder[weighted(s, []float64{15, 62, 21, 2})]
}

// selfAssessmentsTable: a yearly self-assessment per official who served six months or more of
// the year: reviewed before 15 December for past years, under the four-level scheme until 2025;
// in the current year under the 100-point score, drafts and submissions while the window is open.
// The per-criterion items are left out at this scale (nine rows per assessment: 100 million).
func (n *nation) selfAssessmentsTable() table {
	return table{name: "self_assessments",
		cols: []string{"id", "created_at", "updated_at", "year", "period_kind", "period", "scheme", "score",
			"proposed_classification", "final_classification", "status", "summary", "submitted_at", "reviewed_at",
			"review_comment", "not_rated", "account_reviewed_assessments", "campaign_self_assessments",
			"official_self_assessments", "scope_unit_id", "scope_province_id"},
		gen: func(ctx context.Context, w *rowWriter) error {
			k, kc := n.keyed("self-assessments"), n.keyed("classification")
			nowD := dateOf(n.now)
			for _, y := range n.years {
				open := day(y, 11, 15)
				reviewed := n.reviewed(y)
				scheme := selfassessment.SchemeFOUR_LEVEL
				if y >= 2026 {
					scheme = selfassessment.SchemeSCORE_100
				}
				for i := range n.officials {
					if !n.assessed(i, y) {
						continue
					}
					o := &n.officials[i]
					final := n.finalClass(kc, i, y)
					s := k.at(uint64(i), uint64(y))
					proposed := final
					if s.chance(0.22) {
						proposed = better(final)
					}
					created := officeTime(s, nextWorkday(randDate(s, open, minTime(day(y, 11, 28), nowD))))
					if created.After(n.now) {
						continue
					}
					var score *int
					if scheme == selfassessment.SchemeSCORE_100 {
						v := scoreFor(s, proposed)
						score = &v
					}
					summary := pick(s, selfSummaries)
					var (
						status              selfassessment.Status
						finalp              *enum.Classification
						submitted, reviewAt *time.Time
						comment             *string
						updated             = created
					)
					if reviewed {
						sub := workdayAfter(s, created, s.between(0, 6))
						if s.chance(0.08) { // returned once, then submitted again
							sub = workdayAfter(s, sub, s.between(2, 4))
						}
						rev := minTime(workdayAfter(s, sub, s.between(1, 4)), at(day(y, 12, 14), 16, 30))
						if !rev.After(sub) {
							rev = sub.Add(time.Hour)
						}
						c := pick(s, reviewComments[final])
						if incs := n.incidentsOf[offYearKey{int32(i), int16(y)}]; len(incs) > 0 {
							c = "Trong năm có vi phạm quy định về " + categoryVi[incs[0].cat] +
								" đã được kết luận; theo Nghị định 48/2023/NĐ-CP không xếp loại hoàn thành tốt nhiệm vụ trở lên."
						}
						status, finalp, submitted, reviewAt, comment, updated =
							selfassessment.StatusREVIEWED, &final, &sub, &rev, &c, rev
					} else {
						switch r := s.Float64(); {
						case r < 0.08:
							continue // not started yet
						case r < 0.42:
							status = selfassessment.StatusDRAFT
						default:
							sub := created.Add(time.Duration(s.Int64N(int64(n.now.Sub(created)/time.Minute)+1)) * time.Minute)
							status, submitted, updated = selfassessment.StatusSUBMITTED, &sub, sub
							if r > 0.95 {
								c := "Đề nghị bổ sung minh chứng kết quả thực hiện nhiệm vụ và điều chỉnh điểm tự chấm."
								status, comment = selfassessment.StatusRETURNED, &c
							}
						}
					}
					r := w.add().str(s.id(pid.SelfAssessment, created)).time(created).time(updated).int(y).
						str(string(selfassessment.PeriodKindYEAR)).int(0).str(string(scheme)).intp(score).str(string(proposed))
					if finalp != nil {
						r.str(string(*finalp))
					} else {
						r.null()
					}
					unitID, provinceID := n.placeOf(o)
					r.str(string(status)).str(summary).timep(submitted).timep(reviewAt).strp(comment).bool(false).null().
						str(n.campaignID).str(o.id).str(unitID).str(provinceID)
					if err := w.end(ctx); err != nil {
						return err
					}
				}
			}
			return nil
		}}
}

// commendationsTable: for each reviewed year, certificates of merit for some officials rated
// EXCELLENT, a few grassroots emulation fighters, the title of advanced worker for some rated GOOD
// or better, and the collective title or a provincial certificate for some units; nearly all
// approved in late December, a few declined.
func (n *nation) commendationsTable() table {
	return table{name: "commendations",
		cols: []string{"id", "created_at", "updated_at", "form", "level", "year", "decision_number", "decision_date",
			"reason", "status", "status_reason", "flagged", "account_proposed_commendations", "campaign_commendations",
			"official_commendations", "unit_commendations", "scope_unit_id", "scope_province_id"},
		gen: func(ctx context.Context, w *rowWriter) error {
			k, kc := n.keyed("commendations"), n.keyed("classification")
			// off or unit: the official commended (stamped with their unit) or the unit.
			emit := func(s *stream, form commendation.Form, level commendation.Level, y int, off *natOfficial, u *natUnit, reason string) error {
				var offID, unitID *string
				var scopeUnit, scopeProvince string
				if off != nil {
					offID = &off.id
					scopeUnit, scopeProvince = n.placeOf(off)
				} else {
					unitID = &u.id
					scopeUnit, scopeProvince = u.id, n.provinces[u.prov].id
				}
				proposed := officeTime(s, nextWorkday(randDate(s, day(y, 12, 1), day(y, 12, 12))))
				decided := officeTime(s, nextWorkday(randDate(s, day(y, 12, 18), day(y, 12, 29))))
				status, statusReason := commendation.StatusAPPROVED, (*string)(nil)
				number := fmt.Sprintf("%d/QĐ-UBND", s.between(100, 3999))
				if level == commendation.LevelUNIT {
					number = fmt.Sprintf("%d/QĐ-TĐKT", s.between(10, 399))
				}
				numberp, decidedp := &number, &decided
				if s.chance(0.02) {
					r := "Chưa đủ tiêu chuẩn theo quy định của Luật Thi đua, khen thưởng năm 2022."
					status, statusReason, numberp, decidedp = commendation.StatusDECLINED, &r, nil, nil
				}
				updated := decided
				w.add().str(s.id(pid.Commendation, proposed)).time(proposed).time(updated).str(string(form)).
					str(string(level)).int(y).strp(numberp).timep(decidedp).str(reason).str(string(status)).
					strp(statusReason).bool(false).null().str(n.campaignID).strp(offID).strp(unitID).
					str(scopeUnit).str(scopeProvince)
				return w.end(ctx)
			}
			for _, y := range n.years {
				if !n.reviewed(y) {
					continue
				}
				for i := range n.officials {
					if !n.assessed(i, y) {
						continue
					}
					final := n.finalClass(kc, i, y)
					if final != enum.ClassificationExcellent && final != enum.ClassificationGood {
						continue
					}
					s := k.at(uint64(i), uint64(y))
					id := &n.officials[i]
					var err error
					switch r := s.Float64(); {
					case final == enum.ClassificationExcellent && r < 0.1:
						err = emit(s, commendation.FormGIAY_KHEN, commendation.LevelPROVINCE, y, id, nil,
							fmt.Sprintf("Đã có thành tích xuất sắc trong thực hiện cuộc vận động năm %d.", y))
					case final == enum.ClassificationExcellent && r < 0.12:
						err = emit(s, commendation.FormCHIEN_SI_THI_DUA_CO_SO, commendation.LevelUNIT, y, id, nil,
							fmt.Sprintf("Đạt danh hiệu Chiến sĩ thi đua cơ sở năm %d.", y))
					case r > 0.98:
						err = emit(s, commendation.FormLAO_DONG_TIEN_TIEN, commendation.LevelUNIT, y, id, nil,
							fmt.Sprintf("Hoàn thành tốt nhiệm vụ năm %d, đạt danh hiệu Lao động tiên tiến.", y))
					}
					if err != nil {
						return err
					}
				}
				for ui := range n.units {
					s := k.at(uint64(ui)|1<<40, uint64(y))
					id := &n.units[ui]
					var err error
					switch r := s.Float64(); {
					case r < 0.08:
						err = emit(s, commendation.FormTAP_THE_LAO_DONG_TIEN_TIEN, commendation.LevelPROVINCE, y, nil, id,
							fmt.Sprintf("Đạt danh hiệu Tập thể lao động tiên tiến năm %d.", y))
					case r < 0.09:
						err = emit(s, commendation.FormBANG_KHEN, commendation.LevelPROVINCE, y, nil, id,
							fmt.Sprintf("Có thành tích xuất sắc trong phong trào thi đua và cuộc vận động năm %d.", y))
					}
					if err != nil {
						return err
					}
				}
			}
			return nil
		}}
}
