package metrics

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestOperationNamesBounded: client-chosen operation names make at most maxOperationNames series;
// names seen before keep theirs, later ones count as "other", a nameless one as "anonymous".
func TestOperationNamesBounded(t *testing.T) {
	m := New(nil)
	for i := range maxOperationNames + 50 {
		m.Operation(fmt.Sprintf("Op%d", i), "query", "ok", 0.01)
	}
	if got := m.operation("Op0"); got != "Op0" {
		t.Errorf("a name seen first: %q", got)
	}
	if got := m.operation(fmt.Sprintf("Op%d", maxOperationNames+10)); got != "other" {
		t.Errorf("a name past the bound: %q", got)
	}
	if got := m.operation(""); got != "anonymous" {
		t.Errorf("no name: %q", got)
	}
	families, err := m.registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == "liemchinh_graphql_operations_total" && len(f.GetMetric()) != maxOperationNames+1 {
			t.Errorf("%d series of operations, want %d names and other", len(f.GetMetric()), maxOperationNames)
		}
	}
	var nilMetrics *Metrics // a server built without metrics records nothing and does not fail
	nilMetrics.Operation("x", "query", "ok", 1)
	nilMetrics.HTTP("/query", 200)
	nilMetrics.WebSocket(1)
}

// TestOverdueCounted: the overdue gauge has no series until the server sets its count; then a
// series per province, counted again only once overdueEvery has passed; a failing count makes the
// scrape fail rather than serve a stale figure as new.
func TestOverdueCounted(t *testing.T) {
	m := New(nil)
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	m.overdue.now = func() time.Time { return now }
	gauge := func() (map[string]float64, error) {
		families, err := m.registry.Gather()
		out := map[string]float64{}
		for _, f := range families {
			if f.GetName() != "liemchinh_cases_overdue" {
				continue
			}
			for _, s := range f.GetMetric() {
				out[s.GetLabel()[0].GetValue()] = s.GetGauge().GetValue()
			}
		}
		return out, err
	}
	if got, err := gauge(); err != nil || len(got) != 0 {
		t.Fatalf("before the count is set: %v, %v", got, err)
	}
	calls, fail := 0, false
	m.Overdue(func(context.Context) (map[string]int, error) {
		calls++
		if fail {
			return nil, errors.New("database gone")
		}
		return map[string]int{"01": 3 + calls, "79": 1}, nil
	})
	if got, err := gauge(); err != nil || got["01"] != 4 || got["79"] != 1 || len(got) != 2 {
		t.Fatalf("first scrape: %v, %v", got, err)
	}
	now = now.Add(overdueEvery - time.Second)
	if got, _ := gauge(); got["01"] != 4 || calls != 1 {
		t.Fatalf("within %s the count is not made again: %v after %d counts", overdueEvery, got, calls)
	}
	now = now.Add(time.Second)
	if got, _ := gauge(); got["01"] != 5 || calls != 2 {
		t.Fatalf("after %s: %v after %d counts", overdueEvery, got, calls)
	}
	fail = true
	now = now.Add(overdueEvery)
	if _, err := gauge(); err == nil {
		t.Fatal("a failed count did not fail the scrape")
	}
}
