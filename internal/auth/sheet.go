package auth

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/xuri/excelize/v2"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/ent/activationsheet"
	"github.com/liemchinh/liemchinh/internal/audit"
	"github.com/liemchinh/liemchinh/internal/authz"
)

// SheetLinkTTL is how long an activation sheet's download link works.
const SheetLinkTTL = 10 * time.Minute

const sheetLinkAudience = "liemchinh-activation-sheet"

type sheetClaims struct {
	Version int    `json:"ver"`
	Sheet   string `json:"sid"`
	jwt.RegisteredClaims
}

// SheetLink returns the relative URL (/activation-sheets/{token}) of a one-time download of a
// sheet the viewer may read (unit managers, supervisors, administrators in scope), and when it
// stops working. The link names the account and its token version, so signing out everywhere or
// any change of the account ends it.
func (s *Service) SheetLink(ctx context.Context, sheetID string) (string, time.Time, error) {
	v := authz.FromContext(ctx)
	if v.Anonymous() {
		return "", time.Time{}, authz.ErrUnauthenticated
	}
	if v.MustChangePassword {
		// The answer of every other call of such a session (authz.ErrPasswordChangeRequired).
		return "", time.Time{}, authz.ErrPasswordChangeRequired
	}
	if !authz.MayHandleAccounts(v) {
		return "", time.Time{}, authz.ErrForbidden
	}
	sh, err := s.db(ctx).ActivationSheet.Query().Where(activationsheet.ID(sheetID)).Only(ctx)
	if ent.IsNotFound(err) || (err == nil && sh.DownloadedAt != nil) {
		return "", time.Time{}, errNoSheet
	}
	if err != nil {
		return "", time.Time{}, err
	}
	acc, err := s.db(ctx).Account.Query().Where(account.ID(v.AccountID)).Only(ctx)
	if err != nil {
		return "", time.Time{}, err
	}
	now := s.now()
	exp := now.Add(SheetLinkTTL).Truncate(time.Second)
	var jti [12]byte
	_, _ = rand.Read(jti[:])
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, sheetClaims{Version: acc.TokenVersion, Sheet: sh.ID,
		RegisteredClaims: jwt.RegisteredClaims{Subject: v.AccountID, Audience: jwt.ClaimStrings{sheetLinkAudience},
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp), ID: hex.EncodeToString(jti[:])},
	}).SignedString(s.keys.link)
	if err != nil {
		return "", time.Time{}, err
	}
	return "/activation-sheets/" + token, exp, nil
}

var (
	errSheetLink    = errors.New("auth: sheet link not valid")
	errSheetExpired = errors.New("auth: sheet link expired")
)

// SheetDownload serves GET /activation-sheets/{token}: the token is the credential, checked
// against its account as it is now (enabled, same token version), whose viewer must still read
// the sheet. The sheet is served once: its codes are erased in the same transaction that records
// the download in the audit log, before the file is sent. 401 for a link not (or no longer)
// valid, 410 for an expired one, 404 for a sheet gone or already downloaded.
func (s *Service) SheetDownload(log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		name, body, err := s.downloadSheet(ctx, r.PathValue("token"))
		h := w.Header()
		h.Set("Cache-Control", "private, no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		if err != nil {
			status, text := http.StatusInternalServerError, "Lỗi máy chủ. / Server error."
			switch {
			case errors.Is(err, errSheetExpired):
				status, text = http.StatusGone, "Liên kết đã hết hạn. / The link has expired."
			case errors.Is(err, errSheetLink):
				status, text = http.StatusUnauthorized, "Liên kết không hợp lệ. / The link is not valid."
			case errors.Is(err, errNoSheet):
				status, text = http.StatusNotFound, errNoSheet.VI+" / "+errNoSheet.EN
			default:
				log.ErrorContext(ctx, "activation sheet download", "error", err.Error())
			}
			h.Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(text))
			return
		}
		h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
		h.Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	})
}

func (s *Service) downloadSheet(ctx context.Context, token string) (string, []byte, error) {
	var c sheetClaims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return s.keys.link, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithAudience(sheetLinkAudience),
		jwt.WithExpirationRequired(), jwt.WithTimeFunc(s.now))
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "", nil, errSheetExpired
	case err != nil, c.Subject == "", c.Sheet == "":
		return "", nil, errSheetLink
	}
	acc, err := s.client.Account.Get(authz.System(ctx, authz.SysAuthenticate), c.Subject)
	if ent.IsNotFound(err) {
		return "", nil, errSheetLink
	}
	if err != nil {
		return "", nil, err
	}
	if acc.Disabled || acc.TokenVersion != c.Version {
		return "", nil, errSheetLink
	}
	ctx = authz.WithViewer(ctx, ViewerOf(acc))
	if !authz.MayHandleAccounts(authz.FromContext(ctx)) {
		return "", nil, errSheetLink
	}
	var content sheetContent
	err = s.inTx(ctx, func(tx *ent.Client) error {
		sh, err := tx.ActivationSheet.Query().Where(activationsheet.ID(c.Sheet), activationsheet.DownloadedAtIsNil()).Only(ctx)
		if ent.IsNotFound(err) {
			return errNoSheet
		}
		if err != nil {
			return err
		}
		plain, err := s.accounts.Box.Open(*sh.Sealed, []byte(sh.ID))
		if err != nil {
			return fmt.Errorf("open sheet: %w", err)
		}
		if err := json.Unmarshal(plain, &content); err != nil {
			return err
		}
		n, err := tx.ActivationSheet.Update().Where(activationsheet.ID(sh.ID), activationsheet.DownloadedAtIsNil()).
			ClearSealed().SetDownloadedAt(s.now()).SetDownloadedBy(acc.ID).
			Save(authz.Grant(ctx, "activationSheetDownload", ent.TypeActivationSheet))
		if err != nil {
			return err
		}
		if n != 1 {
			return errNoSheet
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "activationSheetDownload", ObjectType: "ActivationSheet",
			ObjectID: sh.ID, Summary: strconv.Itoa(sh.Accounts) + " codes of unit " + sh.UnitID})
	})
	if err != nil {
		return "", nil, err
	}
	body, err := sheetXLSX(content)
	if err != nil {
		return "", nil, err
	}
	return "ma-kich-hoat-" + c.Sheet + ".xlsx", body, nil
}

// sheetXLSX lays a sheet out for printing: the unit, the expiry, one row per official with a
// blank column for their signature on receipt; A4, fit to one page wide, header rows repeated.
func sheetXLSX(c sheetContent) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	const sh = "Ma kich hoat"
	if err := f.SetSheetName("Sheet1", sh); err != nil {
		return nil, err
	}
	vn := time.FixedZone("ICT", 7*3600)
	set := func(cell string, v any) error { return f.SetCellValue(sh, cell, v) }
	if err := set("A1", "MÃ KÍCH HOẠT TÀI KHOẢN LIÊM CHÍNH / ACCOUNT ACTIVATION CODES — "+c.Unit); err != nil {
		return nil, err
	}
	if err := set("A2", "Hết hạn / Expires: "+c.ExpiresAt.In(vn).Format("02/01/2006 15:04")+
		". Trao tận tay từng cán bộ; mỗi mã dùng một lần. Hand each code to its official; each works once."); err != nil {
		return nil, err
	}
	head := []any{"STT / No.", "Tên đăng nhập (mã cán bộ) / Login", "Họ và tên / Full name", "Chức vụ / Position", "Mã kích hoạt / Code", "Ký nhận / Signature"}
	if err := f.SetSheetRow(sh, "A4", &head); err != nil {
		return nil, err
	}
	for i, r := range c.Rows {
		row := []any{i + 1, r.EmployeeCode, r.FullName, r.Position, r.Code, ""}
		if err := f.SetSheetRow(sh, "A"+strconv.Itoa(i+5), &row); err != nil {
			return nil, err
		}
	}
	for col, w := range map[string]float64{"A": 8, "B": 22, "C": 30, "D": 24, "E": 20, "F": 20} {
		if err := f.SetColWidth(sh, col, col, w); err != nil {
			return nil, err
		}
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	code, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Family: "Courier New", Size: 12, Bold: true}})
	if err != nil {
		return nil, err
	}
	if err := f.SetCellStyle(sh, "A4", "F4", bold); err != nil {
		return nil, err
	}
	if len(c.Rows) > 0 {
		if err := f.SetCellStyle(sh, "E5", "E"+strconv.Itoa(len(c.Rows)+4), code); err != nil {
			return nil, err
		}
	}
	size, fit, one, auto := 9, true, 1, 0 // A4; as many pages down as the rows need
	landscape := "landscape"
	if err := f.SetPageLayout(sh, &excelize.PageLayoutOptions{Size: &size, Orientation: &landscape, FitToWidth: &one, FitToHeight: &auto}); err != nil {
		return nil, err
	}
	if err := f.SetSheetProps(sh, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return nil, err
	}
	if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: "'" + sh + "'!$4:$4", Scope: sh}); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
