// Package server builds the HTTP handler: the GraphQL endpoint (gqlgen, with its transports,
// caches and limits), GraphiQL, health and readiness probes, CORS, request ids and logging.
package server

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/99designs/gqlgen/graphql/playground"
	"github.com/coder/websocket"
	"github.com/rs/cors"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/liemchinh/liemchinh/graph"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/auth"
	"github.com/liemchinh/liemchinh/internal/casework"
	"github.com/liemchinh/liemchinh/internal/config"
	"github.com/liemchinh/liemchinh/internal/events"
	"github.com/liemchinh/liemchinh/internal/logging"
	"github.com/liemchinh/liemchinh/internal/metrics"
	"github.com/liemchinh/liemchinh/internal/notify"
	"github.com/liemchinh/liemchinh/internal/open311"
	"github.com/liemchinh/liemchinh/internal/orgchart"
	"github.com/liemchinh/liemchinh/internal/progress"
	"github.com/liemchinh/liemchinh/internal/ratelimit"
	"github.com/liemchinh/liemchinh/internal/recognition"
	"github.com/liemchinh/liemchinh/internal/review"
	"github.com/liemchinh/liemchinh/internal/roster"
	"github.com/liemchinh/liemchinh/internal/sealbox"
	"github.com/liemchinh/liemchinh/internal/selfreport"
	"github.com/liemchinh/liemchinh/internal/store"
)

// Deps are what the server needs.
type Deps struct {
	Config config.Config
	Logger *slog.Logger
	DB     *store.DB
	Auth   *auth.Service
	Box    *sealbox.Box
	Self   *selfreport.Service
	Cases  *casework.Service
	// Progress, Recognition and Reviews serve issue 6: figures, awards and inspections, reviews.
	Progress    *progress.Service
	Recognition *recognition.Service
	Reviews     *review.Service
	// Open311 publishes open data as GeoReport v2 and takes partner apps' submissions.
	Open311 *open311.Service
	// OrgChart changes units and officials; Roster imports rosters in the background.
	OrgChart *orgchart.Service
	Roster   *roster.Service
	// Notify holds devices, the inbox and the job queue notifications are pushed through.
	Notify *notify.Service
	// Closing, when set, ends every WebSocket connection once it is done (server shutdown).
	Closing context.Context
	// Metrics counts what the server does (served on METRICS_ADDR by the serve command).
	Metrics *metrics.Metrics
	// Limits keeps the limits per address and account: shared by every process on PostgreSQL,
	// in this process on SQLite.
	Limits ratelimit.Store
	// Draining, when set and done, makes /readyz answer 503 while requests are still served:
	// shutdown has begun, and load balancers should send new requests elsewhere.
	Draining context.Context
	broker   events.Broker
	closers  []func() // what Close undoes besides the broker (the caches' watches)
	// reference caches public reference answers (reference_cache.go); nil: off.
	reference *referenceCache
}

// New returns the whole HTTP handler of the product.
func New(d Deps) http.Handler {
	mux := http.NewServeMux()
	gql := newGraphQL(d)
	lim := d.Config.Limits
	mux.Handle("/query", limitBody(lim.MaxBodyBytes, requestDeadline(lim.RequestTimeout,
		d.Auth.Middleware(d.Config.TrustProxy, loadTestExempt(d.Config, closeOnShutdown(d.Closing, gql))))))
	mux.Handle("PUT /uploads/{token}", allowLongTransfer(d.Auth.Middleware(d.Config.TrustProxy, uploadHandler(d))))
	mux.Handle("GET /evidence/{id}", allowLongTransfer(d.Auth.Middleware(d.Config.TrustProxy, evidenceHandler(d))))
	mux.Handle("GET /exports/{token}", requestDeadline(lim.RequestTimeout, lagTolerantGET(d.Reviews.Download(d.Logger))))                                     // the token is the credential
	mux.Handle("GET /activation-sheets/{token}", requestDeadline(lim.RequestTimeout, d.Auth.Middleware(d.Config.TrustProxy, d.Auth.SheetDownload(d.Logger)))) // the token is the credential
	mux.HandleFunc("GET /roster/template.csv", rosterTemplate(roster.CSV))
	mux.HandleFunc("GET /roster/template.xlsx", rosterTemplate(roster.XLSX))
	if d.Open311 != nil {
		mux.Handle(open311.Prefix, requestDeadline(lim.RequestTimeout, d.Auth.Middleware(d.Config.TrustProxy, loadTestExempt(d.Config, lagTolerantGET(d.Open311.Handler())))))
		mux.Handle("GET "+open311.FiguresPrefix, requestDeadline(lim.RequestTimeout, d.Auth.Middleware(d.Config.TrustProxy, loadTestExempt(d.Config, lagTolerantGET(d.Open311.FiguresHandler())))))
	}
	if d.Cases.Receipts != nil {
		mux.Handle("GET /.well-known/jwks.json", jwksHandler(d.Cases.Receipts))
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if d.Draining != nil && d.Draining.Err() != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("shutting down\n"))
			return
		}
		if err := d.DB.Ping(ctx); err != nil {
			d.Logger.WarnContext(ctx, "not ready", "error", err.Error())
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("database unreachable\n"))
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	if !d.Config.Production() {
		mux.Handle("GET /{$}", playground.Handler("Liêm Chính GraphQL", "/query"))
	}
	c := cors.New(cors.Options{
		AllowedOrigins:   d.Config.CORSOrigins,
		AllowedMethods:   []string{http.MethodGet, http.MethodPost, http.MethodOptions},
		AllowedHeaders:   []string{"Authorization", "Content-Type", "Accept-Language", "X-Request-Id"},
		AllowCredentials: false,
		MaxAge:           600,
	})
	return requestContext(d.Logger, d.Metrics, c.Handler(mux))
}

// loadTestExempt lets the requests that carry LOAD_TEST_KEY in X-Load-Test-Key skip the
// per-address limits (`liemchinh load --url` sends it): never in production, which refuses to
// start with the key and is checked again here.
func loadTestExempt(cfg config.Config, next http.Handler) http.Handler {
	if cfg.LoadTestKey == "" || cfg.Production() {
		return next
	}
	key := []byte(cfg.LoadTestKey)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := r.Header.Get(config.LoadTestHeader); h != "" && subtle.ConstantTimeCompare([]byte(h), key) == 1 {
			r = r.WithContext(ratelimit.Exempt(r.Context()))
		}
		next.ServeHTTP(w, r)
	})
}

func newGraphQL(d Deps) http.Handler {
	log := d.Logger
	es := pagedComplexity{graph.NewSchema(graph.Deps{Client: d.DB.Client, Auth: d.Auth, Box: d.Box, Self: d.Self, Cases: d.Cases,
		Progress: d.Progress, Recognition: d.Recognition, Reviews: d.Reviews, Open311: d.Open311,
		OrgChart: d.OrgChart, Roster: d.Roster, Notify: d.Notify})}
	srv := handler.New(es)
	srv.AddTransport(limitWebsocket(transport.Websocket{
		InitFunc:              d.Auth.WebsocketInit,
		KeepAlivePingInterval: 15 * time.Second,
		PingPongInterval:      15 * time.Second,
		Implementation: restartOnShutdown{transport.CoderWebsocketImplementation{AcceptOptions: websocket.AcceptOptions{
			OriginPatterns: originPatterns(d.Config.CORSOrigins),
		}}, d.Closing},
	}, d.Metrics))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(httpTransport{present: timeoutPresenter(d.Config.Limits.RequestTimeout, errorPresenter(log)),
		reference: d.reference, metrics: d.Metrics, admit: newAdmission(d.Config.MaxOperations, d.Config.Limits.RequestTimeout)})
	srv.SetQueryCache(smallQueries[*ast.QueryDocument]{lru.New[*ast.QueryDocument](1000)})
	srv.SetValidationRulesFn(inputRules(validationRules(d.Config.DepthLimit), d.Config.Production()))
	srv.SetErrorPresenter(timeoutPresenter(d.Config.Limits.RequestTimeout, errorPresenter(log)))
	srv.SetRecoverFunc(recoverFunc(log))
	if d.Config.Production() {
		srv.SetDisableSuggestion(true)
	} else {
		srv.Use(extension.Introspection{})
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: smallQueries[string]{lru.New[string](1000)}})
	srv.Use(pageSizeVariables{})
	useLimits(srv, d)
	srv.Use(scalarVariables{schema: es.Schema()})
	srv.Use(transactioner{Transactioner: entgql.Transactioner{TxOpener: d.DB.Client}, log: log})
	srv.AroundRootFields(routeReads)
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		oc := graphql.GetOperationContext(ctx)
		ctx = logging.With(ctx, slog.String("operation", oc.OperationName))
		start := time.Now()
		h := next(ctx)
		return func(ctx context.Context) *graphql.Response {
			resp := h(ctx)
			if resp != nil && oc.Operation != nil && oc.Operation.Operation != ast.Subscription {
				took := time.Since(start)
				log.InfoContext(ctx, "graphql", "errors", len(resp.Errors), "duration_ms", took.Milliseconds())
				d.Metrics.Operation(operationName(oc), string(oc.Operation.Operation), outcome(resp), took.Seconds())
				if n := costOf(oc); n > 0 {
					d.Metrics.Complexity(n)
				}
			}
			return resp
		}
	})
	return srv
}

// originPatterns turns allowed origins into the host patterns the WebSocket handshake checks.
func originPatterns(origins []string) []string {
	out := make([]string, 0, len(origins))
	for _, o := range origins {
		if u, ok := cutScheme(o); ok {
			out = append(out, u)
		} else {
			out = append(out, o)
		}
	}
	return out
}

func cutScheme(origin string) (string, bool) {
	for _, p := range []string{"https://", "http://"} {
		if len(origin) > len(p) && origin[:len(p)] == p {
			return origin[len(p):], true
		}
	}
	return "", false
}

// requestContext gives each request an id (kept from X-Request-Id when sane), the reader's
// language, and a logger context; it logs the request once it is done.
// operationName is the name of the operation run: the request's operationName, or the name the
// document gives its one operation.
func operationName(oc *graphql.OperationContext) string {
	if oc.OperationName == "" && oc.Operation != nil {
		return oc.Operation.Name
	}
	return oc.OperationName
}

// outcome is "ok" for an answer without errors, else its first error's code.
func outcome(resp *graphql.Response) string {
	if len(resp.Errors) == 0 {
		return "ok"
	}
	if code, ok := resp.Errors[0].Extensions["code"].(string); ok && code != "" {
		return code
	}
	return "ERROR"
}

// Route names a request's endpoint for metrics and traces: a fixed set, never the path's tokens or
// ids ("other" for any other path).
func Route(path string) string {
	for _, r := range []string{"/query", "/uploads/", "/evidence/", "/exports/", "/activation-sheets/", "/open311/", "/open-data/", "/.well-known/", "/healthz", "/readyz"} {
		if path == r || (strings.HasSuffix(r, "/") && strings.HasPrefix(path, r)) {
			return strings.TrimSuffix(r, "/")
		}
	}
	return "other"
}

func requestContext(log *slog.Logger, m *metrics.Metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if len(id) == 0 || len(id) > 64 {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		ctx := logging.With(r.Context(), slog.String("request_id", id))
		ctx = apperr.WithLang(ctx, apperr.LangFromHeader(r.Header.Get("Accept-Language")))
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		start := time.Now()
		next.ServeHTTP(sw, r.WithContext(ctx))
		m.HTTP(Route(r.URL.Path), sw.status)
		if r.URL.Path != "/healthz" && r.URL.Path != "/readyz" {
			log.DebugContext(ctx, "http", "method", r.Method, "path", r.URL.Path, "status", sw.status,
				"duration_ms", time.Since(start).Milliseconds())
		}
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController (and the WebSocket upgrade) reach the real writer.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// uploadHandler receives the bytes of a staged evidence upload at its one-time path.
func uploadHandler(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		up, err := d.Cases.Uploads.Receive(r.Context(), r.PathValue("token"), r.Body)
		w.Header().Set("Content-Type", "application/json")
		if err != nil {
			writeFileError(w, r, d.Logger, "upload", err, http.StatusBadRequest)
			return
		}
		// contentType and sanitized tell the client what is kept: a HEIC photo became a JPEG; a file
		// not sanitized keeps its location and is shown only to whoever may know the reporter.
		out := map[string]any{"size": up.StoredSize, "status": up.Status, "contentType": up.ContentType, "sanitized": up.Sanitized}
		if !casework.AnonymousUpload(up) { // an anonymous upload's id alone would not attach it
			out["uploadId"] = up.ID
		}
		_ = json.NewEncoder(w).Encode(out)
	})
}

// evidenceHandler serves an evidence file to staff allowed to see its case (bearer token) or to
// the citizen presenting the case's tracking code and secret (X-Tracking-Code, X-Tracking-Secret).
// An administrator opening a file that was not sanitized gives a reason in X-Access-Reason (UTF-8,
// percent-encoded or not).
func evidenceHandler(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		e, body, err := d.Cases.OpenEvidence(ctx, r.PathValue("id"), r.Header.Get("X-Tracking-Code"),
			r.Header.Get("X-Tracking-Secret"), accessReason(r))
		if err != nil {
			w.Header().Set("Content-Type", "application/json")
			writeFileError(w, r, d.Logger, "evidence", err, http.StatusNotFound)
			return
		}
		defer body.Close()
		w.Header().Set("Content-Type", e.ContentType)
		w.Header().Set("Cache-Control", "private, no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Disposition", "attachment")
		// Range and If-Range (a resumed download); the zero time sends no Last-Modified.
		http.ServeContent(w, r, "", time.Time{}, body)
	})
}

// writeFileError answers a failed upload or download with its code's status (fallback for the
// others) and {"error": {code, message, field}}; an uncoded error is logged and answered
// INTERNAL_SERVER_ERROR, never with its text.
func writeFileError(w http.ResponseWriter, r *http.Request, log *slog.Logger, what string, err error, fallback int) {
	e, ok := apperr.As(err)
	switch {
	case ok:
	case errors.Is(err, context.DeadlineExceeded): // e.g. a conversion waiting for its turn
		log.WarnContext(r.Context(), what+": past the request's deadline", "error", err.Error())
		e = apperr.ErrTimeout
	default:
		log.ErrorContext(r.Context(), what, "error", err.Error())
		e = errInternal
	}
	w.WriteHeader(apperr.HTTPStatus(e.Code, fallback))
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": e.Code, "message": e.Message(r.Context()), "field": e.Field}})
}

// accessReason reads X-Access-Reason, percent-decoding it: browsers send only Latin-1 in a header,
// so a Vietnamese reason comes as encodeURIComponent's output. A value that does not decode is
// taken as it is.
func accessReason(r *http.Request) string {
	v := r.Header.Get("X-Access-Reason")
	if u, err := url.PathUnescape(v); err == nil {
		return u
	}
	return v
}

// closeOnShutdown ties WebSocket upgrades to closing: when it is done, their context ends and
// gqlgen closes the socket.
func closeOnShutdown(closing context.Context, next http.Handler) http.Handler {
	if closing == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		stop := context.AfterFunc(closing, cancel)
		defer stop()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// rosterTemplate serves the roster import's template (README: Roster import), CSV or XLSX.
func rosterTemplate(f roster.Format) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if f == roster.CSV {
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			w.Header().Set("Content-Disposition", `attachment; filename="danh-sach-can-bo.csv"`)
			_, _ = w.Write(roster.TemplateCSV())
			return
		}
		b, err := roster.TemplateXLSX()
		if err != nil {
			http.Error(w, "template", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", `attachment; filename="danh-sach-can-bo.xlsx"`)
		_, _ = w.Write(b)
	}
}
