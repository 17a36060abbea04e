package blob

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/liemchinh/liemchinh/internal/sealbox"
)

// ErrSealed is in the chain of the error returned when a sealed object cannot be opened: the key
// is not the one it was sealed with, or its bytes were changed, cut or reordered.
var ErrSealed = errors.New("blob: sealed object cannot be opened (wrong BLOB_KEY, or tampered)")

// Layout of a sealed object:
//
//	magic (8) | chunk size (4, big endian) | wrapped data key (sealbox: 61) | chunk 0 | chunk 1 | ...
//
// The data key is 32 random bytes drawn for each Put, wrapped by the configured key (sealbox,
// AES-256-GCM) with the object's key as additional data, so an object moved to another key does
// not open. Each chunk is ChunkSize bytes of plaintext (the last one shorter, possibly empty)
// sealed with AES-256-GCM under the data key: nonce = the chunk's index (a data key seals one
// object only, so counters never repeat), additional data = whether it is the last chunk, so
// dropping trailing chunks is detected. A chunk can be decrypted alone: seeking (HTTP Range)
// reads only the chunks it needs, and neither Put nor Open holds more than one chunk in memory.
const (
	// ChunkSize is the plaintext bytes sealed together.
	ChunkSize  = 64 << 10
	sealMagic  = "LCBLOB\x00\x01"
	wrappedLen = 1 + 12 + 32 + 16 // sealbox: version, nonce, key, tag
	headerLen  = len(sealMagic) + 4 + wrappedLen
	tagLen     = 16
)

// Sealed is a Store encrypting the objects it keeps in another Store. Objects written before
// encryption was turned on (plaintext, without the sealed header) are still returned as they are:
// Reseal encrypts them in place. Sealed is safe for concurrent use when its inner store is.
type Sealed struct {
	inner Store
	box   *sealbox.Box
}

var _ Store = (*Sealed)(nil)

// NewSealed returns a Store sealing objects of inner under a 32-byte key (BLOB_KEY, base64).
func NewSealed(inner Store, keyBase64 string) (*Sealed, error) {
	box, err := sealbox.FromBase64(keyBase64)
	if err != nil {
		return nil, fmt.Errorf("BLOB_KEY: %w", err)
	}
	return &Sealed{inner: inner, box: box}, nil
}

func wrapAD(key string) []byte { return []byte("blob:" + key) }

func chunkAEAD(dek []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(dek)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func chunkNonce(n *[12]byte, idx int64) []byte {
	binary.BigEndian.PutUint64(n[4:], uint64(idx))
	return n[:]
}

func chunkAD(last bool) []byte {
	if last {
		return []byte{1}
	}
	return []byte{0}
}

// Put implements Store. It returns the plaintext bytes stored.
func (s *Sealed) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	if err := ValidKey(key); err != nil {
		return 0, err
	}
	dek := make([]byte, 32)
	if _, err := rand.Read(dek); err != nil {
		return 0, err
	}
	wrapped, err := s.box.Seal(dek, wrapAD(key))
	if err != nil {
		return 0, err
	}
	aead, err := chunkAEAD(dek)
	if err != nil {
		return 0, err
	}
	hdr := make([]byte, 0, headerLen)
	hdr = append(hdr, sealMagic...)
	hdr = binary.BigEndian.AppendUint32(hdr, ChunkSize)
	hdr = append(hdr, wrapped...)
	er := &encReader{src: r, aead: aead, out: hdr, in: make([]byte, 0, ChunkSize+1)}
	if _, err := s.inner.Put(ctx, key, er); err != nil {
		return 0, err
	}
	return er.plain, nil
}

// encReader yields the sealed form of src: the header, then each chunk as soon as it is read.
// It reads one byte past a chunk to know whether the chunk is the last.
type encReader struct {
	src   io.Reader
	aead  cipher.AEAD
	in    []byte // plaintext read ahead: up to ChunkSize+1 bytes
	out   []byte // sealed bytes not yet returned
	idx   int64
	done  bool
	plain int64
	nonce [12]byte
}

func (e *encReader) Read(p []byte) (int, error) {
	for len(e.out) == 0 {
		if e.done {
			return 0, io.EOF
		}
		n, err := io.ReadFull(e.src, e.in[len(e.in):ChunkSize+1])
		e.in = e.in[:len(e.in)+n]
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			return 0, err
		}
		// The last chunk is the one shorter than ChunkSize: a plaintext of a multiple of
		// ChunkSize ends with an empty chunk, so sizes are never ambiguous.
		last := len(e.in) < ChunkSize
		chunk := e.in[:min(len(e.in), ChunkSize)]
		e.out = e.aead.Seal(e.out[:0], chunkNonce(&e.nonce, e.idx), chunk, chunkAD(last))
		e.plain += int64(len(chunk))
		e.idx++
		if last {
			e.done = true
		}
		e.in = append(e.in[:0], e.in[len(chunk):]...)
	}
	n := copy(p, e.out)
	e.out = e.out[n:]
	return n, nil
}

// Open implements Store. A plaintext object (written before encryption) is returned as it is.
func (s *Sealed) Open(ctx context.Context, key string) (io.ReadSeekCloser, error) {
	rc, err := s.inner.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	o, err := s.open(key, rc)
	if err != nil {
		rc.Close()
		return nil, err
	}
	return o, nil
}

// open reads the header of the object rc holds: a sealedObject, or rc itself rewound when rc is
// plaintext.
func (s *Sealed) open(key string, rc io.ReadSeekCloser) (io.ReadSeekCloser, error) {
	hdr := make([]byte, headerLen)
	n, err := io.ReadFull(rc, hdr)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, fmt.Errorf("blob: open %s: %w", key, err)
	}
	if n < len(sealMagic) || !bytes.Equal(hdr[:len(sealMagic)], []byte(sealMagic)) {
		if _, err := rc.Seek(0, io.SeekStart); err != nil {
			return nil, fmt.Errorf("blob: open %s: %w", key, err)
		}
		return rc, nil // plaintext from before encryption
	}
	if n < headerLen {
		return nil, fmt.Errorf("%w: %s: header cut", ErrSealed, key)
	}
	chunk := int64(binary.BigEndian.Uint32(hdr[len(sealMagic):]))
	if chunk <= 0 || chunk > 16<<20 {
		return nil, fmt.Errorf("%w: %s: chunk size %d", ErrSealed, key, chunk)
	}
	dek, err := s.box.Open(hdr[len(sealMagic)+4:], wrapAD(key))
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrSealed, key)
	}
	aead, err := chunkAEAD(dek)
	if err != nil {
		return nil, err
	}
	end, err := rc.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, fmt.Errorf("blob: open %s: %w", key, err)
	}
	body := end - int64(headerLen)
	full, rem := body/(chunk+tagLen), body%(chunk+tagLen)
	if rem < tagLen { // the last chunk is always there, empty or short
		return nil, fmt.Errorf("%w: %s: cut", ErrSealed, key)
	}
	o := &sealedObject{key: key, rc: rc, aead: aead, chunk: chunk, size: full*chunk + rem - tagLen,
		lastIdx: full, at: end, cur: -1}
	if rem == tagLen {
		// An empty last chunk is never read for the plaintext's sake: authenticated now (16 bytes),
		// or an object cut at a chunk's end would be served as whole.
		if err := o.load(full); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// sealedObject decrypts a sealed object chunk by chunk; Seek costs nothing until the next Read.
type sealedObject struct {
	key     string
	rc      io.ReadSeekCloser
	aead    cipher.AEAD
	chunk   int64 // plaintext bytes per chunk
	size    int64 // plaintext size
	lastIdx int64
	pos     int64 // plaintext position
	at      int64 // position of rc
	cur     int64 // index of the chunk in plain, -1 for none
	plain   []byte
	buf     []byte
	nonce   [12]byte
}

func (o *sealedObject) Read(p []byte) (int, error) {
	if o.pos >= o.size {
		return 0, io.EOF
	}
	idx := o.pos / o.chunk
	if idx != o.cur {
		if err := o.load(idx); err != nil {
			return 0, err
		}
	}
	n := copy(p, o.plain[o.pos-idx*o.chunk:])
	o.pos += int64(n)
	return n, nil
}

func (o *sealedObject) load(idx int64) error {
	off := int64(headerLen) + idx*(o.chunk+tagLen)
	if off != o.at { // sequential reads stay on one stream (one GET for S3)
		if _, err := o.rc.Seek(off, io.SeekStart); err != nil {
			return fmt.Errorf("blob: read %s: %w", o.key, err)
		}
		o.at = off
	}
	n := o.chunk
	if idx == o.lastIdx {
		n = o.size - idx*o.chunk
	}
	if cap(o.buf) < int(o.chunk+tagLen) {
		o.buf = make([]byte, o.chunk+tagLen)
	}
	buf := o.buf[:n+tagLen]
	k, err := io.ReadFull(o.rc, buf)
	o.at += int64(k)
	if err != nil {
		o.at = -1 // unknown: seek before the next read
		return fmt.Errorf("blob: read %s: %w", o.key, err)
	}
	plain, err := o.aead.Open(o.plain[:0], chunkNonce(&o.nonce, idx), buf, chunkAD(idx == o.lastIdx))
	if err != nil {
		o.cur = -1
		return fmt.Errorf("%w: %s: chunk %d", ErrSealed, o.key, idx)
	}
	o.plain, o.cur = plain, idx
	return nil
}

func (o *sealedObject) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += o.pos
	case io.SeekEnd:
		offset += o.size
	default:
		return 0, fmt.Errorf("blob: seek %s: whence %d", o.key, whence)
	}
	if offset < 0 {
		return 0, fmt.Errorf("blob: seek %s: negative position", o.key)
	}
	o.pos = offset
	return offset, nil
}

func (o *sealedObject) Close() error { return o.rc.Close() }

// Delete implements Store.
func (s *Sealed) Delete(ctx context.Context, key string) error { return s.inner.Delete(ctx, key) }

// Reseal encrypts the object under key if it is still plaintext (written before BLOB_KEY was
// used), reporting whether it did. A sealed or missing object is left alone.
func (s *Sealed) Reseal(ctx context.Context, key string) (bool, error) {
	rc, err := s.inner.Open(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	defer rc.Close()
	o, err := s.open(key, rc)
	if err != nil {
		return false, err
	}
	if _, sealed := o.(*sealedObject); sealed {
		return false, nil
	}
	// Both stores replace atomically: readers see the plaintext or the sealed object, and the
	// plaintext being read stays readable until the new object takes its place.
	if _, err := s.Put(ctx, key, o); err != nil {
		return false, err
	}
	return true, nil
}
