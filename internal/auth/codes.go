package auth

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"strings"
	"time"

	"github.com/liemchinh/liemchinh/internal/delivery"
	"github.com/liemchinh/liemchinh/internal/ratelimit"
	"github.com/liemchinh/liemchinh/internal/sealbox"
)

// codeAlphabet is the letters and digits of a one-time code: no 0/O, 1/I/L, which read alike on
// paper and on a phone (as the citizens' tracking codes). 31 symbols.
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// CodeLength is the symbols of a code: 12 from 31 carry 59 bits, so a code cannot be guessed
// within its lifetime under the sign-in throttle, and is still typed in a few seconds
// (printed as XXXX-XXXX-XXXX).
const CodeLength = 12

// newCode returns a fresh random code, grouped by four.
func newCode() string {
	buf := make([]byte, 1)
	return codeOf(func() byte {
		if _, err := rand.Read(buf); err != nil {
			panic(err)
		}
		return buf[0]
	})
}

// codeOf draws a code from a stream of bytes: a byte below the last whole multiple of the
// alphabet's size is a symbol (the others are skipped, to keep the draw uniform), grouped by four.
func codeOf(next func() byte) string {
	var b strings.Builder
	for n := 0; n < CodeLength; {
		c := next()
		if int(c) >= 256-256%len(codeAlphabet) {
			continue
		}
		if n > 0 && n%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(codeAlphabet[int(c)%len(codeAlphabet)])
		n++
	}
	return b.String()
}

// normalizeCode reads a code as typed: case, dashes and spaces do not matter.
func normalizeCode(code string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(code) {
		if r == '-' || r == ' ' {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Accounts is what activation codes, their delivery and single sign-on need (Configure).
type Accounts struct {
	// ReporterKey is the server key the code hashes, sheet links and identity hashes are derived
	// from (HKDF-SHA256, one info string each).
	ReporterKey             []byte
	Box                     *sealbox.Box // seals the activation sheets
	Sender                  delivery.Sender
	Limits                  ratelimit.Store // password reset requests per address and per login
	ActivationTTL, ResetTTL time.Duration
	OIDC                    OIDCSettings
	Log                     *slog.Logger
}

type accountKeys struct {
	code, link, identity, deliver, citizen []byte
}

func deriveKeys(reporterKey []byte) accountKeys {
	k := func(info string) []byte {
		out, err := hkdf.Key(sha256.New, reporterKey, nil, info, 32)
		if err != nil {
			panic(err)
		}
		return out
	}
	return accountKeys{code: k("liemchinh activation code v1"), link: k("liemchinh activation sheet link v1"),
		identity: k("liemchinh oidc identity v1"), deliver: k("liemchinh delivered code v1"),
		citizen: k("liemchinh citizen cases v1")}
}

// codeHash is the keyed hash of a normalized code: a database reader cannot test guesses offline.
func (s *Service) codeHash(code string) string {
	m := hmac.New(sha256.New, s.keys.code)
	m.Write([]byte(normalizeCode(code)))
	return hex.EncodeToString(m.Sum(nil))
}

// identityHash is the keyed hash of a verified identity claim of an issuer.
func (s *Service) identityHash(issuer, claim string) string {
	m := hmac.New(sha256.New, s.keys.identity)
	m.Write([]byte(issuer + "\x00" + claim))
	return hex.EncodeToString(m.Sum(nil))
}

// citizenKey is the key a signed-in citizen's identified cases are linked by: a keyed hash of their
// identity's keyed hash, under a key of its own, so that a database reader can tell neither the
// identity nor whether a case's reporter is the person of an account linked to the same identity.
func (s *Service) citizenKey(identityHash string) string {
	m := hmac.New(sha256.New, s.keys.citizen)
	m.Write([]byte(identityHash))
	return hex.EncodeToString(m.Sum(nil))
}
