package tracing

import (
	"context"
	stdsql "database/sql"
	"testing"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	_ "modernc.org/sqlite"

	"github.com/liemchinh/liemchinh/ent"
)

// TestDriverTracesEveryPath: ent's queries and its client's raw ExecContext and QueryContext (used
// by progress, record counts and others), in and out of a transaction, each go through the
// wrapped driver and make one span with the statement's text.
func TestDriverTracesEveryPath(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	tr := &Tracing{provider: tp, tracer: tp.Tracer("test")}
	db, err := stdsql.Open("sqlite", "file:tracing?mode=memory&_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	defer db.Close()
	client := ent.NewClient(ent.Driver(tr.Driver(entsql.OpenDB(dialect.SQLite, db))))
	ctx := context.Background()
	if _, err := client.ExecContext(ctx, "CREATE TABLE t (n integer)"); err != nil {
		t.Fatal(err)
	}
	rows, err := client.QueryContext(ctx, "SELECT count(*) FROM t")
	if err != nil {
		t.Fatal(err)
	}
	rows.Close()
	tx, err := client.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Client().ExecContext(ctx, "INSERT INTO t VALUES (?)", 42); err != nil {
		t.Fatal(err)
	}
	rows, err = tx.Client().QueryContext(ctx, "SELECT n FROM t")
	if err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Province.Query().Count(ctx); err == nil {
		t.Fatal("counting a table that does not exist succeeded")
	}
	want := []string{"CREATE TABLE t (n integer)", "SELECT count(*) FROM t", "INSERT INTO t VALUES (?)", "SELECT n FROM t", "SELECT COUNT(`provinces`.`id`) FROM `provinces`"}
	spans := rec.Ended()
	if len(spans) != len(want) {
		t.Fatalf("%d spans, want %d: %v", len(spans), len(want), spans)
	}
	for i, s := range spans {
		var text string
		for _, a := range s.Attributes() {
			if a.Key == "db.query.text" {
				text = a.Value.AsString()
			}
		}
		if text != want[i] {
			t.Errorf("span %d: %q, want %q", i, text, want[i])
		}
	}
	if spans[4].Status().Code.String() != "Error" {
		t.Errorf("the failed statement's span: %v", spans[4].Status())
	}
}
