// Package receipt owns the signed receipts a citizen gets for what they send (a case, an evidence
// file added later, a message): a compact JWS (EdDSA over Ed25519) that proves the authority
// received exactly that content at that time, verifiable by anyone against the public keys the
// server publishes as a JWKS (/.well-known/jwks.json), offline with any JOSE library.
//
// A receipt carries no identity and no text: the tracking code, the channel, the unit's opaque id,
// the time received and the SHA-256 of the content (ContentDigest).
package receipt

import (
	"crypto"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Kind is what a receipt is for.
type Kind string

// Kinds of receipts.
const (
	KindCase     Kind = "case"     // a submission: its text and its evidence files
	KindEvidence Kind = "evidence" // an evidence file added to a case later
	KindMessage  Kind = "message"  // a message the citizen sent about their case
)

// Claims is what a receipt attests. The JSON names are short: a receipt is copied, printed and put
// in QR codes.
type Claims struct {
	Kind         Kind   `json:"knd"`
	TrackingCode string `json:"tc"`
	Channel      string `json:"ch"`
	UnitID       string `json:"unit"`
	// ReceivedAt is the time received, in seconds since 1970 (the JWT "iat").
	ReceivedAt int64 `json:"iat"`
	// ContentSHA256 is the hex SHA-256 of the content (ContentDigest, FileDigest, TextDigest).
	ContentSHA256 string `json:"sha256"`
}

// Received is ReceivedAt as a time.
func (c Claims) Received() time.Time { return time.Unix(c.ReceivedAt, 0).UTC() }

func (c Claims) valid() bool {
	switch c.Kind {
	case KindCase, KindEvidence, KindMessage:
	default:
		return false
	}
	if c.TrackingCode == "" || c.Channel == "" || c.UnitID == "" || c.ReceivedAt <= 0 || len(c.ContentSHA256) != 64 {
		return false
	}
	_, err := hex.DecodeString(c.ContentSHA256)
	return err == nil
}

// TextDigest is the hex SHA-256 of a text's UTF-8 bytes (a message's receipt; a case's text is
// part of ContentDigest).
func TextDigest(text string) string {
	h := sha256.Sum256([]byte(text))
	return hex.EncodeToString(h[:])
}

// ContentDigest is the digest of a submission: the hex SHA-256 of the text's hex SHA-256 followed,
// for each evidence file in ascending order of its hex SHA-256 (lower case), by a line feed and that
// hex SHA-256 (no final line feed), so the order of the files does not matter. Without files it is
// the SHA-256 of the text's hex SHA-256.
func ContentDigest(text string, fileSHA256 []string) string {
	files := make([]string, len(fileSHA256))
	for i, f := range fileSHA256 {
		files[i] = strings.ToLower(strings.TrimSpace(f))
	}
	slices.Sort(files)
	var b strings.Builder
	b.WriteString(TextDigest(text))
	for _, f := range files {
		b.WriteByte('\n')
		b.WriteString(f)
	}
	return TextDigest(b.String())
}

// Keys sign receipts with the first key and verify them with any; the public half of each is
// published, so receipts signed before a rotation stay verifiable while the old key is listed.
type Keys struct {
	signer jose.Signer
	kid    string
	public jose.JSONWebKeySet
	byKid  map[string]ed25519.PublicKey
	jwks   []byte
}

// DemoKey is the receipt key outside production when RECEIPT_KEY is unset (base64 of the 32-byte
// seed of an Ed25519 key, derived from a public string); production refuses it.
var DemoKey = func() string {
	seed := sha256.Sum256([]byte("liemchinh demo receipt key, not for production"))
	return base64.StdEncoding.EncodeToString(seed[:])
}()

// ParseSeed decodes one key of RECEIPT_KEY: base64 (standard or URL alphabet, padded or not) of
// a 32-byte Ed25519 seed.
func ParseSeed(s string) (ed25519.PrivateKey, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "=")
	var (
		b   []byte
		err error
	)
	if strings.ContainsAny(s, "-_") {
		b, err = base64.RawURLEncoding.DecodeString(s)
	} else {
		b, err = base64.RawStdEncoding.DecodeString(s)
	}
	if err != nil {
		return nil, errors.New("not base64")
	}
	if len(b) != ed25519.SeedSize {
		return nil, fmt.Errorf("%d bytes instead of %d", len(b), ed25519.SeedSize)
	}
	return ed25519.NewKeyFromSeed(b), nil
}

// SplitKeys splits RECEIPT_KEY's comma-separated list.
func SplitKeys(list string) []string {
	var out []string
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// KeyID is a key's id: its RFC 7638 JWK thumbprint (SHA-256, base64url), so anyone can recompute it.
func KeyID(pub ed25519.PublicKey) string {
	jwk := jose.JSONWebKey{Key: pub}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil { // only for key types go-jose does not know
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(tp)
}

// NewKeys builds the key ring from base64 seeds (ParseSeed); the first signs.
func NewKeys(seeds []string) (*Keys, error) {
	if len(seeds) == 0 {
		return nil, errors.New("no receipt key")
	}
	k := &Keys{byKid: map[string]ed25519.PublicKey{}}
	for i, s := range seeds {
		priv, err := ParseSeed(s)
		if err != nil {
			return nil, fmt.Errorf("receipt key %d: %w", i+1, err)
		}
		pub := priv.Public().(ed25519.PublicKey)
		kid := KeyID(pub)
		if _, dup := k.byKid[kid]; dup {
			continue
		}
		k.byKid[kid] = pub
		// Only the public half is published (a JSONWebKey holding the private key marshals "d").
		k.public.Keys = append(k.public.Keys, jose.JSONWebKey{Key: pub, KeyID: kid, Algorithm: string(jose.EdDSA), Use: "sig"})
		if i == 0 {
			k.kid = kid
			k.signer, err = jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: jose.JSONWebKey{Key: priv, KeyID: kid}},
				(&jose.SignerOptions{}).WithType("JWT"))
			if err != nil {
				return nil, err
			}
		}
	}
	var err error
	if k.jwks, err = json.Marshal(k.public); err != nil {
		return nil, err
	}
	return k, nil
}

// SigningKeyID is the id of the key that signs.
func (k *Keys) SigningKeyID() string { return k.kid }

// JWKS is the JSON Web Key Set of the public keys, the signing key first.
func (k *Keys) JWKS() []byte { return k.jwks }

// Sign returns the compact JWS of the claims.
func (k *Keys) Sign(c Claims) (string, error) {
	if !c.valid() {
		return "", fmt.Errorf("receipt: incomplete claims %+v", c)
	}
	payload, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	jws, err := k.signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// Problem is why a receipt is not valid.
type Problem string

// Problems.
const (
	Malformed    Problem = "MALFORMED"     // not a compact JWS of EdDSA, or its payload is not a receipt
	UnknownKey   Problem = "UNKNOWN_KEY"   // signed by a key this server does not publish
	BadSignature Problem = "BAD_SIGNATURE" // altered, or signed by someone else under a published key id
)

// Verification is the outcome of Verify.
type Verification struct {
	Valid   bool
	Problem Problem // when not valid
	KeyID   string  // the key id the receipt names, if it could be read
	Claims  Claims  // what it attests, when valid
}

// MaxLen bounds the receipts Verify reads (ours are about 400 bytes).
const MaxLen = 2048

// Verify checks a receipt against the published keys.
func (k *Keys) Verify(receipt string) Verification {
	receipt = strings.TrimSpace(receipt)
	if receipt == "" || len(receipt) > MaxLen {
		return Verification{Problem: Malformed}
	}
	jws, err := jose.ParseSignedCompact(receipt, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil || len(jws.Signatures) != 1 {
		return Verification{Problem: Malformed}
	}
	kid := jws.Signatures[0].Header.KeyID
	pub, ok := k.byKid[kid]
	if !ok {
		return Verification{Problem: UnknownKey, KeyID: kid}
	}
	payload, err := jws.Verify(pub)
	if err != nil {
		return Verification{Problem: BadSignature, KeyID: kid}
	}
	var c Claims
	dec := json.NewDecoder(strings.NewReader(string(payload)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil || !c.valid() {
		return Verification{Problem: Malformed, KeyID: kid}
	}
	return Verification{Valid: true, KeyID: kid, Claims: c}
}
