// Package workdays computes legal deadlines in Vietnamese working time: working days, office hours
// and calendar days, in Vietnam time (ICT, UTC+7), against a calendar of public holidays.
//
// # Holidays
//
// The default calendar ships as data, holidays.csv (embedded), one row per day off of public
// employees from 2020 to 2027: date, Vietnamese name, English name. Its sources are:
//
//   - Labour Code 2019 (Bộ luật Lao động, 45/2019/QH14) art. 112: New Year's Day (1 January), Tết
//     (5 days), Hùng Kings' Commemoration (10th day of the 3rd lunar month), Reunification Day
//     (30 April), International Labour Day (1 May), National Day (2 September and one adjacent day
//     chosen by the Prime Minister; one day only under the Labour Code 2012, art. 115, i.e. in 2020);
//     and art. 111(3): a holiday falling on a weekly rest day is compensated on the next working day;
//   - the yearly announcements of the Ministry of Labour, Invalids and Social Affairs (to 2024) and of
//     the Ministry of Home Affairs (from 2025), as approved by the Prime Minister: the Tết and National
//     Day days, compensatory days and working days swapped into a break.
//
// The years 2020-2026 follow the announcements; 2027 is provisional (statutory and compensatory days
// only). Doubtful days are commented in the CSV. A weekday swapped into a break is made up on a
// Saturday, which is then a working day: those Saturdays ship as workingdays.csv, in the same format.
// Days off decided later (a new holiday, a local day off) are added with [Calendar.WithHolidays],
// working days with [Calendar.WithWorkingDays].
//
// # Counting
//
// Following the Civil Code 2015 (art. 147) and the Law on Denunciations 2018 (art. 29-30), a period
// in days starts on the day after the event (receipt, acceptance) and ends at the end of its last
// day. See [Calendar.AddWorkingDays], [Calendar.AddDays] and [Calendar.AddWorkingHours].
//
// The package is pure: no I/O beyond the embedded file, no clock, no global state that changes.
package workdays

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
)

// Vietnam is Indochina Time (UTC+7, no daylight saving), the zone in which days and office hours
// are counted.
var Vietnam = time.FixedZone("ICT", 7*60*60)

// Office hours on a working day, in Vietnam time: 07:30-11:30 and 13:00-17:00 (8 hours).
var officeSessions = [...]struct{ from, to time.Duration }{
	{7*time.Hour + 30*time.Minute, 11*time.Hour + 30*time.Minute},
	{13 * time.Hour, 17 * time.Hour},
}

//go:embed holidays.csv
var holidaysCSV []byte

//go:embed workingdays.csv
var workingDaysCSV []byte

// Holiday is one day off of the holiday calendar.
type Holiday struct {
	Date   time.Time // the day, as midnight UTC (the project's convention for dates)
	NameVI string    // Vietnamese name, e.g. "Tết Nguyên đán"
	NameEN string    // English name, e.g. "Lunar New Year"
}

// csvHeader is the optional header row of a holiday file.
var csvHeader = []string{"date", "name_vi", "name_en"}

// ParseHolidays reads a holiday file: CSV rows "date,name_vi,name_en" with the date as YYYY-MM-DD.
// Lines starting with '#' and blank lines are skipped, and so is the header row "date,name_vi,name_en".
// A malformed row, an empty name or a date listed twice is an error. The result is sorted by date.
func ParseHolidays(r io.Reader) ([]Holiday, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = len(csvHeader)
	cr.TrimLeadingSpace = true
	var out []Holiday
	seen := map[time.Time]int{}
	for first := true; ; first = false {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("workdays: holidays: %w", err)
		}
		line, _ := cr.FieldPos(0)
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if first && slices.Equal(rec, csvHeader) {
			continue
		}
		d, err := time.Parse(time.DateOnly, rec[0])
		if err != nil {
			return nil, fmt.Errorf("workdays: holidays line %d: bad date %q", line, rec[0])
		}
		if rec[1] == "" || rec[2] == "" {
			return nil, fmt.Errorf("workdays: holidays line %d: %s has no name", line, rec[0])
		}
		if prev, ok := seen[d]; ok {
			return nil, fmt.Errorf("workdays: holidays line %d: %s already listed on line %d", line, rec[0], prev)
		}
		seen[d] = line
		out = append(out, Holiday{Date: d, NameVI: rec[1], NameEN: rec[2]})
	}
	slices.SortFunc(out, func(a, b Holiday) int { return a.Date.Compare(b.Date) })
	return out, nil
}

var defaultHolidays = sync.OnceValue(func() []Holiday {
	h, err := ParseHolidays(bytes.NewReader(holidaysCSV))
	if err != nil {
		panic(err) // the embedded file is checked by the tests
	}
	return h
})

// DefaultHolidays returns the embedded holidays (2020-2027), sorted by date. The slice is a copy.
func DefaultHolidays() []Holiday { return slices.Clone(defaultHolidays()) }

var defaultWorkingDays = sync.OnceValue(func() []Holiday {
	h, err := ParseHolidays(bytes.NewReader(workingDaysCSV))
	if err != nil {
		panic(err) // the embedded file is checked by the tests
	}
	return h
})

// DefaultWorkingDays returns the embedded Saturdays worked to make up for a swapped weekday
// (2020-2027), sorted by date, in the format of the holidays. The slice is a copy.
func DefaultWorkingDays() []Holiday { return slices.Clone(defaultWorkingDays()) }

func dates(h []Holiday) []time.Time {
	out := make([]time.Time, len(h))
	for i, x := range h {
		out[i] = x.Date
	}
	return out
}

// civilDate is a day of the calendar.
type civilDate struct {
	y int
	m time.Month
	d int
}

func dateOf(t time.Time) civilDate {
	y, m, d := t.Date()
	return civilDate{y, m, d}
}

// vnDate is the day of instant t in Vietnam.
func vnDate(t time.Time) civilDate { return dateOf(t.In(Vietnam)) }

// at returns the instant at offset off after midnight of day d, in Vietnam.
func (d civilDate) at(off time.Duration) time.Time {
	return time.Date(d.y, d.m, d.d, 0, 0, 0, 0, Vietnam).Add(off)
}

// endOfDay returns the last microsecond of day d in Vietnam (23:59:59.999999 ICT): PostgreSQL
// keeps microseconds and would round a last nanosecond up into the next day.
func (d civilDate) endOfDay() time.Time {
	return time.Date(d.y, d.m, d.d, 23, 59, 59, 999_999_000, Vietnam)
}

// addDays returns the day n days after d (before when n < 0).
func (d civilDate) addDays(n int) civilDate {
	return dateOf(time.Date(d.y, d.m, d.d+n, 12, 0, 0, 0, time.UTC))
}

func (d civilDate) weekday() time.Weekday {
	return time.Date(d.y, d.m, d.d, 12, 0, 0, 0, time.UTC).Weekday()
}

func (d civilDate) before(e civilDate) bool {
	if d.y != e.y {
		return d.y < e.y
	}
	if d.m != e.m {
		return d.m < e.m
	}
	return d.d < e.d
}

// Calendar tells working days from days off: Saturdays, Sundays and its holidays are off, except
// its working days (Saturdays worked to make up for a swapped weekday). A Calendar is immutable and
// safe for concurrent use; the zero value has no holidays (weekends only).
type Calendar struct {
	off  map[civilDate]bool
	work map[civilDate]bool
}

var defaultCalendar = sync.OnceValue(func() *Calendar {
	return New(dates(defaultHolidays())).WithWorkingDays(dates(defaultWorkingDays())...)
})

// Default returns the calendar of the embedded Vietnamese public holidays and make-up working
// Saturdays (2020-2027), with Saturday and Sunday as weekly days off. Outside 2020-2027 it knows
// weekends only. The calendar is shared; it is immutable.
func Default() *Calendar { return defaultCalendar() }

// New returns a calendar with the given holidays, Saturday and Sunday being days off as well.
// A holiday is a date: only its year, month and day in its own location (t.Date()) count, so both
// midnight UTC (the project's dates) and midnight ICT denote that day.
func New(holidays []time.Time) *Calendar {
	c := &Calendar{off: make(map[civilDate]bool, len(holidays))}
	for _, h := range holidays {
		c.off[dateOf(h)] = true
	}
	return c
}

// WithHolidays returns a copy of c with extra days off (configured local holidays, a new national
// holiday...), dates as in [New]; a day that was a working day of c no longer is. c itself is
// unchanged.
func (c *Calendar) WithHolidays(extra ...time.Time) *Calendar {
	n := c.clone()
	for _, h := range extra {
		n.off[dateOf(h)] = true
		delete(n.work, dateOf(h))
	}
	return n
}

// WithWorkingDays returns a copy of c with extra working days (a Saturday worked to make up for a
// swapped weekday, say), dates as in [New]; a day that was a holiday of c no longer is. c itself is
// unchanged.
func (c *Calendar) WithWorkingDays(extra ...time.Time) *Calendar {
	n := c.clone()
	for _, w := range extra {
		n.work[dateOf(w)] = true
		delete(n.off, dateOf(w))
	}
	return n
}

func (c *Calendar) clone() *Calendar {
	n := &Calendar{off: make(map[civilDate]bool, len(c.off)), work: make(map[civilDate]bool, len(c.work))}
	for d := range c.off {
		n.off[d] = true
	}
	for d := range c.work {
		n.work[d] = true
	}
	return n
}

// IsHoliday reports whether the Vietnamese day of instant t is one of the calendar's holidays
// (weekends aside).
func (c *Calendar) IsHoliday(t time.Time) bool { return c.off[vnDate(t)] }

// IsWorkingDay reports whether the day of instant t, in Vietnam time, is a working day: Monday to
// Friday and not a holiday, or one of the calendar's working days.
func (c *Calendar) IsWorkingDay(t time.Time) bool { return c.workday(vnDate(t)) }

func (c *Calendar) workday(d civilDate) bool {
	if c.work[d] {
		return true
	}
	switch d.weekday() {
	case time.Saturday, time.Sunday:
		return false
	}
	return !c.off[d]
}

// AddWorkingDays returns the deadline of a period of n working days starting at instant from (a
// receipt, say): the day of from (in Vietnam time) does not count, whether or not it is a working
// day, and the deadline is the end, 23:59:59.999999 ICT, of the n-th working day after it. For
// example a denunciation received on Friday with 7 working days to decide falls due at the end of
// the Tuesday of the second week after (if no holiday intervenes). For n <= 0 it returns the end of
// the day of from. The result is in [Vietnam].
func (c *Calendar) AddWorkingDays(from time.Time, n int) time.Time {
	d := vnDate(from)
	for n > 0 {
		d = d.addDays(1)
		if c.workday(d) {
			n--
		}
	}
	return d.endOfDay()
}

// WorkingDaysBetween returns the number of working days after the day of a up to and including the
// day of b (days in Vietnam time), so that WorkingDaysBetween(a, c.AddWorkingDays(a, n)) == n. It
// is negative when b's day is before a's, and 0 on the same day. It tells how many working days of a
// period have elapsed, or remain before a deadline.
func (c *Calendar) WorkingDaysBetween(a, b time.Time) int {
	da, db := vnDate(a), vnDate(b)
	sign := 1
	if db.before(da) {
		da, db, sign = db, da, -1
	}
	n := 0
	for d := da.addDays(1); !db.before(d); d = d.addDays(1) {
		if c.workday(d) {
			n++
		}
	}
	return sign * n
}

// AddWorkingHours returns the instant at which h of office time has elapsed after instant from.
// Office hours are 07:30-11:30 and 13:00-17:00 ICT on working days (8 hours a day); from outside
// office hours (at lunch, in the evening, on a day off) the count starts at the next opening, and a
// period ending exactly at a closing time ends then (Monday 07:30 + 8h is Monday 17:00). For h <= 0
// it returns from. The result is in [Vietnam].
func (c *Calendar) AddWorkingHours(from time.Time, h time.Duration) time.Time {
	from = from.In(Vietnam)
	if h <= 0 {
		return from
	}
	rem := h
	for d := vnDate(from); ; d = d.addDays(1) {
		if !c.workday(d) {
			continue
		}
		for _, s := range officeSessions {
			open, closing := d.at(s.from), d.at(s.to)
			if !from.Before(closing) {
				continue
			}
			start := open
			if from.After(open) {
				start = from
			}
			avail := closing.Sub(start)
			if rem <= avail {
				return start.Add(rem)
			}
			rem -= avail
		}
	}
}

// AddDays returns the deadline of a period of n calendar days starting at instant from (30 days to
// conclude, say): the end, 23:59:59.999999 ICT, of the n-th day after the day of from in Vietnam
// time. Weekends and holidays count, and a deadline falling on a day off is not moved: the Civil
// Code 2015, art. 148(5), would move it to the end of the next working day, which a caller applies
// with c.AddWorkingDays(deadline, 1) when !c.IsWorkingDay(deadline). For n <= 0 it returns the end
// of the day of from. The result is in [Vietnam].
func (c *Calendar) AddDays(from time.Time, n int) time.Time {
	return vnDate(from).addDays(max(n, 0)).endOfDay()
}

// Durations are the legal time limits of citizen cases (DESIGN.md §5), the one type of them:
// configured (internal/config), validated once there, and used by casework. Defaults
// ([DefaultDurations]):
//
//   - a denunciation's acceptance is decided within 7 working days of receipt (Law on Denunciations
//     2018, art. 29);
//   - it is concluded within 30 days of acceptance, extendable by up to 30 days once when complex and
//     twice when very complex, each extension a recorded decision (art. 30);
//   - feedback is acknowledged within 8 working hours and answered within 15 days;
//   - handlers are warned 2 working days before a deadline (not a legal limit: a house rule).
type Durations struct {
	DenunciationAcceptWorkingDays        int // working days from receipt to the acceptance decision (7)
	DenunciationConcludeDays             int // calendar days from acceptance to conclusion (30)
	DenunciationExtensionDays            int // calendar days of each extension (30)
	DenunciationMaxExtensionsComplex     int // extensions of a complex case (1)
	DenunciationMaxExtensionsVeryComplex int // extensions of a very complex case (2)
	FeedbackAcknowledgeWorkingHours      int // office hours from receipt to acknowledgement (8)
	FeedbackAnswerDays                   int // calendar days from receipt to the answer (15)
	DueSoonWorkingDays                   int // a case is due soon this many working days before its deadline (2)
}

// DefaultDurations returns the durations of the law, as in DESIGN.md §5.
func DefaultDurations() Durations {
	return Durations{
		DenunciationAcceptWorkingDays:        7,
		DenunciationConcludeDays:             30,
		DenunciationExtensionDays:            30,
		DenunciationMaxExtensionsComplex:     1,
		DenunciationMaxExtensionsVeryComplex: 2,
		FeedbackAcknowledgeWorkingHours:      8,
		FeedbackAnswerDays:                   15,
		DueSoonWorkingDays:                   2,
	}
}

// Validate reports every duration that is not positive, and a complex case allowed more extensions
// than a very complex one.
func (d Durations) Validate() error {
	var errs []error
	for _, f := range []struct {
		name string
		v    int
	}{
		{"DenunciationAcceptWorkingDays", d.DenunciationAcceptWorkingDays},
		{"DenunciationConcludeDays", d.DenunciationConcludeDays},
		{"DenunciationExtensionDays", d.DenunciationExtensionDays},
		{"DenunciationMaxExtensionsComplex", d.DenunciationMaxExtensionsComplex},
		{"DenunciationMaxExtensionsVeryComplex", d.DenunciationMaxExtensionsVeryComplex},
		{"FeedbackAcknowledgeWorkingHours", d.FeedbackAcknowledgeWorkingHours},
		{"FeedbackAnswerDays", d.FeedbackAnswerDays},
		{"DueSoonWorkingDays", d.DueSoonWorkingDays},
	} {
		if f.v <= 0 {
			errs = append(errs, fmt.Errorf("workdays: %s must be positive, got %d", f.name, f.v))
		}
	}
	if d.DenunciationMaxExtensionsComplex > d.DenunciationMaxExtensionsVeryComplex {
		errs = append(errs, fmt.Errorf("workdays: DenunciationMaxExtensionsComplex (%d) must not exceed DenunciationMaxExtensionsVeryComplex (%d)",
			d.DenunciationMaxExtensionsComplex, d.DenunciationMaxExtensionsVeryComplex))
	}
	return errors.Join(errs...)
}
