// Package deadline owns the one rule deciding which legal deadline an open citizen case is held to,
// whether it is overdue or due soon, and whether a concluded case was concluded on time. Casework
// (the Case fields and caseStatistics), its list filters and progress's counters all use it, so the
// three can never disagree.
package deadline

import (
	"slices"
	"time"

	"github.com/liemchinh/liemchinh/ent/schema/enum"
)

// AcceptanceStates are the states in which the unit holding a case has still to decide on it
// (received, or transferred to it): the case is held to its acknowledgement deadline (acceptance,
// for a denunciation).
var AcceptanceStates = []enum.CaseState{enum.CaseSubmitted, enum.CaseTransferred}

// ConclusionStates are the states in which an accepted case is being handled: it is held to its
// conclusion (or answer) deadline.
var ConclusionStates = []enum.CaseState{enum.CaseAccepted, enum.CaseVerifying}

// Open returns the deadline an open case is held to now, or nil: its acknowledgement deadline in
// AcceptanceStates, its conclusion deadline in ConclusionStates; none once concluded, closed,
// rejected, withdrawn or a duplicate, and none for praise (which has no deadline).
func Open(state enum.CaseState, acknowledgeDueAt, dueAt *time.Time) *time.Time {
	switch {
	case slices.Contains(AcceptanceStates, state):
		return acknowledgeDueAt
	case slices.Contains(ConclusionStates, state):
		return dueAt
	}
	return nil
}

// Overdue reports whether the case is past the deadline it is held to at instant now: once the
// minute of the deadline has passed, the resolution at which progress counts deadlines. In SQL:
// deadline < OverdueBefore(now).
func Overdue(state enum.CaseState, acknowledgeDueAt, dueAt *time.Time, now time.Time) bool {
	d := Open(state, acknowledgeDueAt, dueAt)
	return d != nil && d.Before(OverdueBefore(now))
}

// OverdueBefore is the instant before which a deadline has passed at now (the start of now's minute).
func OverdueBefore(now time.Time) time.Time { return now.Truncate(time.Minute) }

// Calendar counts working days (package workdays).
type Calendar interface {
	AddWorkingDays(from time.Time, n int) time.Time
}

// DueSoon reports whether the case is not overdue at now but its deadline falls on one of the next n
// working days (today's remaining hours included): handlers are warned before it is overdue. In SQL:
// OverdueBefore(now) <= deadline <= SoonUntil(cal, now, n).
func DueSoon(cal Calendar, state enum.CaseState, acknowledgeDueAt, dueAt *time.Time, now time.Time, n int) bool {
	d := Open(state, acknowledgeDueAt, dueAt)
	return d != nil && !d.Before(OverdueBefore(now)) && !d.After(SoonUntil(cal, now, n))
}

// SoonUntil is the last instant a deadline may fall at to be due soon at now: the end of the n-th
// working day after today (a deadline at the end of Friday is due soon from Wednesday with n = 2).
func SoonUntil(cal Calendar, now time.Time, n int) time.Time { return cal.AddWorkingDays(now, n) }

// OnTime tells whether a case counts in the on-time rate (concluded, with a deadline) and, if so,
// whether it was concluded by its deadline.
func OnTime(concludedAt, dueAt *time.Time) (counted, onTime bool) {
	if concludedAt == nil || dueAt == nil {
		return false, false
	}
	return true, !concludedAt.After(*dueAt)
}
