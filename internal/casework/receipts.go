package casework

import (
	"context"
	"strings"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/receipt"
)

// signCase is the receipt of a submission: its text as stored and the files attached with it.
func (s *Service) signCase(c *ent.CitizenCase, unitID string, evd []*ent.Evidence) (string, error) {
	files := make([]string, len(evd))
	for i, e := range evd {
		files[i] = e.Sha256
	}
	return s.sign(receipt.KindCase, c.TrackingCode, c.Channel, unitID, c.ReceivedAt, receipt.ContentDigest(c.Description, files))
}

// sign issues a receipt about a case (its tracking code, the channel it is handled in), or "" when
// the service has no keys. The receipt carries the tracking code, the channel, the unit, the time
// and the content's digest: never who sent it, nor what they wrote.
func (s *Service) sign(kind receipt.Kind, trackingCode string, channel enum.Channel, unitID string, at time.Time, digest string) (string, error) {
	if s.Receipts == nil {
		return "", nil
	}
	return s.Receipts.Sign(receipt.Claims{Kind: kind, TrackingCode: trackingCode, Channel: string(channel),
		UnitID: unitID, ReceivedAt: at.Unix(), ContentSHA256: digest})
}

// ReceiptCheck is what a receipt attests, for anyone holding it (no secret needed).
type ReceiptCheck struct {
	receipt.Verification
	Unit *ent.Unit // the unit the case is about, when valid
	// ContentMatches is whether the content given matches the digest (nil without content).
	ContentMatches *bool
}

// ReceiptContent is content to compare with a receipt's digest: the text as sent (a case's
// description or a message) and the evidence files' SHA-256.
type ReceiptContent struct {
	Text       *string
	FileSHA256 []string
}

// Message says the outcome of a check in the reader's language.
func (r *ReceiptCheck) Message(ctx context.Context) string {
	vi, en := "", ""
	switch {
	case r.Valid && r.ContentMatches != nil && !*r.ContentMatches:
		vi, en = "Biên nhận hợp lệ, nhưng nội dung đưa ra không khớp với nội dung đã tiếp nhận.",
			"The receipt is valid, but the content given is not the content received."
	case r.Valid:
		vi, en = "Biên nhận hợp lệ: do máy chủ này ký.", "The receipt is valid: this server signed it."
	case r.Problem == receipt.UnknownKey:
		vi, en = "Biên nhận không được ký bằng khóa nào máy chủ này công bố.", "The receipt is not signed with any key this server publishes."
	case r.Problem == receipt.BadSignature:
		vi, en = "Chữ ký không khớp: biên nhận đã bị sửa hoặc không do máy chủ này ký.", "The signature does not match: the receipt was altered or not signed by this server."
	default:
		vi, en = "Đây không phải là một biên nhận.", "This is not a receipt."
	}
	if apperr.Lang(ctx) == "en" {
		return en
	}
	return vi
}

// VerifyReceipt checks a receipt against the published keys and, given content, its digest.
func (s *Service) VerifyReceipt(ctx context.Context, r string, content *ReceiptContent) (*ReceiptCheck, error) {
	if s.Receipts == nil {
		return nil, apperr.New(apperr.Internal, "Máy chủ không cấp biên nhận.", "This server issues no receipts.")
	}
	out := &ReceiptCheck{Verification: s.Receipts.Verify(r)}
	if !out.Valid {
		return out, nil
	}
	if content != nil && (content.Text != nil || len(content.FileSHA256) > 0) {
		if len(content.FileSHA256) > 10 {
			return nil, apperr.BadInput("Tối đa 10 tệp chứng cứ.", "At most 10 evidence files.", "content", "fileSha256")
		}
		var digest string
		switch out.Claims.Kind {
		case receipt.KindCase:
			digest = receipt.ContentDigest(strings.TrimSpace(deref(content.Text)), content.FileSHA256)
		case receipt.KindMessage:
			digest = receipt.TextDigest(strings.TrimSpace(deref(content.Text)))
		case receipt.KindEvidence:
			if len(content.FileSHA256) == 1 {
				digest = strings.ToLower(strings.TrimSpace(content.FileSHA256[0]))
			}
		}
		match := digest == out.Claims.ContentSHA256
		out.ContentMatches = &match
	}
	// Units are public reference data.
	u, err := s.db(ctx).Unit.Get(ctx, out.Claims.UnitID)
	if err != nil && !ent.IsNotFound(err) {
		return nil, err
	}
	out.Unit = u
	return out, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
