package testutil

import (
	"crypto/rand"
	"encoding/base64"
)

// NewKey returns a fresh idempotency key good for a caller without an account: 16 random bytes
// in base64url (128 bits, the least such a caller may send).
func NewKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
