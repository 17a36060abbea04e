package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/internal/blob"
	"github.com/liemchinh/liemchinh/internal/blob/blobtest"
	"github.com/liemchinh/liemchinh/internal/config"
	"github.com/liemchinh/liemchinh/internal/server"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// TestEvidenceStores uploads an evidence file through the real handler and downloads it whole
// and by ranges, with the folder store and with the S3 store of BLOB_URL (a fake S3 server); the
// stored object is sealed in either.
func TestEvidenceStores(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "test-access")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		for _, kind := range []string{"dir", "s3"} {
			t.Run(kind, func(t *testing.T) {
				db := testutil.Open(t, dia)
				dir := t.TempDir()
				env := map[string]string{"BLOB_DIR": dir}
				var opt server.Options
				var raw blob.Store // the store under the sealing, to see what is at rest
				if kind == "s3" {
					c := blobtest.S3Config(t)
					env["BLOB_URL"] = "s3://" + c.Bucket + "?endpoint=" + c.Endpoint + "&region=" + c.Region
					opt.BlobTransport = c.Transport
					s, err := blob.NewS3(context.Background(), c)
					if err != nil {
						t.Fatal(err)
					}
					raw = s
				} else {
					d, err := blob.NewDir(dir)
					if err != nil {
						t.Fatal(err)
					}
					raw = d
				}
				cfg := testutil.Config(t, env)
				w := testutil.NewWorld(t, db, cfg)
				api := testutil.NewAPIWith(t, db, cfg, time.Now, opt)
				code, secret, uploadID := submitWithEvidence(t, api, w.A.ChildUnit, pngWithLocation(t))

				// At rest: sealed, in the configured store only.
				stored, err := raw.Open(context.Background(), "evidence/"+uploadID)
				if err != nil {
					t.Fatalf("the file is not in the %s store: %v", kind, err)
				}
				at, _ := io.ReadAll(stored)
				stored.Close()
				if !bytes.HasPrefix(at, []byte("LCBLOB")) || bytes.Contains(at, []byte("PNG")) {
					t.Fatalf("the stored file is not sealed: %.16q", at)
				}
				if kind == "s3" {
					if entries, _ := os.ReadDir(dir); len(entries) != 0 {
						t.Fatalf("BLOB_DIR received files with BLOB_URL set: %v", entries)
					}
				} else if _, err := os.Stat(filepath.Join(dir, "evidence", uploadID)); err != nil {
					t.Fatal(err)
				}

				id := evidenceID(t, api, code, secret)
				get := func(rng string) *httptest.ResponseRecorder {
					req := httptest.NewRequest(http.MethodGet, "/evidence/"+id, nil)
					req.Header.Set("X-Tracking-Code", code)
					req.Header.Set("X-Tracking-Secret", secret)
					if rng != "" {
						req.Header.Set("Range", rng)
					}
					rec := httptest.NewRecorder()
					api.Handler.ServeHTTP(rec, req)
					return rec
				}
				full := get("")
				whole := full.Body.Bytes()
				if full.Code != http.StatusOK || !bytes.HasPrefix(whole, []byte("\x89PNG\r\n\x1a\n")) ||
					full.Header().Get("Accept-Ranges") != "bytes" || full.Header().Get("Content-Type") != "image/png" {
					t.Fatalf("GET: %d %v %.16q", full.Code, full.Header(), whole)
				}
				n := len(whole)
				for _, tt := range []struct {
					rng      string
					from, to int // inclusive
				}{
					{"bytes=0-7", 0, 7},
					{"bytes=10-49", 10, 49},
					{"bytes=-20", n - 20, n - 1},
					{fmt.Sprintf("bytes=%d-", n-1), n - 1, n - 1},
				} {
					rec := get(tt.rng)
					want := fmt.Sprintf("bytes %d-%d/%d", tt.from, tt.to, n)
					if rec.Code != http.StatusPartialContent || rec.Header().Get("Content-Range") != want ||
						!bytes.Equal(rec.Body.Bytes(), whole[tt.from:tt.to+1]) {
						t.Errorf("%s: %d %q, want 206 %q; bytes equal %v", tt.rng, rec.Code,
							rec.Header().Get("Content-Range"), want, bytes.Equal(rec.Body.Bytes(), whole[tt.from:tt.to+1]))
					}
				}
				if rec := get(fmt.Sprintf("bytes=%d-", n+10)); rec.Code != http.StatusRequestedRangeNotSatisfiable {
					t.Errorf("range past the end: %d", rec.Code)
				}
			})
		}
	})
}

// submitWithEvidence uploads file and submits an anonymous case with it, returning the tracking
// code and secret and the upload's id.
func submitWithEvidence(t *testing.T, api *testutil.API, unit string, file []byte) (code, secret, uploadID string) {
	t.Helper()
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
		map[string]any{"in": map[string]any{"channel": "FEEDBACK", "unitId": unit, "category": "NO_BUREAUCRACY",
			"description": "Cán bộ gây khó khăn khi làm thủ tục", "uploadIds": []string{up.EvidenceUploadCreate.UploadID},
			"idempotencyKey": testutil.NewKey()}}).Decode(t, &sub)
	if sub.CaseSubmit.TrackingCode == "" {
		t.Fatalf("submit: %+v", sub)
	}
	id, _, _ := bytes.Cut([]byte(up.EvidenceUploadCreate.UploadID), []byte("."))
	return sub.CaseSubmit.TrackingCode, sub.CaseSubmit.Secret, string(id)
}

// evidenceID returns the id of the one evidence file of the case the citizen tracks.
func evidenceID(t *testing.T, api *testutil.API, code, secret string) string {
	t.Helper()
	var out struct {
		CaseByTracking struct{ Evidence []struct{ ID string } }
	}
	api.Query(t, `query($c: String!, $s: String!) { caseByTracking(trackingCode: $c, secret: $s) { evidence { id } } }`,
		map[string]any{"c": code, "s": secret}).Decode(t, &out)
	if len(out.CaseByTracking.Evidence) != 1 {
		t.Fatalf("tracked evidence: %+v", out.CaseByTracking)
	}
	return out.CaseByTracking.Evidence[0].ID
}

// storedFiles returns the evidence files kept under a BLOB_DIR, decrypted with the demo BLOB_KEY
// the tests run with; a file kept in plaintext fails the test.
func storedFiles(t *testing.T, dir string) [][]byte {
	t.Helper()
	d, err := blob.NewDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	s, err := blob.NewSealed(d, config.DemoBlobKey)
	if err != nil {
		t.Fatal(err)
	}
	var files [][]byte
	err = filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !bytes.HasPrefix(raw, []byte("LCBLOB")) {
			t.Errorf("%s is kept in plaintext", p)
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rc, err := s.Open(context.Background(), filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		files = append(files, b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
