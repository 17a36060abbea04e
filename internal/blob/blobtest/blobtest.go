// Package blobtest starts an S3-compatible server inside a test (gofakes3, in memory) and
// returns a blob.S3 store on it, for the contract tests of package blob and for tests through
// the server.
package blobtest

import (
	"context"
	"encoding/pem"
	"io"
	"log"
	"net/http/httptest"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/liemchinh/liemchinh/internal/blob"
)

// Bucket is the bucket the fake server holds.
const Bucket = "evidence"

// S3Config starts a fake S3 server for the test's lifetime, holding an empty Bucket, and returns
// a configuration reaching it. The server speaks TLS: gofakes3 over plain HTTP stores minio-go's
// chunk-signature framing inside multipart uploads without an error (STACK.md trap 12).
func S3Config(t testing.TB) blob.S3Config {
	t.Helper()
	c, _ := S3Server(t)
	return c
}

// S3Server is S3Config, with the PEM certificate of the server's TLS: what another process needs
// to trust it (SSL_CERT_FILE, which Go honours on Linux, naming a file holding it).
func S3Server(t testing.TB) (blob.S3Config, []byte) {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(Bucket); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(gofakes3.New(backend).Server())
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // gofakes3 writes some error headers twice
	ts.StartTLS()
	t.Cleanup(ts.Close)
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})
	return blob.S3Config{
		Bucket:    Bucket,
		Endpoint:  ts.Listener.Addr().String(),
		Region:    "us-east-1",
		Secure:    true,
		Creds:     credentials.NewStaticV4("test-access", "test-secret", ""),
		Transport: ts.Client().Transport,
		PartSize:  5 << 20, // S3's least, so that tests of a few MiB cross parts
	}, cert
}

// NewS3 returns a blob.S3 store on a fresh fake server (S3Config).
func NewS3(t testing.TB) *blob.S3 {
	t.Helper()
	s, err := blob.NewS3(context.Background(), S3Config(t))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
