package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/liemchinh/liemchinh/ent/idempotencykey"
	"github.com/liemchinh/liemchinh/ent/upload"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/config"
	"github.com/liemchinh/liemchinh/internal/sealbox"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// Issue 10 item 4: citizens without an account share no identity, so their idempotency keys and
// upload ids are the secrets that tell them apart. Identifiers here start with an.

func anRandom(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func anUUID() string {
	b := anRandom(16)
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func TestAnonymousRetries(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		d := newCWDesk(t, dia, nil)
		ctx := authz.System(context.Background(), authz.SysTestFixture)
		db := d.o.db.Client

		// (a) The same client retrying gets the same tracking code and secret, and nothing new is stored.
		key := testutil.NewKey()
		in := d.input(map[string]any{"idempotencyKey": key}) // identified, without an account
		before := d.cases()
		first := cwSubmit(t, d.citizen, in)
		retry := cwSubmit(t, d.citizen, in)
		if !first.ok() || !retry.ok() || *retry.TrackingCode != *first.TrackingCode || *retry.Secret != *first.Secret {
			t.Fatalf("retry %v of %v", retry, first)
		}
		if n := d.cases() - before; n != 1 {
			t.Fatalf("a submission and its retry stored %d cases", n)
		}
		caseID := d.caseID(t, *first.TrackingCode)

		// (b) Without the key there is no replay: the same input under another key (even one
		// character off) is a new case with its own code and secret.
		for _, k := range []string{testutil.NewKey(), key[:len(key)-1] + map[bool]string{true: "B", false: "A"}[key[len(key)-1] == 'A']} {
			other := d.input(map[string]any{"idempotencyKey": k})
			r := cwSubmit(t, d.citizen, other)
			if !r.ok() || *r.TrackingCode == *first.TrackingCode || *r.Secret == *first.Secret {
				t.Fatalf("the same input under key %q: %v", k, r)
			}
		}
		if n := d.cases() - before; n != 3 {
			t.Fatalf("%d cases, want 3", n)
		}

		// (c) The row holds neither the key nor the secret: a hash of the key, a MAC of the input,
		// and the secret sealed under a key derived from the idempotency key, which the server's
		// own key (REPORTER_KEY) does not open.
		row, err := db.IdempotencyKey.Query().Where(idempotencykey.ResultID(caseID)).Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for name, v := range map[string]string{"owner": row.Owner, "key": row.Key, "request_hash": row.RequestHash, "claim": row.Claim} {
			if strings.Contains(v, key) {
				t.Errorf("column %s holds the key: %q", name, v)
			}
		}
		if row.Owner != "anonymous" || len(row.Key) != 64 {
			t.Errorf("owner %q, key %q: want the anonymous owner and a 64-digit hash", row.Owner, row.Key)
		}
		if n := db.IdempotencyKey.Query().Where(idempotencykey.Key(key)).CountX(ctx); n != 0 {
			t.Errorf("%d rows found by the key in clear", n)
		}
		if row.ResultSealed == nil || bytes.Contains(*row.ResultSealed, []byte(*first.Secret)) {
			t.Fatalf("sealed secret: %v", row.ResultSealed)
		}
		box, err := sealbox.FromBase64(config.DemoReporterKey)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := box.Open(*row.ResultSealed, []byte("caseSubmit:"+caseID)); err == nil {
			t.Error("the server's key opens the kept secret: a database reader with it could replay")
		}
		// The input's hash is keyed: the same input under another key hashes otherwise (so a
		// reader cannot test guesses of the reporter's name and phone against it).
		hashes := map[string]bool{}
		for _, r := range db.IdempotencyKey.Query().Where(idempotencykey.Owner("anonymous")).AllX(ctx) {
			hashes[r.RequestHash] = true
		}
		if len(hashes) != 3 {
			t.Errorf("%d distinct request hashes for 3 keys over one input", len(hashes))
		}

		// (d) Keys that cannot carry 128 random bits are refused, in both languages, storing nothing.
		weak := map[string]string{
			"short":                 "k-1",
			"one UUID":              anUUID(),
			"31 hex digits":         hex.EncodeToString(anRandom(16))[:31],
			"21 base64url":          base64.RawURLEncoding.EncodeToString(anRandom(16))[:21],
			"38 decimal digits":     strings.Repeat("1234567890", 4)[:38],
			"other characters":      "my idempotency key for this case, surely long enough",
			"a timestamp and count": "2026-03-10T09:00:00Z-1",
		}
		before = d.cases()
		for name, k := range weak {
			for _, lang := range []string{"vi", "en"} {
				r := cwSubmit(t, d.citizen, d.input(map[string]any{"idempotencyKey": k}), "Accept-Language", lang)
				want := map[string]string{"vi": "128 bit ngẫu nhiên", "en": "128 random bits"}[lang]
				if r.code != "" || len(r.UserErrors) != 1 || r.UserErrors[0].Code != "BAD_USER_INPUT" ||
					strings.Join(r.UserErrors[0].Field, ".") != "idempotencyKey" || !strings.Contains(r.UserErrors[0].Message, want) {
					t.Errorf("%s key %q (%s): %v", name, k, lang, r)
				}
			}
		}
		if n := d.cases() - before; n != 0 {
			t.Errorf("weak keys stored %d cases", n)
		}
		strong := map[string]string{
			"22 base64url":     testutil.NewKey(),
			"32 hex digits":    strings.ToUpper(hex.EncodeToString(anRandom(16))),
			"base64, padded":   base64.StdEncoding.EncodeToString(anRandom(16)),
			"two UUIDs joined": anUUID() + "-" + anUUID(),
		}
		for name, k := range strong {
			if r := cwSubmit(t, d.citizen, d.input(map[string]any{"idempotencyKey": k})); !r.ok() {
				t.Errorf("%s key %q refused: %v", name, k, r)
			}
		}
		// Signed in, the account tells retries apart: any key still does, as before.
		if r := cwSubmit(t, d.clerk, d.input(map[string]any{"idempotencyKey": "k-1", "reporter": nil})); !r.ok() {
			t.Errorf("a signed-in short key: %v", r)
		}
	})
}

func TestAnonymousUploadIDs(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		d := newCWDesk(t, dia, nil)
		ctx := authz.System(context.Background(), authz.SysTestFixture)
		stage := func(api *testutil.API, shade uint8) string {
			t.Helper()
			file := cwPNG(t, shade)
			sum := sha256.Sum256(file)
			up := cwDeclare(t, api, "image/png", len(file), hex.EncodeToString(sum[:]))
			if up.UploadID == nil {
				t.Fatalf("declare: %+v", up)
			}
			status, body := cwPut(t, api, *up.UploadPath, file)
			if status != http.StatusOK {
				t.Fatalf("PUT: %d %v", status, body)
			}
			if _, ok := body["uploadId"]; ok && api == d.citizen {
				t.Errorf("the PUT answer names an anonymous upload: %v", body)
			}
			return *up.UploadID
		}

		// An anonymous upload's id is its record's id and a 256-bit secret, kept only hashed.
		mine := stage(d.citizen, 200)
		recID, secret, ok := strings.Cut(mine, ".")
		if raw, err := base64.RawURLEncoding.DecodeString(secret); !ok || err != nil || len(raw) < 16 {
			t.Fatalf("upload id %q does not carry 128 random bits", mine)
		}
		row, err := d.o.db.Client.Upload.Query().Where(upload.ID(recID)).Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(row.Owner, secret) || strings.Contains(row.ID, secret) || strings.Contains(row.StorageKey, secret) {
			t.Errorf("the upload row holds its secret: %+v", row)
		}

		// Nobody without the secret attaches it: not by the record's id, not with a made-up
		// secret, not signed in; by caseSubmit or caseEvidenceAdd.
		forged := recID + "." + base64.RawURLEncoding.EncodeToString(anRandom(32))
		before := d.cases()
		for name, try := range map[string]struct {
			api *testutil.API
			id  string
		}{"record id": {d.citizen, recID}, "forged secret": {d.citizen, forged}, "signed in": {d.clerk, mine}} {
			r := cwSubmit(t, try.api, d.input(map[string]any{"uploadIds": []string{try.id}}))
			if len(r.UserErrors) != 1 || strings.Join(r.UserErrors[0].Field, ".") != "uploadIds.0" || r.TrackingCode != nil {
				t.Errorf("caseSubmit with someone else's upload (%s): %v", name, r)
			}
		}
		code, sec, _ := d.file(t, nil) // another citizen's own case
		for _, id := range []string{recID, forged} {
			if out := cwCall(t, d.citizen, "caseEvidenceAdd", map[string]any{"trackingCode": code, "secret": sec, "uploadId": id}); out.got() != "BAD_USER_INPUT" {
				t.Errorf("caseEvidenceAdd with %q: %s", id, out.raw)
			}
		}
		if n := d.cases() - before; n != 1 {
			t.Errorf("%d cases stored, want only the other citizen's", n)
		}

		// Its owner, holding the whole id, does attach it; a signed-in citizen's upload works by
		// its plain id, as before.
		r := cwSubmit(t, d.citizen, d.input(map[string]any{"uploadIds": []string{mine}}))
		if !r.ok() || len(r.TrackedCase.Evidence) != 1 {
			t.Fatalf("the owner's submission: %v", r)
		}
		signed := stage(d.clerk, 90)
		if strings.Contains(signed, ".") {
			t.Errorf("a signed-in upload id carries a secret: %q", signed)
		}
		if r := cwSubmit(t, d.clerk, d.input(map[string]any{"uploadIds": []string{signed}})); !r.ok() {
			t.Errorf("signed-in submission with its upload: %v", r)
		}
	})
}
