package progress

import (
	"time"

	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/predicate"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

// ReferenceDay is the day a year's figures are reckoned at (refDay): today for the current year,
// 31 December for a past one, as the start of that day in Vietnam time.
func ReferenceDay(year int, now time.Time) time.Time {
	d := refDay(year, dayOf(now))
	return time.Date(d.Y, d.M, d.D, 0, 0, 0, 0, workdays.Vietnam)
}

// Counted is the headcount of a year as a query predicate: the officials in service on the year's
// reference day (officialFacts.activeOn, which fills the counters, says the same over loaded
// records). Every headcount outside the counters (a unit manager's year) uses it, so the two agree.
func Counted(year int, now time.Time) predicate.Official {
	start := ReferenceDay(year, now)
	// Compared in UTC: SQLite compares the stored text.
	from, next := start.UTC(), start.AddDate(0, 0, 1).UTC()
	return official.And(official.ActiveFromLT(next), official.Or(official.ActiveToIsNil(), official.ActiveToGTE(from)))
}
