package blob_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/liemchinh/liemchinh/internal/blob"
	"github.com/liemchinh/liemchinh/internal/blob/blobtest"
)

const otherKey = "b3RoZXItYmxvYi1rZXktMzItYnl0ZXMtbG9uZy1vayE="

// inners are the stores Sealed encrypts into.
var inners = []struct {
	name string
	new  func(t testing.TB) blob.Store
}{
	{"dir", func(t testing.TB) blob.Store { return newDir(t) }},
	{"s3", func(t testing.TB) blob.Store { return blobtest.NewS3(t) }},
}

func TestSealedAtRest(t *testing.T) {
	for _, in := range inners {
		t.Run(in.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			inner := in.new(t)
			s := sealed(t, inner)
			secret := bytes.Repeat([]byte("GPS 21.0285,105.8542 "), 10000)
			if _, err := s.Put(ctx, "evidence/a", bytes.NewReader(secret)); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Put(ctx, "evidence/b", bytes.NewReader(secret)); err != nil {
				t.Fatal(err)
			}
			a, b := readAll(t, inner, "evidence/a"), readAll(t, inner, "evidence/b")
			if bytes.Contains(a, []byte("GPS 21.0285")) {
				t.Fatal("the stored object holds the plaintext")
			}
			if !bytes.HasPrefix(a, []byte("LCBLOB\x00\x01")) {
				t.Fatalf("stored object starts with %q", a[:8])
			}
			if bytes.Equal(a[20:200], b[20:200]) {
				t.Fatal("two puts of the same file share a data key")
			}
			// Per 64 KiB chunk, 16 bytes of tag; plus the header.
			chunks := len(secret)/blob.ChunkSize + 1
			if want := len(secret) + 16*chunks + 8 + 4 + 61; len(a) != want {
				t.Fatalf("stored %d bytes, want %d", len(a), want)
			}
		})
	}
}

func TestSealedRefusesWrongKeyAndTampering(t *testing.T) {
	for _, in := range inners {
		t.Run(in.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			inner := in.new(t)
			s := sealed(t, inner)
			data := randomBytes(3*blob.ChunkSize+100, 9)
			if _, err := s.Put(ctx, "evidence/a", bytes.NewReader(data)); err != nil {
				t.Fatal(err)
			}
			stored := readAll(t, inner, "evidence/a")

			other, err := blob.NewSealed(inner, otherKey)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := other.Open(ctx, "evidence/a"); !errors.Is(err, blob.ErrSealed) {
				t.Errorf("open with another key: %v", err)
			}
			// The same bytes under another key: the wrapped data key is bound to its object's key.
			if _, err := inner.Put(ctx, "evidence/moved", bytes.NewReader(stored)); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Open(ctx, "evidence/moved"); !errors.Is(err, blob.ErrSealed) {
				t.Errorf("open of a moved object: %v", err)
			}
			for _, tt := range []struct {
				name string
				b    []byte
			}{
				{"a byte flipped in chunk 1", flip(stored, 73+blob.ChunkSize+16+5)},
				{"last chunk dropped", stored[:73+3*(blob.ChunkSize+16)]},
				{"last chunk cut", stored[:len(stored)-1]},
				// Cut at a chunk's end with a tag's length after it: read as an empty last chunk.
				{"cut to whole chunks", stored[:73+2*(blob.ChunkSize+16)+16]},
				{"chunks 0 and 1 swapped", swap(stored, 73, blob.ChunkSize+16)},
			} {
				// Under the object's own key, so the data key opens and the chunks are what is tested.
				if _, err := inner.Put(ctx, "evidence/a", bytes.NewReader(tt.b)); err != nil {
					t.Fatal(err)
				}
				rc, err := s.Open(ctx, "evidence/a")
				if err == nil {
					_, err = io.ReadAll(rc)
					rc.Close()
				}
				if !errors.Is(err, blob.ErrSealed) {
					t.Errorf("%s: %v, want ErrSealed", tt.name, err)
				}
			}
		})
	}
}

func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 1
	return c
}

func swap(b []byte, off, n int) []byte {
	c := bytes.Clone(b)
	copy(c[off:], b[off+n:off+2*n])
	copy(c[off+n:], b[off:off+n])
	return c
}

// TestSealedPlaintextMigration: files stored before BLOB_KEY are read as they are, and Reseal
// encrypts them in place.
func TestSealedPlaintextMigration(t *testing.T) {
	for _, in := range inners {
		t.Run(in.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			inner := in.new(t)
			s := sealed(t, inner)
			old := append([]byte("%PDF-1.7\n"), randomBytes(2*blob.ChunkSize, 3)...)
			if _, err := inner.Put(ctx, "evidence/old", bytes.NewReader(old)); err != nil {
				t.Fatal(err)
			}
			if got := readAll(t, s, "evidence/old"); !bytes.Equal(got, old) {
				t.Fatal("a plaintext object is not read as it is")
			}
			done, err := s.Reseal(ctx, "evidence/old")
			if err != nil || !done {
				t.Fatalf("reseal: %v, %v", done, err)
			}
			if stored := readAll(t, inner, "evidence/old"); !bytes.HasPrefix(stored, []byte("LCBLOB")) || bytes.Contains(stored, old[:64]) {
				t.Fatal("reseal left the object in plaintext")
			}
			if got := readAll(t, s, "evidence/old"); !bytes.Equal(got, old) {
				t.Fatal("the resealed object reads differently")
			}
			for _, key := range []string{"evidence/old", "evidence/missing"} {
				if done, err := s.Reseal(ctx, key); err != nil || done {
					t.Fatalf("reseal %s again: %v, %v", key, done, err)
				}
			}
		})
	}
}

func TestNewSealedKey(t *testing.T) {
	for _, k := range []string{"", "not base64!", "c2hvcnQ="} {
		if _, err := blob.NewSealed(newDir(t), k); err == nil {
			t.Errorf("key %q accepted", k)
		}
	}
}

func TestParseS3URL(t *testing.T) {
	tests := []struct {
		raw      string
		ok       bool
		bucket   string
		endpoint string
		region   string
		secure   bool
	}{
		{"s3://evidence?endpoint=minio.local:9000&region=vn-hn-1", true, "evidence", "minio.local:9000", "vn-hn-1", true},
		{"s3://evidence?endpoint=http://10.0.0.5:9000", true, "evidence", "10.0.0.5:9000", "", false},
		{"s3://evidence?endpoint=https://s3.example.vn", true, "evidence", "s3.example.vn", "", true},
		{"s3://evidence/", true, "evidence", "s3.amazonaws.com", "", true},
		{"s3://evidence?region=ap-southeast-1", true, "evidence", "s3.amazonaws.com", "ap-southeast-1", true},
		{"s3://", false, "", "", "", false},
		{"http://evidence", false, "", "", "", false},
		{"s3://evidence/prefix", false, "", "", "", false},
		{"s3://key:secret@evidence", false, "", "", "", false},
		{"s3://evidence?endpoint=host/path", false, "", "", "", false},
		{"s3://evidence?bucket=x", false, "", "", "", false},
	}
	for _, tt := range tests {
		c, err := blob.ParseS3URL(tt.raw)
		if (err == nil) != tt.ok {
			t.Errorf("%s: %v, want ok=%v", tt.raw, err, tt.ok)
			continue
		}
		if tt.ok && (c.Bucket != tt.bucket || c.Endpoint != tt.endpoint || c.Region != tt.region || c.Secure != tt.secure) {
			t.Errorf("%s: %+v", tt.raw, c)
		}
	}
}
