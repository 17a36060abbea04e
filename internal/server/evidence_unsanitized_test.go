package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image/jpeg"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"testing"

	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/ent/auditevent"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// evidenceDesk files an anonymous case with evidence through the API and reads the files back.
type evidenceDesk struct {
	api *testutil.API
	w   *testutil.World
}

// upload stages and PUTs a file, returning the upload id; the PUT's answer says what is stored.
func (d evidenceDesk) upload(t *testing.T, contentType string, file []byte, wantType string, wantSanitized bool) string {
	t.Helper()
	sum := sha256.Sum256(file)
	var up struct {
		EvidenceUploadCreate struct{ UploadID, UploadPath string }
	}
	d.api.Query(t, `mutation($in: EvidenceUploadCreateInput!) { evidenceUploadCreate(input: $in) { uploadId uploadPath } }`,
		map[string]any{"in": map[string]any{"contentType": contentType, "size": len(file), "sha256": hex.EncodeToString(sum[:])}}).Decode(t, &up)
	rec := httptest.NewRecorder()
	d.api.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodPut, up.EvidenceUploadCreate.UploadPath, bytes.NewReader(file)))
	if rec.Code != http.StatusOK {
		t.Fatalf("PUT: %d %s", rec.Code, rec.Body)
	}
	var put struct {
		ContentType string
		Sanitized   bool
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &put); err != nil || put.ContentType != wantType || put.Sanitized != wantSanitized {
		t.Fatalf("PUT answered %s, want %s sanitized %v", rec.Body, wantType, wantSanitized)
	}
	return up.EvidenceUploadCreate.UploadID
}

// submit files an anonymous feedback about unit A's child unit with the uploads; it returns the
// tracking code and secret.
func (d evidenceDesk) submit(t *testing.T, uploadIDs ...string) (code, secret string) {
	t.Helper()
	var key [16]byte
	_, _ = rand.Read(key[:])
	var sub struct {
		CaseSubmit struct {
			TrackingCode, Secret string
			UserErrors           []struct{ Message string }
		}
	}
	d.api.Query(t, `mutation($in: CaseSubmitInput!) { caseSubmit(input: $in) { trackingCode secret userErrors { message } } }`,
		map[string]any{"in": map[string]any{"channel": "FEEDBACK", "unitId": d.w.A.ChildUnit, "category": "NO_BUREAUCRACY",
			"description": "Cán bộ gây khó khăn khi làm thủ tục", "uploadIds": uploadIDs,
			"idempotencyKey": hex.EncodeToString(key[:])}}).Decode(t, &sub)
	if sub.CaseSubmit.TrackingCode == "" {
		t.Fatalf("submit: %+v", sub)
	}
	return sub.CaseSubmit.TrackingCode, sub.CaseSubmit.Secret
}

type caseEvidence struct {
	ID       string
	Evidence []struct {
		ID, ContentType string
		Sanitized       bool
	}
}

// evidenceOf returns the cases of the unit with evidence, as the province supervisor sees them.
func (d evidenceDesk) evidenceOf(t *testing.T, token string) []caseEvidence {
	t.Helper()
	var list struct {
		Cases struct {
			Edges []struct{ Node caseEvidence }
		}
	}
	d.api.As(token).Query(t, `query($u: ID!) { cases(where: {hasUnitWith: {id: $u}, anonymous: true}) { edges { node { id evidence { id contentType sanitized } } } } }`,
		map[string]any{"u": d.w.A.ChildUnit}).Decode(t, &list)
	var out []caseEvidence
	for _, e := range list.Cases.Edges {
		out = append(out, e.Node)
	}
	return out
}

// get fetches GET /evidence/{id} with the headers (name, value, ...).
func (d evidenceDesk) get(id string, headers ...string) (int, http.Header, []byte) {
	req := httptest.NewRequest(http.MethodGet, "/evidence/"+id, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	d.api.Handler.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Body)
	return rec.Code, rec.Header(), b
}

// TestEvidenceHEICServedAsJPEG: an iPhone photo is stored and served as a JPEG without metadata,
// to everyone in scope.
func TestEvidenceHEICServedAsJPEG(t *testing.T) {
	heic, err := os.ReadFile("../evidence/testdata/gps-irot270.heic")
	if err != nil {
		t.Fatal(err)
	}
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		cfg := testutil.Config(t, nil)
		d := evidenceDesk{api: testutil.NewAPI(t, db, cfg), w: testutil.NewWorld(t, db, cfg)}
		code, secret := d.submit(t, d.upload(t, "image/heic", heic, "image/jpeg", true))
		sup, _ := d.api.Login(t, d.w.Logins["provinceSupervisor"], testutil.Password)
		cases := d.evidenceOf(t, sup)
		if len(cases) != 1 || len(cases[0].Evidence) != 1 {
			t.Fatalf("evidence: %+v", cases)
		}
		e := cases[0].Evidence[0]
		if e.ContentType != "image/jpeg" || !e.Sanitized {
			t.Fatalf("evidence %+v, want a sanitized image/jpeg", e)
		}
		for _, h := range [][]string{
			{"Authorization", "Bearer " + sup},
			{"X-Tracking-Code", code, "X-Tracking-Secret", secret},
		} {
			status, hdr, body := d.get(e.ID, h...)
			if status != http.StatusOK || hdr.Get("Content-Type") != "image/jpeg" {
				t.Fatalf("GET as %s: %d %s %.200s", h[0], status, hdr.Get("Content-Type"), body)
			}
			for _, s := range []string{"Exif", "Nguyen", "xmpmeta"} {
				if bytes.Contains(body, []byte(s)) {
					t.Errorf("served JPEG contains %q", s)
				}
			}
			img, err := jpeg.Decode(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != 120 || b.Dy() != 160 { // the photo's irot applied
				t.Fatalf("served %v", b)
			}
		}
	})
}

// pdfWithAuthor is a one-page PDF whose Info dictionary names its author.
func pdfWithAuthor() []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
		"<< /Author (Nguyen Van A) /Creator (Phone Scanner) >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Info 4 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// TestEvidencePDFCleaned: a PDF is stored without its author and served to staff in scope.
func TestEvidencePDFCleaned(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		cfg := testutil.Config(t, nil)
		d := evidenceDesk{api: testutil.NewAPI(t, db, cfg), w: testutil.NewWorld(t, db, cfg)}
		d.submit(t, d.upload(t, "application/pdf", pdfWithAuthor(), "application/pdf", true))
		sup, _ := d.api.Login(t, d.w.Logins["provinceSupervisor"], testutil.Password)
		cases := d.evidenceOf(t, sup)
		if len(cases) != 1 || len(cases[0].Evidence) != 1 {
			t.Fatalf("evidence: %+v", cases)
		}
		e := cases[0].Evidence[0]
		if e.ContentType != "application/pdf" || !e.Sanitized {
			t.Fatalf("evidence %+v, want a sanitized PDF", e)
		}
		status, _, body := d.get(e.ID, "Authorization", "Bearer "+sup)
		if status != http.StatusOK || !bytes.HasPrefix(body, []byte("%PDF-")) {
			t.Fatalf("GET: %d %.200s", status, body)
		}
		if bytes.Contains(body, []byte("Nguyen")) || bytes.Contains(body, []byte("Phone Scanner")) {
			t.Fatal("the served PDF still names its author")
		}
	})
}

// fakeVideo is an MP4 whose moov/udta holds the place of recording, as phones write it.
func fakeVideo() []byte {
	box := func(typ string, payload []byte) []byte {
		return append(binary.BigEndian.AppendUint32(nil, uint32(8+len(payload))), append([]byte(typ), payload...)...)
	}
	xyz := append([]byte{0, 19, 0x15, 0xC7}, "+10.7626+106.6602/"...)
	moov := box("moov", box("udta", box("\xa9xyz", xyz)))
	return append(append(box("ftyp", []byte("isom\x00\x00\x02\x00isomiso2avc1mp41")), moov...), box("mdat", make([]byte, 64))...)
}

// TestEvidenceUnsanitizedServing: a file the server could not clean is served like the reporter's
// identity: to the inspector assigned to the case and to an administrator who gives a reason
// (audited), and to the citizen with the tracking code and secret; everyone else in scope gets a
// coded refusal.
func TestEvidenceUnsanitizedServing(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		cfg := testutil.Config(t, nil)
		d := evidenceDesk{api: testutil.NewAPI(t, db, cfg), w: testutil.NewWorld(t, db, cfg)}
		video := fakeVideo()
		code, secret := d.submit(t, d.upload(t, "video/mp4", video, "video/mp4", false))
		sup, _ := d.api.Login(t, d.w.Logins["provinceSupervisor"], testutil.Password)
		cases := d.evidenceOf(t, sup)
		if len(cases) != 1 || len(cases[0].Evidence) != 1 {
			t.Fatalf("evidence: %+v", cases)
		}
		e := cases[0].Evidence[0]
		if e.ContentType != "video/mp4" || e.Sanitized {
			t.Fatalf("evidence %+v, want an unsanitized video/mp4", e)
		}
		// Assign the case to the World's inspector.
		ctx := authz.System(context.Background(), authz.SysTestFixture)
		inspectorID, err := db.Client.Account.Query().Where(account.Login(d.w.Logins["inspector"])).OnlyID(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var assigned struct {
			CaseAssign struct{ UserErrors []struct{ Message string } }
		}
		d.api.As(sup).Query(t, `mutation($in: CaseAssignInput!) { caseAssign(input: $in) { userErrors { message } } }`,
			map[string]any{"in": map[string]any{"caseId": cases[0].ID, "inspectorId": inspectorID}}).Decode(t, &assigned)
		if len(assigned.CaseAssign.UserErrors) > 0 {
			t.Fatalf("assign: %+v", assigned)
		}
		inspector, _ := d.api.Login(t, d.w.Logins["inspector"], testutil.Password)
		admin, _ := d.api.Login(t, d.w.Logins["admin"], testutil.Password)
		unit, _ := d.api.Login(t, d.w.Logins["unitManager"], testutil.Password)
		other := d.api.SignedIn(t, db, authz.RoleInspector, authz.Scope{Kind: authz.ScopeProvince, ID: d.w.A.Province}, "")
		outsider := d.api.SignedIn(t, db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeProvince, ID: d.w.B.Province}, "")
		bearer := func(tok string, more ...string) []string {
			return append([]string{"Authorization", "Bearer " + tok}, more...)
		}
		const reason = "Kiểm tra theo yêu cầu thanh tra số 12"
		tests := []struct {
			name    string
			headers []string
			want    int
			code    string
		}{
			{"supervisor in scope", bearer(sup), http.StatusForbidden, "FORBIDDEN"},
			{"unit manager in scope", bearer(unit), http.StatusForbidden, "FORBIDDEN"},
			{"another inspector in scope", bearer(other.Token()), http.StatusForbidden, "FORBIDDEN"},
			{"supervisor out of scope", bearer(outsider.Token()), http.StatusNotFound, "NOT_FOUND"},
			{"supervisor giving a reason", bearer(sup, "X-Access-Reason", reason), http.StatusForbidden, "FORBIDDEN"},
			{"admin without a reason", bearer(admin), http.StatusBadRequest, "BAD_USER_INPUT"},
			{"admin with too short a reason", bearer(admin, "X-Access-Reason", " ok  "), http.StatusBadRequest, "BAD_USER_INPUT"},
			{"no token", nil, http.StatusUnauthorized, "UNAUTHENTICATED"},
			{"assigned inspector", bearer(inspector), http.StatusOK, ""},
			{"admin with a reason", bearer(admin, "X-Access-Reason", reason), http.StatusOK, ""},
			{"admin with a percent-encoded reason", bearer(admin, "X-Access-Reason", url.PathEscape(reason)), http.StatusOK, ""},
			{"citizen", []string{"X-Tracking-Code", code, "X-Tracking-Secret", secret}, http.StatusOK, ""},
		}
		for _, tt := range tests {
			status, _, body := d.get(e.ID, tt.headers...)
			if status != tt.want {
				t.Errorf("%s: %d, want %d: %.300s", tt.name, status, tt.want, body)
				continue
			}
			if tt.want == http.StatusOK {
				if !bytes.Equal(body, video) {
					t.Errorf("%s: not the file uploaded", tt.name)
				}
				continue
			}
			var out struct {
				Error struct{ Code, Message string }
			}
			if err := json.Unmarshal(body, &out); err != nil || out.Error.Code != tt.code || out.Error.Message == "" {
				t.Errorf("%s: %s, want code %s", tt.name, body, tt.code)
			}
			if bytes.Contains(body, []byte("10.7626")) {
				t.Errorf("%s: the refusal carries the file", tt.name)
			}
		}
		// The refusal says why, in Vietnamese by default and in English when asked.
		_, _, vi := d.get(e.ID, bearer(sup)...)
		_, _, en := d.get(e.ID, bearer(sup, "Accept-Language", "en")...)
		if !bytes.Contains(vi, []byte("vị trí")) || !bytes.Contains(en, []byte("location")) {
			t.Errorf("refusal messages: %s / %s", vi, en)
		}
		// Each opening by staff is in the audit log, the administrator's with the reason.
		events, err := db.Client.AuditEvent.Query().Where(auditevent.Action("evidenceUnsanitizedRead"), auditevent.ObjectType("Case"), auditevent.SummaryContains(e.ID)).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var withReason int
		for _, ev := range events {
			if ev.Reason != nil && *ev.Reason == reason {
				withReason++
			}
		}
		if len(events) != 3 || withReason != 2 {
			t.Fatalf("audit: %d events, %d with the reason; want the inspector's and the admin's two", len(events), withReason)
		}
	})
}
