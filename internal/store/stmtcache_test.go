package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"

	"entgo.io/ent/dialect"

	"github.com/liemchinh/liemchinh/internal/store"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// TestStatementCache: on PostgreSQL a connection prepares a statement with arguments once and
// then reuses it; it keeps at most the number set (SetStatementsPerConn), closing the least recently used;
// a statement whose table changed shape is prepared again (outside a transaction at once, inside
// one after the transaction the error ended), and one the session lost; a statement of many
// arguments is not kept; a statement sent while a result is open is refused without breaking the
// connection; with a limit of 0 nothing is kept prepared.
func TestStatementCache(t *testing.T) {
	const maxArgs = 64 // store's maxCachedArgs
	if os.Getenv(testutil.EnvPostgres) == "" {
		t.Skipf("the statement cache is PostgreSQL's: set %s to run this test", testutil.EnvPostgres)
	}
	db := testutil.Open(t, dialect.Postgres)
	ctx := context.Background()
	defer store.SetStatementsPerConn(store.DefaultStatementsPerConn)
	store.SetStatementsPerConn(3)
	conn := oneConn(t, db.URL)
	prepared := func() int {
		t.Helper()
		var n int
		if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM pg_prepared_statements").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for i := range 10 {
		var got int
		if err := conn.QueryRowContext(ctx, "SELECT $1::int + 1", i).Scan(&got); err != nil || got != i+1 {
			t.Fatalf("run %d: %d, %v", i, got, err)
		}
	}
	if n := prepared(); n != 1 {
		t.Fatalf("one text run 10 times: %d statements prepared, want 1", n)
	}
	for i := range 5 {
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("SELECT $1::int + %d", i), i); err != nil {
			t.Fatal(err)
		}
	}
	if n := prepared(); n != 3 {
		t.Fatalf("6 texts with a limit of 3: %d statements prepared", n)
	}

	if _, err := conn.ExecContext(ctx, "CREATE TABLE shape (a int)"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "INSERT INTO shape VALUES ($1)", 7); err != nil {
		t.Fatal(err)
	}
	columns := func(q interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	}) (int, error) {
		rows, err := q.QueryContext(ctx, "SELECT * FROM shape WHERE a = $1", 7)
		if err != nil {
			return 0, err
		}
		defer rows.Close()
		cols, err := rows.Columns()
		return len(cols), err
	}
	if n, err := columns(conn); n != 1 || err != nil {
		t.Fatalf("before: %d columns, %v", n, err)
	}
	if _, err := conn.ExecContext(ctx, "ALTER TABLE shape ADD COLUMN b int"); err != nil {
		t.Fatal(err)
	}
	if n, err := columns(conn); n != 2 || err != nil {
		t.Fatalf("after a column was added, outside a transaction: %d columns, %v", n, err)
	}
	if _, err := conn.ExecContext(ctx, "ALTER TABLE shape ADD COLUMN c int"); err != nil {
		t.Fatal(err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := columns(tx); err == nil {
		t.Fatal("in a transaction the changed table's statement ran without an error")
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if n, err := columns(conn); n != 3 || err != nil {
		t.Fatalf("after the transaction: %d columns, %v", n, err)
	}

	// A session that lost its statements (a pooler's DISCARD ALL) prepares them again.
	if _, err := conn.ExecContext(ctx, "DEALLOCATE ALL"); err != nil {
		t.Fatal(err)
	}
	if n, err := columns(conn); n != 3 || err != nil {
		t.Fatalf("after DEALLOCATE ALL: %d columns, %v", n, err)
	}

	// Statements with many arguments are not kept.
	before := prepared()
	many, marks := make([]any, maxArgs+1), make([]string, maxArgs+1)
	for i := range many {
		many[i], marks[i] = i, fmt.Sprintf("$%d::int", i+1)
	}
	var sum int
	if err := conn.QueryRowContext(ctx, "SELECT "+strings.Join(marks, " + "), many...).Scan(&sum); err != nil || sum != maxArgs*(maxArgs+1)/2 {
		t.Fatalf("%d arguments: %d, %v", len(many), sum, err)
	}
	if n := prepared(); n != before {
		t.Fatalf("a statement of %d arguments was kept prepared (%d, then %d)", len(many), before, n)
	}

	// While a result is open in a transaction, another statement is refused by lib/pq as before
	// (a prepared statement's messages would be sent into the open result), and the transaction
	// goes on once the result is closed.
	tx, err = conn.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	open, err := tx.QueryContext(ctx, "SELECT generate_series(1, $1::int)", 3)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "SELECT $1::int * 7", 6); err == nil {
		t.Fatal("a statement ran while a result was open")
	}
	if err := open.Close(); err != nil {
		t.Fatal(err)
	}
	var got int
	if err := tx.QueryRowContext(ctx, "SELECT $1::int * 7", 6).Scan(&got); err != nil || got != 42 {
		t.Fatalf("after the result was closed: %d, %v", got, err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}

	// DB_STATEMENT_CACHE=0: nothing is kept prepared.
	store.SetStatementsPerConn(0)
	offConn := oneConn(t, db.URL)
	var n int
	for range 3 {
		if err := offConn.QueryRowContext(ctx, "SELECT count(*) FROM pg_prepared_statements WHERE $1::int = 1", 1).Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
	if n != 0 {
		t.Fatalf("with no cache: %d statements prepared", n)
	}
}

// oneConn opens a pool of its own on url (its connections made with the statement limit of the
// moment) and returns one connection of it, both closed when the test ends.
func oneConn(t *testing.T, url string) *sql.Conn {
	t.Helper()
	pool, err := store.OpenPostgres(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pool.Close() })
	conn, err := pool.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}
