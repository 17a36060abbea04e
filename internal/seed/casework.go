package seed

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/caseevent"
	"github.com/liemchinh/liemchinh/ent/casemessage"
	"github.com/liemchinh/liemchinh/ent/citizencase"
	"github.com/liemchinh/liemchinh/ent/incident"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/internal/pid"
)

type incidentRec struct {
	id       string
	off      *officialRec
	year     int
	cat      enum.Category
	occurred time.Time // date of the conduct
	source   incident.Source
	cas      *caseRec
	insp     *inspectionRec
	created  time.Time // when it was established
	summary  string
}

type inspectionRec struct {
	id         string
	unit       *unitRec
	on         time.Time // date
	inspectors []string
	findings   string
	incidents  []*incidentRec
}

// casePlan is how a case's handling ends (if it ends before now).
type casePlan int

const (
	planConclude casePlan = iota
	planReject
	planTransfer
	planDuplicate
	planWithdrawEarly // withdrawn before acceptance
	planWithdrawLate  // withdrawn during verification
)

type caseRec struct {
	seq                int // order of generation, to break ties
	id, tracking       string
	secretHash         string
	channel, requested enum.Channel
	cat                *enum.Category
	desc               string
	incidentDate       *time.Time
	place              *string
	anonymous          bool
	identity           []byte
	verified           bool
	state              enum.CaseState
	conclusion         *citizencase.Conclusion
	received           time.Time
	ackDue, due        *time.Time
	extensions         int
	accepted           *time.Time
	concluded, closed  *time.Time
	rating             *int
	subjectVisible     *time.Time // when the official concerned starts to see it (DESIGN.md §5)
	subjectNotice      *string    // the handler's notice to them, at the start of verification
	unit               *unitRec
	off                *officialRec
	dupOf              *caseRec
	events             []eventRec
	messages           []messageRec
	incidents          []*incidentRec
	cut                bool // an event fell after now: the rest did not happen yet
}

type eventRec struct {
	kind   caseevent.Kind
	from   *enum.CaseState
	to     enum.CaseState
	actor  caseevent.ActorKind
	note   string
	public bool
	at     time.Time
}

type messageRec struct {
	dir  casemessage.Direction
	body string
	at   time.Time
}

// Handling deadlines (DESIGN.md §5). The 30 and 15 days are calendar days (Law on Denunciations 2018,
// art. 30); acceptance and acknowledgement count working days and hours.
const (
	acceptWorkdays       = 7
	acknowledgeWorkHours = 8
	concludeDays         = 30
	answerDays           = 15
	extensionDays        = 30
)

// incidentTarget is how many officials of a scope (a district, or the provincial units when dr is
// nil) have an incident in year y: the demo's shape of the negativity rate. It falls by one a year
// (a reduction of about 6-12%, mostly inside the plan's 5-10% band) except in the worsening
// districts, where it rises by one a year.
func incidentTarget(dr *districtRec, base, y int) int {
	k := y - 2020
	switch {
	case dr == nil:
		return max(12-k, 2)
	case dr.worsening:
		return 5 + k
	default:
		return max(base-k, 2)
	}
}

// casework makes the citizens' cases, the inspections and the incidents they establish, shaped so
// that the negativity rate of each scope follows incidentTarget.
func (d *demo) casework(ctx context.Context) error {
	s := newStream("demo/casework")
	inspections, planned := d.planIncidents(s)
	if err := d.incidentCases(s, planned); err != nil {
		return err
	}
	d.otherCases(s)
	d.showRecusal()
	slices.SortStableFunc(d.cases, func(a, b *caseRec) int {
		if c := a.received.Compare(b.received); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	return d.writeCasework(ctx, inspections, planned)
}

// showRecusal makes sure the demo holds a denunciation about the demo unit manager that is under
// verification, whatever the day it is seeded on, so that signing in as them shows recusal and
// the person concerned's view (DESIGN.md §5). It draws from a stream of its own: the other cases
// stay as they were.
func (d *demo) showRecusal() {
	manager := leaderOf(d.districts[0].committee)
	if manager == nil {
		return
	}
	for _, c := range d.cases {
		if c.off == manager && c.channel != enum.ChannelPraise && c.subjectVisible != nil {
			return
		}
	}
	s := newStream("demo/recusal")
	c := d.newCase()
	c.received = officeTime(s, nextWorkday(dateOf(d.now).AddDate(0, 0, -30)))
	c.requested, c.channel = enum.ChannelDenunciation, enum.ChannelDenunciation
	c.off, c.unit = manager, manager.unit
	cat := enum.CategoryNoBureaucracy
	c.cat = &cat
	d.handle(s, c, planConclude, nil, true) // stalled: still under verification today
	d.describeCase(s, c)
}

func (d *demo) newCase() *caseRec {
	c := &caseRec{seq: len(d.cases)}
	d.cases = append(d.cases, c)
	return c
}

// planIncidents decides, year by year, which officials of each scope have an incident: a handful of
// inspections find some, citizens' cases establish the rest (returned as planned).
func (d *demo) planIncidents(s *stream) (inspections []*inspectionRec, planned []*incidentRec) {
	nowD := dateOf(d.now)
	// Scopes: the provincial units (nil) and the nine districts.
	scopes := append([]*districtRec{nil}, d.districts...)
	base := map[*districtRec]int{}
	for _, dr := range d.districts {
		base[dr] = s.between(14, 16)
	}
	scopeOf := func(u *unitRec) *districtRec { return u.district }
	inspectorsPool := []*officialRec{}
	for _, u := range d.units {
		if u.flavour == flInspectorate && u.district == nil || u.flavour == flUnion {
			inspectorsPool = append(inspectorsPool, u.officials...)
		}
	}

	for _, y := range d.years {
		winEnd := minTime(day(y, 12, 20), nowD.AddDate(0, 0, -130))
		winStart, inspStart := day(y, 1, 5), day(y, 3, 1)
		if y == 2020 { // the campaign and its channels start in spring 2020
			winStart, inspStart = day(2020, 4, 1), day(2020, 5, 4)
		}
		if winEnd.Before(winStart) {
			continue
		}
		// Eligible: in service the whole year (so in the year's headcount).
		eligible := map[*districtRec][]*officialRec{}
		for _, o := range d.officials {
			if !o.from.After(day(y, 1, 1)) && (o.to == nil || o.to.After(yearEnd(y, d.now))) {
				eligible[scopeOf(o.unit)] = append(eligible[scopeOf(o.unit)], o)
			}
		}
		// A handful of inspections: four districts and two provincial units, one or two without findings.
		inspEnd := minTime(day(y, 11, 30), nowD.AddDate(0, 0, -14))
		perm := s.Perm(len(scopes))
		var inspScopes []*districtRec
		for _, i := range perm {
			if scopes[i] != nil && len(inspScopes) < 4 {
				inspScopes = append(inspScopes, scopes[i])
			}
		}
		inspScopes = append(inspScopes, nil, nil)
		for i := range s.between(1, 2) {
			inspScopes = append(inspScopes, scopes[perm[len(perm)-1-i]])
		}
		quota := map[*districtRec]int{}
		for _, sc := range scopes {
			quota[sc] = incidentTarget(sc, base[sc], y)
		}
		taken := map[*officialRec]bool{}
		for i, sc := range inspScopes {
			if inspEnd.Before(inspStart) {
				break
			}
			var candidates []*unitRec
			for _, u := range d.units {
				if u.district == sc && len(u.officials) >= 8 && u.flavour != flInspectorate && u.flavour != flUnion {
					candidates = append(candidates, u)
				}
			}
			u := pick(s, candidates)
			on := nextWorkday(randDate(s, inspStart, inspEnd))
			if on.After(inspEnd) {
				on = inspEnd
			}
			insp := &inspectionRec{unit: u, on: on}
			var names []string
			for _, j := range s.Perm(len(inspectorsPool)) {
				if o := inspectorsPool[j]; o.activeOn(on) && len(names) < s.between(2, 3) {
					names = append(names, o.name)
				}
			}
			insp.inspectors = names
			find := 0
			if i < 6 && on.AddDate(0, 0, -20).After(winStart) {
				find = min(s.between(1, 2), quota[sc])
			}
			var pool []*officialRec
			for _, o := range eligible[sc] {
				if o.unit == u && !taken[o] {
					pool = append(pool, o)
				}
			}
			for _, j := range s.Perm(len(pool)) {
				if len(insp.incidents) >= find {
					break
				}
				o := pool[j]
				taken[o] = true
				quota[sc]--
				inc := &incidentRec{off: o, year: y, cat: prohibitions[weighted(s, incidentWeights)],
					source: incident.SourceINSPECTION, insp: insp, created: officeTime(s, on)}
				inc.occurred = randDate(s, winStart, on.AddDate(0, 0, -20))
				inc.summary = fmt.Sprintf("Kiểm tra ngày %s phát hiện %s, %s, vi phạm quy định về %s.",
					on.Format("02/01/2006"), o.name, inText(o.position), categoryVi[inc.cat])
				insp.incidents = append(insp.incidents, inc)
			}
			if len(insp.incidents) > 0 {
				insp.findings = fmt.Sprintf("Kiểm tra việc thực hiện cuộc vận động năm %d: phát hiện %d trường hợp vi phạm 5 không; "+
					"đề nghị thủ trưởng đơn vị xem xét xử lý theo quy định và chấn chỉnh công tác quản lý CBCCVC.", y, len(insp.incidents))
			} else {
				insp.findings = fmt.Sprintf(pick(s, findingsClean), y)
			}
			inspections = append(inspections, insp)
		}
		// The rest of each scope's quota: incidents that citizens' cases establish.
		for _, sc := range scopes {
			var pool []*officialRec
			for _, o := range eligible[sc] {
				if !taken[o] {
					pool = append(pool, o)
				}
			}
			for _, j := range s.Perm(len(pool))[:min(max(quota[sc], 0), len(pool))] {
				o := pool[j]
				taken[o] = true
				planned = append(planned, &incidentRec{off: o, year: y, cat: prohibitions[weighted(s, incidentWeights)],
					source: incident.SourceCASE, occurred: randDate(s, winStart, winEnd)})
			}
		}
		// Now and then an official has a second incident in the year (counted once in the rate).
		if len(planned) > 0 && s.chance(0.6) {
			first := planned[len(planned)-1-s.IntN(min(len(planned), 20))]
			if first.year == y {
				planned = append(planned, &incidentRec{off: first.off, year: y, cat: prohibitions[weighted(s, incidentWeights)],
					source: incident.SourceCASE, occurred: randDate(s, winStart, winEnd)})
			}
		}
	}
	return inspections, planned
}

// incidentCases makes the cases whose conclusions establish the planned incidents.
func (d *demo) incidentCases(s *stream, planned []*incidentRec) error {
	for _, inc := range planned {
		c := d.newCase()
		c.off, c.unit = inc.off, inc.off.unit
		cat := inc.cat
		c.cat = &cat
		occurred := inc.occurred
		c.incidentDate = &occurred
		c.received = anyTime(s, inc.occurred.AddDate(0, 0, s.between(1, 20)))
		switch {
		case s.chance(0.6):
			c.requested, c.channel = enum.ChannelDenunciation, enum.ChannelDenunciation
		case s.chance(0.6):
			c.anonymous = true
			c.requested, c.channel = pick(s, []enum.Channel{enum.ChannelDenunciation, enum.ChannelFeedback}), enum.ChannelFeedback
		default:
			c.requested, c.channel = enum.ChannelFeedback, enum.ChannelFeedback
		}
		concl := citizencase.ConclusionSUBSTANTIATED
		if s.chance(0.35) {
			concl = citizencase.ConclusionPARTLY_SUBSTANTIATED
		}
		d.handle(s, c, planConclude, &concl, false)
		if c.concluded == nil {
			return fmt.Errorf("internal: case about an incident of %s not concluded by now", inc.occurred.Format(time.DateOnly))
		}
		inc.cas, inc.created = c, *c.concluded
		inc.summary = fmt.Sprintf("Kết luận xác minh %s: %s, %s, vi phạm quy định về %s.",
			map[enum.Channel]string{enum.ChannelDenunciation: "nội dung tố cáo", enum.ChannelFeedback: "nội dung phản ánh"}[c.channel],
			inc.off.name, inText(inc.off.position), categoryVi[inc.cat])
		c.incidents = append(c.incidents, inc)
		d.describeCase(s, c)
	}
	return nil
}

// otherCases makes everything else citizens sent: feedback, denunciations and praise that establish
// no incident (unsubstantiated, rejected, transferred, withdrawn, duplicate, still open, or about a
// unit alone), about 210 a year.
func (d *demo) otherCases(s *stream) {
	nowD := dateOf(d.now)
	weights := d.contactWeights()
	var unitWeights []float64
	for _, u := range d.units {
		w := map[flavour]float64{flCommune: 3, flHospital: 2, flOffice: 1.2, flAdminOffice: 0.6, flDepartment: 1, flSchool: 0.8,
			flCentre: 1.2, flCommittee: 0.6}[u.flavour]
		unitWeights = append(unitWeights, w)
	}
	catWeights := []float64{28, 32, 8, 5, 10, 17}
	cats := append(slices.Clone(prohibitions), enum.CategoryOther)
	for _, y := range d.years {
		from, to := day(y, 1, 1), day(y, 12, 31)
		if y == 2020 {
			from = day(2020, 4, 1)
		}
		to = minTime(to, nowD)
		n := int(210 * to.Sub(from).Hours() / 24 / 365)
		for range n {
			c := d.newCase()
			c.received = anyTime(s, randDate(s, from, to))
			if c.received.After(d.now) {
				c.received = d.now.Add(-time.Duration(s.between(30, 600)) * time.Minute)
			}
			switch r := s.Float64(); {
			case r < 0.25:
				c.requested = enum.ChannelDenunciation
			case r < 0.72:
				c.requested = enum.ChannelFeedback
			default:
				c.requested = enum.ChannelPraise
			}
			c.channel = c.requested
			praise := c.requested == enum.ChannelPraise
			c.anonymous = s.chance(map[bool]float64{true: 0.2, false: 0.35}[praise])
			if c.anonymous && c.channel == enum.ChannelDenunciation {
				c.channel = enum.ChannelFeedback // not a legal denunciation (Law on Denunciations 2018, art. 25)
			}
			if s.chance(map[bool]float64{true: 0.75, false: 0.6}[praise]) {
				c.off = d.pickOfficial(s, weights, dateOf(c.received))
			}
			if c.off != nil {
				c.unit = c.off.unit
			} else {
				c.unit = d.units[weighted(s, unitWeights)]
			}
			if !praise {
				cat := cats[weighted(s, catWeights)]
				c.cat = &cat
				if s.chance(0.8) {
					t := dateOf(c.received).AddDate(0, 0, -s.between(0, 15))
					c.incidentDate = &t
				}
			}
			plan := planConclude
			if !praise {
				transfer := 4.0 // a denunciation is more often for another body to handle
				if c.channel == enum.ChannelDenunciation {
					transfer = 8
				}
				plans := []casePlan{planConclude, planReject, planTransfer, planWithdrawEarly, planWithdrawLate, planDuplicate}
				plan = plans[weighted(s, []float64{78 - transfer, 10, transfer, 4, 3, 5})]
			} else if s.chance(0.03) {
				plan = planReject
			}
			var concl *citizencase.Conclusion
			if plan == planConclude && !praise {
				v := citizencase.ConclusionUNSUBSTANTIATED
				// Only a case about a unit alone can be substantiated without an incident.
				if c.off == nil && s.chance(0.5) {
					v = pick(s, []citizencase.Conclusion{citizencase.ConclusionSUBSTANTIATED, citizencase.ConclusionPARTLY_SUBSTANTIATED})
				}
				concl = &v
			}
			if plan == planDuplicate {
				var originals []*caseRec
				for _, o := range d.cases[max(0, len(d.cases)-300):] {
					if o != c && o.channel != enum.ChannelPraise && !o.received.After(c.received.Add(-48*time.Hour)) &&
						o.received.After(c.received.AddDate(0, 0, -60)) && o.dupOf == nil {
						originals = append(originals, o)
					}
				}
				if len(originals) == 0 {
					plan = planReject
				} else {
					o := pick(s, originals)
					c.dupOf, c.unit, c.off, c.cat = o, o.unit, o.off, o.cat
				}
			}
			stall := !praise && d.now.Sub(c.received) < 150*24*time.Hour && s.chance(0.12)
			d.handle(s, c, plan, concl, stall)
			d.describeCase(s, c)
			if praise && c.state == enum.CaseClosed {
				d.praised = append(d.praised, c)
			}
		}
	}

}

// contactWeights weighs officials by how much they deal with citizens.
func (d *demo) contactWeights() []float64 {
	w := make([]float64, len(d.officials))
	for i, o := range d.officials {
		w[i] = map[flavour]float64{flCommune: 3, flHospital: 2, flOffice: 1.5, flAdminOffice: 0.8, flDepartment: 1,
			flSchool: 0.6, flCentre: 1.5, flCommittee: 0.7, flInspectorate: 0.3, flUnion: 0.2}[o.unit.flavour]
		if o.cat == contract {
			w[i] *= 0.3
		}
	}
	return w
}

func (d *demo) pickOfficial(s *stream, weights []float64, on time.Time) *officialRec {
	for range 50 {
		if o := d.officials[weighted(s, weights)]; o.activeOn(on) {
			return o
		}
	}
	return nil
}

// describeCase fills in what the citizen wrote.
func (d *demo) describeCase(s *stream, c *caseRec) {
	pos := ""
	if c.off != nil {
		pos = c.off.position
	}
	c.desc = describe(s, c.cat, c.unit, pos)
	if c.dupOf != nil {
		c.desc = "Tôi đã phản ánh nhưng chưa thấy trả lời, nay gửi lại: " + c.dupOf.desc
	}
	if s.chance(0.7) {
		p := c.unit.name
		if c.unit.district != nil {
			p += ", " + lowerFirst(c.unit.district.name)
		}
		p += ", tỉnh Bến Tre"
		c.place = &p
	}
}

// handle runs a case through its states (DESIGN.md §5) as far as now: every transition is an event;
// the case's fields follow from the events that happened.
func (d *demo) handle(s *stream, c *caseRec, plan casePlan, concl *citizencase.Conclusion, stall bool) {
	ev := func(kind caseevent.Kind, to enum.CaseState, actor caseevent.ActorKind, note string, t time.Time) bool {
		if c.cut {
			return false
		}
		if n := len(c.events); n > 0 && !t.After(c.events[n-1].at) {
			t = c.events[n-1].at.Add(time.Duration(s.between(5, 90)) * time.Minute)
		}
		if t.After(d.now) {
			c.cut = true
			return false
		}
		e := eventRec{kind: kind, to: to, actor: actor, note: note, public: true, at: t}
		if len(c.events) > 0 {
			from := c.state
			e.from = &from
		}
		c.events = append(c.events, e)
		c.state = to
		switch kind {
		case caseevent.KindACCEPTED:
			c.accepted = &t
			if c.channel == enum.ChannelPraise {
				c.subjectVisible = &t
			}
			if c.channel == enum.ChannelDenunciation {
				due := t.AddDate(0, 0, concludeDays)
				c.due = &due
			}
		case caseevent.KindVERIFICATION_STARTED:
			if c.subjectVisible == nil {
				c.subjectVisible = &t
			}
			if c.channel != enum.ChannelPraise { // written only for a case about an official
				c.subjectNotice = subjectNotice(c)
			}
		case caseevent.KindEXTENDED:
			due := c.due.AddDate(0, 0, extensionDays)
			c.due, c.extensions = &due, c.extensions+1
		case caseevent.KindCONCLUDED:
			c.concluded, c.conclusion = &t, concl
		case caseevent.KindCLOSED:
			c.closed = &t
		}
		return true
	}
	staff, citizen := caseevent.ActorKindSTAFF, caseevent.ActorKindCITIZEN
	den := c.channel == enum.ChannelDenunciation
	praise := c.channel == enum.ChannelPraise
	c.state = enum.CaseSubmitted
	switch {
	case den:
		t := addWorkdays(c.received, acceptWorkdays)
		c.ackDue = &t
	case !praise:
		t := addWorkingHours(c.received, acknowledgeWorkHours)
		due := c.received.AddDate(0, 0, answerDays)
		c.ackDue, c.due = &t, &due
	}
	ev(caseevent.KindSUBMITTED, enum.CaseSubmitted, citizen, "Tiếp nhận qua ứng dụng Liêm Chính.", c.received)

	late := s.chance(0.1)
	var decide time.Time
	switch {
	case den && late:
		decide = workdayAfter(s, c.received, s.between(8, 11))
	case den:
		decide = workdayAfter(s, c.received, s.between(1, 6))
	case praise:
		decide = workdayAfter(s, c.received, s.between(1, 4))
	case late:
		decide = workdayAfter(s, c.received, s.between(2, 3))
	default:
		decide = workdayAfter(s, c.received, s.between(0, 1))
	}
	switch plan {
	case planReject:
		ev(caseevent.KindREJECTED, enum.CaseRejected, staff, pick(s, rejectReasons), decide)
		return
	case planTransfer:
		ev(caseevent.KindTRANSFERRED, enum.CaseTransferred, staff,
			"Chuyển đơn đến "+pick(s, transferTargets)+" là cơ quan có thẩm quyền giải quyết.", decide)
		return
	case planDuplicate:
		ev(caseevent.KindMARKED_DUPLICATE, enum.CaseDuplicate, staff, "Trùng nội dung với hồ sơ đã tiếp nhận trước đó.", decide)
		return
	case planWithdrawEarly:
		ev(caseevent.KindWITHDRAWN, enum.CaseWithdrawn, citizen, pick(s, withdrawReasons),
			c.received.Add(time.Duration(s.between(2, 40))*time.Hour))
		return
	}
	note := "Đã tiếp nhận, chuyển bộ phận chuyên môn xử lý."
	switch {
	case den:
		note = fmt.Sprintf("Quyết định thụ lý giải quyết tố cáo số %d/QĐ-UBND.", s.between(10, 990))
	case praise:
		note = "Đã tiếp nhận thông tin khen ngợi, chuyển đơn vị xác nhận."
	}
	if !ev(caseevent.KindACCEPTED, enum.CaseAccepted, staff, note, decide) {
		return
	}
	accepted := *c.accepted
	ev(caseevent.KindVERIFICATION_STARTED, enum.CaseVerifying, staff,
		fmt.Sprintf("Giao tổ xác minh; kế hoạch xác minh số %d/KH-TTr.", s.between(10, 990)),
		workdayAfter(s, accepted, s.between(0, 2)))
	extend := den && s.chance(0.12)
	if extend {
		ev(caseevent.KindEXTENDED, enum.CaseVerifying, staff,
			fmt.Sprintf("Gia hạn giải quyết tố cáo %d ngày (vụ việc phức tạp), quyết định số %d/QĐ-UBND.", extensionDays, s.between(10, 990)),
			officeTime(s, nextWorkday(dateOf(accepted).AddDate(0, 0, s.between(24, 27)))))
	}
	if s.chance(0.02) {
		last := c.events[len(c.events)-1].at
		q := workdayAfter(s, last, s.between(1, 3))
		if ev(caseevent.KindMESSAGE, enum.CaseVerifying, staff, "", q) {
			c.messages = append(c.messages, messageRec{casemessage.DirectionTO_REPORTER,
				"Đề nghị ông/bà cung cấp thêm thông tin về thời gian, địa điểm và người chứng kiến sự việc để phục vụ xác minh.", q})
			a := q.Add(time.Duration(s.between(3, 60)) * time.Hour)
			if ev(caseevent.KindMESSAGE, enum.CaseVerifying, citizen, "", a) {
				c.messages = append(c.messages, messageRec{casemessage.DirectionFROM_REPORTER,
					"Sự việc xảy ra vào buổi sáng tại bộ phận một cửa, có người dân cùng chờ làm thủ tục chứng kiến.", a})
			}
		}
	}
	if plan == planWithdrawLate {
		ev(caseevent.KindWITHDRAWN, enum.CaseWithdrawn, citizen, pick(s, withdrawReasons),
			anyTime(s, dateOf(accepted).AddDate(0, 0, s.between(3, 12))))
		return
	}
	var concludeOn time.Time
	switch {
	case stall:
		concludeOn = dateOf(c.received).AddDate(1, 0, 0) // still open now, and overdue
	case praise:
		concludeOn = dateOf(accepted).AddDate(0, 0, s.between(2, 8))
	case den && extend:
		concludeOn = dateOf(accepted).AddDate(0, 0, s.between(35, 55))
	case den && late:
		concludeOn = dateOf(*c.due).AddDate(0, 0, s.between(2, 20))
	case den:
		concludeOn = dateOf(accepted).AddDate(0, 0, s.between(12, 28))
	case late:
		concludeOn = dateOf(c.received).AddDate(0, 0, s.between(17, 30))
	default:
		concludeOn = dateOf(c.received).AddDate(0, 0, s.between(4, 13))
	}
	note = "Xác nhận nội dung khen ngợi; chuyển đề xuất biểu dương."
	if concl != nil {
		note = fmt.Sprintf("Kết luận số %d/KL-TTr: %s.", s.between(10, 990), map[citizencase.Conclusion]string{
			citizencase.ConclusionSUBSTANTIATED:        "nội dung phản ánh, tố cáo là đúng",
			citizencase.ConclusionPARTLY_SUBSTANTIATED: "nội dung phản ánh, tố cáo đúng một phần",
			citizencase.ConclusionUNSUBSTANTIATED:      "nội dung phản ánh, tố cáo là không đúng",
		}[*concl])
	}
	if !ev(caseevent.KindCONCLUDED, enum.CaseConcluded, staff, note, officeTime(s, nextWorkday(concludeOn))) {
		return
	}
	closed := workdayAfter(s, *c.concluded, s.between(1, 5))
	if !ev(caseevent.KindCLOSED, enum.CaseClosed, staff, "Đã thông báo kết quả cho người gửi; kết thúc hồ sơ.", closed) {
		return
	}
	if s.chance(0.35) {
		w := []float64{4, 7, 15, 40, 34}
		if concl != nil && *concl == citizencase.ConclusionUNSUBSTANTIATED {
			w = []float64{15, 20, 30, 25, 10}
		}
		r := weighted(s, w) + 1
		if ev(caseevent.KindRATED, enum.CaseClosed, citizen, fmt.Sprintf("Người gửi đánh giá %d/5.", r),
			anyTime(s, dateOf(closed).AddDate(0, 0, s.between(0, 10)))) {
			c.rating = &r
		}
	}
}

// writeCasework stores inspections, cases with their events and messages, and incidents.
func (d *demo) writeCasework(ctx context.Context, inspections []*inspectionRec, planned []*incidentRec) error {
	s := newStream("demo/casework/ids")
	box := d.opt.Box.WithRand(newStream("demo/casework/nonces"))
	c := d.c
	insps := newSink(&d.err, func(ctx context.Context, b []*ent.InspectionCreate) error {
		return c.Inspection.CreateBulk(b...).Exec(ctx)
	})
	for _, in := range inspections {
		t := officeTime(s, in.on)
		in.id = s.id(pid.Inspection, t)
		insps.add(ctx, c.Inspection.Create().SetID(in.id).SetCreatedAt(t).SetUpdatedAt(t).SetInspectedOn(in.on).
			SetInspectors(in.inspectors).SetFindings(in.findings).SetUnitID(in.unit.id).SetCampaignID(d.campaignID))
	}
	d.st.Inspections = insps.n

	cs := newSink(&d.err, func(ctx context.Context, b []*ent.CitizenCaseCreate) error {
		return c.CitizenCase.CreateBulk(b...).Exec(ctx)
	})
	evs := newSink(&d.err, func(ctx context.Context, b []*ent.CaseEventCreate) error {
		return c.CaseEvent.CreateBulk(b...).Exec(ctx)
	})
	msgs := newSink(&d.err, func(ctx context.Context, b []*ent.CaseMessageCreate) error {
		return c.CaseMessage.CreateBulk(b...).Exec(ctx)
	})
	evs.before = append(evs.before, cs)
	msgs.before = append(msgs.before, cs)
	const alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ" // no 0, O, 1, I, L
	used := map[string]bool{}
	for _, k := range d.cases {
		k.id = s.id(pid.Case, k.received)
		for k.tracking == "" || used[k.tracking] {
			b := make([]byte, 10)
			for i := range b {
				b[i] = alphabet[s.IntN(len(alphabet))]
			}
			k.tracking = string(b)
		}
		used[k.tracking] = true
		secret := make([]byte, 16)
		_, _ = s.Read(secret)
		sum := sha256.Sum256([]byte(hex.EncodeToString(secret)))
		k.secretHash = hex.EncodeToString(sum[:])
		if !k.anonymous {
			who, _ := json.Marshal(struct {
				Name       string `json:"name"`
				Phone      string `json:"phone"`
				NationalID string `json:"nationalId"`
				Address    string `json:"address"`
			}{personName(s), fmt.Sprintf("09%08d", s.IntN(100000000)), fmt.Sprintf("083%09d", s.IntN(1000000000)),
				d.address(s, k.unit)})
			var err error
			if k.identity, err = box.Seal(who, []byte(k.id)); err != nil {
				return err
			}
			k.verified = s.chance(0.5)
		}
		last := k.events[len(k.events)-1].at
		b := c.CitizenCase.Create().SetID(k.id).SetCreatedAt(k.received).SetUpdatedAt(last).
			SetTrackingCode(k.tracking).SetSecretHash(k.secretHash).SetChannel(k.channel).SetRequestedChannel(k.requested).
			SetNillableCategory(k.cat).SetDescription(k.desc).SetNillableIncidentDate(k.incidentDate).SetNillablePlace(k.place).
			SetAnonymous(k.anonymous).SetReporterVerified(k.verified).SetState(k.state).SetNillableConclusion(k.conclusion).
			SetReceivedAt(k.received).SetNillableAcknowledgeDueAt(k.ackDue).SetNillableDueAt(k.due).
			SetExtensionCount(k.extensions).SetNillableAcceptedAt(k.accepted).SetNillableConcludedAt(k.concluded).
			SetNillableClosedAt(k.closed).SetNillableRating(k.rating).SetUnitID(k.unit.id).
			SetScopeProvinceID(d.provinceID). // the unit's province, as internal/recordscope keeps it
			SetNillableSubjectVisibleAt(k.subjectVisible)
		if k.identity != nil {
			b.SetReporterIdentity(k.identity)
		}
		if k.off != nil {
			b.SetOfficialID(k.off.id).SetNillableSubjectNotice(k.subjectNotice)
		}
		if k.dupOf != nil {
			b.SetDuplicateOfID(k.dupOf.id)
		}
		cs.add(ctx, b)
		for _, e := range k.events {
			evs.add(ctx, c.CaseEvent.Create().SetID(s.id(pid.CaseEvent, e.at)).SetCreatedAt(e.at).SetUpdatedAt(e.at).
				SetKind(e.kind).SetNillableFromState(e.from).SetToState(e.to).SetActorKind(e.actor).SetNote(e.note).
				SetPublic(e.public).SetOccurredAt(e.at).SetCaseID(k.id))
		}
		for _, m := range k.messages {
			msgs.add(ctx, c.CaseMessage.Create().SetID(s.id(pid.CaseMessage, m.at)).SetCreatedAt(m.at).SetUpdatedAt(m.at).
				SetDirection(m.dir).SetBody(m.body).SetSentAt(m.at).SetCaseID(k.id))
		}
	}
	d.st.Cases = cs.n

	var all []*incidentRec
	for _, in := range inspections {
		all = append(all, in.incidents...)
	}
	all = append(all, planned...)
	slices.SortStableFunc(all, func(a, b *incidentRec) int { return a.created.Compare(b.created) })
	incs := newSink(&d.err, func(ctx context.Context, b []*ent.IncidentCreate) error {
		return c.Incident.CreateBulk(b...).Exec(ctx)
	})
	incs.before = append(incs.before, insps, cs)
	for _, in := range all {
		in.id = s.id(pid.Incident, in.created)
		b := c.Incident.Create().SetID(in.id).SetCreatedAt(in.created).SetUpdatedAt(in.created).SetYear(in.year).
			SetCategory(in.cat).SetOccurredOn(in.occurred).SetSource(in.source).SetSummary(in.summary).
			SetOfficialID(in.off.id).SetUnitID(in.off.unit.id)
		if in.cas != nil {
			b.SetCaseID(in.cas.id)
		}
		if in.insp != nil {
			b.SetInspectionID(in.insp.id)
		}
		incs.add(ctx, b)
		k := offYear{in.off, in.year}
		d.incidentsOf[k] = append(d.incidentsOf[k], in)
	}
	d.incidents = all
	d.st.Incidents = incs.n
	for _, f := range []interface{ flush(context.Context) error }{insps, cs, evs, msgs, incs} {
		if err := f.flush(ctx); err != nil {
			return err
		}
	}
	return nil
}

// address makes up a reporter's address near the unit.
func (d *demo) address(s *stream, u *unitRec) string {
	dr := u.district
	if dr == nil {
		dr = pick(s, d.districts)
	}
	cu := pick(s, dr.communes)
	return fmt.Sprintf("Ấp %d, %s, %s, tỉnh Bến Tre", s.between(1, 9), lowerFirst(cu.name), lowerFirst(dr.name))
}

// subjectNotices are what a handler asks the official concerned to explain, by category: the
// handler's words, never the citizen's (DESIGN.md §5).
var subjectNotices = map[enum.Category][]string{
	enum.CategoryNoCorruption: {
		"Đề nghị đồng chí giải trình bằng văn bản về việc có hay không nhận tiền, quà của người dân khi giải quyết thủ tục hành chính trong thời gian bị phản ánh.",
		"Đề nghị đồng chí báo cáo, giải trình về việc thu các khoản ngoài quy định khi tiếp nhận hồ sơ, kèm sổ theo dõi tiếp nhận và trả kết quả.",
	},
	enum.CategoryNoArrogance: {
		"Đề nghị đồng chí giải trình về thái độ, cách ứng xử khi tiếp công dân tại bộ phận một cửa trong thời gian bị phản ánh.",
		"Đề nghị đồng chí giải trình bằng văn bản về việc tiếp nhận, trả lời công dân theo quy tắc ứng xử của cán bộ, công chức.",
	},
	enum.CategoryNoBureaucracy: {
		"Đề nghị đồng chí giải trình về việc giải quyết hồ sơ chậm so với thời hạn quy định và việc yêu cầu bổ sung giấy tờ ngoài danh mục.",
		"Đề nghị đồng chí báo cáo quá trình tiếp nhận, luân chuyển và giải quyết các hồ sơ liên quan trong thời gian bị phản ánh.",
	},
	enum.CategoryNoFlattery: {
		"Đề nghị đồng chí giải trình về việc báo cáo kết quả công tác của đơn vị có đúng với thực tế hay không.",
	},
	enum.CategoryNoAbuseOfPower: {
		"Đề nghị đồng chí giải trình về căn cứ pháp lý của các quyết định, yêu cầu đã ban hành đối với công dân trong thời gian bị tố cáo.",
		"Đề nghị đồng chí giải trình bằng văn bản về việc thực hiện nhiệm vụ, quyền hạn được giao trong vụ việc đang được xác minh.",
	},
}

// subjectNotice is the notice of a case under verification about an official, picked by the
// case's sequence (so the seed's random streams stay as they were).
func subjectNotice(c *caseRec) *string {
	notices := subjectNotices[enum.CategoryNoAbuseOfPower]
	if c.cat != nil && len(subjectNotices[*c.cat]) > 0 {
		notices = subjectNotices[*c.cat]
	}
	n := notices[c.seq%len(notices)] + " Thời hạn gửi giải trình: 10 ngày làm việc kể từ ngày nhận thông báo."
	return &n
}
