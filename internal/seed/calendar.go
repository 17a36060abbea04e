package seed

import (
	"time"

	"github.com/liemchinh/liemchinh/internal/workdays"
)

// Times are stored in UTC. A date (valid_from, active_from, occurred_on...) is midnight UTC of that
// day; an instant (received_at, signed_at...) is a moment of Vietnamese office life, made in ICT and
// stored in UTC.
var ict = workdays.Vietnam

// day returns a date: midnight UTC.
func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// dateOf returns the Vietnamese calendar day of an instant, as a date.
func dateOf(t time.Time) time.Time {
	l := t.In(ict)
	return day(l.Year(), l.Month(), l.Day())
}

// at returns the instant at hh:mm ICT on date d.
func at(d time.Time, hh, mm int) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), hh, mm, 0, 0, ict).UTC()
}

// randDate returns a date in [from, to] (dates); from when the range is empty.
func randDate(s *stream, from, to time.Time) time.Time {
	n := int(to.Sub(from).Hours() / 24)
	if n <= 0 {
		return from
	}
	return from.AddDate(0, 0, s.IntN(n+1))
}

// officeTime returns an instant within office hours (07:30 to 16:59 ICT) on date d.
func officeTime(s *stream, d time.Time) time.Time {
	m := s.between(7*60+30, 16*60+59)
	return at(d, m/60, m%60)
}

// anyTime returns an instant between 06:00 and 22:59 ICT on date d (citizens write at any hour).
func anyTime(s *stream, d time.Time) time.Time {
	m := s.between(6*60, 22*60+59)
	return at(d, m/60, m%60)
}

// holidays are the public days off of 2020-2027 (Tết and Hùng Kings' day approximately as decided
// each year); deadlines count only working days.
var holidays = func() map[time.Time]bool {
	h := map[time.Time]bool{}
	span := func(y int, m time.Month, d, n int) {
		for i := range n {
			h[day(y, m, d).AddDate(0, 0, i)] = true
		}
	}
	for y := 2020; y <= 2027; y++ {
		span(y, time.January, 1, 1)
		span(y, time.April, 30, 2)
		span(y, time.September, 2, 1)
		if y >= 2021 {
			span(y, time.September, 1, 1)
		}
	}
	// Tết (Lunar New Year).
	span(2020, time.January, 23, 7)
	span(2021, time.February, 10, 7)
	span(2022, time.January, 29, 9)
	span(2023, time.January, 20, 7)
	span(2024, time.February, 8, 7)
	span(2025, time.January, 25, 9)
	span(2026, time.February, 14, 9)
	span(2027, time.February, 5, 7)
	// Hùng Kings' Commemoration (10th of the 3rd lunar month), as observed.
	for _, d := range []time.Time{day(2020, 4, 2), day(2021, 4, 21), day(2022, 4, 11), day(2023, 5, 2),
		day(2024, 4, 18), day(2025, 4, 7), day(2026, 4, 27), day(2027, 4, 16)} {
		h[d] = true
	}
	return h
}()

func isWorkday(d time.Time) bool {
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday && !holidays[d]
}

// nextWorkday returns the first working day on or after date d.
func nextWorkday(d time.Time) time.Time {
	for !isWorkday(d) {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// addWorkdays returns the end of office hours (17:30 ICT) of the n-th working day after instant t.
func addWorkdays(t time.Time, n int) time.Time {
	d := dateOf(t)
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if isWorkday(d) {
			n--
		}
	}
	return at(d, 17, 30)
}

// workdayAfter returns an office-hours instant k working days after instant t (k >= 1), or on the
// same day if k is 0 and t leaves room for it.
func workdayAfter(s *stream, t time.Time, k int) time.Time {
	d := dateOf(t)
	for i := 0; i < k || !isWorkday(d); {
		d = d.AddDate(0, 0, 1)
		if isWorkday(d) {
			i++
		}
	}
	u := officeTime(s, d)
	if !u.After(t) {
		u = t.Add(time.Duration(s.between(20, 180)) * time.Minute)
	}
	return u
}

// addWorkingHours adds h office hours (07:30-11:30 and 13:30-17:30 ICT on working days) to t.
func addWorkingHours(t time.Time, h int) time.Time {
	sessions := [][2]int{{7*60 + 30, 11*60 + 30}, {13*60 + 30, 17*60 + 30}}
	rem := h * 60
	l := t.In(ict)
	d := day(l.Year(), l.Month(), l.Day())
	m := l.Hour()*60 + l.Minute()
	for {
		if isWorkday(d) {
			for _, s := range sessions {
				if m >= s[1] {
					continue
				}
				start := max(m, s[0])
				if avail := s[1] - start; rem <= avail {
					end := start + rem
					return at(d, end/60, end%60)
				} else {
					rem -= avail
				}
				m = s[1]
			}
		}
		d, m = d.AddDate(0, 0, 1), 0
	}
}

// yearEnd returns the day a year's headcount is taken: 31 December, or today for the current year.
func yearEnd(y int, now time.Time) time.Time {
	e := day(y, time.December, 31)
	if n := dateOf(now); n.Before(e) {
		return n
	}
	return e
}

// minTime returns the earlier of a and b.
func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// maxTime returns the later of a and b.
func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
