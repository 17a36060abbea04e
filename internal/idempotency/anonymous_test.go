package idempotency

import "testing"

func TestKeyBits(t *testing.T) {
	tests := []struct {
		key    string
		strong bool
	}{
		{"q83vEjRWeJCrze8SNFZ4kA", true},                                                    // 22 base64url
		{"q83vEjRWeJCrze8SNFZ4k", false},                                                    // 21
		{"q83vEjRWeJCrze8SNFZ4kA==", true},                                                  // 16 bytes, base64
		{"q83vEjRWeJCrze8SNFZ4k===", false},                                                 // padding does not count
		{"0123456789abcdef0123456789ABCDEF", true},                                          // 32 hex
		{"0123456789abcdef0123456789abcde", false},                                          // 31 hex (would pass as base64url)
		{"01234567-89ab-cdef-0123-456789abcdef", false},                                     // a UUID: 122 bits
		{"01234567-89ab-4def-8123-456789abcdef-01234567-89ab-4def-8123-456789abcdef", true}, // two
		{"0123456789abcdef0123-456789abcde", false},                                         // dashes do not count
		{"12345678901234567890123456789012345678", false},                                   // 38 digits
		{"123456789012345678901234567890123456789", true},                                   // 39 digits
		{"a key with spaces that is long enough", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := KeyBits(tt.key) >= MinAnonymousKeyBits; got != tt.strong {
			t.Errorf("%q: %.1f bits, strong %v, want %v", tt.key, KeyBits(tt.key), got, tt.strong)
		}
	}
}
