package server

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/metrics"
)

// WebSocket limits.
const (
	MaxWebsocketMessage              = 64 << 10 // bytes of one client message; a larger one closes the socket (1009)
	MaxSubscriptionsPerSocket        = 20
	WebsocketInitTimeout             = 10 * time.Second // to send connection_init after the upgrade
	MaxCachedQueryBytes              = 64 << 10         // longer query texts are parsed each time, not cached
	longTransfer                     = 10 * time.Minute // evidence uploads and downloads, past HTTP_READ/WRITE_TIMEOUT
	subscriptionsKey          ctxKey = "subscriptions"
)

type ctxKey string

// useLimits installs the limits of every operation on srv: bounded arguments, complexity (with
// the weights of fieldWeights), the budget per account and minute, the deadline, and what the
// parser reads.
func useLimits(srv *handler.Server, d Deps) {
	srv.SetParserTokenLimit(MaxQueryTokens)
	srv.Use(inputBounds{})
	srv.Use(&complexityLimit{limit: d.Config.ComplexityLimit})
	if n := d.Config.Limits.ComplexityBudget; n > 0 {
		srv.Use(newComplexityBudget(d.Limits, n, d.Logger))
	}
	srv.AroundOperations(withDeadline(d.Config.Limits.RequestTimeout))
	srv.AroundOperations(limitSubscriptions(d.Metrics))
}

// limitWebsocket bounds a WebSocket transport: message size, time to connection_init, and
// subscriptions running at once on one connection (counted in the connection's context).
func limitWebsocket(t transport.Websocket, m *metrics.Metrics) transport.Websocket {
	limit := int64(MaxWebsocketMessage)
	t.PayloadReadLimit = &limit
	t.InitTimeout = WebsocketInitTimeout
	init := t.InitFunc
	t.InitFunc = func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		ctx = context.WithValue(ctx, subscriptionsKey, new(atomic.Int32))
		m.WebSocket(1)
		context.AfterFunc(ctx, func() { m.WebSocket(-1) })
		if init == nil {
			return ctx, nil, nil
		}
		return init(ctx, p)
	}
	return t
}

// limitSubscriptions refuses a subscription beyond MaxSubscriptionsPerSocket on its connection;
// one that ends (complete, or its context cancelled) frees its place. The place is freed when its
// stream ends, before the transport sends "complete", so that a client that waited for it may
// subscribe again at once; the context's end frees it too, for a subscription whose stream is
// never read again.
func limitSubscriptions(m *metrics.Metrics) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		return limitSubscription(ctx, next, m)
	}
}

func limitSubscription(ctx context.Context, next graphql.OperationHandler, m *metrics.Metrics) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	count, ok := ctx.Value(subscriptionsKey).(*atomic.Int32)
	if !ok || oc.Operation == nil || oc.Operation.Operation != ast.Subscription {
		return next(ctx)
	}
	if count.Add(1) > MaxSubscriptionsPerSocket {
		count.Add(-1)
		e := apperr.Newf(apperr.RateLimited,
			"Mỗi kết nối chỉ được mở tối đa %d đăng ký cùng lúc; hãy huỷ bớt.",
			"A connection may run at most %d subscriptions at once; complete some first.", MaxSubscriptionsPerSocket)
		m.Operation(operationName(oc), "subscription", e.Code, -1)
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{
			Message: e.Message(ctx), Extensions: map[string]any{"code": e.Code},
		}}})
	}
	m.Subscription(1)
	var once sync.Once
	release := func() { once.Do(func() { count.Add(-1); m.Subscription(-1) }) }
	context.AfterFunc(ctx, release)
	responses := next(ctx)
	return func(ctx context.Context) *graphql.Response {
		r := responses(ctx)
		if r == nil {
			release()
		}
		return r
	}
}

// smallQueries keeps only query texts up to MaxCachedQueryBytes in a cache that counts entries,
// so that a thousand large queries cannot hold a thousand large documents.
type smallQueries[T any] struct{ graphql.Cache[T] }

func (c smallQueries[T]) Add(ctx context.Context, key string, value T) {
	if len(key) <= MaxCachedQueryBytes {
		c.Cache.Add(ctx, key, value)
	}
}

func errBodyTooLarge(max int64) *apperr.Error {
	return apperr.Newf(apperr.BadUserInput,
		"Nội dung yêu cầu lớn hơn %d byte cho phép.", "The request body is larger than the %d bytes allowed.", max)
}

// limitBody answers 413 with a coded JSON error when a request body is larger than max: at once
// from Content-Length, else when the transport's read passes max bytes (http.MaxBytesReader then
// has the connection closed after the answer, so the rest is never read).
func limitBody(max int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody || r.Method == http.MethodGet || r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > max {
			w.Header().Set("Connection", "close")
			writeCoded(w, r, http.StatusRequestEntityTooLarge, errBodyTooLarge(max))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, max)
		next.ServeHTTP(w, r)
	})
}

// writeCoded answers a GraphQL-shaped error outside GraphQL.
func writeCoded(w http.ResponseWriter, r *http.Request, status int, e *apperr.Error) {
	w.Header().Set("Content-Type", "application/json")
	writeError(r.Context(), w, status, e)
}

// allowLongTransfer lets evidence uploads and downloads run past HTTP_READ_TIMEOUT and
// HTTP_WRITE_TIMEOUT, which bound everything else.
func allowLongTransfer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Now().Add(longTransfer))
		_ = rc.SetWriteDeadline(time.Now().Add(longTransfer))
		next.ServeHTTP(w, r)
	})
}

// WebsocketCloseServiceRestart is the close code (RFC 6455 registry: Service Restart) a WebSocket
// gets when the server shuts down: the app reconnects, to another process or to this one once it
// is back. gqlgen itself closes with 1000 "terminated", which says the conversation is over.
const WebsocketCloseServiceRestart = 1012

// restartOnShutdown makes a WebSocket implementation close with WebsocketCloseServiceRestart
// instead of gqlgen's normal closure once closing is done.
type restartOnShutdown struct {
	transport.WebsocketImplementation
	closing context.Context
}

func (r restartOnShutdown) Accept(w http.ResponseWriter, req *http.Request, o transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	c, err := r.WebsocketImplementation.Accept(w, req, o)
	if err != nil || r.closing == nil {
		return c, err
	}
	return restartConn{WebsocketConn: c, closing: r.closing}, nil
}

// restartConn forwards everything to the connection, the optional read limit and deadline
// included, and changes the close code of a shutdown.
type restartConn struct {
	transport.WebsocketConn
	closing context.Context
}

func (c restartConn) WriteClose(code int, message string) error {
	if code == transport.WebsocketCloseNormalClosure && c.closing.Err() != nil {
		code, message = WebsocketCloseServiceRestart, "server restarting; reconnect"
	}
	return c.WebsocketConn.WriteClose(code, message)
}

func (c restartConn) SetReadLimit(limit int64) {
	if l, ok := c.WebsocketConn.(transport.WebsocketReadLimiter); ok {
		l.SetReadLimit(limit)
	}
}

func (c restartConn) SetReadDeadline(t time.Time) error {
	if d, ok := c.WebsocketConn.(transport.WebsocketReadDeadliner); ok {
		return d.SetReadDeadline(t)
	}
	return nil
}
