package pid

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestNewAndTypeOf(t *testing.T) {
	id := New(Official)
	if !strings.HasPrefix(id, "off_") || len(id) != 30 {
		t.Fatalf("id %q", id)
	}
	if New(Official) == id {
		t.Fatal("two ids are equal")
	}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := NewAt(Case, at, bytes.NewReader(bytes.Repeat([]byte{1}, 16)))
	b := NewAt(Case, at, bytes.NewReader(bytes.Repeat([]byte{1}, 16)))
	if a != b {
		t.Fatalf("NewAt is not deterministic: %s %s", a, b)
	}
	tests := []struct {
		id, want string
		ok       bool
	}{
		{id, "Official", true},
		{a, "Case", true},
		{"off_" + strings.Repeat("z", 26), "", false}, // not a ULID
		{"xyz_" + id[4:], "", false},                  // unknown prefix
		{"off", "", false},
		{"42", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := TypeOf(tt.id)
		if got != tt.want || ok != tt.ok {
			t.Errorf("TypeOf(%q) = %q, %v; want %q, %v", tt.id, got, ok, tt.want, tt.ok)
		}
	}
}

// TestNewSortsInOrderMade: ids made one after the other, many in the same millisecond, sort in the
// order they were made (connections page by id and must read oldest first).
func TestNewSortsInOrderMade(t *testing.T) {
	prev := New(CaseMessage)
	for i := range 10000 {
		id := New(CaseMessage)
		if id <= prev {
			t.Fatalf("id %d (%s) sorts before the one made before it (%s)", i, id, prev)
		}
		prev = id
	}
}
