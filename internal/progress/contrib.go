package progress

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/internal/deadline"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

// FirstYear is the first year with figures: phase 1 of the campaign (DESIGN.md §2).
const FirstYear = 2020

// Figure keys. A month suffix (".mMM", 00 for "before the year", 13 for "after it") splits a
// count by the month its event happened, for the series.
const (
	kHeadcount  = "headcount"
	kAware      = "aware"
	kPledge     = "pledge"
	kAssessed   = "assessed"
	kClass      = "class."   // + classification or NOT_RATED
	kNegative   = "negative" // officials with an incident in the year
	kUnits      = "units"
	kRegistered = "registered"
	kCmTotal    = "cm.total"
	kCmForm     = "cm.form."  // + form
	kCmLevel    = "cm.level." // + level
	kReceived   = "case.received"
	kChannel    = "case.ch."  // + channel
	kCategory   = "case.cat." // + category or NONE
	kState      = "case.st."  // + state
	kConcluded  = "case.concluded"
	kOnTime     = "case.ontime"
	kRated      = "case.rated"
	kRatingSum  = "case.ratingsum"
	// Open cases by deadline, Vietnam time, counted under the scope's due scope (dueScope): by
	// day (20060102) and by minute (200601021504). Overdue now is the days before today plus
	// today's minutes before this one: a few hundred rows however many deadlines there are.
	kDueDay      = "case.dueday."
	kDueMin      = "case.duemin."
	notRated     = "NOT_RATED"
	noCategory   = "NONE"
	dueDayLayout = "20060102"
	dueMinLayout = "200601021504"
)

// dueScope is the counter scope of a scope's open cases by deadline: kept apart, so reading a
// scope's figures never reads them, and reading the overdue count reads only the range it needs.
func dueScope(scope string) string { return "due:" + scope }

func isDue(key string) bool { return strings.HasPrefix(key, "case.due") }

func monthly(key string, m int) string { return fmt.Sprintf("%s.m%02d", key, m) }

// monthIn is the month of t within year y (Vietnam time): 0 before the year, 13 after it.
func monthIn(t time.Time, y int) int {
	t = t.In(workdays.Vietnam)
	switch {
	case t.Year() < y:
		return 0
	case t.Year() > y:
		return 13
	}
	return int(t.Month())
}

// day is a calendar day in Vietnam time.
type day struct {
	Y int
	M time.Month
	D int
}

func dayOf(t time.Time) day {
	t = t.In(workdays.Vietnam)
	return day{t.Year(), t.Month(), t.Day()}
}

func (d day) before(o day) bool {
	if d.Y != o.Y {
		return d.Y < o.Y
	}
	if d.M != o.M {
		return d.M < o.M
	}
	return d.D < o.D
}

func (d day) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Y, d.M, d.D) }

func parseDay(s string) (day, error) {
	t, err := time.ParseInLocation("2006-01-02", s, workdays.Vietnam)
	if err != nil {
		return day{}, err
	}
	return dayOf(t), nil
}

// refDay is the reference date of a year: 31 December, or today for the current year.
func refDay(year int, today day) day {
	if year >= today.Y {
		return today
	}
	return day{year, time.December, 31}
}

// Cell is one figure of a year.
type cell struct {
	year int
	key  string
}

// contribution is what one record (an official with their records, a unit, a case) adds to the
// figures of the scopes holding its unit.
type contribution struct {
	unit  string         // the unit whose scopes it counts in; "" when it counts nowhere
	years map[int]string // an official's unit of a year, where it is not unit (assignment history)
	cells map[cell]int64
}

// unitOf is the unit a figure of the year counts in.
func (c *contribution) unitOf(year int) string {
	if u, ok := c.years[year]; ok {
		return u
	}
	return c.unit
}

// units are every unit the contribution counts in.
func (c *contribution) units() []string {
	out := []string{}
	seen := map[string]bool{}
	for cl := range c.cells {
		if u := c.unitOf(cl.year); u != "" && !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	return out
}

func (c *contribution) add(year int, key string, v int64) {
	if c.cells == nil {
		c.cells = map[cell]int64{}
	}
	c.cells[cell{year, key}] += v
}

// officialFacts are an official's records that progress counts.
type officialFacts struct {
	ID        string
	Unit      string
	From      time.Time
	To        *time.Time
	AckedAt   *time.Time // first acknowledgement of any campaign
	Pledges   []pledgeFact
	Assessed  []assessmentFact
	Incidents []incidentFact
	Commended []commendationFact
	// Assignments are the official's stretches in units, by first day (then id); none for an
	// official recorded before assignment history was kept, who counts in Unit every year.
	Assignments []assignmentFact
}

type assignmentFact struct {
	ID   string
	Unit string
	From time.Time
}

// unitAt is the unit an official's figures of a year count in: the assignment holding the
// official on the year's reference day (the last one begun by then), or, before the first, the
// first (DESIGN.md §11: a transfer in 2026 does not move 2025's figures).
func (o *officialFacts) unitAt(y int, today day) string {
	if len(o.Assignments) == 0 {
		return o.Unit
	}
	ref := refDay(y, today)
	u := o.Assignments[0].Unit
	for _, a := range o.Assignments[1:] {
		if ref.before(dayOf(a.From)) {
			break
		}
		u = a.Unit
	}
	return u
}

// sortAssignments orders assignments by first day (Vietnam), then id.
func sortAssignments(as []assignmentFact) {
	sort.Slice(as, func(i, j int) bool {
		di, dj := dayOf(as[i].From), dayOf(as[j].From)
		if di != dj {
			return di.before(dj)
		}
		return as[i].ID < as[j].ID
	})
}

type pledgeFact struct {
	Year     int
	SignedAt time.Time
}

type assessmentFact struct {
	Year           int
	Reviewed       bool // REVIEWED (otherwise SUBMITTED)
	Classification string
	SubmittedAt    *time.Time
}

type incidentFact struct {
	Year       int
	OccurredOn time.Time
}

type commendationFact struct {
	Year        int
	Form, Level string
}

// activeOn reports whether the official is active on day d: active_from on or before it, and no
// active_to before it.
func (o *officialFacts) activeOn(d day) bool {
	if d.before(dayOf(o.From)) {
		return false
	}
	return o.To == nil || !dayOf(*o.To).before(d)
}

// officialContribution is what an official counts for, every year from FirstYear to today's.
func officialContribution(o *officialFacts, today day) contribution {
	c := contribution{unit: o.Unit}
	for y := FirstYear; y <= today.Y; y++ {
		ref := refDay(y, today)
		if !o.activeOn(ref) {
			continue
		}
		c.add(y, kHeadcount, 1)
		if o.AckedAt != nil && !ref.before(dayOf(*o.AckedAt)) {
			c.add(y, kAware, 1)
			c.add(y, monthly(kAware, monthIn(*o.AckedAt, y)), 1)
		}
	}
	counted := func(y int) bool { return y >= FirstYear && y <= today.Y && o.activeOn(refDay(y, today)) }
	// An official counts once a year however many campaigns they pledged under: from their
	// earliest signature.
	signed := map[int]time.Time{}
	for _, p := range o.Pledges {
		if f, ok := signed[p.Year]; counted(p.Year) && (!ok || p.SignedAt.Before(f)) {
			signed[p.Year] = p.SignedAt
		}
	}
	for y, t := range signed {
		c.add(y, kPledge, 1)
		c.add(y, monthly(kPledge, monthIn(t, y)), 1)
	}
	// Likewise one yearly self-assessment: counted from its earliest submission, classified by the
	// latest submitted of those reviewed.
	type yearly struct {
		month    int
		reviewed *assessmentFact
	}
	years := map[int]*yearly{}
	for i := range o.Assessed {
		a := &o.Assessed[i]
		if !counted(a.Year) {
			continue
		}
		m := 13
		if a.SubmittedAt != nil {
			m = monthIn(*a.SubmittedAt, a.Year)
		}
		yv := years[a.Year]
		if yv == nil {
			yv = &yearly{month: m}
			years[a.Year] = yv
		}
		yv.month = min(yv.month, m)
		if a.Reviewed && (yv.reviewed == nil || later(a, yv.reviewed)) {
			yv.reviewed = a
		}
	}
	for y, yv := range years {
		c.add(y, kAssessed, 1)
		c.add(y, monthly(kAssessed, yv.month), 1)
		if yv.reviewed != nil {
			cl := yv.reviewed.Classification
			if cl == "" {
				cl = notRated
			}
			c.add(y, kClass+cl, 1)
		}
	}
	first := map[int]time.Time{} // first incident of each year
	for _, in := range o.Incidents {
		if in.Year < FirstYear || in.Year > today.Y {
			continue
		}
		if f, ok := first[in.Year]; !ok || in.OccurredOn.Before(f) {
			first[in.Year] = in.OccurredOn
		}
	}
	for y, t := range first {
		c.add(y, kNegative, 1)
		c.add(y, monthly(kNegative, monthIn(t, y)), 1)
	}
	for _, cm := range o.Commended {
		addCommendation(&c, cm, today)
	}
	if len(o.Assignments) > 0 {
		c.years = map[int]string{}
		for y := FirstYear; y <= today.Y; y++ {
			if u := o.unitAt(y, today); u != c.unit {
				c.years[y] = u
			}
		}
	}
	return c
}

func addCommendation(c *contribution, cm commendationFact, today day) {
	if cm.Year < FirstYear || cm.Year > today.Y {
		return
	}
	c.add(cm.Year, kCmTotal, 1)
	c.add(cm.Year, kCmForm+cm.Form, 1)
	c.add(cm.Year, kCmLevel+cm.Level, 1)
}

// unitFacts are a unit's own records that progress counts.
type unitFacts struct {
	ID         string
	Opened     *time.Time // first day, when created through the API
	Closed     *time.Time // first day it no longer existed
	Registered []registrationFact
	Commended  []commendationFact
}

type registrationFact struct {
	Year         int
	RegisteredAt time.Time
}

// existsOn reports whether the unit existed on day d: opened on or before it, not closed by it.
func (u *unitFacts) existsOn(d day) bool {
	if u.Opened != nil && d.before(dayOf(*u.Opened)) {
		return false
	}
	return u.Closed == nil || d.before(dayOf(*u.Closed))
}

func unitContribution(u *unitFacts, today day) contribution {
	c := contribution{unit: u.ID}
	for y := FirstYear; y <= today.Y; y++ {
		if u.existsOn(refDay(y, today)) {
			c.add(y, kUnits, 1)
		}
	}
	for _, r := range u.Registered {
		if r.Year >= FirstYear && r.Year <= today.Y {
			c.add(r.Year, kRegistered, 1)
			c.add(r.Year, monthly(kRegistered, monthIn(r.RegisteredAt, r.Year)), 1)
		}
	}
	for _, cm := range u.Commended {
		addCommendation(&c, cm, today)
	}
	return c
}

// caseFacts are a case's fields that progress counts.
type caseFacts struct {
	ID          string
	Unit        string
	Channel     string
	Category    string // "" for none
	State       string
	ReceivedAt  time.Time
	AckDueAt    *time.Time
	DueAt       *time.Time
	ConcludedAt *time.Time
	Rating      *int
}

// openDeadline is the deadline an open case is held to now, if any (package deadline).
func (k *caseFacts) openDeadline() *time.Time {
	return deadline.Open(enum.CaseState(k.State), k.AckDueAt, k.DueAt)
}

func caseContribution(k *caseFacts, today day) contribution {
	c := contribution{unit: k.Unit}
	y := k.ReceivedAt.In(workdays.Vietnam).Year()
	if y < FirstYear || y > today.Y {
		return c
	}
	c.add(y, kReceived, 1)
	c.add(y, monthly(kReceived, monthIn(k.ReceivedAt, y)), 1)
	c.add(y, kChannel+k.Channel, 1)
	cat := k.Category
	if cat == "" {
		cat = noCategory
	}
	c.add(y, kCategory+cat, 1)
	c.add(y, kState+k.State, 1)
	if counted, onTime := deadline.OnTime(k.ConcludedAt, k.DueAt); counted {
		c.add(y, kConcluded, 1)
		if onTime {
			c.add(y, kOnTime, 1)
		}
	}
	if k.State == "CLOSED" && k.Rating != nil {
		c.add(y, kRated, 1)
		c.add(y, kRatingSum, int64(*k.Rating))
	}
	if d := k.openDeadline(); d != nil {
		t := d.In(workdays.Vietnam)
		c.add(y, kDueDay+t.Format(dueDayLayout), 1)
		c.add(y, kDueMin+t.Format(dueMinLayout), 1)
	}
	return c
}

// later orders reviewed assessments: by submission, then classification (a total order, so the
// choice never depends on the order rows come in).
func later(a, b *assessmentFact) bool {
	at, bt := time.Time{}, time.Time{}
	if a.SubmittedAt != nil {
		at = *a.SubmittedAt
	}
	if b.SubmittedAt != nil {
		bt = *b.SubmittedAt
	}
	if !at.Equal(bt) {
		return at.After(bt)
	}
	return a.Classification > b.Classification
}
