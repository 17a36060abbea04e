package blob

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func newDir(t *testing.T) *Dir {
	t.Helper()
	d, err := NewDir(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func read(t *testing.T, s Store, key string) []byte {
	t.Helper()
	rc, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("open %s: %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestValidKey(t *testing.T) {
	tests := []struct {
		key string
		ok  bool
	}{
		{"a", true},
		{"cas_01jc8/evi_01jc9.jpg", true},
		{"2026/01/ab-cd_ef.v2.pdf", true},
		{"", false},
		{"/etc/passwd", false},
		{"a/", false},
		{"a//b", false},
		{"../a", false},
		{"a/../b", false},
		{"a/..", false},
		{"a..b", false},
		{"./a", false},
		{"a/.hidden", false},
		{".tmp-123", false},
		{"A.jpg", false},
		{"a b", false},
		{`a\b`, false},
		{"a%2f", false},
		{"ả.jpg", false},
		{"a\x00b", false},
		{strings.Repeat("a", MaxKeyLen), true},
		{strings.Repeat("a", MaxKeyLen+1), false},
	}
	for _, tt := range tests {
		err := ValidKey(tt.key)
		if (err == nil) != tt.ok {
			t.Errorf("ValidKey(%q) = %v, want ok=%v", tt.key, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalidKey) {
			t.Errorf("ValidKey(%q) = %v, not ErrInvalidKey", tt.key, err)
		}
	}
}

func TestPutOpenDelete(t *testing.T) {
	ctx := context.Background()
	d := newDir(t)
	tests := []struct {
		key  string
		data []byte
	}{
		{"top.bin", []byte("hello")},
		{"cas_1/evi_1.jpg", bytes.Repeat([]byte{0xff, 0xd8, 0}, 100000)},
		{"cas_1/evi_2.pdf", []byte{}},
		{"a/b/c/d.txt", []byte("deep")},
	}
	for _, tt := range tests {
		n, err := d.Put(ctx, tt.key, bytes.NewReader(tt.data))
		if err != nil || n != int64(len(tt.data)) {
			t.Fatalf("put %s: %d, %v", tt.key, n, err)
		}
		if got := read(t, d, tt.key); !bytes.Equal(got, tt.data) {
			t.Fatalf("%s: read %d bytes, want %d", tt.key, len(got), len(tt.data))
		}
	}
	// Replace.
	if _, err := d.Put(ctx, "top.bin", strings.NewReader("second")); err != nil {
		t.Fatal(err)
	}
	if got := read(t, d, "top.bin"); string(got) != "second" {
		t.Fatalf("after replace: %q", got)
	}
	for _, tt := range tests {
		if err := d.Delete(ctx, tt.key); err != nil {
			t.Fatalf("delete %s: %v", tt.key, err)
		}
		if _, err := d.Open(ctx, tt.key); !errors.Is(err, ErrNotFound) {
			t.Fatalf("open after delete %s: %v", tt.key, err)
		}
		if err := d.Delete(ctx, tt.key); err != nil {
			t.Fatalf("second delete %s: %v", tt.key, err)
		}
	}
	assertNoTemp(t, d.Root())
}

func TestNotFound(t *testing.T) {
	ctx := context.Background()
	d := newDir(t)
	if _, err := d.Put(ctx, "cas_1/evi_1.jpg", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{
		"missing",
		"cas_2/evi.jpg",
		"cas_1",               // a folder, not an object
		"cas_1/evi_1.jpg/sub", // below a file
	} {
		_, err := d.Open(ctx, key)
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("open %q: %v, want ErrNotFound", key, err)
		}
		if err := d.Delete(ctx, key); err != nil {
			t.Errorf("delete %q: %v", key, err)
		}
	}
	if got := read(t, d, "cas_1/evi_1.jpg"); string(got) != "x" {
		t.Fatal("deleting the folder key touched its content")
	}
}

func TestInvalidKeyRefused(t *testing.T) {
	ctx := context.Background()
	d := newDir(t)
	for _, key := range []string{"../escape", "/abs", "a/../../b", "Up.jpg", ""} {
		if _, err := d.Put(ctx, key, strings.NewReader("x")); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("put %q: %v", key, err)
		}
		if _, err := d.Open(ctx, key); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("open %q: %v", key, err)
		}
		if err := d.Delete(ctx, key); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("delete %q: %v", key, err)
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(d.Root()), "escape")); !os.IsNotExist(err) {
		t.Fatal("a file was written outside the root")
	}
}

func TestSymlinkCannotEscape(t *testing.T) {
	ctx := context.Background()
	d := newDir(t)
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("s"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(d.Root(), "link")); err != nil {
		t.Skip("no symlinks:", err)
	}
	if _, err := d.Open(ctx, "link/secret"); err == nil {
		t.Fatal("read through a symlink leaving the root")
	}
	if _, err := d.Put(ctx, "link/new", strings.NewReader("x")); err == nil {
		t.Fatal("wrote through a symlink leaving the root")
	}
	if _, err := os.Stat(filepath.Join(outside, "new")); !os.IsNotExist(err) {
		t.Fatal("a file was written outside the root")
	}
}

func TestModes(t *testing.T) {
	ctx := context.Background()
	d := newDir(t)
	if _, err := d.Put(ctx, "a/b/c.bin", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		rel  string
		mode os.FileMode
	}{
		{"a", 0o750},
		{"a/b", 0o750},
		{"a/b/c.bin", 0o640},
	} {
		fi, err := os.Stat(filepath.Join(d.Root(), filepath.FromSlash(tt.rel)))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != tt.mode {
			t.Errorf("%s: mode %v, want %v", tt.rel, fi.Mode().Perm(), tt.mode)
		}
	}
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("connection reset")
	}
	f.n--
	return copy(p, "partial"), nil
}

func TestFailedPutKeepsOldObject(t *testing.T) {
	ctx := context.Background()
	d := newDir(t)
	if _, err := d.Put(ctx, "k/obj", strings.NewReader("old")); err != nil {
		t.Fatal(err)
	}
	if n, err := d.Put(ctx, "k/obj", &failingReader{n: 3}); err == nil || n != 0 {
		t.Fatalf("put from a failing reader: %d, %v", n, err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := d.Put(cctx, "k/obj", strings.NewReader("new")); !errors.Is(err, context.Canceled) {
		t.Fatalf("put with a cancelled context: %v", err)
	}
	if got := read(t, d, "k/obj"); string(got) != "old" {
		t.Fatalf("object after failed puts: %q", got)
	}
	if _, err := d.Open(ctx, "k/new"); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	assertNoTemp(t, d.Root())
}

func TestConcurrentPuts(t *testing.T) {
	ctx := context.Background()
	d := newDir(t)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			data := bytes.Repeat([]byte{byte('a' + i)}, 64<<10)
			if _, err := d.Put(ctx, "shared/obj", bytes.NewReader(data)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got := read(t, d, "shared/obj")
	if len(got) != 64<<10 || bytes.Count(got, got[:1]) != len(got) {
		t.Fatal("object is a mix of several puts")
	}
	assertNoTemp(t, d.Root())
}

func TestNewDir(t *testing.T) {
	if _, err := NewDir(""); err == nil {
		t.Fatal("empty root accepted")
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := NewDir(file); err == nil {
		t.Fatal("a file accepted as root")
	}
	d := newDir(t)
	if !filepath.IsAbs(d.Root()) {
		t.Fatalf("root %q is not absolute", d.Root())
	}
}

func assertNoTemp(t *testing.T, root string) {
	t.Helper()
	filepath.WalkDir(root, func(p string, e os.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(e.Name(), tempPrefix) {
			t.Errorf("temporary file left: %s", p)
		}
		return nil
	})
}
