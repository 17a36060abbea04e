package review

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/audit"
	"github.com/liemchinh/liemchinh/internal/auth"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/store"
)

// errLinkRevoked is a link of an account that is gone, disabled, or whose sessions were ended
// since (token version changed).
var errLinkRevoked = errors.New("review: link revoked")

// Download serves GET /exports/{token}. The token is the credential: the handler verifies it,
// loads its account as it is now (it must exist, be enabled and still have the token version the
// link was made with), rebuilds the viewer, checks access again, and sends the file. Failures are
// answered 401 (not a valid link, or no longer valid for its account), 403 (no longer allowed),
// 404 (the review or scope is not there for this viewer), 410 (expired) or 429 with Retry-After
// (the account's downloads are over EXPORT_DOWNLOAD_RATE), with a short text in Vietnamese and
// English.
func (s *Service) Download(log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		f, err := s.download(ctx, r.PathValue("token"))
		h := w.Header()
		h.Set("Cache-Control", "private, no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		if err != nil {
			status, text := failure(err)
			if e, ok := apperr.As(err); ok && e.RetryAfter > 0 {
				h.Set("Retry-After", strconv.Itoa(e.RetryAfter))
			}
			if status == http.StatusInternalServerError {
				log.ErrorContext(ctx, "export download", "error", err.Error())
			}
			h.Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(text))
			return
		}
		h.Set("Content-Type", f.contentType)
		h.Set("Content-Disposition", `attachment; filename="`+f.name+`"`)
		h.Set("Content-Length", strconv.Itoa(len(f.body)))
		_, _ = w.Write(f.body)
	})
}

func (s *Service) download(ctx context.Context, token string) (*file, error) {
	sub, version, e, err := s.verify(token)
	if err != nil {
		return nil, err
	}
	// The account as it is now (the primary's), whatever the rest of the download may read.
	acc, err := s.client.Account.Get(authz.System(store.Primary(ctx), authz.SysAuthenticate), sub)
	if ent.IsNotFound(err) {
		return nil, errLinkRevoked
	}
	if err != nil {
		return nil, err
	}
	if acc.Disabled || acc.TokenVersion != version {
		return nil, errLinkRevoked
	}
	if s.downloads != nil {
		if ok, wait, err := s.downloads.Allow(ctx, acc.ID); err != nil {
			return nil, err
		} else if !ok {
			return nil, apperr.Throttled(wait, "Quá nhiều lượt tải xuống; thử lại sau %d giây.",
				"Too many downloads; try again in %d seconds.")
		}
	}
	ctx = authz.WithViewer(ctx, auth.ViewerOf(acc))
	if err := s.check(ctx, e); err != nil {
		return nil, err
	}
	f, err := s.build(ctx, e)
	if err != nil {
		return nil, err
	}
	object, id := "Scope", "NATION"
	switch {
	case e.ReviewID != "":
		object, id = "Review", e.ReviewID
	case e.Scope != nil && e.Scope.ID != "":
		object, id = string(e.Scope.Kind), e.Scope.ID
	}
	err = audit.Record(ctx, s.client, audit.Entry{Action: "exportDownload", ObjectType: object, ObjectID: id,
		Summary: string(e.Kind) + " " + string(e.Format) + " " + f.name})
	return f, err
}

// failure maps an error to its status and bilingual text; anything unexpected is a 500 whose
// details stay in the log.
func failure(err error) (int, string) {
	switch {
	case errors.Is(err, errLinkExpired):
		return http.StatusGone, "Liên kết tải xuống đã hết hạn; hãy tạo liên kết mới.\nThe download link has expired; make a new one.\n"
	case errors.Is(err, errLinkInvalid), errors.Is(err, errLinkRevoked):
		return http.StatusUnauthorized, "Liên kết tải xuống không hợp lệ hoặc không còn hiệu lực.\nThe download link is not valid or no longer works.\n"
	}
	if e, ok := apperr.As(err); ok {
		switch e.Code {
		case apperr.Unauthenticated:
			return http.StatusUnauthorized, "Liên kết tải xuống không hợp lệ hoặc không còn hiệu lực.\nThe download link is not valid or no longer works.\n"
		case apperr.Forbidden:
			return http.StatusForbidden, "Bạn không có quyền tải nội dung này.\nYou are not allowed to download this.\n"
		case apperr.NotFound:
			return http.StatusNotFound, "Không tìm thấy nội dung cần tải.\nThere is nothing to download here.\n"
		case apperr.BadUserInput:
			return http.StatusBadRequest, "Yêu cầu tải xuống không hợp lệ.\nNot a valid download request.\n"
		case apperr.Timeout, apperr.RateLimited:
			return apperr.HTTPStatus(e.Code, http.StatusServiceUnavailable), e.VI + "\n" + e.EN + "\n"
		}
	}
	return http.StatusInternalServerError, "Lỗi máy chủ; vui lòng thử lại sau.\nServer error; please try again later.\n"
}
