// Package blob stores opaque objects (evidence files) under string keys. The product uses the
// Store interface; Dir keeps each object as a file under one folder, S3 as an object of an
// S3-compatible bucket, and Sealed encrypts what either holds (AES-256-GCM, a data key per object).
//
// Keys are chosen by the server, never by a client: a key is one or more "/"-separated segments of
// [a-z0-9_.-], each starting with a letter or digit (so "..", "." and hidden names are impossible),
// at most MaxKeyLen bytes, neither absolute nor ending in "/".
package blob

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
)

// ErrNotFound is in the chain of the error returned when a key holds no object.
var ErrNotFound = errors.New("blob: not found")

// ErrInvalidKey is in the chain of the error returned for a key ValidKey refuses.
var ErrInvalidKey = errors.New("blob: invalid key")

// MaxKeyLen is the longest key accepted, in bytes.
const MaxKeyLen = 512

// Store keeps objects under keys.
type Store interface {
	// Put stores everything r yields under key, replacing any object already there, and returns the
	// number of bytes stored. Readers of key see either the old object or the new one, never a part.
	Put(ctx context.Context, key string, r io.Reader) (int64, error)
	// Open returns the object under key, seekable so that a download can honour Range; the
	// caller closes it. A missing object gives an error for which errors.Is(err, ErrNotFound) holds.
	Open(ctx context.Context, key string) (io.ReadSeekCloser, error)
	// Delete removes the object under key. Deleting a missing object is not an error, as with
	// object stores.
	Delete(ctx context.Context, key string) error
}

// ValidKey reports whether key may be used (nil) or why not (an error wrapping ErrInvalidKey).
func ValidKey(key string) error {
	if key == "" || len(key) > MaxKeyLen {
		return fmt.Errorf("%w: length %d (1 to %d)", ErrInvalidKey, len(key), MaxKeyLen)
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "" {
			return fmt.Errorf("%w: %q has an empty segment (absolute, trailing or double slash)", ErrInvalidKey, key)
		}
		if c := seg[0]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return fmt.Errorf("%w: %q has a segment not starting with [a-z0-9]", ErrInvalidKey, key)
		}
		for i := 0; i < len(seg); i++ {
			switch c := seg[i]; {
			case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '_', c == '-', c == '.':
			default:
				return fmt.Errorf("%w: %q has a character outside [a-z0-9/_.-]", ErrInvalidKey, key)
			}
		}
	}
	if strings.Contains(key, "..") {
		return fmt.Errorf("%w: %q contains \"..\"", ErrInvalidKey, key)
	}
	return nil
}

const (
	dirPerm    fs.FileMode = 0o750
	filePerm   fs.FileMode = 0o640
	tempPrefix             = ".tmp-" // never a valid key segment, so never visible as an object
)

// Dir is a Store keeping each object as a file under a root folder: key "a/b.pdf" is the file
// <root>/a/b.pdf. Folders are created as needed with mode 0750 and files have mode 0640, whatever
// the umask. Every access goes through os.Root, so neither a key nor a symbolic link planted in the
// folder can reach outside it. Put writes a temporary file in the target folder, syncs it and
// renames it over the key, so a crash leaves either the old object or the new one (and at worst a
// stray ".tmp-*" file, which is never a key). Dir is safe for concurrent use.
type Dir struct {
	root string
}

var _ Store = (*Dir)(nil)

// NewDir returns a Dir storing under root, creating the folder (mode 0750) if it does not exist.
func NewDir(root string) (*Dir, error) {
	if root == "" {
		return nil, errors.New("blob: empty root folder")
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("blob: root folder: %w", err)
	}
	if err := os.MkdirAll(abs, dirPerm); err != nil {
		return nil, fmt.Errorf("blob: root folder: %w", err)
	}
	r, err := os.OpenRoot(abs)
	if err != nil {
		return nil, fmt.Errorf("blob: root folder: %w", err)
	}
	r.Close()
	return &Dir{root: abs}, nil
}

// Root returns the absolute path of the folder.
func (d *Dir) Root() string { return d.root }

func (d *Dir) openRoot(key string) (*os.Root, error) {
	if err := ValidKey(key); err != nil {
		return nil, err
	}
	r, err := os.OpenRoot(d.root)
	if err != nil {
		return nil, fmt.Errorf("blob: root folder: %w", err)
	}
	return r, nil
}

// Put implements Store.
func (d *Dir) Put(ctx context.Context, key string, r io.Reader) (n int64, err error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	root, err := d.openRoot(key)
	if err != nil {
		return 0, err
	}
	defer root.Close()

	dir := path.Dir(key)
	if err := mkdirs(root, dir); err != nil {
		return 0, fmt.Errorf("blob: put %s: %w", key, err)
	}
	var rnd [12]byte
	rand.Read(rnd[:])
	tmp := path.Join(dir, tempPrefix+hex.EncodeToString(rnd[:]))
	f, err := root.OpenFile(filepath.FromSlash(tmp), os.O_WRONLY|os.O_CREATE|os.O_EXCL, filePerm)
	if err != nil {
		return 0, fmt.Errorf("blob: put %s: %w", key, err)
	}
	defer func() {
		if err != nil {
			f.Close() // a second Close after a failed one is harmless
			root.Remove(filepath.FromSlash(tmp))
			n = 0
		}
	}()
	if err := f.Chmod(filePerm); err != nil { // the umask may have taken bits away
		return 0, fmt.Errorf("blob: put %s: %w", key, err)
	}
	n, err = io.Copy(f, ctxReader{ctx, r})
	if err != nil {
		return 0, fmt.Errorf("blob: put %s: %w", key, err)
	}
	if err := f.Sync(); err != nil {
		return 0, fmt.Errorf("blob: put %s: %w", key, err)
	}
	if err := f.Close(); err != nil {
		return 0, fmt.Errorf("blob: put %s: %w", key, err)
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := root.Rename(filepath.FromSlash(tmp), filepath.FromSlash(key)); err != nil {
		return 0, fmt.Errorf("blob: put %s: %w", key, err)
	}
	syncDir(root, dir)
	return n, nil
}

// mkdirs creates dir and its parents under root, each new one with mode dirPerm.
func mkdirs(root *os.Root, dir string) error {
	if dir == "." {
		return nil
	}
	segs := strings.Split(dir, "/")
	for i := range segs {
		p := filepath.FromSlash(strings.Join(segs[:i+1], "/"))
		err := root.Mkdir(p, dirPerm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return err
		}
		// Set the mode through a descriptor (fchmod): Root.Chmod may follow a swapped-in link.
		f, err := root.Open(p)
		if err != nil {
			return err
		}
		err = f.Chmod(dirPerm)
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// syncDir makes a rename in dir durable, where the platform allows it (best effort: the object is
// already in place and readable, and some file systems refuse to sync a folder).
func syncDir(root *os.Root, dir string) {
	f, err := root.Open(filepath.FromSlash(dir))
	if err != nil {
		return
	}
	f.Sync()
	f.Close()
}

// Open implements Store.
func (d *Dir) Open(ctx context.Context, key string) (io.ReadSeekCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	root, err := d.openRoot(key)
	if err != nil {
		return nil, err
	}
	defer root.Close() // files opened from a Root outlive it
	f, err := root.Open(filepath.FromSlash(key))
	if err != nil {
		if missing(err) {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, key)
		}
		return nil, fmt.Errorf("blob: open %s: %w", key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("blob: open %s: %w", key, err)
	}
	if !fi.Mode().IsRegular() { // a folder holding other keys is not an object
		f.Close()
		return nil, fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	return f, nil
}

// Delete implements Store.
func (d *Dir) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	root, err := d.openRoot(key)
	if err != nil {
		return err
	}
	defer root.Close()
	name := filepath.FromSlash(key)
	fi, err := root.Lstat(name)
	if err != nil {
		if missing(err) {
			return nil
		}
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	if fi.IsDir() { // not an object; never remove a folder (it may be about to receive one)
		return nil
	}
	if err := root.Remove(name); err != nil && !missing(err) {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	return nil
}

// missing reports whether err means there is no file at the name: either the name does not exist or
// one of its parent segments is a file.
func missing(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// ctxReader stops a copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
