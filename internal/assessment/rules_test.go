package assessment

import (
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/ent/selfassessment"
	"github.com/liemchinh/liemchinh/internal/apperr"
)

func TestSchemeAndScore(t *testing.T) {
	if SchemeFor(2025) != selfassessment.SchemeFOUR_LEVEL || SchemeFor(2026) != selfassessment.SchemeSCORE_100 {
		t.Fatal("scheme years")
	}
	tests := []struct {
		score int
		want  enum.Classification
	}{
		{100, enum.ClassificationExcellent}, {90, enum.ClassificationExcellent}, {89, enum.ClassificationGood},
		{70, enum.ClassificationGood}, {69, enum.ClassificationCompleted}, {50, enum.ClassificationCompleted},
		{49, enum.ClassificationNotCompleted}, {0, enum.ClassificationNotCompleted},
	}
	for _, tt := range tests {
		if got := ClassificationForScore(tt.score); got != tt.want {
			t.Errorf("score %d: %s, want %s", tt.score, got, tt.want)
		}
	}
}

func TestWorkedSixMonths(t *testing.T) {
	d := func(s string) time.Time { v, _ := time.Parse(time.DateOnly, s); return v }
	p := func(s string) *time.Time { v := d(s); return &v }
	tests := []struct {
		name string
		from time.Time
		to   *time.Time
		want bool
	}{
		{"all year", d("2019-05-01"), nil, true},
		{"from 1 July", d("2025-07-01"), nil, true},
		{"from 2 July", d("2025-07-02"), nil, false},
		{"left 30 June", d("2010-01-01"), p("2025-06-30"), true},
		{"left 29 June", d("2010-01-01"), p("2025-06-29"), false},
		{"Feb to Aug", d("2025-02-01"), p("2025-07-31"), true},
		{"Feb to 30 Jul", d("2025-02-01"), p("2025-07-30"), false},
		{"started next year", d("2026-01-05"), nil, false},
		{"left last year", d("2010-01-01"), p("2024-12-31"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := WorkedSixMonths(tt.from, tt.to, 2025); got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestWindow(t *testing.T) {
	w := DefaultWindow
	at := func(s string) time.Time { v, _ := time.ParseInLocation("2006-01-02 15:04", s, Vietnam); return v }
	tests := []struct {
		name  string
		year  int
		now   time.Time
		allow bool
	}{
		{"in the year", 2026, at("2026-11-29 10:00"), true},
		{"last minute", 2026, at("2026-12-15 23:59"), true},
		{"closed", 2026, at("2026-12-16 00:00"), false},
		{"next year", 2026, at("2027-01-03 08:00"), false},
		{"not begun", 2027, at("2026-12-01 08:00"), false},
		{"quarter of this year before the window", 2026, at("2026-04-02 08:00"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := w.CheckSubmission(tt.year, tt.now)
			if (err == nil) != tt.allow {
				t.Fatalf("err %v, allow %v", err, tt.allow)
			}
			if err != nil {
				e, ok := apperr.As(err)
				if !ok || !e.User || e.VI == "" || e.EN == "" {
					t.Fatalf("not a bilingual user error: %#v", err)
				}
			}
		})
	}
	custom, err := ParseWindow("11-30")
	if err != nil || custom.CheckSubmission(2026, at("2026-12-01 00:00")) == nil {
		t.Fatalf("custom window: %v", err)
	}
	for _, bad := range []string{"", "13-01", "02-30", "12/15", "x"} {
		if _, err := ParseWindow(bad); err == nil {
			t.Errorf("ParseWindow(%q) accepted", bad)
		}
	}
}

func TestReviewRules(t *testing.T) {
	c := func(v enum.Classification) *enum.Classification { return &v }
	tests := []struct {
		name    string
		review  Review
		wantErr bool
	}{
		{"excellent, clean year", Review{Final: c(enum.ClassificationExcellent), WorkedSixMonths: true}, false},
		{"excellent with an incident", Review{Final: c(enum.ClassificationExcellent), WorkedSixMonths: true, HasIncident: true}, true},
		{"good with an incident", Review{Final: c(enum.ClassificationGood), WorkedSixMonths: true, HasIncident: true}, true},
		{"completed with an incident", Review{Final: c(enum.ClassificationCompleted), WorkedSixMonths: true, HasIncident: true}, false},
		{"not completed with an incident", Review{Final: c(enum.ClassificationNotCompleted), WorkedSixMonths: true, HasIncident: true}, false},
		{"no classification", Review{WorkedSixMonths: true}, true},
		{"short service rated", Review{Final: c(enum.ClassificationGood)}, true},
		{"short service not rated", Review{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.review.Check(); (err != nil) != tt.wantErr {
				t.Fatalf("err %v, want error %v", err, tt.wantErr)
			}
		})
	}
	if CanReview("off_1", "off_1") == nil {
		t.Error("a reviewer reviewed their own assessment")
	}
	if CanReview("off_1", "off_2") != nil || CanReview("", "off_2") != nil {
		t.Error("a reviewer was refused another's assessment")
	}
}
