package blob_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/liemchinh/liemchinh/internal/blob"
	"github.com/liemchinh/liemchinh/internal/blob/blobtest"
)

// testKey is a BLOB_KEY for tests (base64 of 32 bytes).
const testKey = "dGVzdC1ibG9iLWtleS0zMi1ieXRlcy1sb25nLW9rISE="

// stores are the Store implementations the contract holds for: the folder and S3, each plain and
// sealed.
var stores = []struct {
	name string
	new  func(t testing.TB) blob.Store
}{
	{"dir", func(t testing.TB) blob.Store { return newDir(t) }},
	{"s3", func(t testing.TB) blob.Store { return blobtest.NewS3(t) }},
	{"sealed-dir", func(t testing.TB) blob.Store { return sealed(t, newDir(t)) }},
	{"sealed-s3", func(t testing.TB) blob.Store { return sealed(t, blobtest.NewS3(t)) }},
}

func newDir(t testing.TB) *blob.Dir {
	d, err := blob.NewDir(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func sealed(t testing.TB, inner blob.Store) *blob.Sealed {
	s, err := blob.NewSealed(inner, testKey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func readAll(t testing.TB, s blob.Store, key string) []byte {
	t.Helper()
	rc, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("open %s: %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return b
}

// sizes cross the sealed chunk boundaries and, for S3, the 5 MiB part size of blobtest.
var sizes = []int{0, 1, 5, blob.ChunkSize - 1, blob.ChunkSize, blob.ChunkSize + 1, 3 * blob.ChunkSize, 5<<20 + 12345}

func TestContractPutOpenDelete(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := st.new(t)
			for i, size := range sizes {
				key := "cas_1/evi_" + string(rune('a'+i)) + ".bin"
				data := randomBytes(size, uint64(i))
				n, err := s.Put(ctx, key, bytes.NewReader(data))
				if err != nil || n != int64(size) {
					t.Fatalf("put %d bytes: %d, %v", size, n, err)
				}
				if got := readAll(t, s, key); !bytes.Equal(got, data) {
					t.Fatalf("%d bytes put, %d read back, equal %v", size, len(got), bytes.Equal(got, data))
				}
			}
			if _, err := s.Put(ctx, "cas_1/evi_a.bin", strings.NewReader("second")); err != nil {
				t.Fatal(err)
			}
			if got := readAll(t, s, "cas_1/evi_a.bin"); string(got) != "second" {
				t.Fatalf("after replace: %q", got)
			}
			for i := range sizes {
				key := "cas_1/evi_" + string(rune('a'+i)) + ".bin"
				if err := s.Delete(ctx, key); err != nil {
					t.Fatalf("delete %s: %v", key, err)
				}
				if _, err := s.Open(ctx, key); !errors.Is(err, blob.ErrNotFound) {
					t.Fatalf("open after delete %s: %v", key, err)
				}
				if err := s.Delete(ctx, key); err != nil {
					t.Fatalf("second delete %s: %v", key, err)
				}
			}
		})
	}
}

// TestContractSeek reads ranges as a Range request does: seek, then read a length.
func TestContractSeek(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := st.new(t)
			size := 3*blob.ChunkSize + 777
			data := randomBytes(size, 42)
			if _, err := s.Put(ctx, "k/obj", bytes.NewReader(data)); err != nil {
				t.Fatal(err)
			}
			rc, err := s.Open(ctx, "k/obj")
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			if end, err := rc.Seek(0, io.SeekEnd); err != nil || end != int64(size) {
				t.Fatalf("seek to end: %d, %v; want %d", end, err, size)
			}
			for _, r := range []struct{ off, n int }{
				{0, 10}, {blob.ChunkSize - 3, 10}, {blob.ChunkSize, blob.ChunkSize}, {5, 2*blob.ChunkSize + 100},
				{size - 1, 1}, {size - 500, 500}, {1, size - 1}, {0, size}, {100, 0},
			} {
				if pos, err := rc.Seek(int64(r.off), io.SeekStart); err != nil || pos != int64(r.off) {
					t.Fatalf("seek %d: %d, %v", r.off, pos, err)
				}
				got := make([]byte, r.n)
				if _, err := io.ReadFull(rc, got); err != nil {
					t.Fatalf("read %d at %d: %v", r.n, r.off, err)
				}
				if !bytes.Equal(got, data[r.off:r.off+r.n]) {
					t.Fatalf("read %d at %d: bytes differ", r.n, r.off)
				}
			}
			if _, err := rc.Seek(int64(size), io.SeekStart); err != nil {
				t.Fatal(err)
			}
			if n, err := rc.Read(make([]byte, 10)); n != 0 || err != io.EOF {
				t.Fatalf("read at the end: %d, %v", n, err)
			}
		})
	}
}

func TestContractNotFoundAndInvalidKeys(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := st.new(t)
			if _, err := s.Put(ctx, "cas_1/evi_1.jpg", strings.NewReader("x")); err != nil {
				t.Fatal(err)
			}
			for _, key := range []string{"missing", "cas_2/evi.jpg", "cas_1", "cas_1/evi_1.jpg/sub"} {
				if _, err := s.Open(ctx, key); !errors.Is(err, blob.ErrNotFound) {
					t.Errorf("open %q: %v, want ErrNotFound", key, err)
				}
				if err := s.Delete(ctx, key); err != nil {
					t.Errorf("delete %q: %v", key, err)
				}
			}
			if got := readAll(t, s, "cas_1/evi_1.jpg"); string(got) != "x" {
				t.Fatalf("object changed: %q", got)
			}
			for _, key := range []string{"../escape", "/abs", "a/../../b", "Up.jpg", ""} {
				if _, err := s.Put(ctx, key, strings.NewReader("x")); !errors.Is(err, blob.ErrInvalidKey) {
					t.Errorf("put %q: %v", key, err)
				}
				if _, err := s.Open(ctx, key); !errors.Is(err, blob.ErrInvalidKey) {
					t.Errorf("open %q: %v", key, err)
				}
				if err := s.Delete(ctx, key); !errors.Is(err, blob.ErrInvalidKey) {
					t.Errorf("delete %q: %v", key, err)
				}
			}
		})
	}
}

type brokenReader struct{ n int }

func (f *brokenReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("connection reset")
	}
	f.n--
	return copy(p, bytes.Repeat([]byte("partial"), 1<<16)), nil
}

func TestContractFailedPutKeepsOldObject(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := st.new(t)
			if _, err := s.Put(ctx, "k/obj", strings.NewReader("old")); err != nil {
				t.Fatal(err)
			}
			if n, err := s.Put(ctx, "k/obj", &brokenReader{n: 30}); err == nil || n != 0 {
				t.Fatalf("put from a failing reader: %d, %v", n, err)
			}
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			if _, err := s.Put(cctx, "k/obj", strings.NewReader("new")); !errors.Is(err, context.Canceled) {
				t.Fatalf("put with a cancelled context: %v", err)
			}
			if got := readAll(t, s, "k/obj"); string(got) != "old" {
				t.Fatalf("object after failed puts: %q", got)
			}
		})
	}
}

func TestContractConcurrentPuts(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := st.new(t)
			var wg sync.WaitGroup
			for i := range 8 {
				wg.Go(func() {
					data := bytes.Repeat([]byte{byte('a' + i)}, 2*blob.ChunkSize+10)
					if _, err := s.Put(ctx, "shared/obj", bytes.NewReader(data)); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			got := readAll(t, s, "shared/obj")
			if len(got) != 2*blob.ChunkSize+10 || bytes.Count(got, got[:1]) != len(got) {
				t.Fatal("object is a mix of several puts")
			}
		})
	}
}
