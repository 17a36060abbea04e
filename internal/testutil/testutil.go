// Package testutil gives tests real databases: a fresh SQLite file always, and a fresh PostgreSQL
// database when LIEMCHINH_TEST_DATABASE_URL names a server, both migrated with the committed
// migrations, with a driver that counts SQL statements.
package testutil

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"entgo.io/ent/dialect"
	_ "github.com/lib/pq"

	"github.com/liemchinh/liemchinh/internal/store"
)

// EnvPostgres names the PostgreSQL server tests use (a URL to any database on it; tests create
// and drop their own databases next to it).
const EnvPostgres = "LIEMCHINH_TEST_DATABASE_URL"

// Dialects returns the databases to run a test against: SQLite always, PostgreSQL when configured.
func Dialects() []string {
	if os.Getenv(EnvPostgres) != "" {
		return []string{dialect.SQLite, dialect.Postgres}
	}
	return []string{dialect.SQLite}
}

// ForEachDialect runs f as a subtest per database.
func ForEachDialect(t *testing.T, f func(t *testing.T, dia string)) {
	t.Helper()
	for _, dia := range Dialects() {
		t.Run(dia, func(t *testing.T) { f(t, dia) })
	}
}

// DB is a migrated test database with a statement counter.
type DB struct {
	*store.DB
	URL     string
	Counter *Counter
}

// Open returns a fresh, migrated database of the given dialect, removed when the test ends.
func Open(tb testing.TB, dia string) *DB {
	tb.Helper()
	ctx := context.Background()
	var u string
	switch dia {
	case dialect.SQLite:
		u = "sqlite:" + filepath.Join(tb.TempDir(), "test.db")
	case dialect.Postgres:
		u = freshPostgres(tb)
	default:
		tb.Fatalf("unknown dialect %q", dia)
	}
	counter := &Counter{}
	db, err := store.Open(ctx, u, counter.Wrap)
	if err != nil {
		tb.Fatalf("open %s: %v", dia, err)
	}
	tb.Cleanup(func() { db.Close() })
	if dia == dialect.SQLite {
		if err := db.Migrate(ctx, nil); err != nil {
			tb.Fatalf("migrate: %v", err)
		}
	}
	counter.Reset()
	return &DB{DB: db, URL: u, Counter: counter}
}

// Reopen opens db's database again, with its own pool, client and statement counter: what another
// server process sharing the database sees (PostgreSQL; on SQLite a second handle of the file).
func Reopen(tb testing.TB, db *DB) *DB {
	tb.Helper()
	counter := &Counter{}
	other, err := store.Open(context.Background(), db.URL, counter.Wrap)
	if err != nil {
		tb.Fatalf("reopen: %v", err)
	}
	tb.Cleanup(func() { other.Close() })
	return &DB{DB: other, URL: db.URL, Counter: counter}
}

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// freshPostgres creates a database from a migrated template (made once per test process), so
// each test starts from the committed migrations without replaying them.
func freshPostgres(tb testing.TB) string {
	tb.Helper()
	base, admin := postgresAdmin(tb)
	defer admin.Close()
	ctx := context.Background()
	templateOnce.Do(func() {
		templateName = "lc_tpl_" + randomSuffix()
		if _, templateErr = admin.ExecContext(ctx, "CREATE DATABASE "+templateName); templateErr != nil {
			return
		}
		db, err := store.Open(ctx, withDatabase(base, templateName), nil)
		if err != nil {
			templateErr = err
			return
		}
		templateErr = db.Migrate(ctx, nil)
		db.Close()
	})
	if templateErr != nil {
		tb.Fatalf("postgres template: %v", templateErr)
	}
	return createPostgres(tb, base, admin, "TEMPLATE "+templateName)
}

// EmptyPostgres creates a PostgreSQL database with nothing in it, not even the migrations (tests
// of migrating itself), dropped after the test; it skips the test without EnvPostgres.
func EmptyPostgres(tb testing.TB) string {
	tb.Helper()
	base, admin := postgresAdmin(tb)
	defer admin.Close()
	return createPostgres(tb, base, admin, "")
}

// postgresAdmin returns the server's URL (EnvPostgres) and a connection to it for creating
// databases; it skips the test without EnvPostgres.
func postgresAdmin(tb testing.TB) (string, *sql.DB) {
	tb.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		tb.Skipf("%s is not set", EnvPostgres)
	}
	admin, err := sql.Open("postgres", base)
	if err != nil {
		tb.Fatal(err)
	}
	return base, admin
}

// createPostgres creates a database (from what the options say) dropped after the test.
func createPostgres(tb testing.TB, base string, admin *sql.DB, options string) string {
	tb.Helper()
	name := "lc_test_" + randomSuffix()
	if _, err := admin.ExecContext(context.Background(), strings.TrimSpace("CREATE DATABASE "+name+" "+options)); err != nil {
		tb.Fatalf("create database: %v", err)
	}
	tb.Cleanup(func() {
		admin, err := sql.Open("postgres", base)
		if err != nil {
			return
		}
		defer admin.Close()
		_, _ = admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return withDatabase(base, name)
}

// Main runs a package's tests; call it from TestMain in every package using Open. It drops the
// PostgreSQL template afterwards and, without EnvPostgres, says that the PostgreSQL half did not run.
func Main(m *testing.M) {
	code := m.Run()
	DropTemplate()
	if os.Getenv(EnvPostgres) == "" {
		sayPostgresSkipped()
	}
	os.Exit(code)
}

// sayPostgresSkipped prints the notice. `go test ./...` shows a passing package's output only
// with -v, so the notice also goes to the go command's own stderr when it is our parent (Linux).
// The path opened names the parent's pid, so go's test cache never replays such a run silently.
func sayPostgresSkipped() {
	pkg, _ := os.Getwd()
	line := fmt.Sprintf("%s: PostgreSQL tests did NOT run (SQLite only): set %s to run them\n", filepath.Base(pkg), EnvPostgres)
	fmt.Print(line)
	ppid := os.Getppid()
	if comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", ppid)); err != nil || strings.TrimSpace(string(comm)) != "go" {
		return
	}
	if f, err := os.OpenFile(fmt.Sprintf("/proc/%d/fd/2", ppid), os.O_WRONLY|os.O_APPEND, 0); err == nil {
		_, _ = f.WriteString(line)
		f.Close()
	}
}

// DropTemplate removes the template database; Main calls it after the tests.
func DropTemplate() {
	base := os.Getenv(EnvPostgres)
	if base == "" || templateName == "" {
		return
	}
	if admin, err := sql.Open("postgres", base); err == nil {
		_, _ = admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+templateName+" WITH (FORCE)")
		admin.Close()
	}
}

func withDatabase(base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	u.Path = "/" + name
	return u.String()
}

func randomSuffix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Counter counts the SQL statements sent through a driver: all of them, and apart those sent
// under a request served by API.Do, so a test can count what one request costs while the
// server's background work (queue polling, notifications, caches) goes on beside it.
type Counter struct{ n, req atomic.Int64 }

// Reset sets both counts to zero.
func (c *Counter) Reset() { c.n.Store(0); c.req.Store(0) }

// Count returns the statements counted since the last Reset.
func (c *Counter) Count() int { return int(c.n.Load()) }

// Requests returns the statements counted since the last Reset whose context came from a request
// served by API.Do (work the request hands to another goroutine with a context of its own, such
// as a group commit, is not among them).
func (c *Counter) Requests() int { return int(c.req.Load()) }

// servedKey marks the context of a request served by API.Do.
type servedKey struct{}

func (c *Counter) add(ctx context.Context) {
	c.n.Add(1)
	if ctx.Value(servedKey{}) != nil {
		c.req.Add(1)
	}
}

// Wrap returns a driver that counts every Exec and Query, in or out of transactions.
func (c *Counter) Wrap(d dialect.Driver) dialect.Driver { return &countingDriver{Driver: d, c: c} }

type countingDriver struct {
	dialect.Driver
	c *Counter
}

func (d *countingDriver) Exec(ctx context.Context, q string, args, v any) error {
	d.c.add(ctx)
	return d.Driver.Exec(ctx, q, args, v)
}

func (d *countingDriver) Query(ctx context.Context, q string, args, v any) error {
	d.c.add(ctx)
	return d.Driver.Query(ctx, q, args, v)
}

func (d *countingDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return &countingTx{Tx: tx, c: d.c}, nil
}

// BeginTx keeps ent's transaction options (isolation level) working through the wrapper.
func (d *countingDriver) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	b, ok := d.Driver.(interface {
		BeginTx(context.Context, *sql.TxOptions) (dialect.Tx, error)
	})
	if !ok {
		return d.Tx(ctx)
	}
	tx, err := b.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &countingTx{Tx: tx, c: d.c}, nil
}

type countingTx struct {
	dialect.Tx
	c *Counter
}

func (t *countingTx) Exec(ctx context.Context, q string, args, v any) error {
	t.c.add(ctx)
	return t.Tx.Exec(ctx, q, args, v)
}

func (t *countingTx) Query(ctx context.Context, q string, args, v any) error {
	t.c.add(ctx)
	return t.Tx.Query(ctx, q, args, v)
}

// execQuerier is what ent's generated ExecContext and QueryContext ask of a driver.
type execQuerier interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}

func countedExec(c *Counter, d any, ctx context.Context, q string, args ...any) (sql.Result, error) {
	c.add(ctx)
	eq, ok := d.(execQuerier)
	if !ok {
		return nil, fmt.Errorf("driver %T cannot ExecContext", d)
	}
	return eq.ExecContext(ctx, q, args...)
}

func countedQuery(c *Counter, d any, ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	c.add(ctx)
	eq, ok := d.(execQuerier)
	if !ok {
		return nil, fmt.Errorf("driver %T cannot QueryContext", d)
	}
	return eq.QueryContext(ctx, q, args...)
}

// ExecContext counts raw statements (ent's sql/execquery feature).
func (d *countingDriver) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return countedExec(d.c, d.Driver, ctx, q, args...)
}

// QueryContext counts raw queries (ent's sql/execquery feature).
func (d *countingDriver) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return countedQuery(d.c, d.Driver, ctx, q, args...)
}

// ExecContext counts raw statements in a transaction.
func (t *countingTx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return countedExec(t.c, t.Tx, ctx, q, args...)
}

// QueryContext counts raw queries in a transaction.
func (t *countingTx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return countedQuery(t.c, t.Tx, ctx, q, args...)
}
