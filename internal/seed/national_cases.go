package seed

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/liemchinh/liemchinh/ent/caseevent"
	"github.com/liemchinh/liemchinh/ent/citizencase"
	"github.com/liemchinh/liemchinh/ent/incident"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/internal/pid"
)

type offYearKey struct {
	off  int32
	year int16
}

// natIncident is an incident of the nation, planned before any table is generated: the
// self-assessments and commendations of the official's year depend on it.
type natIncident struct {
	off      int32
	year     int
	cat      enum.Category
	occurred time.Time
	source   incident.Source
	insp     *natInspection
	// Set by the cases table, which runs before the incidents table.
	caseID  string
	channel enum.Channel
	created time.Time // when established: the case's conclusion or the inspection
}

type natInspection struct {
	id         string
	unit       int32
	on, at     time.Time
	inspectors []string
	findings   string
	incidents  []*natIncident
}

// caseSlot is a case to be: when it is received, in which province, and the incident it
// establishes (-1 for none). The case's content is drawn from a stream keyed by seq.
type caseSlot struct {
	received int64 // Unix seconds
	seq      int32
	prov     int16
	inc      int32
}

func (n *nation) addIncident(inc *natIncident) {
	n.incidents = append(n.incidents, inc)
	k := offYearKey{inc.off, int16(inc.year)}
	n.incidentsOf[k] = append(n.incidentsOf[k], inc)
}

// planIncidents decides which officials have an incident each year: about 0.3% of the officials in
// service the whole year in 2021, falling by about 7% a year, with a factor and a trend per
// province (a few provinces get worse every year). One in ten is found by an inspection, the rest
// are established by a citizen's case.
func (n *nation) planIncidents() {
	s, si := n.stream("incidents"), n.stream("inspections")
	n.incidentsOf = map[offYearKey][]*natIncident{}
	today := dateOf(n.now)
	inspOf := map[[2]int32]*natInspection{}
	for _, y := range n.years {
		winStart := day(y, 1, 5)
		caseEnd := minTime(day(y, 12, 20), today.AddDate(0, 0, -160)) // concluded by now
		inspEnd := minTime(day(y, 12, 20), today.AddDate(0, 0, -80))
		if caseEnd.Before(winStart) {
			continue
		}
		y0, ye := dayNum(day(y, 1, 1)), dayNum(yearEnd(y, n.now))
		eligible := func(o *natOfficial) bool { return o.from <= y0 && (o.to == 0 || o.to > ye) }
		for _, p := range n.provinces {
			count := 0
			for i := p.o0; i < p.o1; i++ {
				if eligible(&n.officials[i]) {
					count++
				}
			}
			rate := 0.003 * p.factor * math.Pow(1+p.trend, float64(y-2021)) * math.Exp(s.NormFloat64()*0.06)
			want := float64(count) * rate
			k := int(want)
			if s.Float64() < want-float64(k) {
				k++
			}
			for range k {
				oi := int32(-1)
				for range 50 {
					c := p.o0 + int32(s.IntN(int(p.o1-p.o0)))
					if eligible(&n.officials[c]) && len(n.incidentsOf[offYearKey{c, int16(y)}]) == 0 {
						oi = c
						break
					}
				}
				if oi < 0 {
					continue
				}
				inc := &natIncident{off: oi, year: y, cat: prohibitions[weighted(s, incidentWeights)], source: incident.SourceCASE}
				if s.chance(0.1) {
					inc.source = incident.SourceINSPECTION
					inc.occurred = randDate(s, winStart, inspEnd)
					on := minTime(nextWorkday(inc.occurred.AddDate(0, 0, s.between(20, 60))), today.AddDate(0, 0, -14))
					u := n.officials[oi].unit
					in := inspOf[[2]int32{u, int32(y)}]
					if in == nil {
						in = &natInspection{unit: u, on: on}
						inspOf[[2]int32{u, int32(y)}] = in
						n.inspections = append(n.inspections, in)
					}
					in.on = maxTime(in.on, on)
					in.incidents = append(in.incidents, inc)
					inc.insp = in
				} else {
					inc.occurred = randDate(s, winStart, caseEnd)
				}
				n.addIncident(inc)
				if inc.source == incident.SourceCASE && s.chance(0.02) { // a second one in the year
					n.addIncident(&natIncident{off: oi, year: y, cat: prohibitions[weighted(s, incidentWeights)],
						source: incident.SourceCASE, occurred: randDate(s, winStart, caseEnd)})
				}
			}
			// Inspections without findings, about one unit in 120 a year.
			inspStart, end := day(y, 3, 1), minTime(day(y, 11, 30), today.AddDate(0, 0, -14))
			if end.Before(inspStart) {
				continue
			}
			units := int(p.u1 - p.u0)
			for range max(1, int(math.Round(float64(units)/120))) {
				u := p.u0 + int32(s.IntN(units))
				if _, ok := inspOf[[2]int32{u, int32(y)}]; ok || n.units[u].offN < 8 {
					continue
				}
				in := &natInspection{unit: u, on: nextWorkday(randDate(s, inspStart, end))}
				inspOf[[2]int32{u, int32(y)}] = in
				n.inspections = append(n.inspections, in)
			}
		}
	}
	for _, in := range n.inspections {
		in.at = officeTime(si, in.on)
		in.id = si.id(pid.Inspection, in.at)
		for range si.between(2, 3) {
			in.inspectors = append(in.inspectors, personName(si))
		}
		y := in.on.Year()
		if len(in.incidents) > 0 {
			in.findings = fmt.Sprintf("Kiểm tra việc thực hiện cuộc vận động năm %d: phát hiện %d trường hợp vi phạm 5 không; "+
				"đề nghị thủ trưởng đơn vị xem xét xử lý theo quy định và chấn chỉnh công tác quản lý CBCCVC.", y, len(in.incidents))
		} else {
			in.findings = fmt.Sprintf(pick(si, findingsClean), y)
		}
		for _, inc := range in.incidents {
			inc.created = in.at
		}
	}
}

// planCases draws when and where the citizens' cases are received: from about 160,000 in 2021,
// 12% more every year (at Scale 1), over the provinces by headcount; and a case for each incident
// a case establishes, received 1 to 20 days after the conduct.
func (n *nation) planCases() {
	s := n.stream("case-slots")
	perScale := float64(len(n.officials)) / 2.2e6
	cum := make([]float64, len(n.provinces))
	var sum float64
	for i, p := range n.provinces {
		sum += float64(p.o1 - p.o0)
		cum[i] = sum
	}
	today := dateOf(n.now)
	for _, y := range n.years {
		from, to := day(y, 1, 1), minTime(day(y, 12, 31), today)
		days := to.Sub(from).Hours()/24 + 1
		count := int(math.Round(160000 * math.Pow(1.12, float64(y-2021)) * perScale * days / 365))
		for range count {
			pi := sort.SearchFloat64s(cum, s.Float64()*sum)
			t := anyTime(s, randDate(s, from, to))
			if t.After(n.now) {
				t = n.now.Add(-time.Duration(s.between(30, 600)) * time.Minute)
			}
			n.slots = append(n.slots, caseSlot{received: t.Unix(), seq: int32(len(n.slots)), prov: int16(pi), inc: -1})
		}
	}
	for i, inc := range n.incidents {
		if inc.source != incident.SourceCASE {
			continue
		}
		t := anyTime(s, inc.occurred.AddDate(0, 0, s.between(1, 20)))
		pi := n.units[n.officials[inc.off].unit].prov
		n.slots = append(n.slots, caseSlot{received: t.Unix(), seq: int32(len(n.slots)), prov: int16(pi), inc: int32(i)})
	}
	slices.SortFunc(n.slots, func(a, b caseSlot) int {
		if c := cmp.Compare(a.received, b.received); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
}

// natCase is a case of the nation: the demo's case with the nation's unit, official and province.
type natCase struct {
	caseRec
	prov, unit, off int32 // off -1: about the unit alone
	inc             *natIncident
}

// caseGen generates the cases in the order received (a duplicate refers to a recent case of its
// province, which the generator remembers).
type caseGen struct {
	n      *nation
	d      *demo // the demo's handling of a case through its states, as far as now
	k      *keyed
	recent [][]*natCase
}

const recentCases = 256

func (n *nation) caseGen() *caseGen {
	return &caseGen{n: n, d: &demo{now: n.now}, k: n.keyed("cases"), recent: make([][]*natCase, len(n.provinces))}
}

func (g *caseGen) next(sl *caseSlot) *natCase {
	n := g.n
	s := g.k.at(uint64(sl.seq), 0)
	c := &natCase{prov: int32(sl.prov), off: -1}
	c.seq = int(sl.seq)
	c.received = time.Unix(sl.received, 0).UTC()
	if sl.inc >= 0 {
		g.incidentCase(s, c, n.incidents[sl.inc])
	} else {
		g.otherCase(s, c)
	}
	u := &n.units[c.unit]
	fl := u.fl
	if fl == flHealthStation {
		fl = flHospital
	}
	pos := ""
	if c.off >= 0 {
		o := &n.officials[c.off]
		pos = postOf(n.units[o.unit].fl, o.post).title
	}
	c.desc = describe(s, c.cat, &unitRec{name: u.name, flavour: fl}, pos)
	if c.dupOf != nil {
		c.desc = "Tôi đã phản ánh nhưng chưa thấy trả lời, nay gửi lại: " + c.dupOf.desc
	}
	if s.chance(0.7) {
		p := u.name + ", " + n.provinces[u.prov].in
		c.place = &p
	}
	c.id = s.id(pid.Case, c.received)
	if c.channel != enum.ChannelPraise {
		r := append(g.recent[c.prov], c)
		if len(r) > recentCases {
			r = r[1:]
		}
		g.recent[c.prov] = r
	}
	return c
}

// incidentCase is the case whose conclusion establishes inc.
func (g *caseGen) incidentCase(s *stream, c *natCase, inc *natIncident) {
	c.inc = inc
	c.off, c.unit = inc.off, g.n.officials[inc.off].unit
	cat, occurred := inc.cat, inc.occurred
	c.cat, c.incidentDate = &cat, &occurred
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
	g.d.handle(s, &c.caseRec, planConclude, &concl, false)
}

var (
	caseCategories  = append(slices.Clone(prohibitions), enum.CategoryOther)
	categoryWeights = []float64{28, 32, 8, 5, 10, 17}
	casePlans       = []casePlan{planConclude, planReject, planTransfer, planWithdrawEarly, planWithdrawLate, planDuplicate}
)

func pick2[T any](first bool, a, b T) T {
	if first {
		return a
	}
	return b
}

// otherCase is a case that establishes no incident, as in the demo: feedback, denunciations and
// praise about a unit or one of its officials, most concluded, some rejected, transferred,
// withdrawn, duplicates, or still open (some overdue).
func (g *caseGen) otherCase(s *stream, c *natCase) {
	n := g.n
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
	c.anonymous = s.chance(pick2(praise, 0.2, 0.35))
	if c.anonymous && c.channel == enum.ChannelDenunciation {
		c.channel = enum.ChannelFeedback // not a legal denunciation (Law on Denunciations 2018, art. 25)
	}
	p := n.provinces[c.prov]
	w := p.caseWeights
	c.unit = p.u0 + int32(min(sort.SearchFloat64s(w, s.Float64()*w[len(w)-1]), len(w)-1))
	if s.chance(pick2(praise, 0.75, 0.6)) {
		c.off = n.pickOfficial(s, c.unit, dayNum(dateOf(c.received)))
	}
	if !praise {
		cat := caseCategories[weighted(s, categoryWeights)]
		c.cat = &cat
		if s.chance(0.8) {
			t := dateOf(c.received).AddDate(0, 0, -s.between(0, 15))
			c.incidentDate = &t
		}
	}
	plan := planConclude
	if !praise {
		transfer := 4.0
		if c.channel == enum.ChannelDenunciation {
			transfer = 8
		}
		plan = casePlans[weighted(s, []float64{78 - transfer, 10, transfer, 4, 3, 5})]
	} else if s.chance(0.03) {
		plan = planReject
	}
	var concl *citizencase.Conclusion
	if plan == planConclude && !praise {
		v := citizencase.ConclusionUNSUBSTANTIATED
		// Only a case about a unit alone can be substantiated without an incident.
		if c.off < 0 && s.chance(0.5) {
			v = pick(s, []citizencase.Conclusion{citizencase.ConclusionSUBSTANTIATED, citizencase.ConclusionPARTLY_SUBSTANTIATED})
		}
		concl = &v
	}
	if plan == planDuplicate {
		var originals []*natCase
		latest, earliest := c.received.Add(-48*time.Hour), c.received.AddDate(0, 0, -60)
		for _, o := range g.recent[c.prov] {
			if !o.received.After(latest) && o.received.After(earliest) && o.dupOf == nil {
				originals = append(originals, o)
			}
		}
		if len(originals) == 0 {
			plan = planReject
		} else {
			o := pick(s, originals)
			c.dupOf, c.unit, c.off, c.cat = &o.caseRec, o.unit, o.off, o.cat
		}
	}
	stall := !praise && n.now.Sub(c.received) < 150*24*time.Hour && s.chance(0.12)
	g.d.handle(s, &c.caseRec, plan, concl, stall)
}

// pickOfficial returns an official of the unit in service on date d, or -1.
func (n *nation) pickOfficial(s *stream, ui int32, d int32) int32 {
	u := &n.units[ui]
	for range 5 {
		o := u.off0 + int32(s.IntN(int(u.offN)))
		if n.officials[o].activeOn(d) {
			return o
		}
	}
	return -1
}

const trackingAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ" // no 0, O, 1, I, L

// casesJob writes the citizens' cases, their events and their messages in one pass.
func (n *nation) casesJob() job {
	cases := table{name: "cases", cols: []string{"id", "created_at", "updated_at", "tracking_code", "secret_hash", "channel",
		"requested_channel", "category", "description", "incident_date", "place", "anonymous", "reporter_identity",
		"reporter_verified", "state", "conclusion", "received_at", "acknowledge_due_at", "due_at", "complexity",
		"extension_count", "accepted_at", "concluded_at", "closed_at", "rating", "account_handled_cases",
		"citizen_case_duplicates", "citizen_case_transferred_to", "official_cases", "unit_cases", "subject_notice",
		"subject_visible_at", "scope_province_id"}}
	events := table{name: "case_events", cols: []string{"id", "created_at", "updated_at", "kind", "from_state", "to_state",
		"actor_kind", "note", "public", "occurred_at", "account_case_events", "citizen_case_events"}}
	messages := table{name: "case_messages", cols: []string{"id", "created_at", "updated_at", "direction", "body", "sent_at",
		"account_case_messages", "citizen_case_messages"}}
	return job{tables: []table{cases, events, messages}, gen: func(ctx context.Context, w []*rowWriter) error {
		g, ks, ke := n.caseGen(), n.keyed("case-secrets"), n.keyed("case-events")
		used := make(map[string]struct{}, len(n.slots))
		code := make([]byte, 10)
		for i := range n.slots {
			c := g.next(&n.slots[i])
			if c.inc != nil {
				if c.concluded == nil {
					return fmt.Errorf("internal: the case of an incident of %s is not concluded by now",
						c.inc.occurred.Format(time.DateOnly))
				}
				c.inc.caseID, c.inc.channel, c.inc.created = c.id, c.channel, *c.concluded
			}
			s := ks.at(uint64(c.seq), 0)
			for {
				for j := range code {
					code[j] = trackingAlphabet[s.IntN(len(trackingAlphabet))]
				}
				if _, dup := used[string(code)]; !dup {
					break
				}
			}
			c.tracking = string(code)
			used[c.tracking] = struct{}{}
			secret := make([]byte, 16)
			_, _ = s.Read(secret)
			sum := sha256.Sum256([]byte(hex.EncodeToString(secret)))
			if !c.anonymous {
				if box := n.opt.Box; box != nil {
					var err error
					if c.identity, err = box.WithRand(s).Seal(n.reporter(s, c), []byte(c.id)); err != nil {
						return err
					}
				}
				c.verified = s.chance(0.5)
			}
			var complexity, conclusion, cat *string
			if c.extensions > 0 {
				v := "COMPLEX"
				complexity = &v
			}
			if c.conclusion != nil {
				v := string(*c.conclusion)
				conclusion = &v
			}
			if c.cat != nil {
				v := string(*c.cat)
				cat = &v
			}
			r := w[0].add().str(c.id).time(c.received).time(c.events[len(c.events)-1].at).str(c.tracking).
				str(hex.EncodeToString(sum[:])).str(string(c.channel)).str(string(c.requested)).strp(cat).
				str(c.desc).timep(c.incidentDate).strp(c.place).bool(c.anonymous).bytea(c.identity).bool(c.verified).
				str(string(c.state)).strp(conclusion).time(c.received).timep(c.ackDue).timep(c.due).strp(complexity).
				int(c.extensions).timep(c.accepted).timep(c.concluded).timep(c.closed).intp(c.rating).null()
			if c.dupOf != nil {
				r.str(c.dupOf.id)
			} else {
				r.null()
			}
			r.null()
			if c.off >= 0 {
				r.str(n.officials[c.off].id)
			} else {
				r.null()
			}
			r.str(n.units[c.unit].id)
			if c.off >= 0 {
				r.strp(c.subjectNotice)
			} else {
				r.null()
			}
			r.timep(c.subjectVisible).str(n.provinces[n.units[c.unit].prov].id) // the unit's province (recordscope)
			if err := w[0].end(ctx); err != nil {
				return err
			}

			s = ke.at(uint64(c.seq), 0)
			for _, e := range c.events {
				note := e.note
				if e.kind == caseevent.KindTRANSFERRED {
					note = strings.ReplaceAll(note, "tỉnh Bến Tre", n.provinces[c.prov].in)
				}
				note = strings.TrimSpace(note) // the bulk copy bypasses the ent hook that trims notes
				var from *string
				if e.from != nil {
					v := string(*e.from)
					from = &v
				}
				w[1].add().str(s.id(pid.CaseEvent, e.at)).time(e.at).time(e.at).str(string(e.kind)).strp(from).
					str(string(e.to)).str(string(e.actor)).str(note).bool(e.public).time(e.at).null().str(c.id)
				if err := w[1].end(ctx); err != nil {
					return err
				}
			}
			for _, m := range c.messages {
				w[2].add().str(s.id(pid.CaseMessage, m.at)).time(m.at).time(m.at).str(string(m.dir)).str(strings.TrimSpace(m.body)).time(m.at).
					null().str(c.id)
				if err := w[2].end(ctx); err != nil {
					return err
				}
			}
		}
		return nil
	}}
}

// reporter is an identified reporter's identity (sealed before it is stored).
func (n *nation) reporter(s *stream, c *natCase) []byte {
	p := n.provinces[c.prov]
	who, _ := json.Marshal(struct {
		Name       string `json:"name"`
		Phone      string `json:"phone"`
		NationalID string `json:"nationalId"`
		Address    string `json:"address"`
	}{personName(s), fmt.Sprintf("09%08d", s.IntN(100000000)), fmt.Sprintf("0%s%09d", p.code, s.IntN(1000000000)),
		fmt.Sprintf("Tổ %d, %s, %s", s.between(1, 30), lowerFirst(strings.TrimPrefix(n.units[c.unit].name, "Ủy ban nhân dân ")), p.in)})
	return who
}

func (n *nation) inspectionsTable() table {
	return table{name: "inspections",
		cols: []string{"id", "created_at", "updated_at", "inspected_on", "inspectors", "findings",
			"account_recorded_inspections", "campaign_inspections", "unit_inspections"},
		gen: func(ctx context.Context, w *rowWriter) error {
			for _, in := range n.inspections {
				names, _ := json.Marshal(in.inspectors)
				w.add().str(in.id).time(in.at).time(in.at).time(in.on).str(string(names)).str(in.findings).null().
					str(n.campaignID).str(n.units[in.unit].id)
				if err := w.end(ctx); err != nil {
					return err
				}
			}
			return nil
		}}
}

// incidentsTable writes the incidents in the order they were established; it runs after the cases
// table, which sets when each case-borne incident was established.
func (n *nation) incidentsTable() table {
	return table{name: "incidents",
		cols: []string{"id", "created_at", "updated_at", "year", "category", "occurred_on", "source", "summary",
			"citizen_case_incidents", "inspection_incidents", "official_incidents", "unit_incidents"},
		gen: func(ctx context.Context, w *rowWriter) error {
			k := n.keyed("incidents")
			idx := make([]int, len(n.incidents))
			for i := range idx {
				idx[i] = i
			}
			slices.SortStableFunc(idx, func(a, b int) int { return n.incidents[a].created.Compare(n.incidents[b].created) })
			for _, i := range idx {
				inc := n.incidents[i]
				o := &n.officials[inc.off]
				u := &n.units[o.unit]
				who := inText(postOf(u.fl, o.post).title) + " " + u.name
				var summary string
				var caseID, inspID *string
				if inc.insp != nil {
					summary = fmt.Sprintf("Kiểm tra ngày %s phát hiện %s vi phạm quy định về %s.",
						inc.insp.on.Format("02/01/2006"), who, categoryVi[inc.cat])
					inspID = &inc.insp.id
				} else {
					if inc.caseID == "" {
						return fmt.Errorf("internal: incident %d has no case", i)
					}
					what := "nội dung phản ánh"
					if inc.channel == enum.ChannelDenunciation {
						what = "nội dung tố cáo"
					}
					summary = fmt.Sprintf("Kết luận xác minh %s: %s vi phạm quy định về %s.", what, who, categoryVi[inc.cat])
					caseID = &inc.caseID
				}
				s := k.at(uint64(i), 0)
				w.add().str(s.id(pid.Incident, inc.created)).time(inc.created).time(inc.created).int(inc.year).
					str(string(inc.cat)).time(inc.occurred).str(string(inc.source)).str(summary).strp(caseID).strp(inspID).
					str(o.id).str(u.id)
				if err := w.end(ctx); err != nil {
					return err
				}
			}
			return nil
		}}
}
