package open311

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"unicode/utf8"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/partnerkey"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/audit"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/casework"
	"github.com/liemchinh/liemchinh/internal/pid"
	"github.com/liemchinh/liemchinh/internal/ratelimit"
	"github.com/liemchinh/liemchinh/internal/store"
)

// keyPrefix starts every api_key, so a leaked one is recognisable (secret scanners).
const keyPrefix = "lc311_"

func hashKey(key string) string {
	h := sha256.Sum256([]byte(strings.TrimSpace(key)))
	return hex.EncodeToString(h[:])
}

// IssueKey issues an api_key to a partner app (administrators only); the key is returned once.
func (s *Service) IssueKey(ctx context.Context, partner string) (id, key string, err error) {
	if err := authz.RequireAdmin(ctx); err != nil {
		return "", "", err
	}
	partner = strings.TrimSpace(partner)
	if n := utf8.RuneCountInString(partner); n < 1 || n > 100 {
		return "", "", apperr.BadInput("Tên ứng dụng đối tác dài từ 1 đến 100 ký tự.", "The partner app's name is 1 to 100 characters long.", "partner")
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	key = keyPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	id = pid.New(pid.PartnerKey)
	tx := store.ClientFrom(ctx, s.client)
	gctx := authz.Grant(ctx, "partnerKeyIssue", ent.TypePartnerKey)
	if err := tx.PartnerKey.Create().SetID(id).SetPartner(partner).SetKeyHash(hashKey(key)).
		SetIssuedBy(authz.FromContext(ctx).AccountID).Exec(gctx); err != nil {
		return "", "", err
	}
	if err := audit.Record(ctx, tx, audit.Entry{Action: "partnerKeyIssue", ObjectType: "PartnerKey", ObjectID: id,
		Summary: "partner " + partner}); err != nil {
		return "", "", err
	}
	return id, key, nil
}

// RevokeKey revokes a partner app's api_key (administrators only); revoking it again is no error.
func (s *Service) RevokeKey(ctx context.Context, id string) error {
	if err := authz.RequireAdmin(ctx); err != nil {
		return err
	}
	tx := store.ClientFrom(ctx, s.client)
	gctx := authz.Grant(ctx, "partnerKeyRevoke", ent.TypePartnerKey)
	k, err := tx.PartnerKey.Get(authz.System(ctx, authz.SysPartnerKey), id)
	if ent.IsNotFound(err) {
		return apperr.New(apperr.NotFound, "Không tìm thấy khóa.", "No such key.").OnField("keyId")
	} else if err != nil {
		return err
	}
	if k.RevokedAt != nil {
		return nil
	}
	if err := tx.PartnerKey.UpdateOneID(id).SetRevokedAt(s.now()).Exec(gctx); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: "partnerKeyRevoke", ObjectType: "PartnerKey", ObjectID: id,
		Summary: "partner " + k.Partner})
}

// partnerOf returns the key in force for an api_key, or errNoKey.
func (s *Service) partnerOf(ctx context.Context, key string) (*ent.PartnerKey, error) {
	if !strings.HasPrefix(key, keyPrefix) {
		return nil, errNoKey
	}
	k, err := s.client.PartnerKey.Query().Where(partnerkey.KeyHash(hashKey(key)), partnerkey.RevokedAtIsNil()).
		Only(authz.System(ctx, authz.SysPartnerKey))
	if ent.IsNotFound(err) {
		return nil, errNoKey
	}
	return k, err
}

// Submission is what a partner app posts: GeoReport v2's fields that we take.
type Submission struct {
	APIKey      string
	ServiceCode string
	UnitID      string // attribute[unit_id]
	Description string
	Address     string // address_string, kept as the case's place (never published)
	MediaURL    string
	Idempotency string // idempotency_key (an extension): as caseSubmit's, else a fresh one
}

// Submitted is the answer to a partner's submission.
type Submitted struct {
	TrackingCode, Secret, Receipt string
	NoticeVI, NoticeEN            string
}

// errBadKey answers a missing, unknown or revoked api_key.
var errBadKey = apperr.New(apperr.Forbidden, "Khóa api_key không hợp lệ hoặc đã bị thu hồi.",
	"The api_key is not valid, or was revoked.")

// Submit creates an anonymous feedback case for a partner app, through caseSubmit's rules (limits,
// checks, receipts) in one transaction. Evidence by URL is refused: files go through the staged,
// sanitized uploads of the GraphQL API.
func (s *Service) Submit(ctx context.Context, in Submission) (*Submitted, error) {
	k, err := s.partnerOf(ctx, in.APIKey)
	if err == errNoKey {
		return nil, errBadKey
	} else if err != nil {
		return nil, err
	}
	if s.submit != nil {
		if ok, wait, err := s.submit.Allow(ctx, "partner:"+k.ID); err != nil {
			return nil, err
		} else if !ok {
			return nil, apperr.Throttled(wait, "Quá nhiều yêu cầu; vui lòng thử lại sau %d giây.", "Too many requests; try again in %d seconds.")
		}
	}
	sv, ok := serviceByCode(in.ServiceCode)
	if !ok || sv.Channel != enum.ChannelFeedback {
		return nil, apperr.BadInput("service_code phải là một dịch vụ phản ánh (FEEDBACK-...).",
			"service_code must be one of the feedback services (FEEDBACK-...).", "service_code")
	}
	if strings.TrimSpace(in.MediaURL) != "" {
		return nil, apperr.BadInput("Không nhận chứng cứ qua đường dẫn (media_url): hãy tải tệp lên qua ứng dụng.",
			"Evidence by URL (media_url) is refused: upload the file through the app.", "media_url")
	}
	if strings.TrimSpace(in.UnitID) == "" {
		return nil, apperr.BadInput("Cần attribute[unit_id]: đơn vị bị phản ánh.", "attribute[unit_id] is required: the unit concerned.", "attribute[unit_id]")
	}
	key := strings.TrimSpace(in.Idempotency)
	if key == "" {
		var b [16]byte
		_, _ = rand.Read(b[:])
		key = base64.RawURLEncoding.EncodeToString(b[:])
	}
	// The partner's users share its address: its own limit above stands for the per-address one.
	ctx = ratelimit.Exempt(ctx)
	var out *Submitted
	err = store.InTx(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		r, err := s.cases.Submit(ctx, casework.Submission{Channel: enum.ChannelFeedback, UnitID: strings.TrimSpace(in.UnitID),
			Category: sv.Category, Description: in.Description, Place: in.Address}, key)
		if err != nil {
			return err
		}
		out = &Submitted{TrackingCode: r.TrackingCode, Secret: r.Secret, Receipt: r.Signed, NoticeVI: r.NoticeVI, NoticeEN: r.NoticeEN}
		return audit.Record(ctx, tx, audit.Entry{Action: "open311Submit", ObjectType: "Case", ObjectID: r.Case.ID,
			Summary: "partner key " + k.ID})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
