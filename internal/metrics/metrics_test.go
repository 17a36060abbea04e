package metrics

import (
	"fmt"
	"testing"
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
