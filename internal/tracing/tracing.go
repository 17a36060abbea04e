// Package tracing sends OpenTelemetry traces to an OTLP collector when OTEL_EXPORTER_OTLP_ENDPOINT
// (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set: a span per HTTP request, continuing the caller's
// W3C trace context (traceparent), and a span per SQL statement under it. The exporter is
// go.opentelemetry.io/otel's OTLP over HTTP, configured by the standard OTEL_* variables (headers,
// timeout, compression, TLS); without an endpoint nothing is wrapped and nothing is sent. Log lines
// written with a request's context carry its trace id (internal/logging).
package tracing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"

	"entgo.io/ent/dialect"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// Tracing is a process's tracer, or nothing (a nil *Tracing wraps nothing).
type Tracing struct {
	provider *sdktrace.TracerProvider
	tracer   trace.Tracer
}

// Start sets up the exporter and the W3C trace context propagator when enabled (an OTLP endpoint
// is configured: config.Config.Tracing); nil otherwise. The exporter reads its own
// OTEL_EXPORTER_OTLP_* variables from the process environment.
func Start(ctx context.Context, enabled bool, version string) (*Tracing, error) {
	if !enabled {
		return nil, nil
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("tracing: OTLP exporter: %w", err)
	}
	res, err := resource.Merge(resource.Default(), resource.NewWithAttributes(semconv.SchemaURL,
		semconv.ServiceName("liemchinh"), semconv.ServiceVersion(version)))
	if err != nil {
		return nil, fmt.Errorf("tracing: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	return &Tracing{provider: tp, tracer: tp.Tracer("github.com/liemchinh/liemchinh")}, nil
}

// Shutdown sends the spans still buffered and stops the exporter.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	return t.provider.Shutdown(ctx)
}

// Handler puts a span around every request, continuing the caller's trace context, named by
// route (the server's fixed names of its endpoints, never the path's variable parts).
func (t *Tracing) Handler(h http.Handler, route func(path string) string) http.Handler {
	if t == nil {
		return h
	}
	return otelhttp.NewHandler(h, "http", otelhttp.WithTracerProvider(t.provider),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method + " " + route(r.URL.Path) }))
}

// Driver wraps an ent driver so that every statement is a span: the statement's text (never its
// arguments, which may hold personal data) and, on failure, its error.
func (t *Tracing) Driver(d dialect.Driver) dialect.Driver {
	if t == nil {
		return d
	}
	return &driver{Driver: d, t: t}
}

type driver struct {
	dialect.Driver
	t *Tracing
}

func (d *driver) Exec(ctx context.Context, query string, args, v any) error {
	return d.t.statement(ctx, d.Dialect(), "exec", query, func(ctx context.Context) error { return d.Driver.Exec(ctx, query, args, v) })
}

func (d *driver) Query(ctx context.Context, query string, args, v any) error {
	return d.t.statement(ctx, d.Dialect(), "query", query, func(ctx context.Context) error { return d.Driver.Query(ctx, query, args, v) })
}

func (d *driver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return &txDriver{Tx: tx, t: d.t, dialect: d.Dialect()}, nil
}

type txDriver struct {
	dialect.Tx
	t       *Tracing
	dialect string
}

func (d *txDriver) Exec(ctx context.Context, query string, args, v any) error {
	return d.t.statement(ctx, d.dialect, "exec", query, func(ctx context.Context) error { return d.Tx.Exec(ctx, query, args, v) })
}

func (d *txDriver) Query(ctx context.Context, query string, args, v any) error {
	return d.t.statement(ctx, d.dialect, "query", query, func(ctx context.Context) error { return d.Tx.Query(ctx, query, args, v) })
}

// ExecContext and QueryContext are database/sql's, which ent's client offers (ExecContext,
// QueryContext) when its driver has them: traced the same way.
func (d *driver) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return execContext(ctx, d.t, d.Driver, d.Dialect(), query, args)
}

func (d *driver) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return queryContext(ctx, d.t, d.Driver, d.Dialect(), query, args)
}

func (d *txDriver) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return execContext(ctx, d.t, d.Tx, d.dialect, query, args)
}

func (d *txDriver) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return queryContext(ctx, d.t, d.Tx, d.dialect, query, args)
}

type execerContext interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

type querierContext interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func execContext(ctx context.Context, t *Tracing, under any, dia, query string, args []any) (sql.Result, error) {
	ex, ok := under.(execerContext)
	if !ok {
		return nil, errors.New("tracing: the driver has no ExecContext")
	}
	var res sql.Result
	err := t.statement(ctx, dia, "exec", query, func(ctx context.Context) (err error) {
		res, err = ex.ExecContext(ctx, query, args...)
		return err
	})
	return res, err
}

func queryContext(ctx context.Context, t *Tracing, under any, dia, query string, args []any) (*sql.Rows, error) {
	q, ok := under.(querierContext)
	if !ok {
		return nil, errors.New("tracing: the driver has no QueryContext")
	}
	var rows *sql.Rows
	err := t.statement(ctx, dia, "query", query, func(ctx context.Context) (err error) {
		rows, err = q.QueryContext(ctx, query, args...)
		return err
	})
	return rows, err
}

// statement runs one statement under its span.
func (t *Tracing) statement(ctx context.Context, dia, op, query string, run func(context.Context) error) error {
	system := "sqlite"
	if dia == dialect.Postgres {
		system = "postgresql"
	}
	ctx, span := t.tracer.Start(ctx, "sql "+op, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("db.system.name", system), attribute.String("db.query.text", query)))
	defer span.End()
	err := run(ctx)
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, "statement failed")
	}
	return err
}
