package seed

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/commendation"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/pid"
)

// issuer is who signs a decision: key names its yearly series of numbers, abbr ends the numbers.
type issuer struct{ key, abbr string }

// issuerOf is a unit as the issuer of its own decisions; a people's committee signs as UBND.
func issuerOf(u *unitRec) issuer {
	if u.kind == unit.KindPEOPLES_COMMITTEE {
		return issuer{u.id, "UBND"}
	}
	return issuer{u.id, abbr(u.name)}
}

type commendationRec struct {
	form          commendation.Form
	level         commendation.Level
	year          int
	off           *officialRec
	unit          *unitRec
	proposed      time.Time
	decision      *time.Time
	number        *string
	reason        string
	status        commendation.Status
	statusReason  *string
	statusChanged time.Time
	flagged       bool
}

// abbr is the initials of a unit's name as in a decision number (Sở Y tế tỉnh Bến Tre: SYT; Văn
// phòng Ủy ban nhân dân tỉnh: VPUBND).
func abbr(name string) string {
	for _, cut := range []string{" tỉnh ", " huyện ", " thành phố ", " thị xã "} {
		if i := strings.Index(name, cut); i > 0 {
			name = name[:i]
		}
	}
	name = strings.NewReplacer("Ủy ban nhân dân", "UBND", "Hội đồng nhân dân", "HĐND").Replace(name)
	var b strings.Builder
	for _, w := range strings.Fields(name) {
		switch w {
		case "UBND", "HĐND":
			b.WriteString(w)
			continue
		case "và":
			continue
		}
		r := unicode.ToUpper([]rune(w)[0])
		if !unicode.IsLetter(r) {
			continue
		}
		for base, marked := range map[rune]string{'A': "ÁÀẢÃẠĂẮẰẲẴẶÂẤẦẨẪẬ", 'E': "ÉÈẺẼẸÊẾỀỂỄỆ", 'I': "ÍÌỈĨỊ",
			'O': "ÓÒỎÕỌÔỐỒỔỖỘƠỚỜỞỠỢ", 'U': "ÚÙỦŨỤƯỨỪỬỮỰ", 'Y': "ÝỲỶỸỴ"} {
			if strings.ContainsRune(marked, r) {
				r = base
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

// commendations: for every reviewed year, the title Lao động tiên tiến for most officials rated GOOD
// or better without an incident, Chiến sĩ thi đua cơ sở for some EXCELLENT ones, a few Bằng khen
// and Giấy khen, Tập thể lao động tiên tiến for units without incidents; public praise from citizens'
// praise; mostly approved, some proposed or declined, one revoked.
func (d *demo) commendations(ctx context.Context) error {
	s := newStream("demo/commendations")
	nowD := dateOf(d.now)
	var list []*commendationRec
	// An issuer numbers its decisions in a yearly series; one decision awards a whole group (a unit's
	// Lao động tiên tiến of the year, say).
	series, groups := map[string]int{}, map[string]string{}
	number := func(y int, i issuer, kind, group string) string {
		if n, ok := groups[group]; ok && group != "" {
			return n
		}
		k := fmt.Sprint(y, i.key, kind)
		if series[k] == 0 {
			series[k] = s.between(20, 300)
		}
		series[k] += s.between(1, 4)
		n := fmt.Sprintf("%d/%s-%s", series[k], kind, i.abbr)
		if group != "" {
			groups[group] = n
		}
		return n
	}
	// decide approves a proposal on date on when that has come, and leaves it proposed otherwise.
	decide := func(c *commendationRec, on time.Time, i issuer, kind, group string) {
		c.status = commendation.StatusPROPOSED
		c.statusChanged = c.proposed
		if on.After(nowD) {
			return
		}
		if s.chance(0.02) {
			r := pick(s, []string{"Hồ sơ đề nghị không đủ thành phần theo quy định.",
				"Vượt tỷ lệ khen thưởng được phân bổ cho đơn vị."})
			c.status, c.statusReason, c.statusChanged = commendation.StatusDECLINED, &r, officeTime(s, on)
			return
		}
		n := number(on.Year(), i, kind, group)
		c.status, c.number, c.decision, c.statusChanged = commendation.StatusAPPROVED, &n, &on, officeTime(s, on)
	}
	province := issuer{"province", "UBND"}
	// individualLevel: a provincial unit's head awards its own staff; a district's people's
	// committee awards the staff of the district and its communes.
	individualLevel := func(u *unitRec) (commendation.Level, issuer) {
		if u.district == nil {
			return commendation.LevelUNIT, issuerOf(u)
		}
		return commendation.LevelDISTRICT, issuer{u.district.code, "UBND"}
	}
	for _, y := range d.years {
		reviewed := false
		for _, o := range d.officials {
			if _, ok := d.final[offYear{o, y}]; ok {
				reviewed = true
				break
			}
		}
		if !reviewed {
			continue
		}
		proposedOn := nextWorkday(day(y, 12, s.between(15, 18)))
		incidentUnits := map[*unitRec]bool{}
		for _, in := range d.incidents {
			if in.year == y {
				incidentUnits[in.off.unit] = true
			}
		}
		var excellent []*officialRec
		for _, u := range d.units {
			on := nextWorkday(day(y, 12, s.between(20, 30)))
			level, iss := individualLevel(u)
			for _, o := range u.officials {
				f, ok := d.final[offYear{o, y}]
				if !ok || len(d.incidentsOf[offYear{o, y}]) > 0 {
					continue
				}
				if f != string(enum.ClassificationExcellent) && f != string(enum.ClassificationGood) {
					continue
				}
				if f == string(enum.ClassificationExcellent) {
					excellent = append(excellent, o)
				}
				if s.chance(0.7) {
					c := &commendationRec{form: commendation.FormLAO_DONG_TIEN_TIEN, level: level, year: y, off: o,
						proposed: officeTime(s, proposedOn),
						reason:   fmt.Sprintf("Hoàn thành tốt nhiệm vụ năm %d; gương mẫu thực hiện cuộc vận động “nói không với tiêu cực”.", y)}
					decide(c, on, iss, "QĐ", fmt.Sprint(c.form, u.id, y))
					list = append(list, c)
				}
				if f == string(enum.ClassificationExcellent) && s.chance(0.2) {
					c := &commendationRec{form: commendation.FormCHIEN_SI_THI_DUA_CO_SO, level: level, year: y, off: o,
						proposed: officeTime(s, proposedOn),
						reason:   fmt.Sprintf("Hoàn thành xuất sắc nhiệm vụ năm %d; điển hình tiên tiến trong phong trào thi đua.", y)}
					decide(c, on.AddDate(0, 0, 7), iss, "QĐ", fmt.Sprint(c.form, u.id, y))
					list = append(list, c)
				}
			}
			if u.flavour != flGrassroots && len(u.officials) > 0 && !incidentUnits[u] && s.chance(0.55) {
				lv, by := commendation.LevelPROVINCE, province
				if u.district != nil {
					lv, by = commendation.LevelDISTRICT, issuer{u.district.code, "UBND"}
				}
				c := &commendationRec{form: commendation.FormTAP_THE_LAO_DONG_TIEN_TIEN, level: lv, year: y, unit: u,
					proposed: officeTime(s, proposedOn),
					reason:   fmt.Sprintf("Tập thể hoàn thành tốt nhiệm vụ năm %d, không có CBCCVC vi phạm; xây dựng cơ quan văn minh, hiện đại, xanh, sạch, đẹp.", y)}
				decide(c, nextWorkday(day(y, 12, 28)), by, "QĐ", fmt.Sprint(c.form, by.key, y))
				list = append(list, c)
			}
		}
		// A few Bằng khen of the provincial people's committee and Giấy khen for the campaign's exemplars.
		for i, j := range s.Perm(len(excellent)) {
			if i >= 4+s.IntN(3) {
				break
			}
			o := excellent[j]
			c := &commendationRec{form: commendation.FormBANG_KHEN, level: commendation.LevelPROVINCE, year: y, off: o,
				proposed: officeTime(s, proposedOn),
				reason:   fmt.Sprintf("Có thành tích xuất sắc trong thực hiện cuộc vận động “Cán bộ, công chức, viên chức nói không với tiêu cực” năm %d.", y)}
			by := province
			if i >= 2 {
				c.form = commendation.FormGIAY_KHEN
				c.level, by = individualLevel(o.unit)
			}
			decide(c, nextWorkday(day(y+1, 1, s.between(8, 20))), by, "QĐ", "")
			list = append(list, c)
		}
	}
	// Public praise for what citizens praised, once the case is closed.
	for _, k := range d.praised {
		if !s.chance(0.85) {
			continue
		}
		c := &commendationRec{form: commendation.FormPUBLIC_PRAISE, level: commendation.LevelUNIT, year: k.closed.In(ict).Year(),
			off: k.off, unit: k.unit, proposed: workdayAfter(s, *k.closed, s.between(1, 3))}
		if c.off != nil {
			c.unit = nil
			c.reason = "Được người dân khen ngợi qua ứng dụng Liêm Chính: " + strings.ToLower(c.off.position) + " tận tình phục vụ nhân dân."
		} else {
			c.reason = "Được người dân khen ngợi qua ứng dụng Liêm Chính về tinh thần, thái độ phục vụ nhân dân."
		}
		if c.proposed.After(d.now) {
			continue
		}
		decide(c, dateOf(workdayAfter(s, c.proposed, s.between(2, 10))), issuerOf(k.unit), "TB", "")
		if c.status == commendation.StatusDECLINED {
			c.status, c.statusReason, c.statusChanged = commendation.StatusPROPOSED, nil, c.proposed
		}
		list = append(list, c)
	}
	// One award revoked: a Giấy khen given before a violation in its year was proven (Law on
	// Emulation and Commendation 2022).
	for _, in := range d.incidents {
		if in.cas == nil || !slices.Contains(d.years, in.year) {
			continue
		}
		on := dateOf(in.occurred.Add(in.created.Sub(in.occurred) / 2))
		revoked := workdayAfter(s, in.created, s.between(10, 20))
		if on.Year() != in.year || !on.After(in.occurred) || on.Before(campaignIssued.AddDate(0, 2, 0)) || revoked.After(d.now) {
			continue
		}
		level, by := individualLevel(in.off.unit)
		n := number(on.Year(), by, "QĐ", "")
		r := fmt.Sprintf("Thu hồi theo Luật Thi đua, khen thưởng 2022: vi phạm quy định về %s trong năm %d đã được kết luận.",
			categoryVi[in.cat], in.year)
		list = append(list, &commendationRec{form: commendation.FormGIAY_KHEN, level: level, year: in.year, off: in.off,
			proposed: officeTime(s, on.AddDate(0, 0, -7)), decision: &on, number: &n,
			reason: "Có thành tích đột xuất trong giải quyết thủ tục hành chính cho người dân.", status: commendation.StatusREVOKED,
			statusReason: &r, statusChanged: revoked, flagged: true})
		break
	}

	sk := newSink(&d.err, func(ctx context.Context, b []*ent.CommendationCreate) error {
		return d.c.Commendation.CreateBulk(b...).Exec(ctx)
	})
	for _, c := range list {
		if c.off != nil && len(d.incidentsOf[offYear{c.off, c.year}]) > 0 {
			c.flagged = true // an incident in the award's year: to be reviewed for revocation
		}
		b := d.c.Commendation.Create().SetID(s.id(pid.Commendation, c.proposed)).SetCreatedAt(c.proposed).
			SetUpdatedAt(maxTime(c.proposed, c.statusChanged)).SetForm(c.form).SetLevel(c.level).SetYear(c.year).
			SetNillableDecisionNumber(c.number).SetNillableDecisionDate(c.decision).SetReason(c.reason).
			SetStatus(c.status).SetNillableStatusReason(c.statusReason).SetFlagged(c.flagged).SetCampaignID(d.campaignID)
		if c.unit != nil {
			b.SetUnitID(c.unit.id).SetScopeUnitID(c.unit.id)
		}
		if c.off != nil { // stamped where the official worked (internal/recordscope)
			b.SetOfficialID(c.off.id).SetScopeUnitID(c.off.unit.id)
		}
		b.SetScopeProvinceID(d.provinceID)
		sk.add(ctx, b)
	}
	d.st.Commendations = sk.n
	return sk.flush(ctx)
}
