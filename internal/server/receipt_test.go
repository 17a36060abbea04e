package server_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/liemchinh/liemchinh/internal/config"
	"github.com/liemchinh/liemchinh/internal/receipt"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// Issue 16 item 1: signed receipts. Identifiers here start with rc.

func rcSeed(b byte) string {
	s := sha256.Sum256([]byte{'r', 'c', b})
	return base64.StdEncoding.EncodeToString(s[:])
}

// rcJWKS fetches the key set through the real handler, as a verifier on the Internet would.
func rcJWKS(t *testing.T, api *testutil.API) jose.JSONWebKeySet {
	t.Helper()
	rec := httptest.NewRecorder()
	api.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/.well-known/jwks.json", nil))
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/jwk-set+json" {
		t.Fatalf("jwks: %d %s %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	body := rec.Body.Bytes()
	var raw struct{ Keys []map[string]any }
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range raw.Keys {
		if _, private := k["d"]; private || k["kty"] != "OKP" || k["crv"] != "Ed25519" || k["alg"] != "EdDSA" {
			t.Fatalf("published key %v", k)
		}
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil {
		t.Fatal(err)
	}
	// Conditional GET: the set only changes with RECEIPT_KEY.
	req := httptest.NewRequest(http.MethodGet, "/.well-known/jwks.json", nil)
	req.Header.Set("If-None-Match", rec.Header().Get("ETag"))
	again := httptest.NewRecorder()
	api.Handler.ServeHTTP(again, req)
	if again.Code != http.StatusNotModified {
		t.Fatalf("If-None-Match: %d", again.Code)
	}
	return set
}

// rcOffline verifies a receipt with go-jose alone, against the published set: what anyone can do
// without this server.
func rcOffline(set jose.JSONWebKeySet, r string) (receipt.Claims, error) {
	var c receipt.Claims
	jws, err := jose.ParseSignedCompact(r, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		return c, err
	}
	keys := set.Key(jws.Signatures[0].Header.KeyID)
	if len(keys) != 1 {
		return c, errUnknownKid
	}
	payload, err := jws.Verify(keys[0].Key)
	if err != nil {
		return c, err
	}
	err = json.Unmarshal(payload, &c)
	return c, err
}

var errUnknownKid = io.ErrUnexpectedEOF // any sentinel: the kid is not in the set

type rcVerification struct {
	Valid          bool
	Problem        *string
	Message        string
	KeyID          *string
	Kind           *string
	TrackingCode   *string
	Channel        *string
	Unit           *struct{ ID string }
	ReceivedAt     *string
	ContentSha256  *string
	ContentMatches *bool
}

func rcVerify(t *testing.T, api *testutil.API, r string, content map[string]any) rcVerification {
	t.Helper()
	var out struct{ ReceiptVerify rcVerification }
	api.Query(t, `query($r: String!, $c: ReceiptContentInput) { receiptVerify(receipt: $r, content: $c) {
		valid problem message keyId kind trackingCode channel unit { id } receivedAt contentSha256 contentMatches } }`,
		map[string]any{"r": r, "c": content}, "Accept-Language", "en").Decode(t, &out)
	return out.ReceiptVerify
}

// rcUpload stages an evidence file and returns its upload id and the file's SHA-256.
func rcUpload(t *testing.T, api *testutil.API) (id, sum string) {
	t.Helper()
	file := pngWithLocation(t)
	h := sha256.Sum256(file)
	sum = hex.EncodeToString(h[:])
	var up struct {
		EvidenceUploadCreate struct{ UploadID, UploadPath string }
	}
	api.Query(t, `mutation($in: EvidenceUploadCreateInput!) { evidenceUploadCreate(input: $in) { uploadId uploadPath } }`,
		map[string]any{"in": map[string]any{"contentType": "image/png", "size": len(file), "sha256": sum}}).Decode(t, &up)
	rec := httptest.NewRecorder()
	api.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodPut, up.EvidenceUploadCreate.UploadPath, bytes.NewReader(file)))
	if rec.Code != http.StatusOK {
		t.Fatalf("PUT: %d %s", rec.Code, rec.Body)
	}
	return up.EvidenceUploadCreate.UploadID, sum
}

type rcSubmitted struct {
	TrackingCode, Secret, Receipt string
	UserErrors                    []struct{ Message string }
}

func rcSubmit(t *testing.T, api *testutil.API, in map[string]any) rcSubmitted {
	t.Helper()
	var out struct{ CaseSubmit rcSubmitted }
	api.Query(t, `mutation($in: CaseSubmitInput!) { caseSubmit(input: $in) { trackingCode secret receipt userErrors { message } } }`,
		map[string]any{"in": in}).Decode(t, &out)
	if out.CaseSubmit.Receipt == "" {
		t.Fatalf("submit without a receipt: %+v", out.CaseSubmit)
	}
	return out.CaseSubmit
}

func TestReceipts(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		oldKey, newKey := rcSeed(1), rcSeed(2)
		env := map[string]string{"CITIZEN_SUBMIT_RATE": "off", "TRACKING_RATE": "off", "RECEIPT_KEY": oldKey}
		cfg := testutil.Config(t, env)
		w := testutil.NewWorld(t, db, cfg)
		api := testutil.NewAPI(t, db, cfg)
		set := rcJWKS(t, api)
		if len(set.Keys) != 1 {
			t.Fatalf("%d keys published", len(set.Keys))
		}

		// A submission with a file, by an identified citizen.
		uploadID, fileSum := rcUpload(t, api)
		description := "  Cán bộ một cửa đòi tiền 'bồi dưỡng' khi nhận hồ sơ.  "
		key := testutil.NewKey()
		in := map[string]any{"channel": "FEEDBACK", "unitId": w.A.ChildUnit, "category": "NO_CORRUPTION",
			"description": description, "uploadIds": []string{uploadID}, "idempotencyKey": key,
			"reporter": map[string]any{"name": "Lê Thị Chứng", "phone": "0907654321"}}
		before := time.Now().Unix()
		sub := rcSubmit(t, api, in)
		claims, err := rcOffline(set, sub.Receipt)
		if err != nil {
			t.Fatalf("offline verification: %v", err)
		}
		want := receipt.Claims{Kind: receipt.KindCase, TrackingCode: sub.TrackingCode, Channel: "FEEDBACK", UnitID: w.A.ChildUnit,
			ReceivedAt: claims.ReceivedAt, ContentSHA256: receipt.ContentDigest(strings.TrimSpace(description), []string{fileSum})}
		if claims != want || claims.ReceivedAt < before || claims.ReceivedAt > time.Now().Unix() {
			t.Fatalf("claims %+v, want %+v", claims, want)
		}
		// No identity, no text, no secret.
		payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(sub.Receipt, ".")[1])
		for _, leak := range []string{"Chứng", "0907654321", "bồi dưỡng", sub.Secret, key} {
			if strings.Contains(string(payload), leak) || strings.Contains(sub.Receipt, leak) {
				t.Fatalf("the receipt carries %q: %s", leak, payload)
			}
		}
		// A retry gets the same receipt.
		if again := rcSubmit(t, api, in); again.Receipt != sub.Receipt {
			t.Fatalf("a retry's receipt differs:\n%s\n%s", again.Receipt, sub.Receipt)
		}

		// receiptVerify needs no account and says what the receipt attests.
		v := rcVerify(t, api, sub.Receipt, nil)
		if !v.Valid || v.Problem != nil || *v.Kind != "CASE" || *v.TrackingCode != sub.TrackingCode || *v.Channel != "FEEDBACK" ||
			v.Unit == nil || v.Unit.ID != w.A.ChildUnit || *v.ContentSha256 != want.ContentSHA256 || v.ContentMatches != nil ||
			*v.KeyID != set.Keys[0].KeyID || !strings.Contains(v.Message, "valid") {
			t.Fatalf("receiptVerify: %+v", v)
		}
		if at, err := time.Parse(time.RFC3339, *v.ReceivedAt); err != nil || at.Unix() != claims.ReceivedAt {
			t.Fatalf("receivedAt %s: %v", *v.ReceivedAt, err)
		}
		// With the content: the same text (white space around it does not count) and file, in any form.
		for _, tc := range []struct {
			name    string
			content map[string]any
			match   bool
		}{
			{"same", map[string]any{"text": description, "fileSha256": []string{strings.ToUpper(fileSum)}}, true},
			{"text changed", map[string]any{"text": strings.Replace(description, "tiền", "quà", 1), "fileSha256": []string{fileSum}}, false},
			{"file missing", map[string]any{"text": description}, false},
			{"another file", map[string]any{"text": description, "fileSha256": []string{sha256Hex("x")}}, false},
		} {
			if v := rcVerify(t, api, sub.Receipt, tc.content); !v.Valid || v.ContentMatches == nil || *v.ContentMatches != tc.match {
				t.Errorf("%s: %+v", tc.name, v)
			}
		}

		// Tampering: a changed payload keeps neither the server's nor the offline check.
		parts := strings.Split(sub.Receipt, ".")
		forged := claims
		forged.Channel = "PRAISE"
		fp, _ := json.Marshal(forged)
		tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(fp) + "." + parts[2]
		if _, err := rcOffline(set, tampered); err == nil {
			t.Fatal("a tampered receipt verified offline")
		}
		if v := rcVerify(t, api, tampered, nil); v.Valid || *v.Problem != "BAD_SIGNATURE" || v.TrackingCode != nil {
			t.Fatalf("tampered: %+v", v)
		}
		if v := rcVerify(t, api, "not a receipt", nil); v.Valid || *v.Problem != "MALFORMED" {
			t.Fatalf("malformed: %+v", v)
		}
		// A receipt from a key the server does not publish.
		stranger, _ := receipt.NewKeys([]string{rcSeed(9)})
		foreign, _ := stranger.Sign(claims)
		if _, err := rcOffline(set, foreign); err != errUnknownKid {
			t.Fatalf("unknown kid offline: %v", err)
		}
		if v := rcVerify(t, api, foreign, nil); v.Valid || *v.Problem != "UNKNOWN_KEY" || *v.KeyID != stranger.SigningKeyID() {
			t.Fatalf("unknown kid: %+v", v)
		}

		// An anonymous denunciation is handled, and receipted, as feedback.
		anon := rcSubmit(t, api, map[string]any{"channel": "DENUNCIATION", "unitId": w.A.ChildUnit, "category": "NO_CORRUPTION",
			"description": "Cán bộ nhận phong bì của người dân.", "idempotencyKey": testutil.NewKey()})
		if c, err := rcOffline(set, anon.Receipt); err != nil || c.Channel != "FEEDBACK" || c.ContentSHA256 != receipt.ContentDigest("Cán bộ nhận phong bì của người dân.", nil) {
			t.Fatalf("anonymous denunciation: %+v %v", c, err)
		}

		// Evidence added later and each message the citizen sends get their own receipts.
		laterID, laterSum := rcUpload(t, api)
		var ev struct {
			CaseEvidenceAdd struct {
				Receipt    *string
				UserErrors []struct{ Message string }
			}
		}
		api.Query(t, `mutation($in: CaseEvidenceAddInput!) { caseEvidenceAdd(input: $in) { receipt userErrors { message } } }`,
			map[string]any{"in": map[string]any{"trackingCode": sub.TrackingCode, "secret": sub.Secret, "uploadId": laterID}}).Decode(t, &ev)
		if ev.CaseEvidenceAdd.Receipt == nil {
			t.Fatalf("caseEvidenceAdd: %+v", ev)
		}
		if c, err := rcOffline(set, *ev.CaseEvidenceAdd.Receipt); err != nil || c.Kind != receipt.KindEvidence || c.ContentSHA256 != laterSum || c.TrackingCode != sub.TrackingCode {
			t.Fatalf("evidence receipt: %+v %v", c, err)
		}
		if v := rcVerify(t, api, *ev.CaseEvidenceAdd.Receipt, map[string]any{"fileSha256": []string{laterSum}}); !v.Valid || *v.Kind != "EVIDENCE" || !*v.ContentMatches {
			t.Fatalf("evidence receiptVerify: %+v", v)
		}
		// The submission's receipt still stands for the files sent with it: a retry after the
		// later file gets the same receipt.
		if again := rcSubmit(t, api, in); again.Receipt != sub.Receipt {
			t.Fatal("a retry after evidence was added got another receipt")
		}
		var msg struct {
			CaseMessageSend struct {
				Receipt    *string
				UserErrors []struct{ Message string }
			}
		}
		body := "Tôi bổ sung: việc xảy ra hai lần trong tháng."
		api.Query(t, `mutation($in: CaseMessageSendInput!) { caseMessageSend(input: $in) { receipt userErrors { message } } }`,
			map[string]any{"in": map[string]any{"trackingCode": sub.TrackingCode, "secret": sub.Secret, "body": " " + body + "\n"}}).Decode(t, &msg)
		if msg.CaseMessageSend.Receipt == nil {
			t.Fatalf("caseMessageSend: %+v", msg)
		}
		if c, err := rcOffline(set, *msg.CaseMessageSend.Receipt); err != nil || c.Kind != receipt.KindMessage || c.ContentSHA256 != receipt.TextDigest(body) {
			t.Fatalf("message receipt: %+v %v", c, err)
		}
		if v := rcVerify(t, api, *msg.CaseMessageSend.Receipt, map[string]any{"text": body}); !v.Valid || *v.Kind != "MESSAGE" || !*v.ContentMatches {
			t.Fatalf("message receiptVerify: %+v", v)
		}
		// Other actions issue none.
		var wd struct{ CaseWithdraw struct{ Receipt *string } }
		api.Query(t, `mutation($in: CaseWithdrawInput!) { caseWithdraw(input: $in) { receipt } }`,
			map[string]any{"in": map[string]any{"trackingCode": anon.TrackingCode, "secret": anon.Secret}}).Decode(t, &wd)
		if wd.CaseWithdraw.Receipt != nil {
			t.Fatalf("caseWithdraw issued a receipt")
		}

		// Rotation: the new key first, the old one kept. Old receipts stay valid, new ones are
		// signed with the new key, and both keys are published.
		rotatedCfg := testutil.Config(t, map[string]string{"CITIZEN_SUBMIT_RATE": "off", "RECEIPT_KEY": newKey + "," + oldKey})
		rotated := testutil.NewAPI(t, db, rotatedCfg)
		rset := rcJWKS(t, rotated)
		if len(rset.Keys) != 2 || rset.Keys[1].KeyID != set.Keys[0].KeyID {
			t.Fatalf("after rotation: %+v", rset.Keys)
		}
		if _, err := rcOffline(rset, sub.Receipt); err != nil {
			t.Fatalf("an old receipt after rotation, offline: %v", err)
		}
		if v := rcVerify(t, rotated, sub.Receipt, nil); !v.Valid || *v.KeyID != set.Keys[0].KeyID {
			t.Fatalf("an old receipt after rotation: %+v", v)
		}
		fresh := rcSubmit(t, rotated, map[string]any{"channel": "PRAISE", "unitId": w.A.ChildUnit,
			"description": "Cán bộ tiếp dân tận tình, chu đáo.", "idempotencyKey": testutil.NewKey()})
		jws, _ := jose.ParseSignedCompact(fresh.Receipt, []jose.SignatureAlgorithm{jose.EdDSA})
		if kid := jws.Signatures[0].Header.KeyID; kid != rset.Keys[0].KeyID || kid == set.Keys[0].KeyID {
			t.Fatalf("signed after rotation with %s", kid)
		}
		if _, err := rcOffline(set, fresh.Receipt); err != errUnknownKid {
			t.Fatalf("the old set knows the new key? %v", err)
		}
		// Once the old key is dropped, its receipts no longer verify.
		dropped := testutil.NewAPI(t, db, testutil.Config(t, map[string]string{"RECEIPT_KEY": newKey}))
		if v := rcVerify(t, dropped, sub.Receipt, nil); v.Valid || *v.Problem != "UNKNOWN_KEY" {
			t.Fatalf("after dropping the old key: %+v", v)
		}
	})
}

// TestReceiptReplaySameBytes: a replayed caseSubmit (same idempotencyKey, same input) answers the
// very receipt of the first response, byte for byte, however the signing keys have changed since:
// on the same server, after a rotation (a new key signs; re-signing gave a receipt under it), and
// after the old key was dropped. For an identified and for an anonymous citizen.
func TestReceiptReplaySameBytes(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		oldKey, newKey := rcSeed(3), rcSeed(4)
		env := func(keys string) config.Config {
			return testutil.Config(t, map[string]string{"CITIZEN_SUBMIT_RATE": "off", "TRACKING_RATE": "off", "RECEIPT_KEY": keys})
		}
		w := testutil.NewWorld(t, db, env(oldKey))
		first := testutil.NewAPI(t, db, env(oldKey))
		rotated := testutil.NewAPI(t, db, env(newKey+","+oldKey))
		dropped := testutil.NewAPI(t, db, env(newKey))
		uploadID, _ := rcUpload(t, first)
		for name, in := range map[string]map[string]any{
			"identified": {"channel": "FEEDBACK", "unitId": w.A.ChildUnit, "category": "NO_CORRUPTION",
				"description": "Cán bộ một cửa đòi tiền khi nhận hồ sơ.", "uploadIds": []string{uploadID},
				"idempotencyKey": testutil.NewKey(), "reporter": map[string]any{"name": "Lê Thị Chứng", "phone": "0907654321"}},
			"anonymous": {"channel": "PRAISE", "unitId": w.A.ChildUnit, "description": "Cán bộ tiếp dân tận tình.",
				"idempotencyKey": testutil.NewKey()},
		} {
			sub := rcSubmit(t, first, in)
			for via, api := range map[string]*testutil.API{"the same server": first, "after a rotation": rotated, "with the old key dropped": dropped} {
				again := rcSubmit(t, api, in)
				if again.Receipt != sub.Receipt || again.TrackingCode != sub.TrackingCode || again.Secret != sub.Secret {
					t.Errorf("%s, replayed %s: receipt\n%s\nwant the first\n%s", name, via, again.Receipt, sub.Receipt)
				}
			}
		}
	})
}
