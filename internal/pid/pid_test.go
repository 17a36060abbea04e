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
