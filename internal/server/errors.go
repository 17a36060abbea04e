package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/hashicorp/go-multierror"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/authz"
)

var errInternal = apperr.New(apperr.Internal,
	"Đã có lỗi phía máy chủ; vui lòng thử lại sau.",
	"Something went wrong on the server; please try again later.")

// errorPresenter turns every resolver error into a GraphQL error with extensions.code and a
// message a person can read in their language. Anything unexpected is logged once, here, and the
// client only learns that it was internal.
func errorPresenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gerr := graphql.DefaultErrorPresenter(ctx, err)
		if e, ok := apperr.As(err); ok {
			if e.Code == apperr.Unauthenticated && authz.FromContext(ctx).SignedInCitizen() {
				// A citizen's token is valid (the middleware checked it) and holds no account:
				// what asks for one is refused to it, not a reason to sign in again.
				e = authz.ErrForbidden
			}
			return coded(ctx, gerr, e)
		}
		switch {
		case isNotFound(err):
			return coded(ctx, gerr, apperr.New(apperr.NotFound,
				"Không tìm thấy đối tượng.", "No such object."))
		case ent.IsValidationError(err):
			return coded(ctx, gerr, apperr.New(apperr.BadUserInput,
				"Dữ liệu không hợp lệ.", "The input is not valid."))
		case ent.IsConstraintError(err):
			return coded(ctx, gerr, apperr.New(apperr.Conflict,
				"Bản ghi đã tồn tại hoặc đang được dùng.", "The record already exists or is in use."))
		case databaseLost(err):
			log.WarnContext(ctx, "database connection lost", "error", err.Error(), "path", gerr.Path.String())
			return coded(ctx, gerr, errDatabaseLost)
		case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
			return coded(ctx, gerr, apperr.New(apperr.Internal,
				"Yêu cầu đã bị huỷ hoặc quá thời gian.", "The request was cancelled or timed out."))
		}
		if req := requestError(err); req != nil {
			if e := inputError(req); e != nil {
				return coded(ctx, gerr, e)
			}
			// Errors of gqlparser, gqlgen and entgql that wrap no Go error describe the request
			// itself (parse, validation, pagination arguments): the client may read them.
			ext := map[string]any{}
			for k, v := range req.Extensions {
				ext[k] = v
			}
			gerr.Message, gerr.Extensions = req.Message, ext
			if _, ok := gerr.Extensions["code"]; !ok {
				gerr.Extensions["code"] = apperr.BadUserInput
			}
			return gerr
		}
		if e := argumentError(ctx, err); e != nil {
			return coded(ctx, gerr, e)
		}
		log.ErrorContext(ctx, "internal error", "error", err.Error(), "path", gerr.Path.String())
		return coded(ctx, gerr, errInternal)
	}
}

// requestError returns the innermost GraphQL error of err's chain if it wraps no other error.
func requestError(err error) *gqlerror.Error {
	var g *gqlerror.Error
	if !errors.As(err, &g) {
		return nil
	}
	for g.Err != nil {
		var next *gqlerror.Error
		if !errors.As(g.Err, &next) || next == g {
			return nil
		}
		g = next
	}
	return g
}

func isNotFound(err error) bool {
	if ent.IsNotFound(err) {
		return true
	}
	var merr *multierror.Error
	if errors.As(err, &merr) {
		for _, e := range merr.Errors {
			if ent.IsNotFound(e) {
				return true
			}
		}
	}
	return false
}

func coded(ctx context.Context, gerr *gqlerror.Error, e *apperr.Error) *gqlerror.Error {
	gerr.Message = e.Message(ctx)
	gerr.Extensions = map[string]any{"code": e.Code}
	if len(e.Field) > 0 {
		gerr.Extensions["field"] = e.Field
	}
	if e.RetryAfter > 0 {
		gerr.Extensions["retryAfter"] = e.RetryAfter
	}
	if e.Retryable {
		gerr.Extensions["retryable"] = true
	}
	return gerr
}

// recoverFunc turns a panic in a resolver into an internal error, logged with its stack.
func recoverFunc(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, v any) error {
		log.ErrorContext(ctx, "panic in resolver", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		return errInternal
	}
}

// inputError gives a coded, bilingual error for the request errors that concern input values or
// a policy: our own validation rules, gqlparser's literal checks (ValuesOfCorrectType) and its
// coercion of variables, which gqlgen all codes GRAPHQL_VALIDATION_FAILED.
func inputError(req *gqlerror.Error) *apperr.Error {
	switch req.Rule {
	case ruleNoIntrospection:
		return errIntrospectionOff
	case ruleScalarLiterals:
		scalar, _ := req.Extensions["scalar"].(string)
		input, _ := req.Extensions["input"].(string)
		return scalarError(scalar, input).OnField(strings.Split(input, ".")...)
	case rules.ValuesOfCorrectTypeRule.Name, rules.ValuesOfCorrectTypeRuleWithoutSuggestions.Name:
		return &apperr.Error{Code: apperr.BadUserInput, VI: "Giá trị nhập trong truy vấn không hợp lệ: " + viDetail(req.Message),
			EN: "A value in the query is not valid: " + req.Message}
	}
	if code, _ := req.Extensions["code"].(string); code == errcode.ValidationFailed && len(req.Path) >= 2 &&
		req.Path[0] == ast.PathName("variable") {
		name := variablePath(req.Path)
		e := &apperr.Error{Code: apperr.BadUserInput, VI: "Biến " + name + " không hợp lệ: " + viDetail(req.Message) + ".",
			EN: "Variable " + name + " is not valid: " + req.Message + "."}
		return e.OnField(fieldOf(req.Path)...)
	}
	return nil
}

// argumentError recognises an argument that failed to convert during execution (a custom scalar
// that the checks before execution do not know): its path goes below the field being resolved,
// while a resolver's own errors stop at the field.
func argumentError(ctx context.Context, err error) *apperr.Error {
	var g *gqlerror.Error
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !errors.As(err, &g) {
		return nil
	}
	field := fc.Path()
	if len(g.Path) <= len(field) || !slices.Equal(g.Path[:len(field)], field) {
		return nil
	}
	input := make([]string, 0, len(g.Path)-len(field))
	for _, e := range g.Path[len(field):] {
		input = append(input, fmt.Sprint(e))
	}
	return apperr.Newf(apperr.BadUserInput, "Giá trị của %s không hợp lệ.", "The value of %s is not valid.",
		strings.Join(input, ".")).OnField(input...)
}
