// Package assessment holds the rules of officials' yearly self-assessment and its review
// (DESIGN.md §4): which scheme applies, the 100-point thresholds, the six-month rule, the incident
// rule, who may review, and when the annual window closes. Pure functions, no database.
package assessment

import (
	"fmt"
	"time"

	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/ent/selfassessment"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

// Vietnam is the time zone deadlines are counted in.
var Vietnam = workdays.Vietnam

// ScoreSchemeFrom is the first year assessed on the 100-point scheme (Decree 335/2025).
const ScoreSchemeFrom = 2026

// SchemeFor returns the scheme a year is assessed under.
func SchemeFor(year int) selfassessment.Scheme {
	if year >= ScoreSchemeFrom {
		return selfassessment.SchemeSCORE_100
	}
	return selfassessment.SchemeFOUR_LEVEL
}

// ClassificationForScore maps a 100-point score to its classification: 90 and over EXCELLENT,
// 70 GOOD, 50 COMPLETED, below 50 NOT_COMPLETED.
func ClassificationForScore(score int) enum.Classification {
	switch {
	case score >= 90:
		return enum.ClassificationExcellent
	case score >= 70:
		return enum.ClassificationGood
	case score >= 50:
		return enum.ClassificationCompleted
	}
	return enum.ClassificationNotCompleted
}

// WorkedSixMonths reports whether someone in service from `from` to `to` (nil: still in service)
// worked six months or more of the year: a person rated must have.
func WorkedSixMonths(from time.Time, to *time.Time, year int) bool {
	start := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(year+1, 1, 1, 0, 0, 0, 0, time.UTC) // exclusive
	f := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC)
	if f.After(start) {
		start = f
	}
	if to != nil {
		t := time.Date(to.Year(), to.Month(), to.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
		if t.Before(end) {
			end = t
		}
	}
	return !start.AddDate(0, 6, 0).After(end)
}

// Window is the yearly deadline of self-assessments: month and day (15 December by default).
type Window struct {
	Month time.Month
	Day   int
}

// DefaultWindow closes on 15 December, as Decree 90/2020 has the classification decided before then.
var DefaultWindow = Window{Month: time.December, Day: 15}

// ParseWindow reads "MM-DD".
func ParseWindow(s string) (Window, error) {
	var m, d int
	if _, err := fmt.Sscanf(s, "%d-%d", &m, &d); err != nil || m < 1 || m > 12 || d < 1 || d > 31 {
		return Window{}, fmt.Errorf("%q is not a month-day such as 12-15", s)
	}
	if time.Date(2025, time.Month(m), d, 0, 0, 0, 0, time.UTC).Day() != d {
		return Window{}, fmt.Errorf("%q is not a day of the year", s)
	}
	return Window{Month: time.Month(m), Day: d}, nil
}

// Closes returns the last instant submissions for the year are accepted (the end of the closing
// day, Vietnam time).
func (w Window) Closes(year int) time.Time {
	return time.Date(year, w.Month, w.Day, 0, 0, 0, 0, Vietnam).AddDate(0, 0, 1).Add(-time.Microsecond)
}

// CheckSubmission refuses a submission for year at now when the window is closed or the year has
// not started.
func (w Window) CheckSubmission(year int, now time.Time) error {
	if now.In(Vietnam).Year() < year {
		return apperr.Newf(apperr.BadUserInput,
			"Chưa thể nộp bản tự đánh giá năm %d: năm này chưa bắt đầu.",
			"The self-assessment for %d cannot be submitted yet: the year has not begun.", year).OnField("year")
	}
	if closes := w.Closes(year); now.After(closes) {
		return apperr.Newf(apperr.BadUserInput,
			"Đã hết hạn nộp bản tự đánh giá năm %d (hạn chót %s).",
			"The window for %d self-assessments closed on %s.", year, closes.Format("02/01/2006")).OnField("year")
	}
	return nil
}

// BarredByIncident reports whether an official with an incident in the year cannot keep the
// classification c (Decree 90/2020 as amended by 48/2023: EXCELLENT and GOOD). A review giving it
// before the incident was established is flagged for a new one.
func BarredByIncident(c enum.Classification) bool {
	return c == enum.ClassificationExcellent || c == enum.ClassificationGood
}

// Review is what a reviewer decides, with the facts the rules need.
type Review struct {
	Final           *enum.Classification // nil: not rated
	Comment         string
	HasIncident     bool // a substantiated incident in the year
	WorkedSixMonths bool
	Scheme          selfassessment.Scheme
	Score           *int // the official's self-score under SCORE_100
}

// Check applies the review rules of DESIGN.md §4.
func (r Review) Check() error {
	if !r.WorkedSixMonths {
		if r.Final != nil {
			return apperr.New(apperr.BadUserInput,
				"Cán bộ làm việc dưới 6 tháng trong năm không được xếp loại.",
				"An official who worked fewer than 6 months in the year is not rated.").OnField("finalClassification")
		}
		return nil
	}
	if r.Final == nil {
		return apperr.New(apperr.BadUserInput, "Cần chọn xếp loại.", "A final classification is required.").
			OnField("finalClassification")
	}
	if r.HasIncident && BarredByIncident(*r.Final) {
		return apperr.New(apperr.BadUserInput,
			"Cán bộ có vi phạm trong năm không thể được xếp loại Hoàn thành xuất sắc hoặc Hoàn thành tốt nhiệm vụ.",
			"An official with an incident in the year cannot be classified EXCELLENT or GOOD.").OnField("finalClassification")
	}
	return nil
}

// CanReview tells whether a reviewer may review an assessment: staff who hold the official in scope
// (the caller checks scope), never their own.
func CanReview(reviewerOfficialID, assessedOfficialID string) error {
	if reviewerOfficialID != "" && reviewerOfficialID == assessedOfficialID {
		return apperr.New(apperr.Forbidden, "Không thể tự đánh giá bản tự đánh giá của chính mình.",
			"You cannot review your own self-assessment.")
	}
	return nil
}
