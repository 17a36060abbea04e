package server_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// pngWithLocation returns a small PNG carrying a tEXt chunk with a location.
func pngWithLocation(t *testing.T) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	iend := bytes.Index(b, []byte("IEND")) - 4
	data := []byte("Comment\x00GPS 10.7626,106.6602")
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	chunk = append(chunk, "tEXt"...)
	chunk = append(chunk, data...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(append([]byte("tEXt"), data...)))
	return append(append(append([]byte{}, b[:iend]...), chunk...), b[iend:]...)
}

func TestEvidenceDownload(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		cfg := testutil.Config(t, nil)
		w := testutil.NewWorld(t, db, cfg)
		api := testutil.NewAPI(t, db, cfg)
		file := pngWithLocation(t)
		sum := sha256.Sum256(file)
		var up struct {
			EvidenceUploadCreate struct{ UploadID, UploadPath string }
		}
		api.Query(t, `mutation($in: EvidenceUploadCreateInput!) { evidenceUploadCreate(input: $in) { uploadId uploadPath } }`,
			map[string]any{"in": map[string]any{"contentType": "image/png", "size": len(file), "sha256": hex.EncodeToString(sum[:])}}).Decode(t, &up)
		rec := httptest.NewRecorder()
		api.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodPut, up.EvidenceUploadCreate.UploadPath, bytes.NewReader(file)))
		if rec.Code != http.StatusOK {
			t.Fatalf("PUT: %d %s", rec.Code, rec.Body)
		}
		var sub struct {
			CaseSubmit struct {
				TrackingCode, Secret string
				UserErrors           []struct{ Message string }
			}
		}
		api.Query(t, `mutation($in: CaseSubmitInput!) { caseSubmit(input: $in) { trackingCode secret userErrors { message } } }`,
			map[string]any{"in": map[string]any{"channel": "FEEDBACK", "unitId": w.A.ChildUnit, "category": "NO_BUREAUCRACY",
				"description": "Cán bộ gây khó khăn khi làm thủ tục", "uploadIds": []string{up.EvidenceUploadCreate.UploadID},
				"idempotencyKey": testutil.NewKey()}}).Decode(t, &sub)
		if sub.CaseSubmit.TrackingCode == "" {
			t.Fatalf("submit: %+v", sub)
		}
		// The audit log keeps no address of the anonymous citizen (it would tie them to the case).
		admin, _ := api.Login(t, w.Logins["admin"], testutil.Password)
		var audit struct {
			AuditEvents struct {
				Edges []struct {
					Node struct {
						ClientIP string `json:"clientIP"`
					}
				}
			}
		}
		api.As(admin).Query(t, `{ auditEvents(where: {action: "caseSubmit"}) { edges { node { clientIP } } } }`, nil).Decode(t, &audit)
		if len(audit.AuditEvents.Edges) != 1 || audit.AuditEvents.Edges[0].Node.ClientIP != "" {
			t.Fatalf("audit of an anonymous submission: %+v", audit)
		}
		var logins struct {
			AuditEvents struct {
				Edges []struct {
					Node struct {
						ClientIP string `json:"clientIP"`
					}
				}
			}
		}
		api.As(admin).Query(t, `{ auditEvents(where: {action: "login"}, first: 1) { edges { node { clientIP } } } }`, nil).Decode(t, &logins)
		if len(logins.AuditEvents.Edges) != 1 || logins.AuditEvents.Edges[0].Node.ClientIP == "" {
			t.Fatalf("an account's sign-in lost its address: %+v", logins)
		}
		sup, _ := api.Login(t, w.Logins["provinceSupervisor"], testutil.Password)
		var list struct {
			Cases struct {
				Edges []struct {
					Node struct{ Evidence []struct{ ID string } }
				}
			}
		}
		api.As(sup).Query(t, `query($u: ID!) { cases(where: {hasUnitWith: {id: $u}, anonymous: true}) { edges { node { evidence { id } } } } }`,
			map[string]any{"u": w.A.ChildUnit}).Decode(t, &list)
		if len(list.Cases.Edges) != 1 || len(list.Cases.Edges[0].Node.Evidence) != 1 {
			t.Fatalf("evidence of the case: %+v", list)
		}
		id := list.Cases.Edges[0].Node.Evidence[0].ID
		outsider := api.SignedIn(t, db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeProvince, ID: w.B.Province}, "")
		get := func(headers ...string) (int, []byte) {
			req := httptest.NewRequest(http.MethodGet, "/evidence/"+id, nil)
			for i := 0; i+1 < len(headers); i += 2 {
				req.Header.Set(headers[i], headers[i+1])
			}
			rec := httptest.NewRecorder()
			api.Handler.ServeHTTP(rec, req)
			b, _ := io.ReadAll(rec.Body)
			return rec.Code, b
		}
		tests := []struct {
			name    string
			headers []string
			want    int
		}{
			{"supervisor in scope", []string{"Authorization", "Bearer " + sup}, http.StatusOK},
			{"supervisor out of scope", []string{"Authorization", "Bearer " + outsider.Token()}, http.StatusNotFound},
			{"no token", nil, http.StatusUnauthorized},
			{"citizen", []string{"X-Tracking-Code", sub.CaseSubmit.TrackingCode, "X-Tracking-Secret", sub.CaseSubmit.Secret}, http.StatusOK},
			{"wrong secret", []string{"X-Tracking-Code", sub.CaseSubmit.TrackingCode, "X-Tracking-Secret", "WRONG"}, http.StatusNotFound},
		}
		for _, tt := range tests {
			code, body := get(tt.headers...)
			if code != tt.want {
				t.Errorf("%s: %d, want %d: %.200s", tt.name, code, tt.want, body)
			}
			if code == http.StatusOK {
				if strings.Contains(string(body), "GPS") {
					t.Errorf("%s: the stored file still has its location", tt.name)
				}
				if _, err := png.Decode(bytes.NewReader(body)); err != nil {
					t.Errorf("%s: the stored file does not decode: %v", tt.name, err)
				}
			}
		}
	})
}
