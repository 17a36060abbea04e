package workdays

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
	"time"
)

// at returns hh:mm ICT on the given day.
func at(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, Vietnam)
}

// endOf returns the last instant of the given day in ICT.
func endOf(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 23, 59, 59, 999_999_000, Vietnam)
}

// date returns a date as the project stores it: midnight UTC.
func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestAddWorkingDays(t *testing.T) {
	cal := Default()
	tests := []struct {
		name string
		from time.Time
		n    int
		want time.Time
	}{
		// Friday 8 March 2024: Mon 11-Fri 15 are 5 days, Mon 18 the 6th, Tue 19 the 7th.
		{"friday receipt over a weekend", at(2024, 3, 8, 10, 0), 7, endOf(2024, 3, 19)},
		{"friday receipt late evening", at(2024, 3, 8, 23, 59), 7, endOf(2024, 3, 19)},
		// 18:00 UTC on Thursday is 01:00 ICT on Friday: the day of receipt is Friday.
		{"day of receipt is the Vietnamese day", time.Date(2024, 3, 7, 18, 0, 0, 0, time.UTC), 7, endOf(2024, 3, 19)},
		{"saturday receipt", at(2024, 3, 9, 9, 0), 7, endOf(2024, 3, 19)},
		{"sunday receipt", at(2024, 3, 10, 9, 0), 7, endOf(2024, 3, 19)},
		{"monday receipt", at(2024, 3, 11, 9, 0), 7, endOf(2024, 3, 20)},
		{"one day", at(2024, 3, 11, 16, 0), 1, endOf(2024, 3, 12)},
		{"zero days is the end of the day of receipt", at(2024, 3, 11, 9, 0), 0, endOf(2024, 3, 11)},
		{"negative is zero", at(2024, 3, 11, 9, 0), -3, endOf(2024, 3, 11)},
		// Thu 12 Feb 2026: Fri 13 (1), Tết 14-22 Feb, Mon 23-Fri 27 (2-6), Mon 2 Mar (7).
		{"across Tết 2026", at(2026, 2, 12, 9, 0), 7, endOf(2026, 3, 2)},
		{"received during Tết 2026", at(2026, 2, 17, 9, 0), 7, endOf(2026, 3, 3)},
		// Mon 28 Apr 2025: Tue 29 (1), 30 Apr-2 May off (2 May swapped), Mon 5-Fri 9 (2-6), Mon 12 (7).
		{"across 30 April and 1 May 2025", at(2025, 4, 28, 9, 0), 7, endOf(2025, 5, 12)},
		// A denunciation received Wed 30 Apr 2025: 1 May off, Fri 2 May swapped, weekend, Mon 5-Fri 9
		// (1-5), Mon 12 (6), Tue 13 (7). The make-up Saturday 26 Apr is before the receipt.
		{"received 30 April 2025", at(2025, 4, 30, 9, 0), 7, endOf(2025, 5, 13)},
		// Fri 25 Apr 2025: Sat 26 worked (1), Mon 28 (2), Tue 29 (3), 30 Apr-4 May off, Mon 5-Thu 8 (4-7).
		{"across the make-up Saturday 26 April 2025", at(2025, 4, 25, 9, 0), 7, endOf(2025, 5, 8)},
		{"received on the make-up Saturday", at(2025, 4, 26, 9, 0), 1, endOf(2025, 4, 28)},
		// Fri 26 Apr 2024: 29 Apr swapped, 30 Apr, 1 May off; Thu 2 (1), Fri 3 (2), Sat 4 worked (3),
		// Mon 6-Thu 9 (4-7).
		{"across 30 April and 1 May 2024", at(2024, 4, 26, 9, 0), 7, endOf(2024, 5, 9)},
		// Hùng Kings' day 2023 on Saturday 29 Apr: 29 Apr-3 May off.
		{"across Hùng Kings, 30 April and 1 May 2023", at(2023, 4, 28, 9, 0), 1, endOf(2023, 5, 4)},
		// New Year 2026: 1 Jan and 2 Jan (swapped) off.
		{"across New Year 2026", at(2025, 12, 31, 9, 0), 1, endOf(2026, 1, 5)},
		// National Day 2026: 31 Aug (swapped), 1-2 Sep off.
		{"across National Day 2026", at(2026, 8, 28, 9, 0), 1, endOf(2026, 9, 3)},
		{"across a year end", at(2024, 12, 27, 9, 0), 7, endOf(2025, 1, 8)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cal.AddWorkingDays(tt.from, tt.n)
			if !got.Equal(tt.want) {
				t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", tt.from, tt.n, got, tt.want)
			}
			if got.Location() != Vietnam {
				t.Errorf("result in %s, want ICT", got.Location())
			}
			if tt.n > 0 && !cal.IsWorkingDay(got) {
				t.Errorf("deadline %s is not a working day", got)
			}
		})
	}
}

func TestAddWorkingHours(t *testing.T) {
	cal := Default()
	const day = 8 * time.Hour
	tests := []struct {
		name string
		from time.Time
		h    time.Duration
		want time.Time
	}{
		{"opening to closing crosses lunch", at(2024, 3, 11, 7, 30), day, at(2024, 3, 11, 17, 0)},
		// 10:00-11:30 (1.5h) + 13:00-17:00 (4h), then 2.5h on Tuesday from 07:30.
		{"mid-morning crosses lunch and evening", at(2024, 3, 11, 10, 0), day, at(2024, 3, 12, 10, 0)},
		{"received at lunch", at(2024, 3, 12, 12, 0), day, at(2024, 3, 13, 11, 30)},
		{"received at closing time", at(2024, 3, 12, 17, 0), day, at(2024, 3, 13, 17, 0)},
		{"received in the evening", at(2024, 3, 12, 19, 0), day, at(2024, 3, 13, 17, 0)},
		{"received before opening", at(2024, 3, 12, 6, 0), day, at(2024, 3, 12, 17, 0)},
		// Friday 14:00-17:00 (3h), Monday 07:30-11:30 (4h), 13:00-14:00 (1h).
		{"friday afternoon over a weekend", at(2024, 3, 8, 14, 0), day, at(2024, 3, 11, 14, 0)},
		{"received on Saturday", at(2024, 3, 9, 10, 0), day, at(2024, 3, 11, 17, 0)},
		// Tue 29 Apr 2025 15:00-17:00 (2h); 30 Apr-4 May off; Mon 5 May 07:30-11:30 (4h), 13:00-15:00.
		{"over 30 April and 1 May 2025", at(2025, 4, 29, 15, 0), day, at(2025, 5, 5, 15, 0)},
		// Fri 13 Feb 2026 16:00-17:00 (1h); Tết; Mon 23 Feb 07:30-11:30 (4h), 13:00-16:00 (3h).
		{"over Tết 2026", at(2026, 2, 13, 16, 0), day, at(2026, 2, 23, 16, 0)},
		{"received on a holiday", at(2026, 2, 17, 10, 0), day, at(2026, 2, 23, 17, 0)},
		{"morning ending at lunch", at(2024, 3, 11, 7, 30), 4 * time.Hour, at(2024, 3, 11, 11, 30)},
		{"minutes across lunch", at(2024, 3, 11, 11, 15), 30 * time.Minute, at(2024, 3, 11, 13, 15)},
		{"from 11:30", at(2024, 3, 11, 11, 30), time.Hour, at(2024, 3, 11, 14, 0)},
		{"several days", at(2024, 3, 11, 7, 30), 3 * day, at(2024, 3, 13, 17, 0)},
		{"UTC instant", time.Date(2024, 3, 11, 0, 30, 0, 0, time.UTC), day, at(2024, 3, 11, 17, 0)},
		{"zero is from", at(2024, 3, 9, 22, 0), 0, at(2024, 3, 9, 22, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cal.AddWorkingHours(tt.from, tt.h)
			if !got.Equal(tt.want) {
				t.Errorf("AddWorkingHours(%s, %s) = %s, want %s", tt.from, tt.h, got.In(Vietnam), tt.want)
			}
		})
	}
}

func TestAddDays(t *testing.T) {
	cal := Default()
	tests := []struct {
		name string
		from time.Time
		n    int
		want time.Time
	}{
		{"30 days over Tết, weekends and holidays count", at(2026, 2, 12, 9, 0), 30, endOf(2026, 3, 14)},
		{"leap February", at(2024, 1, 31, 16, 0), 30, endOf(2024, 3, 1)},
		{"15 days over a year end", at(2025, 12, 20, 8, 0), 15, endOf(2026, 1, 4)},
		// 20:00 UTC on 31 May is 03:00 ICT on 1 June.
		{"Vietnamese day of a UTC instant", time.Date(2025, 5, 31, 20, 0, 0, 0, time.UTC), 30, endOf(2025, 7, 1)},
		{"zero", at(2025, 5, 31, 9, 0), 0, endOf(2025, 5, 31)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cal.AddDays(tt.from, tt.n); !got.Equal(tt.want) {
				t.Errorf("AddDays(%s, %d) = %s, want %s", tt.from, tt.n, got, tt.want)
			}
		})
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	cal := Default()
	tests := []struct {
		name string
		a, b time.Time
		want int
	}{
		{"same day", at(2024, 3, 11, 8, 0), at(2024, 3, 11, 17, 0), 0},
		{"next day", at(2024, 3, 11, 8, 0), at(2024, 3, 12, 8, 0), 1},
		{"over a weekend", at(2024, 3, 8, 8, 0), at(2024, 3, 11, 8, 0), 1},
		{"over Tết 2026", at(2026, 2, 12, 8, 0), at(2026, 3, 2, 8, 0), 7},
		{"backwards", at(2026, 3, 2, 8, 0), at(2026, 2, 12, 8, 0), -7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cal.WorkingDaysBetween(tt.a, tt.b); got != tt.want {
				t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
			}
		})
	}
	t.Run("inverse of AddWorkingDays", func(t *testing.T) {
		for from := at(2025, 12, 1, 10, 0); from.Before(at(2026, 3, 1, 0, 0)); from = from.AddDate(0, 0, 1) {
			for _, n := range []int{0, 1, 7, 30} {
				if got := cal.WorkingDaysBetween(from, cal.AddWorkingDays(from, n)); got != n {
					t.Fatalf("from %s: WorkingDaysBetween(AddWorkingDays(%d)) = %d", from, n, got)
				}
			}
		}
	})
}

func TestIsWorkingDay(t *testing.T) {
	cal := Default()
	tests := []struct {
		name string
		t    time.Time
		want bool
	}{
		{"monday", at(2024, 3, 11, 9, 0), true},
		{"saturday", at(2024, 3, 9, 9, 0), false},
		{"sunday", at(2024, 3, 10, 9, 0), false},
		{"Tết 2026", at(2026, 2, 16, 9, 0), false},
		{"after Tết 2026", at(2026, 2, 23, 9, 0), true},
		{"Hùng Kings 2025", at(2025, 4, 7, 9, 0), false},
		{"compensatory day", at(2022, 4, 11, 9, 0), false},
		{"swapped day", at(2024, 4, 29, 9, 0), false},
		{"make-up Saturday 2024", at(2024, 5, 4, 9, 0), true},
		{"make-up Saturday 2025", at(2025, 4, 26, 9, 0), true},
		{"make-up Saturday 2026", at(2026, 1, 10, 9, 0), true},
		{"the Sunday after a make-up Saturday", at(2025, 4, 27, 9, 0), false},
		{"National Day 2025", at(2025, 9, 1, 9, 0), false},
		{"holiday as a date at midnight UTC", date(2026, 9, 2), false},
		// 17:30 UTC on Friday 13 Feb 2026 is 00:30 ICT on Saturday 14 Feb.
		{"UTC instant read in ICT", time.Date(2026, 2, 13, 17, 30, 0, 0, time.UTC), false},
		{"UTC instant on the same ICT day", time.Date(2026, 2, 13, 16, 30, 0, 0, time.UTC), true},
		{"outside the data: weekdays only", at(2030, 1, 1, 9, 0), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cal.IsWorkingDay(tt.t); got != tt.want {
				t.Errorf("IsWorkingDay(%s) = %v, want %v", tt.t, got, tt.want)
			}
		})
	}
}

func TestWithHolidays(t *testing.T) {
	base := Default()
	extra := base.WithHolidays(date(2024, 3, 11), time.Date(2024, 3, 12, 0, 0, 0, 0, Vietnam))
	from := at(2024, 3, 8, 10, 0)
	tests := []struct {
		name string
		cal  *Calendar
		want time.Time
	}{
		{"default unchanged", base, endOf(2024, 3, 19)},
		{"two extra days off", extra, endOf(2024, 3, 21)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cal.AddWorkingDays(from, 7); !got.Equal(tt.want) {
				t.Errorf("AddWorkingDays = %s, want %s", got, tt.want)
			}
		})
	}
	t.Run("keeps the embedded holidays", func(t *testing.T) {
		if extra.IsWorkingDay(at(2026, 2, 16, 9, 0)) {
			t.Error("Tết 2026 lost")
		}
		if !extra.IsHoliday(at(2024, 3, 11, 9, 0)) || base.IsHoliday(at(2024, 3, 11, 9, 0)) {
			t.Error("extra day not only in the new calendar")
		}
	})
	t.Run("New and the zero calendar know weekends only", func(t *testing.T) {
		for _, c := range []*Calendar{New(nil), {}, (&Calendar{}).WithHolidays()} {
			if !c.IsWorkingDay(at(2026, 2, 16, 9, 0)) || c.IsWorkingDay(at(2026, 2, 14, 9, 0)) {
				t.Error("weekday/weekend wrong")
			}
		}
		c := New([]time.Time{date(2026, 2, 16)})
		if c.IsWorkingDay(at(2026, 2, 16, 9, 0)) {
			t.Error("holiday given to New is a working day")
		}
	})
}

func TestWithWorkingDays(t *testing.T) {
	base := Default()
	// Saturday 9 and Sunday 10 March 2024 worked.
	cal := base.WithWorkingDays(date(2024, 3, 9), time.Date(2024, 3, 10, 0, 0, 0, 0, Vietnam))
	if got, want := cal.AddWorkingDays(at(2024, 3, 8, 10, 0), 7), endOf(2024, 3, 15); !got.Equal(want) {
		t.Errorf("AddWorkingDays = %s, want %s", got, want)
	}
	if base.IsWorkingDay(at(2024, 3, 9, 9, 0)) {
		t.Error("the default calendar changed")
	}
	if got, want := cal.AddWorkingHours(at(2024, 3, 8, 16, 0), 2*time.Hour), at(2024, 3, 9, 8, 30); !got.Equal(want) {
		t.Errorf("office hours on a worked Saturday: %s, want %s", got, want)
	}
	off := cal.WithHolidays(date(2024, 3, 9))
	if off.IsWorkingDay(at(2024, 3, 9, 9, 0)) || !off.IsWorkingDay(at(2024, 3, 10, 9, 0)) {
		t.Error("a later holiday does not override a working day")
	}
	if back := off.WithWorkingDays(date(2024, 3, 9)); !back.IsWorkingDay(at(2024, 3, 9, 9, 0)) || back.IsHoliday(at(2024, 3, 9, 9, 0)) {
		t.Error("a later working day does not override a holiday")
	}
	if got := cal.WorkingDaysBetween(at(2024, 3, 8, 9, 0), at(2024, 3, 11, 9, 0)); got != 3 {
		t.Errorf("WorkingDaysBetween = %d, want 3", got)
	}
}

func TestWorkingDayData(t *testing.T) {
	ws, err := ParseHolidays(bytes.NewReader(workingDaysCSV))
	if err != nil {
		t.Fatalf("the embedded CSV does not parse: %v", err)
	}
	want := []time.Time{date(2024, 5, 4), date(2025, 4, 26), date(2026, 1, 10), date(2026, 8, 22)}
	if len(ws) != len(want) {
		t.Fatalf("%d make-up days, want %d", len(ws), len(want))
	}
	hs := map[time.Time]bool{}
	for _, h := range DefaultHolidays() {
		hs[h.Date] = true
	}
	for i, w := range ws {
		if !w.Date.Equal(want[i]) {
			t.Errorf("make-up day %d is %s, want %s", i, w.Date.Format(time.DateOnly), want[i].Format(time.DateOnly))
		}
		if w.Date.Weekday() != time.Saturday {
			t.Errorf("%s is a %s, not a Saturday", w.Date.Format(time.DateOnly), w.Date.Weekday())
		}
		if hs[w.Date] {
			t.Errorf("%s is both a holiday and a working day", w.Date.Format(time.DateOnly))
		}
		if !Default().IsWorkingDay(w.Date) {
			t.Errorf("%s is not a working day of the default calendar", w.Date.Format(time.DateOnly))
		}
	}
	// Each make-up Saturday is named in holidays.csv beside the swapped weekday.
	for _, w := range ws {
		if !bytes.Contains(holidaysCSV, []byte("make-up working Saturday: "+w.Date.Format(time.DateOnly))) {
			t.Errorf("%s not named in holidays.csv", w.Date.Format(time.DateOnly))
		}
	}
	a := DefaultWorkingDays()
	a[0].NameEN = "changed"
	if DefaultWorkingDays()[0].NameEN == "changed" {
		t.Error("DefaultWorkingDays shares its slice")
	}
}

func TestHolidayData(t *testing.T) {
	hs, err := ParseHolidays(bytes.NewReader(holidaysCSV))
	if err != nil {
		t.Fatalf("the embedded CSV does not parse: %v", err)
	}
	byDate := map[time.Time]Holiday{}
	perYear := map[int]int{}
	for _, h := range hs {
		byDate[h.Date] = h
		perYear[h.Date.Year()]++
		if h.Date.Location() != time.UTC || h.Date.Hour() != 0 {
			t.Errorf("%s: not a date at midnight UTC", h.Date)
		}
	}

	t.Run("no duplicate rows", func(t *testing.T) {
		// Scan the raw file, independently of the parser.
		seen := map[string]int{}
		sc := bufio.NewScanner(bytes.NewReader(holidaysCSV))
		for line := 1; sc.Scan(); line++ {
			l := strings.TrimSpace(sc.Text())
			if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, "date,") {
				continue
			}
			d, _, _ := strings.Cut(l, ",")
			if prev, ok := seen[d]; ok {
				t.Errorf("%s on lines %d and %d", d, prev, line)
			}
			seen[d] = line
		}
		if len(seen) != len(hs) {
			t.Errorf("%d data lines, %d holidays parsed", len(seen), len(hs))
		}
	})

	t.Run("sorted and within 2020-2027", func(t *testing.T) {
		for i, h := range hs {
			if y := h.Date.Year(); y < 2020 || y > 2027 {
				t.Errorf("%s out of range", h.Date.Format(time.DateOnly))
			}
			if i > 0 && !hs[i-1].Date.Before(h.Date) {
				t.Errorf("%s not after %s", h.Date, hs[i-1].Date)
			}
		}
	})

	for y := 2020; y <= 2027; y++ {
		t.Run("year "+time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC).Format("2006"), func(t *testing.T) {
			if perYear[y] < 10 {
				t.Errorf("%d holidays, want at least 10", perYear[y])
			}
			for _, d := range []time.Time{date(y, 1, 1), date(y, 4, 30), date(y, 5, 1), date(y, 9, 2)} {
				if _, ok := byDate[d]; !ok {
					t.Errorf("statutory holiday %s missing", d.Format(time.DateOnly))
				}
			}
			if y >= 2021 { // Labour Code 2019: National Day is two days, 2 Sep and 1 or 3 Sep
				_, sep1 := byDate[date(y, 9, 1)]
				_, sep3 := byDate[date(y, 9, 3)]
				if !sep1 && !sep3 {
					t.Error("National Day's adjacent day missing")
				}
			}
		})
	}

	t.Run("Tết of each year", func(t *testing.T) {
		// The Lunar New Year's day and the break as decided (2027 provisional).
		tet := []struct {
			newYear    time.Time
			from, to   time.Time
			weekdaysOf int // weekdays off in the break
		}{
			{date(2020, 1, 25), date(2020, 1, 23), date(2020, 1, 29), 5},
			{date(2021, 2, 12), date(2021, 2, 10), date(2021, 2, 16), 5},
			{date(2022, 2, 1), date(2022, 1, 31), date(2022, 2, 4), 5},
			{date(2023, 1, 22), date(2023, 1, 20), date(2023, 1, 26), 5},
			{date(2024, 2, 10), date(2024, 2, 8), date(2024, 2, 14), 5},
			{date(2025, 1, 29), date(2025, 1, 25), date(2025, 2, 2), 5},
			{date(2026, 2, 17), date(2026, 2, 14), date(2026, 2, 22), 5},
			{date(2027, 2, 6), date(2027, 2, 5), date(2027, 2, 11), 5},
		}
		cal := Default()
		for _, tt := range tet {
			if h, ok := byDate[tt.newYear]; !ok || h.NameEN != "Lunar New Year" || h.NameVI != "Tết Nguyên đán" {
				t.Errorf("Tết %d: %s missing or misnamed (%+v)", tt.newYear.Year(), tt.newYear.Format(time.DateOnly), h)
			}
			weekdays := 0
			for d := tt.from; !d.After(tt.to); d = d.AddDate(0, 0, 1) {
				if h, ok := byDate[d]; !ok || h.NameEN != "Lunar New Year" {
					t.Errorf("Tết %d: %s not a Tết day", tt.newYear.Year(), d.Format(time.DateOnly))
				}
				if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
					weekdays++
				}
				if cal.IsWorkingDay(d) {
					t.Errorf("%s is a working day", d.Format(time.DateOnly))
				}
			}
			if weekdays != tt.weekdaysOf {
				t.Errorf("Tết %d: %d weekdays off, want %d", tt.newYear.Year(), weekdays, tt.weekdaysOf)
			}
		}
	})

	t.Run("Hùng Kings' Commemoration", func(t *testing.T) {
		for _, d := range []time.Time{date(2020, 4, 2), date(2021, 4, 21), date(2022, 4, 10), date(2022, 4, 11),
			date(2023, 4, 29), date(2024, 4, 18), date(2025, 4, 7), date(2026, 4, 26), date(2026, 4, 27), date(2027, 4, 16)} {
			if h, ok := byDate[d]; !ok || !strings.HasPrefix(h.NameEN, "Hùng Kings") {
				t.Errorf("%s: %+v, want Hùng Kings' Commemoration", d.Format(time.DateOnly), h)
			}
		}
	})

	t.Run("compensatory and swapped days are weekdays", func(t *testing.T) {
		for _, h := range hs {
			if strings.Contains(h.NameEN, "(compensatory") || strings.Contains(h.NameEN, "(swapped") {
				if wd := h.Date.Weekday(); wd == time.Saturday || wd == time.Sunday {
					t.Errorf("%s (%s) falls on %s", h.Date.Format(time.DateOnly), h.NameEN, wd)
				}
			}
		}
	})

	t.Run("DefaultHolidays is a copy", func(t *testing.T) {
		a := DefaultHolidays()
		a[0].NameEN = "changed"
		if DefaultHolidays()[0].NameEN == "changed" {
			t.Error("DefaultHolidays shares its slice")
		}
	})
}

func TestParseHolidays(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    int
		wantErr string
	}{
		{"header, comments and blank lines", "# c\ndate,name_vi,name_en\n\n# another\n2026-01-01,Tết Dương lịch,New Year's Day\n", 1, ""},
		{"no header", "2026-01-01,a,b\n2026-01-02,a,b\n", 2, ""},
		{"spaces trimmed", " 2026-01-01 , a , b \n", 1, ""},
		{"empty", "", 0, ""},
		{"duplicate", "2026-01-01,a,b\n2026-01-01,c,d\n", 0, "already listed on line 1"},
		{"bad date", "2026-13-01,a,b\n", 0, "bad date"},
		{"missing field", "2026-01-01,a\n", 0, "wrong number of fields"},
		{"empty name", "2026-01-01,,b\n", 0, "no name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseHolidays(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.want {
				t.Errorf("%d holidays, want %d", len(got), tt.want)
			}
		})
	}
}

func TestDurations(t *testing.T) {
	d := DefaultDurations()
	want := Durations{DenunciationAcceptWorkingDays: 7, DenunciationConcludeDays: 30, DenunciationExtensionDays: 30,
		DenunciationMaxExtensionsComplex: 1, DenunciationMaxExtensionsVeryComplex: 2, FeedbackAcknowledgeWorkingHours: 8,
		FeedbackAnswerDays: 15, DueSoonWorkingDays: 2}
	if d != want {
		t.Errorf("DefaultDurations() = %+v, want %+v", d, want)
	}
	tests := []struct {
		name    string
		mod     func(*Durations)
		wantErr []string
	}{
		{"defaults", func(*Durations) {}, nil},
		{"zero accept", func(d *Durations) { d.DenunciationAcceptWorkingDays = 0 }, []string{"DenunciationAcceptWorkingDays"}},
		{"negative extensions and hours", func(d *Durations) {
			d.DenunciationMaxExtensionsVeryComplex = -1
			d.FeedbackAcknowledgeWorkingHours = 0
		}, []string{"DenunciationMaxExtensionsVeryComplex", "FeedbackAcknowledgeWorkingHours"}},
		{"complex above very complex", func(d *Durations) { d.DenunciationMaxExtensionsComplex = 3 }, []string{"must not exceed"}},
		{"zero value", func(d *Durations) { *d = Durations{} }, []string{"DenunciationConcludeDays", "DenunciationExtensionDays", "FeedbackAnswerDays"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := DefaultDurations()
			tt.mod(&d)
			err := d.Validate()
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Validate() = nil, want an error")
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %v, want it to name %s", err, w)
				}
			}
		})
	}
}

// TestDeadlinesSurvivePostgres: PostgreSQL keeps microseconds and rounds a last nanosecond up to
// the next day, so deadlines end on a whole microsecond.
func TestDeadlinesSurvivePostgres(t *testing.T) {
	d := Default().AddWorkingDays(time.Date(2026, 2, 13, 16, 0, 0, 0, Vietnam), 7)
	if d.Nanosecond()%1000 != 0 {
		t.Fatalf("deadline %s is not a whole microsecond", d.Format(time.RFC3339Nano))
	}
	if got := d.Truncate(time.Microsecond).Format(time.DateOnly); got != "2026-03-03" {
		t.Fatalf("7 working days after Friday 13 Feb 2026 (Tết 14-22 Feb): %s, want 2026-03-03", got)
	}
}
