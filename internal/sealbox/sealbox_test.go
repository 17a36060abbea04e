package sealbox

import (
	"bytes"
	"errors"
	"testing"
)

func TestSealOpen(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	box, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := box.Seal([]byte("Nguyễn Văn A, 0901234567"), []byte("cas_1"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("Nguyễn")) {
		t.Fatal("sealed value contains the plaintext")
	}
	tests := []struct {
		name       string
		key        []byte
		additional string
		mutate     func([]byte) []byte
		wantErr    bool
	}{
		{"same key and record", key, "cas_1", nil, false},
		{"other record", key, "cas_2", nil, true},
		{"other key", bytes.Repeat([]byte{8}, 32), "cas_1", nil, true},
		{"tampered", key, "cas_1", func(b []byte) []byte { c := bytes.Clone(b); c[len(c)-1] ^= 1; return c }, true},
		{"truncated", key, "cas_1", func(b []byte) []byte { return b[:5] }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := New(tt.key)
			if err != nil {
				t.Fatal(err)
			}
			in := sealed
			if tt.mutate != nil {
				in = tt.mutate(sealed)
			}
			got, err := b.Open(in, []byte(tt.additional))
			if tt.wantErr {
				if !errors.Is(err, ErrOpen) {
					t.Fatalf("want ErrOpen, got %v", err)
				}
				return
			}
			if err != nil || string(got) != "Nguyễn Văn A, 0901234567" {
				t.Fatalf("got %q, %v", got, err)
			}
		})
	}
	if _, err := New([]byte("short")); err == nil {
		t.Fatal("short key accepted")
	}
}
