package casework

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/upload"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/blob"
	"github.com/liemchinh/liemchinh/internal/evidence"
	"github.com/liemchinh/liemchinh/internal/pid"
	"github.com/liemchinh/liemchinh/internal/store"
)

// UploadTTL is how long a one-time upload URL works.
const UploadTTL = 30 * time.Minute

// Uploads stages evidence files: declared first, then PUT to a one-time URL on this server,
// checked (size, type, hash), stripped of location metadata and kept in a blob store.
type Uploads struct {
	client *ent.Client
	store  blob.Store
	limits evidence.Limits
	now    func() time.Time
}

// NewUploads returns the upload stage.
func NewUploads(client *ent.Client, store blob.Store, limits evidence.Limits, now func() time.Time) *Uploads {
	if now == nil {
		now = time.Now
	}
	return &Uploads{client: client, store: store, limits: limits, now: now}
}

// Staged is a declared upload and the path its bytes go to.
type Staged struct {
	Upload    *ent.Upload
	ID        string // what caseSubmit and caseEvidenceAdd take: the upload's id, and for anonymous uploads its secret
	Path      string // "/uploads/<token>": PUT the bytes there
	ExpiresAt time.Time
}

// anonymousUploads is the owner uploadOwner gives a citizen without an account. Such an upload is
// theirs by a secret (256 random bits) appended to its id, "upl_....<secret>"; the row keeps only
// the secret's hash, as its owner ("anon:<SHA-256 hex>"), so neither another client nor a database
// reader can attach it.
const anonymousUploads = "anonymous"

func uploadOwner(ctx context.Context) string {
	if v := authz.FromContext(ctx); !v.Anonymous() {
		return "citizen:" + v.AccountID
	}
	return anonymousUploads
}

func anonymousUploadOwner(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return "anon:" + hex.EncodeToString(h[:])
}

// AnonymousUpload reports whether up was staged without an account: its id alone does not attach it.
func AnonymousUpload(up *ent.Upload) bool { return strings.HasPrefix(up.Owner, "anon:") }

// db is the client of the mutation's transaction when there is one (store.ClientFrom).
func (u *Uploads) db(ctx context.Context) *ent.Client { return store.ClientFrom(ctx, u.client) }

// Create declares an upload and returns its one-time path.
func (u *Uploads) Create(ctx context.Context, contentType string, size int64, sum string) (*Staged, error) {
	contentType = strings.ToLower(strings.TrimSpace(contentType))
	sum = strings.ToLower(strings.TrimSpace(sum))
	if err := u.limits.CheckDeclared(contentType, size, sum); err != nil {
		return nil, err
	}
	var t [24]byte
	_, _ = rand.Read(t[:])
	token := base64.RawURLEncoding.EncodeToString(t[:])
	h := sha256.Sum256([]byte(token))
	exp := u.now().Add(UploadTTL)
	id, owner, ref := pid.New(pid.Upload), uploadOwner(ctx), ""
	if owner == anonymousUploads {
		var secret [32]byte
		_, _ = rand.Read(secret[:])
		ref = base64.RawURLEncoding.EncodeToString(secret[:])
		owner = anonymousUploadOwner(ref)
		ref = "." + ref
	}
	up, err := u.db(ctx).Upload.Create().SetID(id).SetTokenHash(hex.EncodeToString(h[:])).
		SetContentType(contentType).SetSize(size).SetSha256(sum).SetOwner(owner).SetExpiresAt(exp).
		Save(authz.Grant(ctx, "evidenceUploadCreate", ent.TypeUpload))
	if err != nil {
		return nil, err
	}
	return &Staged{Upload: up, ID: id + ref, Path: "/uploads/" + token, ExpiresAt: exp}, nil
}

// MaxRosterBytes bounds a roster file's upload.
const MaxRosterBytes = 50 << 20

// CreateRoster declares the upload of a roster file (CSV or XLSX) for a roster import: staff who
// may change the organisation chart only (authz.OrgEditor); the file is kept as sent.
func (u *Uploads) CreateRoster(ctx context.Context, contentType string, size int64, sum string) (*Staged, error) {
	if err := authz.OrgEditor(ctx, u.db(ctx)); err != nil {
		return nil, err
	}
	contentType = strings.ToLower(strings.TrimSpace(contentType))
	sum = strings.ToLower(strings.TrimSpace(sum))
	switch contentType {
	case "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
	default:
		return nil, apperr.BadInput("Tệp danh sách phải là CSV hoặc XLSX.", "A roster must be a CSV or XLSX file.", "contentType")
	}
	if size <= 0 || size > MaxRosterBytes {
		return nil, apperr.Newf(apperr.BadUserInput, "Tệp danh sách tối đa %d MiB.", "A roster file is at most %d MiB.", MaxRosterBytes>>20).OnField("size")
	}
	if b, err := hex.DecodeString(sum); err != nil || len(b) != sha256.Size {
		return nil, apperr.BadInput("Mã SHA-256 không hợp lệ.", "Bad SHA-256.", "sha256")
	}
	var t [24]byte
	_, _ = rand.Read(t[:])
	token := base64.RawURLEncoding.EncodeToString(t[:])
	h := sha256.Sum256([]byte(token))
	exp := u.now().Add(UploadTTL)
	up, err := u.db(ctx).Upload.Create().SetTokenHash(hex.EncodeToString(h[:])).SetPurpose(upload.PurposeROSTER).
		SetContentType(contentType).SetSize(size).SetSha256(sum).SetOwner(uploadOwner(ctx)).SetExpiresAt(exp).SetSanitized(false).
		Save(authz.Grant(ctx, "rosterUploadCreate", ent.TypeUpload))
	if err != nil {
		return nil, err
	}
	return &Staged{Upload: up, ID: up.ID, Path: "/uploads/" + token, ExpiresAt: exp}, nil
}

// receiveRoster keeps a roster file's bytes as sent, once they match the declaration.
func (u *Uploads) receiveRoster(ctx context.Context, up *ent.Upload, body io.Reader) (*ent.Upload, error) {
	data, err := io.ReadAll(io.LimitReader(body, up.Size+1))
	if err != nil {
		return nil, err
	}
	h := sha256.Sum256(data)
	if int64(len(data)) != up.Size || hex.EncodeToString(h[:]) != up.Sha256 {
		return nil, apperr.New(apperr.BadUserInput, "Tệp nhận được không khớp kích thước hoặc mã SHA-256 đã khai báo.",
			"The file received does not match the declared size or SHA-256.").OnField("sha256")
	}
	key := "roster/" + up.ID
	n, err := u.store.Put(ctx, key, bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	sys := authz.System(ctx, authz.SysUpload)
	k, err := u.client.Upload.Update().Where(upload.ID(up.ID), upload.StatusEQ(upload.StatusPENDING)).
		SetStatus(upload.StatusRECEIVED).SetStorageKey(key).SetStoredSize(n).Save(sys)
	if err != nil {
		return nil, err
	}
	if k != 1 {
		return nil, errUploadGone
	}
	return u.client.Upload.Get(sys, up.ID)
}

var errUploadGone = apperr.New(apperr.NotFound, "Liên kết tải lên không còn hiệu lực.", "This upload link is no longer valid.")

// Receive takes the bytes PUT to a one-time path: they must match the declaration (size, type,
// SHA-256). Location and author metadata are removed before storing where the server can
// (evidence.Limits.Sanitize; a HEIC photo becomes a JPEG); the upload records the stored type and
// whether it was sanitized.
func (u *Uploads) Receive(ctx context.Context, token string, body io.Reader) (*ent.Upload, error) {
	sys := authz.System(ctx, authz.SysUpload)
	h := sha256.Sum256([]byte(token))
	up, err := u.client.Upload.Query().Where(upload.TokenHash(hex.EncodeToString(h[:]))).Only(sys)
	if ent.IsNotFound(err) {
		return nil, errUploadGone
	} else if err != nil {
		return nil, err
	}
	if up.Status != upload.StatusPENDING || u.now().After(up.ExpiresAt) {
		return nil, errUploadGone
	}
	if up.Purpose == upload.PurposeROSTER {
		return u.receiveRoster(ctx, up, body)
	}
	f, err := u.limits.Sanitize(ctx, up.ContentType, io.LimitReader(body, up.Size+1), up.Size)
	if err != nil {
		return nil, err
	}
	if err := u.limits.CheckType(f.Type); err != nil {
		return nil, err
	}
	if f.SHA256 != up.Sha256 {
		return nil, apperr.New(apperr.BadUserInput, "Tệp nhận được không khớp mã SHA-256 đã khai báo.",
			"The file received does not match the declared SHA-256.").OnField("sha256")
	}
	key := "evidence/" + up.ID
	n, err := u.store.Put(ctx, key, bytes.NewReader(f.Data))
	if err != nil {
		return nil, err
	}
	// Only a pending upload moves on: a second PUT of the same URL changes nothing.
	k, err := u.client.Upload.Update().Where(upload.ID(up.ID), upload.StatusEQ(upload.StatusPENDING)).
		SetStatus(upload.StatusRECEIVED).SetStorageKey(key).SetStoredSize(n).
		SetContentType(f.Type).SetSanitized(f.Sanitized).Save(sys)
	if err != nil {
		return nil, err
	}
	if k != 1 {
		return nil, errUploadGone
	}
	return u.client.Upload.Get(sys, up.ID)
}

// Open returns the stored bytes of an evidence file, seekable (HTTP Range).
func (u *Uploads) Open(ctx context.Context, key string) (io.ReadSeekCloser, error) {
	return u.store.Open(ctx, key)
}

// attachUploads turns received uploads of owner (uploadOwner) into the case's evidence.
// The files are recorded as uploaded at (for a submission, its time received: the receipt of a
// retry finds them by it).
func (s *Service) attachUploads(ctx context.Context, tx *ent.Client, caseID, owner string, ids []string, at time.Time) ([]*ent.Evidence, error) {
	evd := make([]*ent.Evidence, 0, len(ids))
	for i, id := range ids {
		who := owner
		if owner == anonymousUploads {
			// Owned by whoever holds the secret after the id: without it nothing matches.
			var secret string
			id, secret, _ = strings.Cut(id, ".")
			who = anonymousUploadOwner(secret)
		}
		up, err := tx.Upload.Query().Where(upload.ID(id), upload.Owner(who), upload.PurposeEQ(upload.PurposeEVIDENCE)).Only(authz.System(ctx, authz.SysUpload))
		if ent.IsNotFound(err) || (err == nil && up.Status != upload.StatusRECEIVED) {
			return nil, apperr.New(apperr.BadUserInput, "Tệp chứng cứ chưa được tải lên hoặc đã được dùng.",
				"The evidence file was not uploaded, or was already used.").OnField("uploadIds", strconv.Itoa(i))
		} else if err != nil {
			return nil, err
		}
		if err := tx.Upload.UpdateOne(up).SetStatus(upload.StatusATTACHED).SetCaseID(caseID).Exec(ctx); err != nil {
			return nil, err
		}
		e, err := tx.Evidence.Create().SetCaseID(caseID).SetContentType(up.ContentType).SetSize(up.StoredSize).
			SetSha256(up.Sha256).SetStorageKey(up.StorageKey).SetUploadedAt(at).
			SetSanitized(up.Sanitized).Save(ctx)
		if err != nil {
			return nil, err
		}
		evd = append(evd, e)
	}
	return evd, nil
}

// OpenEvidence returns an evidence file to someone allowed to see its case: staff whose scope
// holds the case (the read filters decide), or the citizen with the case's tracking code and
// secret. A file whose metadata could not be removed (Evidence.sanitized false) may locate or
// name the reporter: staff get it only as they would get the reporter's identity (see
// openUnsanitized).
func (s *Service) OpenEvidence(ctx context.Context, id, code, secret, reason string) (*ent.Evidence, io.ReadSeekCloser, error) {
	var (
		e   *ent.Evidence
		err error
	)
	if code != "" {
		c, terr := s.tracked(ctx, code, secret)
		if terr != nil {
			return nil, nil, terr
		}
		e, err = s.client.Evidence.Query().Where(evidenceID(id), evidenceOfCase(c.ID)).Only(authz.System(ctx, authz.SysTrackedCase))
	} else {
		e, err = s.client.Evidence.Query().Where(evidenceID(id)).Only(ctx)
	}
	if ent.IsNotFound(err) {
		return nil, nil, apperr.New(apperr.NotFound, "Không tìm thấy tệp.", "No such file.")
	} else if err != nil {
		return nil, nil, err
	}
	if code == "" && !e.Sanitized {
		if err := s.openUnsanitized(ctx, e, reason); err != nil {
			return nil, nil, err
		}
	}
	r, err := s.Uploads.Open(ctx, e.StorageKey)
	if err != nil {
		return nil, nil, err
	}
	return e, r, nil
}

// MinAccessReason is the shortest reason an administrator may give to open a file that was not
// sanitized.
const MinAccessReason = 5

var (
	errUnsanitized = apperr.New(apperr.Forbidden,
		"Tệp này còn giữ thông tin vị trí hoặc tác giả có thể làm lộ người phản ánh; chỉ cán bộ được giao xử lý hồ sơ, hoặc quản trị viên nêu lý do, mới được mở.",
		"This file still carries location or author metadata that may identify the reporter; only the inspector assigned to the case, or an administrator giving a reason, may open it.")
	errAccessReason = apperr.Newf(apperr.BadUserInput,
		"Quản trị viên phải nêu lý do (ít nhất %d ký tự, tiêu đề X-Access-Reason) khi mở tệp còn thông tin vị trí hoặc tác giả.",
		"An administrator must give a reason (at least %d characters, header X-Access-Reason) to open a file that still carries location or author metadata.",
		MinAccessReason).OnField("reason")
)

// unsanitizedRead is the rule of an evidence file not sanitized: the reporter's (readRule), with
// a reason of MinAccessReason to 2,000 characters.
var unsanitizedRead = readRule{action: "evidenceUnsanitizedRead",
	reasonOK:  func(r string) bool { return utf8.RuneCountInString(r) >= MinAccessReason && len(r) <= 2000 },
	errReason: errAccessReason, errRefused: errUnsanitized}

// openUnsanitized lets through whoever may read the reporter of the file's case, and writes the
// read to the audit log before the file is sent. The viewer already holds the case in scope
// (OpenEvidence's query).
func (s *Service) openUnsanitized(ctx context.Context, e *ent.Evidence, reason string) error {
	caseID, err := s.client.Evidence.QueryCase(e).OnlyID(ctx)
	if err != nil {
		return err
	}
	return unsanitizedRead.authorize(ctx, s.client, caseID, reason, "evidence file not sanitized opened: "+e.ID)
}
