package deadline

import (
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

func TestRule(t *testing.T) {
	vn := workdays.Vietnam
	cal := workdays.Default()
	ack := time.Date(2025, 5, 13, 23, 59, 59, 999_999_000, vn) // end of Tuesday 13 May 2025
	due := time.Date(2025, 6, 20, 17, 0, 0, 0, vn)
	tests := []struct {
		name          string
		state         enum.CaseState
		now           time.Time
		open          *time.Time
		overdue, soon bool
	}{
		{"submitted, well before", enum.CaseSubmitted, time.Date(2025, 5, 8, 9, 0, 0, 0, vn), &ack, false, false},
		// Friday 9 May: Monday 12 and Tuesday 13 are the next two working days.
		{"submitted, two working days before", enum.CaseSubmitted, time.Date(2025, 5, 9, 9, 0, 0, 0, vn), &ack, false, true},
		{"submitted, on the day", enum.CaseSubmitted, time.Date(2025, 5, 13, 23, 59, 0, 0, vn), &ack, false, true},
		{"submitted, the day after", enum.CaseSubmitted, time.Date(2025, 5, 14, 0, 0, 0, 0, vn), &ack, true, false},
		{"transferred is held to acceptance too", enum.CaseTransferred, time.Date(2025, 5, 14, 0, 0, 0, 0, vn), &ack, true, false},
		{"accepted is held to the conclusion", enum.CaseAccepted, time.Date(2025, 5, 14, 0, 0, 0, 0, vn), &due, false, false},
		{"verifying, the minute of the deadline is not overdue", enum.CaseVerifying, time.Date(2025, 6, 20, 17, 0, 30, 0, vn), &due, false, true},
		{"verifying, the next minute is", enum.CaseVerifying, time.Date(2025, 6, 20, 17, 1, 0, 0, vn), &due, true, false},
		{"concluded has no open deadline", enum.CaseConcluded, time.Date(2026, 1, 1, 0, 0, 0, 0, vn), nil, false, false},
		{"rejected has none", enum.CaseRejected, time.Date(2026, 1, 1, 0, 0, 0, 0, vn), nil, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Open(tt.state, &ack, &due); got != tt.open {
				t.Errorf("Open = %v, want %v", got, tt.open)
			}
			if got := Overdue(tt.state, &ack, &due, tt.now); got != tt.overdue {
				t.Errorf("Overdue = %v, want %v", got, tt.overdue)
			}
			if got := DueSoon(cal, tt.state, &ack, &due, tt.now, 2); got != tt.soon {
				t.Errorf("DueSoon = %v, want %v", got, tt.soon)
			}
		})
	}
	if Overdue(enum.CaseSubmitted, nil, &due, time.Date(2030, 1, 1, 0, 0, 0, 0, vn)) {
		t.Error("a case without its acceptance deadline is overdue")
	}
	for _, c := range []struct {
		concluded      *time.Time
		counted, ontim bool
	}{{nil, false, false}, {&ack, true, true}, {ptr(due.Add(time.Second)), true, false}} {
		if n, o := OnTime(c.concluded, &due); n != c.counted || o != c.ontim {
			t.Errorf("OnTime(%v) = %v, %v", c.concluded, n, o)
		}
	}
}

func ptr[T any](v T) *T { return &v }
