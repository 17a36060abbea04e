// Package apperr is the one coded error type of the product: a code clients can branch on, the field
// it concerns, and a message in Vietnamese and English. Internal details never go in it.
package apperr

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// Codes, as sent in GraphQL extensions.code.
const (
	Unauthenticated = "UNAUTHENTICATED"
	Forbidden       = "FORBIDDEN"
	NotFound        = "NOT_FOUND"
	BadUserInput    = "BAD_USER_INPUT"
	Conflict        = "CONFLICT"
	RateLimited     = "RATE_LIMITED"
	// Timeout: the request reached its deadline (REQUEST_TIMEOUT) and its database work was
	// cancelled; nothing it would have written is kept. Ask for less, or retry later.
	Timeout  = "TIMEOUT"
	Internal = "INTERNAL_SERVER_ERROR"
	// Unavailable: the server could not finish (the database failed); the request may be retried.
	Unavailable = "SERVICE_UNAVAILABLE"
	// BadRequest: the HTTP request is not a GraphQL request the server takes (not JSON, a batch,
	// no query); Apollo's name for it.
	BadRequest = "BAD_REQUEST"
)

// ErrTimeout is the answer of a request that reached its deadline (REQUEST_TIMEOUT).
var ErrTimeout = New(Timeout,
	"Yêu cầu vượt quá thời gian cho phép nên đã bị dừng; hãy yêu cầu ít dữ liệu hơn hoặc thử lại sau.",
	"The request took longer than allowed and was stopped; ask for less or try again later.")

// ErrNotSaved answers a mutation whose transaction could not be opened or committed (the database
// went away). Whether a failed COMMIT reached the database cannot be known, so the message says
// so; retries are safe where the mutation is idempotent (caseSubmit with its idempotency key) or
// guarded by the case's state.
var ErrNotSaved = func() *Error {
	e := New(Unavailable,
		"Không lưu được thay đổi vì mất kết nối tới cơ sở dữ liệu; có thể thay đổi chưa được ghi. Vui lòng gửi lại yêu cầu (với cùng khoá idempotency nếu có).",
		"The change could not be saved: the connection to the database failed, so it may not have been recorded. Please send the request again (with the same idempotency key, if any).")
	e.Retryable = true
	return e
}()

// ErrDatabaseLost answers a request whose database connection failed while it ran: a mutation's
// transaction is then rolled back, so nothing was done and sending it again is safe.
var ErrDatabaseLost = func() *Error {
	e := New(Unavailable,
		"Mất kết nối tới cơ sở dữ liệu nên yêu cầu chưa được thực hiện; vui lòng gửi lại.",
		"The connection to the database failed, so the request was not carried out; please send it again.")
	e.Retryable = true
	return e
}()

// Error is a failure a person may read about.
type Error struct {
	Code       string
	RetryAfter int      // seconds to wait, for RATE_LIMITED (extensions.retryAfter)
	Retryable  bool     // the same request may succeed if sent again (extensions.retryable)
	User       bool     // the person can fix it: reported in the payload's userErrors, not as an error
	Keeps      bool     // what was written before this user error stands (the mutation is not rolled back)
	Field      []string // path of the input field concerned, if any
	VI         string   // message in Vietnamese
	EN         string   // message in English
}

func (e *Error) Error() string { return e.Code + ": " + e.EN }

// Message returns the message in the context's language (Vietnamese unless English was asked for).
func (e *Error) Message(ctx context.Context) string {
	if Lang(ctx) == "en" {
		return e.EN
	}
	return e.VI
}

// New returns an error with the given code and messages.
func New(code, vi, en string) *Error { return &Error{Code: code, VI: vi, EN: en} }

// Newf formats both messages with the same arguments.
func Newf(code, vi, en string, args ...any) *Error {
	return &Error{Code: code, VI: fmt.Sprintf(vi, args...), EN: fmt.Sprintf(en, args...)}
}

// OnField returns a copy of the error about the given input field path; such an error is one the
// person can fix (a user error).
func (e *Error) OnField(path ...string) *Error {
	c := *e
	c.Field = path
	c.User = true
	return &c
}

// ForUser returns a copy of the error marked as one the person can fix (a user error).
func (e *Error) ForUser() *Error {
	c := *e
	c.User = true
	return &c
}

// KeepingWrites returns a copy of the error whose mutation keeps what it wrote before refusing:
// a refusal that is itself recorded (a reused refresh token's family revoked, a failed sign-in
// audited). Any other user error rolls its mutation back.
func (e *Error) KeepingWrites() *Error {
	c := *e
	c.Keeps = true
	return &c
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

type langKey struct{}

// WithLang returns a context carrying the reader's language ("vi" or "en").
func WithLang(ctx context.Context, lang string) context.Context {
	return context.WithValue(ctx, langKey{}, lang)
}

// Lang returns the reader's language: "en" or "vi" (the default).
func Lang(ctx context.Context) string {
	if l, ok := ctx.Value(langKey{}).(string); ok {
		return l
	}
	return "vi"
}

// LangFromHeader picks "en" when an Accept-Language header prefers English over Vietnamese.
func LangFromHeader(h string) string {
	for _, part := range strings.Split(h, ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case strings.HasPrefix(tag, "vi"):
			return "vi"
		case strings.HasPrefix(tag, "en"):
			return "en"
		}
	}
	return "vi"
}

// Throttled returns RATE_LIMITED with the wait in seconds (at least 1) in both messages (which
// take it as their one %d) and in RetryAfter.
func Throttled(wait time.Duration, vi, en string) *Error {
	secs := max(int(wait.Round(time.Second).Seconds()), 1)
	e := Newf(RateLimited, vi, en, secs)
	e.RetryAfter = secs
	return e
}

// UserError is an error as a mutation payload reports it (GraphQL type UserError).
type UserError struct {
	Field   []string `json:"field"`
	Code    string   `json:"code"`
	Message string   `json:"message"`
}

// UserErrors splits err for a mutation payload: errors the person can fix become userErrors (and
// a nil error); anything else is returned as the operation's error.
func UserErrors(ctx context.Context, err error) ([]*UserError, error) {
	if err == nil {
		return []*UserError{}, nil
	}
	if e, ok := As(err); ok && e.User {
		field := e.Field
		if field == nil {
			field = []string{}
		}
		for w, _ := ctx.Value(watchKey{}).(*watch); w != nil && !e.Keeps; w = w.parent {
			w.seen.Store(true)
		}
		return []*UserError{{Field: field, Code: e.Code, Message: e.Message(ctx)}}, nil
	}
	return nil, err
}

type watchKey struct{}

type watch struct {
	seen   atomic.Bool
	parent *watch
}

// WatchUserErrors returns a context in which UserErrors records that it answered with user
// errors, and the function telling whether it did: the server rolls such a mutation back.
func WatchUserErrors(ctx context.Context) (context.Context, func() bool) {
	parent, _ := ctx.Value(watchKey{}).(*watch)
	w := &watch{parent: parent}
	return context.WithValue(ctx, watchKey{}, w), w.seen.Load
}

// BadInput is a BAD_USER_INPUT user error about the given input field path.
func BadInput(vi, en string, field ...string) *Error {
	return New(BadUserInput, vi, en).OnField(field...)
}

// HTTPStatus is the HTTP status of a code, for every answer given outside a GraphQL response with
// data (GraphQL over HTTP, file uploads and downloads, the sign-in check, exports); fallback for
// the codes it does not name.
func HTTPStatus(code string, fallback int) int {
	switch code {
	case BadUserInput:
		return http.StatusBadRequest
	case Unauthenticated:
		return http.StatusUnauthorized
	case Forbidden:
		return http.StatusForbidden
	case NotFound:
		return http.StatusNotFound
	case RateLimited:
		return http.StatusTooManyRequests
	case Unavailable, Timeout:
		return http.StatusServiceUnavailable
	case Internal:
		return http.StatusInternalServerError
	}
	return fallback
}
