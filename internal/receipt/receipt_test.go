package receipt

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

func seed(b byte) string {
	s := sha256.Sum256([]byte{b})
	return base64.StdEncoding.EncodeToString(s[:])
}

var claims = Claims{Kind: KindCase, TrackingCode: "ABCDEFGHJK", Channel: "FEEDBACK", UnitID: "unt_01jexample",
	ReceivedAt: 1765000000, ContentSHA256: ContentDigest("Cán bộ xã gây khó dễ khi làm giấy tờ.", nil)}

func TestContentDigest(t *testing.T) {
	text := "Cán bộ xã gây khó dễ."
	th := sha256.Sum256([]byte(text))
	want := sha256.Sum256([]byte(hex.EncodeToString(th[:])))
	if got := ContentDigest(text, nil); got != hex.EncodeToString(want[:]) {
		t.Fatalf("without files: %s, want %s", got, hex.EncodeToString(want[:]))
	}
	a, b := strings.Repeat("a", 64), strings.Repeat("B", 64)
	composed := sha256.Sum256([]byte(hex.EncodeToString(th[:]) + "\n" + a + "\n" + strings.ToLower(b)))
	if got := ContentDigest(text, []string{b, a}); got != hex.EncodeToString(composed[:]) {
		t.Fatalf("with files: %s, want %s", got, hex.EncodeToString(composed[:]))
	}
	if ContentDigest(text, []string{a, b}) != ContentDigest(text, []string{b, a}) {
		t.Fatal("the files' order changed the digest")
	}
	if ContentDigest(text+" ", nil) == ContentDigest(text, nil) || ContentDigest(text, []string{a}) == ContentDigest(text, nil) {
		t.Fatal("different content, same digest")
	}
}

func TestParseSeed(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{DemoKey, true},
		{strings.TrimRight(DemoKey, "="), true},
		{base64.RawURLEncoding.EncodeToString(make([]byte, 32)), true},
		{base64.StdEncoding.EncodeToString(make([]byte, 31)), false},
		{base64.StdEncoding.EncodeToString(make([]byte, 64)), false},
		{"not base64!", false},
	} {
		if _, err := ParseSeed(tc.in); (err == nil) != tc.ok {
			t.Errorf("ParseSeed(%q): %v", tc.in, err)
		}
	}
}

func TestSignVerify(t *testing.T) {
	k, err := NewKeys([]string{seed(1)})
	if err != nil {
		t.Fatal(err)
	}
	r, err := k.Sign(claims)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := k.Sign(claims)
	if again != r {
		t.Fatal("Ed25519 signing should be deterministic: a retry's receipt must equal the first")
	}
	v := k.Verify(r)
	if !v.Valid || v.Claims != claims || v.KeyID != k.SigningKeyID() {
		t.Fatalf("verify: %+v", v)
	}
	// The header names the algorithm and the key.
	var hdr map[string]string
	h, _ := base64.RawURLEncoding.DecodeString(strings.Split(r, ".")[0])
	if err := json.Unmarshal(h, &hdr); err != nil || hdr["alg"] != "EdDSA" || hdr["kid"] != k.SigningKeyID() {
		t.Fatalf("header %s", h)
	}
	// No text, no identity: exactly the claims' members.
	p, _ := base64.RawURLEncoding.DecodeString(strings.Split(r, ".")[1])
	var payload map[string]any
	if err := json.Unmarshal(p, &payload); err != nil || len(payload) != 6 {
		t.Fatalf("payload %s", p)
	}

	parts := strings.Split(r, ".")
	other, _ := NewKeys([]string{seed(2)})
	forged, _ := other.Sign(claims)
	fparts := strings.Split(forged, ".")
	tampered := claims
	tampered.Channel = "PRAISE"
	tp, _ := json.Marshal(tampered)
	for name, tc := range map[string]struct {
		in   string
		want Problem
	}{
		"payload changed":            {parts[0] + "." + base64.RawURLEncoding.EncodeToString(tp) + "." + parts[2], BadSignature},
		"signature of another key":   {parts[0] + "." + parts[1] + "." + fparts[2], BadSignature},
		"another key, unknown kid":   {forged, UnknownKey},
		"not a JWS":                  {"hello", Malformed},
		"empty":                      {"", Malformed},
		"too long":                   {strings.Repeat("a", MaxLen+1), Malformed},
		"algorithm none":             {base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","kid":"`+k.SigningKeyID()+`"}`)) + "." + parts[1] + ".", Malformed},
		"HS256 with the public key":  {base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","kid":"`+k.SigningKeyID()+`"}`)) + "." + parts[1] + "." + parts[2], Malformed},
		"signature cut":              {parts[0] + "." + parts[1] + "." + parts[2][:10], BadSignature},
		"kid of ours, other's token": {base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"EdDSA","kid":"`+k.SigningKeyID()+`"}`)) + "." + fparts[1] + "." + fparts[2], BadSignature},
	} {
		t.Run(name, func(t *testing.T) {
			v := k.Verify(tc.in)
			if v.Valid || v.Problem != tc.want {
				t.Fatalf("got %+v, want %s", v, tc.want)
			}
		})
	}
}

func TestRotation(t *testing.T) {
	old, _ := NewKeys([]string{seed(1)})
	before, _ := old.Sign(claims)
	rotated, err := NewKeys([]string{seed(3), seed(1)})
	if err != nil {
		t.Fatal(err)
	}
	if rotated.SigningKeyID() == old.SigningKeyID() {
		t.Fatal("the first key must sign")
	}
	if v := rotated.Verify(before); !v.Valid || v.KeyID != old.SigningKeyID() {
		t.Fatalf("a receipt signed before the rotation: %+v", v)
	}
	after, _ := rotated.Sign(claims)
	if v := rotated.Verify(after); !v.Valid || v.KeyID != rotated.SigningKeyID() {
		t.Fatalf("a receipt signed after the rotation: %+v", v)
	}
	if v := old.Verify(after); v.Valid || v.Problem != UnknownKey {
		t.Fatalf("the old ring knows the new key? %+v", v)
	}
	// Dropping the old key from the list makes its receipts unverifiable.
	dropped, _ := NewKeys([]string{seed(3)})
	if v := dropped.Verify(before); v.Valid || v.Problem != UnknownKey {
		t.Fatalf("dropped key: %+v", v)
	}
}

func TestJWKSIsPublicOnly(t *testing.T) {
	k, _ := NewKeys([]string{seed(3), seed(1), seed(3)})
	if strings.Contains(string(k.JWKS()), `"d"`) {
		t.Fatalf("private key published: %s", k.JWKS())
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(k.JWKS(), &set); err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != 2 || set.Keys[0].KeyID != k.SigningKeyID() {
		t.Fatalf("keys %+v", set.Keys)
	}
	for _, key := range set.Keys {
		if !key.IsPublic() || key.Algorithm != "EdDSA" || key.Use != "sig" {
			t.Fatalf("key %+v", key)
		}
	}
}

// BenchmarkSign and BenchmarkVerify time a receipt alone (go test ./internal/receipt -bench .).
func BenchmarkSign(b *testing.B) {
	k, _ := NewKeys([]string{DemoKey})
	var r string
	for b.Loop() {
		r, _ = k.Sign(claims)
	}
	b.ReportMetric(float64(len(r)), "bytes")
}

func BenchmarkVerify(b *testing.B) {
	k, _ := NewKeys([]string{DemoKey})
	r, _ := k.Sign(claims)
	for b.Loop() {
		if !k.Verify(r).Valid {
			b.Fatal("invalid")
		}
	}
}
