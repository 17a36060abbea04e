package app_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent/upload"
	"github.com/liemchinh/liemchinh/internal/app"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/blob"
	"github.com/liemchinh/liemchinh/internal/config"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// TestBlobsSeal: files stored before encryption are encrypted in place by `blobs seal`, once.
func TestBlobsSeal(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		ctx := context.Background()
		db := testutil.Open(t, dia)
		dir := t.TempDir()
		getenv := env("DATABASE_URL", db.URL, "BLOB_DIR", dir, "APP_ENV", "test")
		raw, err := blob.NewDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		sealed, err := blob.NewSealed(raw, config.DemoBlobKey)
		if err != nil {
			t.Fatal(err)
		}
		old := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte("old evidence "), 20000)...)
		if _, err := raw.Put(ctx, "evidence/upl_old", bytes.NewReader(old)); err != nil {
			t.Fatal(err)
		}
		if _, err := sealed.Put(ctx, "evidence/upl_new", strings.NewReader("already sealed")); err != nil {
			t.Fatal(err)
		}
		fx := authz.System(ctx, authz.SysTestFixture)
		for i, key := range []string{"evidence/upl_old", "evidence/upl_new", "evidence/upl_gone"} {
			db.Client.Upload.Create().SetID("upl_" + string(rune('a'+i))).SetTokenHash(strings.Repeat("0", 63) + string(rune('a'+i))).
				SetContentType("image/png").SetSize(10).SetSha256(strings.Repeat("a", 64)).SetOwner("anonymous").
				SetExpiresAt(time.Now().Add(time.Hour)).SetStatus(upload.StatusRECEIVED).SetStorageKey(key).SaveX(fx)
		}
		var out bytes.Buffer
		if err := app.Run(ctx, []string{"blobs", "seal"}, getenv, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "3 known, 1 encrypted now, 2 already") {
			t.Fatalf("first run: %s", out.String())
		}
		b, err := os.ReadFile(filepath.Join(dir, "evidence", "upl_old"))
		if err != nil || !bytes.HasPrefix(b, []byte("LCBLOB")) || bytes.Contains(b, []byte("old evidence")) {
			t.Fatalf("the old file is still in plaintext: %v %.16q", err, b)
		}
		rc, err := sealed.Open(ctx, "evidence/upl_old")
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, old) {
			t.Fatalf("the sealed file reads differently: %v", err)
		}
		out.Reset()
		if err := app.Run(ctx, []string{"blobs", "seal"}, getenv, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "3 known, 0 encrypted now") {
			t.Fatalf("second run: %s", out.String())
		}
		if err := app.Run(ctx, []string{"blobs"}, getenv, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "usage: blobs seal") {
			t.Fatalf("blobs without seal: %v", err)
		}
	})
}
