package app_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent/province"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/blob/blobtest"
	"github.com/liemchinh/liemchinh/internal/store"
)

// confined is the shell run in a new mount namespace in which the root file system is made
// read-only, then the command ("$@") is run as the image's non-root user (distroless nonroot,
// 65532): as the container of the Dockerfile runs with `docker run --read-only`.
const confined = `mount --make-rprivate / && mount -o remount,bind,ro / && exec setpriv --reuid=65532 --regid=65532 --clear-groups "$@"`

// TestReadOnlyNonRoot runs the release step and the server the way the README's container does
// (APP_ENV=production with its own keys, `migrate` then `serve` with AUTO_MIGRATE=false, evidence in
// S3) as a user that owns nothing, on a root file system mounted read-only: this test binary,
// re-executed in a mount namespace (unshare) as user 65532 (setpriv). A write under the same
// confinement is refused first, so the server's success is not the machine's leniency. The
// Docker daemon is not on this machine, so the image itself is not run.
func TestReadOnlyNonRoot(t *testing.T) {
	base := os.Getenv("LIEMCHINH_TEST_DATABASE_URL")
	if base == "" {
		t.Skip("LIEMCHINH_TEST_DATABASE_URL is not set: the production configuration needs PostgreSQL")
	}
	if os.Geteuid() != 0 {
		t.Skip("not root: a mount namespace with a read-only root and a change of user need root")
	}
	for _, tool := range []string{"unshare", "setpriv", "sh"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: the read-only, non-root run needs it", tool)
		}
	}
	// A folder the non-root user may read: the test binary (go test's own folders are the
	// owner's only) and the S3 server's certificate.
	dir, err := os.MkdirTemp("", "liemchinh-readonly-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	self, err := os.Open(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	binary := filepath.Join(dir, "liemchinh.test")
	out, err := os.OpenFile(binary, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.Copy(out, self)
	self.Close()
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	confine := func(args ...string) *exec.Cmd {
		return exec.Command("unshare", append([]string{"--mount", "--", "sh", "-c", confined, "sh"}, args...)...)
	}
	// The confinement holds: writing anywhere is refused, in the work folder as in /tmp.
	if out, err := confine("sh", "-c", "touch "+filepath.Join(dir, "written")+" || touch /tmp/liemchinh-readonly-written || echo refused").CombinedOutput(); err != nil {
		t.Skipf("cannot make a read-only, non-root confinement here (%v): %s", err, out)
	} else if !strings.Contains(string(out), "refused") {
		t.Fatalf("a write under the confinement succeeded: %s", out)
	}

	s3, cert := blobtest.S3Server(t)
	certFile := filepath.Join(dir, "s3-ca.pem")
	if err := os.WriteFile(certFile, cert, 0o644); err != nil {
		t.Fatal(err)
	}
	dbURL := twoProcessDatabase(t, base)
	key := func(n int) string {
		b := make([]byte, n)
		_, _ = rand.Read(b)
		return base64.StdEncoding.EncodeToString(b)
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "APP_ENV=production", "DATABASE_URL=" + dbURL,
		"LISTEN_ADDR=127.0.0.1:0", "AUTO_MIGRATE=false", "REPORTER_KEY=" + key(32), "TOKEN_KEY=" + key(32),
		"RECEIPT_KEY=" + key(32), "BLOB_KEY=" + key(32),
		"BLOB_URL=s3://" + s3.Bucket + "?endpoint=" + s3.Endpoint + "&region=" + s3.Region,
		"AWS_ACCESS_KEY_ID=test-access", "AWS_SECRET_ACCESS_KEY=test-secret", "SSL_CERT_FILE=" + certFile}

	migrate := confine(binary, "-test.run=^$")
	migrate.Env, migrate.Dir = append(env, serveChildEnv+"=migrate"), "/"
	if out, err := migrate.CombinedOutput(); err != nil {
		t.Fatalf("migrate, read-only and non-root: %v\n%s", err, out)
	}

	ctx := authz.System(context.Background(), authz.SysTestFixture)
	db, err := store.Open(ctx, dbURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	prov := db.Client.Province.Create().SetCode("TRO").SetName("Tỉnh Chỉ Đọc").
		SetKind(province.KindPROVINCE).SetValidFrom(day).SaveX(ctx)
	un := db.Client.Unit.Create().SetName("UBND Tỉnh Chỉ Đọc").SetLevel(unit.LevelPROVINCE).
		SetKind(unit.KindPEOPLES_COMMITTEE).SetProvince(prov).SaveX(ctx)
	db.Close()

	stderr := &syncBuffer{}
	done := make(chan error, 1)
	serve := confine(binary, "-test.run=^$")
	serve.Env, serve.Dir = append(env, serveChildEnv+"=1"), "/"
	serve.Stdout, serve.Stderr = stderr, stderr
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- serve.Wait() }()
	t.Cleanup(func() {
		if serve.ProcessState == nil {
			_ = serve.Process.Kill()
			<-done
		}
	})
	addr := "http://" + waitForAddr(t, stderr, done, "listening")
	resp, err := http.Get(addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/readyz: %d\n%s", resp.StatusCode, stderr.String())
	}
	// A citizen's submission: the database and the receipt's key, nothing on the disk.
	data, code := postCode(t, addr, "", `mutation Submit($in: CaseSubmitInput!) { caseSubmit(input: $in) { trackingCode receipt userErrors { code } } }`,
		map[string]any{"in": map[string]any{"channel": "FEEDBACK", "unitId": un.ID, "category": "NO_BUREAUCRACY",
			"description": "Hồ sơ bị chậm trễ nhiều ngày không được giải quyết", "idempotencyKey": randomName(t) + randomName(t)}})
	var sub struct {
		CaseSubmit struct {
			TrackingCode, Receipt *string
			UserErrors            []struct{ Code string }
		}
	}
	if code != "" || json.Unmarshal(data, &sub) != nil || sub.CaseSubmit.TrackingCode == nil || sub.CaseSubmit.Receipt == nil {
		t.Fatalf("caseSubmit, read-only and non-root: %s %s\n%s", code, data, stderr.String())
	}
	if strings.Contains(stderr.String(), "read-only file system") || strings.Contains(stderr.String(), "permission denied") {
		t.Errorf("the server tried to write to the disk:\n%s", stderr.String())
	}
	t.Logf("migrate and serve ran as user 65532 on a read-only root (production configuration): case %s received", *sub.CaseSubmit.TrackingCode)
}
