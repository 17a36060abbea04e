package blob_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/liemchinh/liemchinh/internal/blob"
	"github.com/liemchinh/liemchinh/internal/blob/blobtest"
)

// BenchmarkS3 measures the S3 store's upload and download throughput against the in-process fake
// (gofakes3 over TLS, in memory), plain and sealed, for a 16 MiB file streamed in 8 MiB parts:
//
//	go test ./internal/blob -run '^$' -bench S3 -benchtime 10x
func BenchmarkS3(b *testing.B) {
	data := randomBytes(16<<20, 1)
	for _, st := range []struct {
		name string
		new  func(b *testing.B) blob.Store
	}{
		{"plain", func(b *testing.B) blob.Store { return s3Store(b) }},
		{"sealed", func(b *testing.B) blob.Store { return sealed(b, s3Store(b)) }},
	} {
		b.Run(st.name+"/put", func(b *testing.B) {
			s := st.new(b)
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := s.Put(context.Background(), "bench/obj", bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(st.name+"/get", func(b *testing.B) {
			s := st.new(b)
			if _, err := s.Put(context.Background(), "bench/obj", bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				rc, err := s.Open(context.Background(), "bench/obj")
				if err != nil {
					b.Fatal(err)
				}
				n, err := io.Copy(io.Discard, rc)
				rc.Close()
				if err != nil || n != int64(len(data)) {
					b.Fatalf("read %d bytes: %v", n, err)
				}
			}
		})
	}
}

func s3Store(b *testing.B) *blob.S3 {
	c := blobtest.S3Config(b)
	c.PartSize = blob.DefaultPartSize
	s, err := blob.NewS3(context.Background(), c)
	if err != nil {
		b.Fatal(err)
	}
	return s
}
