package blob

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// DefaultPartSize is the part of a streamed upload S3 buffers in memory: minio-go, given no
// size, would otherwise size parts for a 5 TiB object (about 0.5 GiB each). 5 MiB is S3's least.
const DefaultPartSize = 8 << 20

// S3Config locates a bucket of an S3-compatible store.
type S3Config struct {
	Bucket   string
	Endpoint string // host[:port]
	Region   string // may be empty (the store's default)
	Secure   bool   // https
	// Creds defaults to the environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and
	// AWS_SESSION_TOKEN), else MINIO_ROOT_USER and MINIO_ROOT_PASSWORD.
	Creds     *credentials.Credentials
	Transport http.RoundTripper // nil: minio-go's default
	PartSize  uint64            // 0: DefaultPartSize
}

// ParseS3URL reads BLOB_URL: s3://BUCKET?endpoint=HOST[:PORT]&region=REGION. endpoint may carry
// a scheme: http:// turns TLS off (a MinIO on a private network); otherwise https is used, and
// without endpoint the store is AWS S3 (s3.amazonaws.com).
func ParseS3URL(raw string) (S3Config, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "s3" || u.Host == "" || u.Path != "" && u.Path != "/" || u.User != nil {
		return S3Config{}, fmt.Errorf("BLOB_URL %q is not s3://BUCKET?endpoint=HOST:PORT&region=REGION", raw)
	}
	q := u.Query()
	for k := range q {
		if k != "endpoint" && k != "region" {
			return S3Config{}, fmt.Errorf("BLOB_URL: unknown parameter %q (endpoint, region)", k)
		}
	}
	c := S3Config{Bucket: u.Host, Endpoint: q.Get("endpoint"), Region: q.Get("region"), Secure: true}
	switch {
	case c.Endpoint == "":
		c.Endpoint = "s3.amazonaws.com"
	case strings.HasPrefix(c.Endpoint, "http://"):
		c.Endpoint, c.Secure = strings.TrimPrefix(c.Endpoint, "http://"), false
	case strings.HasPrefix(c.Endpoint, "https://"):
		c.Endpoint = strings.TrimPrefix(c.Endpoint, "https://")
	}
	if c.Endpoint == "" || strings.ContainsAny(c.Endpoint, "/?#@") {
		return S3Config{}, fmt.Errorf("BLOB_URL: endpoint %q is not HOST[:PORT]", q.Get("endpoint"))
	}
	return c, nil
}

// S3 is a Store keeping each object in a bucket of an S3-compatible store (AWS S3, MinIO, ...),
// under its key. Uploads stream in parts of PartSize (one part in memory at a time); S3 replaces
// an object whole, so readers see the old object or the new one.
type S3 struct {
	client   *minio.Client
	bucket   string
	partSize uint64
}

var _ Store = (*S3)(nil)

// NewS3 returns the store of c's bucket, which must exist (checked here, so a wrong setting
// stops the server at start).
func NewS3(ctx context.Context, c S3Config) (*S3, error) {
	creds := c.Creds
	if creds == nil {
		creds = credentials.NewChainCredentials([]credentials.Provider{&credentials.EnvAWS{}, &credentials.EnvMinio{}})
	}
	client, err := minio.New(c.Endpoint, &minio.Options{Creds: creds, Secure: c.Secure, Region: c.Region,
		Transport: c.Transport, BucketLookup: minio.BucketLookupPath})
	if err != nil {
		return nil, fmt.Errorf("blob: s3: %w", err)
	}
	ok, err := client.BucketExists(ctx, c.Bucket)
	if err != nil {
		return nil, fmt.Errorf("blob: s3 bucket %s at %s: %w", c.Bucket, c.Endpoint, err)
	}
	if !ok {
		return nil, fmt.Errorf("blob: s3 bucket %s does not exist at %s", c.Bucket, c.Endpoint)
	}
	part := c.PartSize
	if part == 0 {
		part = DefaultPartSize
	}
	return &S3{client: client, bucket: c.Bucket, partSize: part}, nil
}

// Put implements Store.
func (s *S3) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	if err := ValidKey(key); err != nil {
		return 0, err
	}
	// An empty object is put with its size: S3 refuses a streamed body of none.
	br := bufio.NewReaderSize(ctxReader{ctx, r}, 512)
	size := int64(-1)
	if _, err := br.Peek(1); err == io.EOF {
		size = 0
	} else if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return 0, cerr
		}
		return 0, fmt.Errorf("blob: put %s: %w", key, err)
	}
	info, err := s.client.PutObject(ctx, s.bucket, key, br, size,
		minio.PutObjectOptions{PartSize: s.partSize, ContentType: "application/octet-stream"})
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return 0, cerr
		}
		return 0, fmt.Errorf("blob: put %s: %w", key, err)
	}
	return info.Size, nil
}

// Open implements Store. The object is read lazily: seeking then reading asks for a range.
func (s *S3) Open(ctx context.Context, key string) (io.ReadSeekCloser, error) {
	if err := ValidKey(key); err != nil {
		return nil, err
	}
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	var info minio.ObjectInfo
	if err == nil {
		info, err = obj.Stat()
	}
	if err != nil {
		if obj != nil {
			obj.Close()
		}
		if notFound(err) {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, key)
		}
		return nil, fmt.Errorf("blob: open %s: %w", key, err)
	}
	return &s3Object{obj: obj, size: info.Size}, nil
}

// s3Object seeks lazily: minio-go's Object asks for a new range on every Seek that moves (even
// one moving back to where the stream stands), so a sealed object's Seek to the end for its size,
// then back, would cost a second GET.
type s3Object struct {
	obj  *minio.Object
	size int64
	pos  int64 // where the caller stands
	at   int64 // where obj stands
}

func (o *s3Object) Read(p []byte) (int, error) {
	if o.pos >= o.size {
		return 0, io.EOF
	}
	if o.pos != o.at {
		if _, err := o.obj.Seek(o.pos, io.SeekStart); err != nil {
			return 0, err
		}
		o.at = o.pos
	}
	n, err := o.obj.Read(p)
	o.pos += int64(n)
	o.at += int64(n)
	return n, err
}

func (o *s3Object) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += o.pos
	case io.SeekEnd:
		offset += o.size
	default:
		return 0, fmt.Errorf("blob: seek: whence %d", whence)
	}
	if offset < 0 {
		return 0, errors.New("blob: seek: negative position")
	}
	o.pos = offset
	return offset, nil
}

func (o *s3Object) Close() error { return o.obj.Close() }

// Delete implements Store.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	if err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}); err != nil && !notFound(err) {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	return nil
}

func notFound(err error) bool {
	resp := minio.ToErrorResponse(err)
	return resp.Code == "NoSuchKey" || resp.StatusCode == http.StatusNotFound && resp.Code != "NoSuchBucket"
}
