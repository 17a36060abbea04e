package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/ratelimit"
)

// fieldWeights is what a field costs on top of its selections, in the unit of complexity: one
// field of one row of a connection page (officials(first: 100) { edges { node { id fullName
// category } } } costs 501 and took 1.67 ms, 3.3 µs a unit). Each weight is the field's measured
// time on the demo data (go run ./cmd/liemchinh, as admin over the nation, SQLite, 2 shared cores)
// divided by that unit, rounded. A connection adds its page size times its elements on top.
// Aliases are separate fields: each pays the weight again.
//
// Measured (ms per call): progress 1.2, ranking 1.3, progressSeries 0.4, caseStatistics 4.9-7.4,
// finalReview 4.2, likelyDuplicates 2.6, caseReporter 0.3 (and an audit row), exportLink 2-19 to
// make the link plus 5-9 to build the file on download, praisedOfficials 290-470,
// commendationCandidates 1,300-2,950. The last two would weigh 140,000 and 400,000: more than one
// request may cost (GRAPHQL_COMPLEXITY_LIMIT, 50,000), so the mobile app could not ask for them at
// all. They are capped at maxWeight, so that two fit in a request; REQUEST_TIMEOUT bounds what one
// call may take, and COMPLEXITY_BUDGET_PER_MINUTE how often an account may ask.
var fieldWeights = map[string]int{
	"Query.progress":        400,
	"Query.ranking":         400,
	"Query.progressSeries":  150,
	"Query.caseStatistics":  2_000,
	"Query.finalReview":     1_300,
	"Case.likelyDuplicates": 800,
	// 6 statements per unit (its past places, then the units, districts, provinces and accounts
	// they name), not batched across a page of units: weighed at about 0.1 ms a statement, not
	// timed: a page of 100 units with their histories costs about 20,000 of the 50,000 a request may.
	"Unit.history":                 200,
	"Query.caseReporter":           100,
	"Query.receiptVerify":          100, // 0.1 ms to verify (EdDSA), 0.2 ms to read the unit
	"Mutation.exportLink":          5_000,
	"Query.praisedOfficials":       maxWeight, // measured 140,000
	"Query.commendationCandidates": maxWeight, // measured 400,000
}

// searchWeights is what a search argument adds to a root list, in the same unit: the officials'
// name search took 3-36 ms on the national seed (2.2 million officials) and 230 ms for a bare
// family name a third of the nation shares, its totalCount reading every match in the index;
// units' 28 ms. A tracking code is one index lookup (1 ms): no weight.
var searchWeights = map[string]int{
	"Query.officials": 5_000,
	"Query.units":     5_000,
}

// maxWeight caps a field's weight so that one call fits in a request with room for the rest.
const maxWeight = 20_000

// complexityLimit refuses operations costing more than limit, with the calculator of gqlgen
// (every field, alias and fragment use counted) over weightedComplexity, and a bilingual error.
type complexityLimit struct {
	limit int
	es    graphql.ExecutableSchema
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = (*complexityLimit)(nil)

// costOf returns the complexity computed for the operation of ctx, 0 if none.
func costOf(oc *graphql.OperationContext) int {
	n, _ := oc.Stats.GetExtension("Cost").(int)
	return n
}

func (c *complexityLimit) ExtensionName() string { return "Cost" }

func (c *complexityLimit) Validate(es graphql.ExecutableSchema) error {
	c.es = es
	return nil
}

func (c *complexityLimit) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	n := complexity.Calculate(ctx, c.es, oc.Operation, oc.Variables)
	oc.Stats.SetExtension("Cost", n)
	if n > c.limit {
		e := apperr.Newf(apperr.BadUserInput,
			"Yêu cầu có độ phức tạp %d, vượt mức %d cho một yêu cầu; hãy bớt trường, bí danh hoặc thu nhỏ trang.",
			"The operation has complexity %d, more than the %d one request may have; ask for fewer fields, aliases or smaller pages.",
			n, c.limit)
		return &gqlerror.Error{Err: e, Message: e.EN, Extensions: map[string]any{"code": e.Code}}
	}
	return nil
}

// complexityBudget spends each operation's complexity from a budget per account (per client
// address without a token), refilled evenly over a minute: shared by every server process on
// PostgreSQL, in this process on SQLite (Deps.Limits).
type complexityBudget struct {
	lim ratelimit.Limit
	log *slog.Logger
}

func newComplexityBudget(limits ratelimit.Store, perMinute int, log *slog.Logger) *complexityBudget {
	return &complexityBudget{lim: limits.Limit("complexity_budget", time.Minute/time.Duration(perMinute), perMinute, time.Now), log: log}
}

// errBudgetUnchecked answers an operation whose budget could not be read (the database of the
// shared limits failed): nothing was done, and sending it again is safe.
var errBudgetUnchecked = func() *apperr.Error {
	e := apperr.New(apperr.Unavailable,
		"Không kiểm tra được hạn mức truy vấn nên yêu cầu chưa được thực hiện; vui lòng gửi lại.",
		"The query budget could not be checked, so the request was not carried out; please send it again.")
	e.Retryable = true
	return e
}()

func (b *complexityBudget) ExtensionName() string                   { return "ComplexityBudget" }
func (b *complexityBudget) Validate(graphql.ExecutableSchema) error { return nil }

func (b *complexityBudget) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if ratelimit.IsExempt(ctx) {
		return nil // a declared load test, outside production (loadTestExempt)
	}
	n := min(costOf(oc), b.lim.Burst())
	ok, wait, err := b.lim.AllowN(ctx, budgetKey(ctx), n)
	if err != nil {
		b.log.ErrorContext(ctx, "complexity budget", "error", err.Error())
		e := errBudgetUnchecked
		return &gqlerror.Error{Err: e, Message: e.EN, Extensions: map[string]any{"code": e.Code, "retryable": true}}
	}
	if !ok {
		e := apperr.Throttled(wait,
			"Tài khoản (hoặc địa chỉ) này đã dùng hết hạn mức truy vấn trong một phút; vui lòng thử lại sau %d giây.",
			"This account (or address) has used up its query budget for the minute; please try again in %d seconds.")
		return &gqlerror.Error{Err: e, Message: e.EN, Extensions: map[string]any{"code": e.Code, "retryAfter": e.RetryAfter}}
	}
	return nil
}

func budgetKey(ctx context.Context) string {
	if v := authz.FromContext(ctx); !v.Anonymous() {
		return "account:" + v.AccountID
	}
	return "address:" + ratelimit.AddressKey(authz.ClientIP(ctx))
}

func errTimeout(d time.Duration) *apperr.Error {
	if d < time.Second {
		return apperr.ErrTimeout
	}
	return apperr.Newf(apperr.Timeout,
		"Yêu cầu vượt quá %d giây cho phép nên đã bị dừng; hãy yêu cầu ít dữ liệu hơn hoặc thử lại sau.",
		"The request took longer than the %d seconds allowed and was stopped; ask for less or try again later.",
		int(d.Round(time.Second).Seconds()))
}

// withDeadline gives each operation that is not a subscription (over HTTP or a WebSocket) the
// request deadline: ent passes the context to the driver, which cancels the statement.
func withDeadline(timeout time.Duration) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		if op := graphql.GetOperationContext(ctx).Operation; op == nil || op.Operation == ast.Subscription {
			return next(ctx)
		}
		ctx, cancel := context.WithTimeout(ctx, timeout)
		h := next(ctx)
		first := true
		return func(ctx context.Context) *graphql.Response {
			defer cancel() // a query or mutation has one response
			resp := h(ctx)
			if !first {
				return resp
			}
			first = false
			if resp == nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
				// gqlgen gives no response at all once the context is done.
				t := errTimeout(timeout)
				return &graphql.Response{Errors: gqlerror.List{{Message: t.Message(ctx), Extensions: map[string]any{"code": t.Code}}}}
			}
			if resp != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
				// Errors made outside the error presenter (entgql's transaction opener) carry no
				// code: past the deadline, they are this timeout.
				for _, e := range resp.Errors {
					if _, ok := e.Extensions["code"]; !ok {
						t := errTimeout(timeout)
						e.Message, e.Extensions = t.Message(ctx), map[string]any{"code": t.Code}
					}
				}
			}
			return resp
		}
	}
}

// timeoutPresenter reports any error of a request past its deadline as TIMEOUT (whatever the
// driver made of the cancellation), and leaves the rest to next.
func timeoutPresenter(timeout time.Duration, next graphql.ErrorPresenterFunc) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		if e, coded := apperr.As(err); (!coded || e.Code == apperr.Internal) &&
			(errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded)) {
			var g *gqlerror.Error
			if errors.As(err, &g) && g.Err != nil {
				g.Err = errTimeout(timeout)
				return next(ctx, g)
			}
			return next(ctx, errTimeout(timeout))
		}
		return next(ctx, err)
	}
}

// requestDeadline gives an HTTP request (not a WebSocket upgrade, whose subscriptions live on)
// the deadline, so that the sign-in check and the rest of its work are cancelled too.
func requestDeadline(timeout time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
