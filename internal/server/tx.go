package server

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"log/slog"
	"net"
	"strings"
	"syscall"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/casework"
	"github.com/liemchinh/liemchinh/internal/store"
)

// errNotSaved and errDatabaseLost (package apperr) answer a mutation whose transaction could not
// be committed or opened.
var errNotSaved, errDatabaseLost = apperr.ErrNotSaved, apperr.ErrDatabaseLost

// databaseLost reports whether err says the database connection broke (killed, reset, the server
// shutting down) rather than anything about the request.
func databaseLost(err error) bool {
	var state interface{ SQLState() string }
	if errors.As(err, &state) {
		c := state.SQLState()
		// 08: connection exception; 57P01-03: admin shutdown, crash shutdown, cannot connect now.
		return strings.HasPrefix(c, "08") || c == "57P01" || c == "57P02" || c == "57P03"
	}
	var op *net.OpError
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) || errors.As(err, &op) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNREFUSED)
}

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
	if op == nil || op.Operation != ast.Mutation || len(graphql.GetErrors(ctx)) > 0 {
		return next(ctx) // not a mutation, or a refused one (gqlgen's DispatchError): no transaction
	}
	oc := graphql.GetOperationContext(ctx)
	fields := graphql.CollectFields(oc, op.SelectionSet, []string{"Mutation"})
	if len(fields) == 1 && groupCommitted(fields[0], oc.Variables) {
		// Written with the submissions arriving with it, in a transaction of their own (group
		// commit): no transaction here, which would hold a connection and stay empty. Queued, it
		// gives its admission turn back (MAX_CONCURRENT_OPERATIONS would otherwise bound a group).
		// What the resolver returned was committed: a tracking code and secret the payload holds
		// must reach the citizen even when a field of it failed, so data stands beside errors. A
		// submission not written answers with an error and data null, sent as a mutation in a
		// transaction answers one that failed: errors only.
		rsp := next(casework.Grouped(ctx, admissionYield(ctx)))
		if rsp != nil && len(rsp.Errors) > 0 && (len(rsp.Data) == 0 || string(rsp.Data) == "null") {
			return &graphql.Response{Errors: rsp.Errors, Extensions: rsp.Extensions}
		}
		return rsp
	}
	txCtx, tx, err := t.OpenTx(ctx)
	if err != nil {
		return t.failed(ctx, "begin", err, errDatabaseLost) // nothing was done
	}
	defer func() {
		if r := recover(); r != nil {
			_ = tx.Rollback()
			panic(r)
		}
	}()
	// A field answering with userErrors is rolled back: alone, or to its savepoint when the
	// operation has other mutation fields whose answers stand.
	multi := len(fields) > 1
	if multi {
		txCtx = context.WithValue(txCtx, savepointsKey{}, true)
	}
	txCtx, userErrors := apperr.WatchUserErrors(txCtx)
	rsp := next(txCtx)
	if rsp == nil || len(rsp.Errors) > 0 {
		_ = tx.Rollback()
		if rsp == nil {
			return nil
		}
		return &graphql.Response{Errors: rsp.Errors, Extensions: rsp.Extensions}
	}
	if !multi && userErrors() {
		if err := tx.Rollback(); err != nil {
			t.log.ErrorContext(ctx, "rollback after user errors", "error", err.Error())
		}
		return rsp
	}
	if err := tx.Commit(); err != nil {
		return t.failed(ctx, "commit", err, errNotSaved)
	}
	return rsp
}

// groupCommitted reports whether a mutation field is a caseSubmit without files, which
// casework.Service.Submit writes in a group commit when the operation has no other field.
func groupCommitted(f graphql.CollectedField, vars map[string]any) bool {
	if f.Name != "caseSubmit" {
		return false
	}
	in, _ := f.ArgumentMap(vars)["input"].(map[string]any)
	if in == nil {
		return false
	}
	ids, _ := in["uploadIds"].([]any)
	return in["uploadIds"] == nil || (ids != nil && len(ids) == 0)
}

// failed answers with e and no data: nothing the resolvers returned may be believed.
func (t transactioner) failed(ctx context.Context, step string, err error, e *apperr.Error) *graphql.Response {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		// The request deadline ended the transaction: the client asked for too much, the
		// database did not go away.
		t.log.WarnContext(ctx, "mutation not saved: request deadline", "step", step)
		graphql.AddError(ctx, apperr.ErrTimeout)
		return &graphql.Response{Errors: graphql.GetErrors(ctx)}
	}
	t.log.ErrorContext(ctx, "mutation not saved", "step", step, "error", err.Error())
	graphql.AddError(ctx, e)
	return &graphql.Response{Errors: graphql.GetErrors(ctx)}
}

type savepointsKey struct{}

var _ graphql.RootFieldInterceptor = transactioner{}

// InterceptRootField puts each mutation field of an operation with several behind a savepoint,
// and rolls the field back to it when it answers with userErrors. It intercepts root fields
// only: a field interceptor would be called for every field of every answer (hundreds of scalar
// fields in a nested read) to find the few that are a mutation's.
func (t transactioner) InterceptRootField(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	tx := ent.TxFromContext(ctx)
	if on, _ := ctx.Value(savepointsKey{}).(bool); !on || tx == nil {
		return next(ctx) // not a mutation with several fields
	}
	c := tx.Client()
	if _, err := c.ExecContext(ctx, "SAVEPOINT mutation_field"); err != nil {
		return t.fieldFailed(ctx, err)
	}
	ctx, userErrors := apperr.WatchUserErrors(ctx)
	ctx, undo := store.WithUndo(ctx)
	res := next(ctx)
	if userErrors() {
		if _, err := c.ExecContext(ctx, "ROLLBACK TO SAVEPOINT mutation_field"); err != nil {
			return t.fieldFailed(ctx, err)
		}
		undo()
	}
	if _, err := c.ExecContext(ctx, "RELEASE SAVEPOINT mutation_field"); err != nil {
		return t.fieldFailed(ctx, err)
	}
	return res
}

// fieldFailed reports err on the root field being intercepted (its path is the field's alias)
// and answers it with null; the operation's transaction is then rolled back, as for any error.
func (t transactioner) fieldFailed(ctx context.Context, err error) graphql.Marshaler {
	if rfc := graphql.GetRootFieldContext(ctx); rfc != nil {
		ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Object: "Mutation", Field: rfc.Field})
	}
	graphql.AddError(ctx, err)
	return graphql.Null
}
