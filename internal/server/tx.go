package server

import (
	"context"
	"log/slog"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/liemchinh/liemchinh/internal/apperr"
)

// errNotSaved answers a mutation whose transaction could not be opened or committed (the database
// went away). Whether a failed COMMIT reached the database cannot be known, so the message says
// so; retries are safe where the mutation is idempotent (caseSubmit with its idempotency key) or
// guarded by the case's state.
var errNotSaved = func() *apperr.Error {
	e := apperr.New(apperr.Unavailable,
		"Không lưu được thay đổi vì mất kết nối tới cơ sở dữ liệu; có thể thay đổi chưa được ghi. Vui lòng gửi lại yêu cầu (với cùng khoá idempotency nếu có).",
		"The change could not be saved: the connection to the database failed, so it may not have been recorded. Please send the request again (with the same idempotency key, if any).")
	e.Retryable = true
	return e
}()

// transactioner runs each mutation in one database transaction, as entgql.Transactioner does
// (whose field serialization it keeps), but answers a failure to open or commit it with a coded,
// retryable error through the error presenter. entgql's own answer is an uncoded message with the
// driver's words in it, and it panics when gqlgen reports a request error that has no operation
// (a batched JSON body).
type transactioner struct {
	entgql.Transactioner
	log *slog.Logger
}

var _ graphql.ResponseInterceptor = transactioner{}

func (t transactioner) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	op := graphql.GetOperationContext(ctx).Operation
	if op == nil || op.Operation != ast.Mutation {
		return next(ctx)
	}
	txCtx, tx, err := t.OpenTx(ctx)
	if err != nil {
		return t.failed(ctx, "open transaction", err)
	}
	defer func() {
		if r := recover(); r != nil {
			_ = tx.Rollback()
			panic(r)
		}
	}()
	rsp := next(txCtx)
	if rsp == nil || len(rsp.Errors) > 0 {
		_ = tx.Rollback()
		if rsp == nil {
			return nil
		}
		return &graphql.Response{Errors: rsp.Errors, Extensions: rsp.Extensions}
	}
	if err := tx.Commit(); err != nil {
		return t.failed(ctx, "commit", err)
	}
	return rsp
}

// failed answers with errNotSaved and no data: nothing the resolvers returned may be believed.
func (t transactioner) failed(ctx context.Context, what string, err error) *graphql.Response {
	t.log.ErrorContext(ctx, "mutation not saved", "step", what, "error", err.Error())
	graphql.AddError(ctx, errNotSaved)
	return &graphql.Response{Errors: graphql.GetErrors(ctx)}
}
