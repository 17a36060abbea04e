package idempotency

import (
	"context"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/sealbox"
)

// AnonymousOwner owns the keys of callers without an account. They cannot be told apart, so the
// key itself is what makes a retry theirs: it must be unguessable, and the row keeps only what
// cannot give it back.
const AnonymousOwner = "anonymous"

var (
	errWeakKey = apperr.New(apperr.BadUserInput,
		"Khi không đăng nhập, idempotencyKey phải chứa ít nhất 128 bit ngẫu nhiên: từ 16 byte ngẫu nhiên trở lên, viết bằng 32 chữ số hex hoặc 22 ký tự base64url (hai UUID nối nhau cũng được; một UUID là không đủ).",
		"Without an account, idempotencyKey must carry at least 128 random bits: 16 or more random bytes written as 32 hex digits or 22 base64url characters (two UUIDs joined also do; one UUID does not).").OnField("idempotencyKey")

	uuidRe   = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	digitsRe = regexp.MustCompile(`^[0-9]+$`)
	hexRe    = regexp.MustCompile(`^[0-9a-fA-F-]+$`)
	b64urlRe = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	b64Re    = regexp.MustCompile(`^[A-Za-z0-9+/]+={0,2}$`)
)

// KeyBits is how many random bits a key can carry by its form, counted as the alphabet it is
// written in allows: decimal digits 3.32 bits each, hex digits 4 (dashes are separators), base64url
// or base64 characters 6 (padding not counted). A single UUID counts its 122 random bits (a
// version 4 UUID has no more; other versions fewer). Other characters count nothing: the form is
// then unknown.
func KeyBits(key string) float64 {
	switch {
	case uuidRe.MatchString(key):
		return 122
	case digitsRe.MatchString(key):
		return float64(len(key)) * 3.3219
	case hexRe.MatchString(key):
		return float64(len(key)-strings.Count(key, "-")) * 4
	case b64urlRe.MatchString(key):
		return float64(len(key)) * 6
	case b64Re.MatchString(key):
		return float64(len(strings.TrimRight(key, "="))) * 6
	}
	return 0
}

// MinAnonymousKeyBits is the least a key of a caller without an account must carry.
const MinAnonymousKeyBits = 128

// derive returns a 32-byte key for purpose from the client's key (HKDF-SHA256; the distinct info
// strings make the lookup hash, the request MAC and the sealing key independent).
func derive(key, operation, purpose string) []byte {
	k, err := hkdf.Key(sha256.New, []byte(key), nil, "liemchinh idempotency v1 "+purpose+" "+operation, 32)
	if err != nil {
		panic(err) // only for lengths HKDF cannot produce
	}
	return k
}

// BeginAnonymous is Begin for a caller without an account. The key must carry at least 128 random
// bits (KeyBits). The row stores a hash of it, never the key; the input's hash is a MAC under
// another key derived from it (so a reader cannot test guesses of a reporter's name against it);
// and the claim's Box, under a third derived key, seals the secret a retry must get back. Who holds
// only the database, or another key, can therefore neither find the row nor open what it keeps.
func BeginAnonymous(ctx context.Context, tx *ent.Client, operation, key string, input any) (*Claim, error) {
	r, err := NewAnonymousRequest(operation, key, input)
	if err != nil {
		return nil, err
	}
	return r.Begin(ctx, tx)
}

// NewAnonymousRequest prepares a key of a caller without an account (see BeginAnonymous); its
// Box is ready before the key is claimed, for BeginDone.
func NewAnonymousRequest(operation, key string, input any) (*Request, error) {
	key, body, err := prepare(key, input)
	if err != nil {
		return nil, err
	}
	if KeyBits(key) < MinAnonymousKeyBits {
		return nil, errWeakKey
	}
	mac := hmac.New(sha256.New, derive(key, operation, "request"))
	mac.Write(body)
	box, err := sealbox.New(derive(key, operation, "seal"))
	if err != nil {
		return nil, err
	}
	return &Request{owner: AnonymousOwner, operation: operation, key: hex.EncodeToString(derive(key, operation, "lookup")),
		hash: hex.EncodeToString(mac.Sum(nil)), Box: box}, nil
}
