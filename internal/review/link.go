package review

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/authz"
)

// Kind is what an export holds.
type Kind string

// Kinds of export (GraphQL ExportKind).
const (
	KindProgress    Kind = "PROGRESS"
	KindReview      Kind = "REVIEW"
	KindFinalReview Kind = "FINAL_REVIEW"
)

// Format is an export's file format.
type Format string

// Formats of export (GraphQL ExportFormat).
const (
	FormatXLSX Format = "XLSX"
	FormatCSV  Format = "CSV"
)

// Export says what to download: a scope and year (PROGRESS), a review (REVIEW) or a scope
// (FINAL_REVIEW).
type Export struct {
	Kind     Kind         `json:"knd"`
	Format   Format       `json:"fmt"`
	Scope    *authz.Scope `json:"scp,omitempty"`
	Year     int          `json:"yr,omitempty"`
	ReviewID string       `json:"rvw,omitempty"`
}

// LinkTTL is how long a download link works.
const LinkTTL = 10 * time.Minute

// A link token is a JWT (HS256, the server's token key) of its own issuer and audience, and
// without the role claim access tokens carry: neither kind verifies as the other.
const (
	linkIssuer   = "liemchinh/exports"
	linkAudience = "liemchinh-export-download"
)

type linkClaims struct {
	Version int `json:"ver"` // the account's token_version when the link was made
	Export
	jwt.RegisteredClaims
}

// check validates an export request for the viewer: the fields its kind needs and no others,
// and that the viewer may see what it names (FORBIDDEN, or NOT_FOUND for a review they may not
// read). Run when the link is made and again at download.
func (s *Service) check(ctx context.Context, e Export) error {
	if _, err := signedIn(ctx); err != nil {
		return err
	}
	if e.Format != FormatXLSX && e.Format != FormatCSV {
		return apperr.BadInput("Định dạng tệp không hợp lệ.", "Unknown file format.", "format")
	}
	switch e.Kind {
	case KindProgress:
		switch {
		case e.Scope == nil:
			return apperr.BadInput("Cần nêu phạm vi để tải tiến độ.", "Progress needs a scope.", "scope")
		case e.Year == 0:
			return apperr.BadInput("Cần nêu năm để tải tiến độ.", "Progress needs a year.", "year")
		case e.ReviewID != "":
			return apperr.BadInput("Tiến độ không nhận reviewId.", "Progress takes no reviewId.", "reviewId")
		}
		if err := s.cover(ctx, *e.Scope); err != nil {
			return err
		}
		return s.progress.CheckYear(e.Year, "year")
	case KindReview:
		switch {
		case e.ReviewID == "":
			return apperr.BadInput("Cần nêu bản sơ kết (reviewId).", "A review needs reviewId.", "reviewId")
		case e.Scope != nil:
			return apperr.BadInput("Bản sơ kết không nhận phạm vi: phạm vi là của bản sơ kết.", "A review takes no scope: it has its own.", "scope")
		case e.Year != 0:
			return apperr.BadInput("Bản sơ kết không nhận năm: năm là của bản sơ kết.", "A review takes no year: it has its own.", "year")
		}
		_, err := s.Get(ctx, e.ReviewID)
		return err
	case KindFinalReview:
		switch {
		case e.Scope == nil:
			return apperr.BadInput("Cần nêu phạm vi để tải tổng kết.", "The final review needs a scope.", "scope")
		case e.Year != 0:
			return apperr.BadInput("Tổng kết 2021-2026 không nhận năm.", "The final review 2021-2026 takes no year.", "year")
		case e.ReviewID != "":
			return apperr.BadInput("Tổng kết không nhận reviewId.", "The final review takes no reviewId.", "reviewId")
		}
		return s.cover(ctx, *e.Scope)
	}
	return apperr.BadInput("Loại tải xuống không hợp lệ.", "Unknown kind of download.", "kind")
}

// Link checks an export request for the viewer and returns the relative URL of its download
// (/exports/{token}) and when it stops working. The token names the account and its current
// token version: signing out everywhere, a password, role or scope change, or disabling the
// account ends the link too.
func (s *Service) Link(ctx context.Context, e Export) (string, time.Time, error) {
	if err := s.check(ctx, e); err != nil {
		return "", time.Time{}, err
	}
	v := authz.FromContext(ctx)
	acc, err := s.db(ctx).Account.Query().Where(account.ID(v.AccountID)).Only(ctx)
	if err != nil {
		return "", time.Time{}, err
	}
	now := s.now()
	exp := now.Add(LinkTTL).Truncate(time.Second)
	var jti [12]byte
	_, _ = rand.Read(jti[:])
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, linkClaims{Version: acc.TokenVersion, Export: e,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: linkIssuer, Subject: v.AccountID, Audience: jwt.ClaimStrings{linkAudience},
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp), ID: hex.EncodeToString(jti[:]),
		}}).SignedString(s.linkKey)
	if err != nil {
		return "", time.Time{}, err
	}
	return "/exports/" + token, exp, nil
}

var (
	errLinkExpired = errors.New("review: link expired")
	errLinkInvalid = errors.New("review: link invalid")
)

// verify returns the account id, token version and export of an authentic, unexpired link token.
func (s *Service) verify(token string) (string, int, Export, error) {
	var c linkClaims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return s.linkKey, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithIssuer(linkIssuer),
		jwt.WithAudience(linkAudience), jwt.WithExpirationRequired(), jwt.WithTimeFunc(s.now))
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "", 0, Export{}, errLinkExpired
	case err != nil, c.Subject == "", c.Kind == "":
		return "", 0, Export{}, errLinkInvalid
	}
	return c.Subject, c.Version, c.Export, nil
}
