package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql/schema"

	atlas "ariga.io/atlas/sql/migrate"

	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/fold"
	"github.com/liemchinh/liemchinh/internal/store"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Main(m) }

// TestMigrationsMatchSchema fails when the ent schema changed without a committed migration:
// after the migrations, ent finds nothing left to change.
func TestMigrationsMatchSchema(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		var pending []string
		err := db.Client.Schema.Create(context.Background(),
			schema.WithDropColumn(true), schema.WithDropIndex(true),
			schema.WithApplyHook(func(schema.Applier) schema.Applier {
				return schema.ApplyFunc(func(_ context.Context, _ dialect.ExecQuerier, plan *atlas.Plan) error {
					for _, c := range plan.Changes {
						pending = append(pending, c.Cmd)
					}
					return nil
				})
			}))
		if err != nil {
			t.Fatal(err)
		}
		pending = withoutRewrittenPredicates(pending)
		if len(pending) > 0 {
			t.Fatalf("the ent schema differs from the migrations; run `go run ./internal/tools/migrations -name NAME`. Pending:\n%s",
				strings.Join(pending, "\n"))
		}
	})
}

func TestMigrateIsIdempotent(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		if err := db.Migrate(context.Background(), nil); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		n, err := db.Client.Province.Query().Count(context.Background())
		if err != nil || n != 0 {
			t.Fatalf("provinces after migrate: %d, %v", n, err)
		}
	})
}

func TestOpenErrors(t *testing.T) {
	tests := []struct{ name, url string }{
		{"unreachable postgres", "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=1"},
		{"empty sqlite path", "sqlite:"},
		{"sqlite in a file, not a folder", "sqlite:/dev/null/x.db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := store.Open(context.Background(), tt.url, nil)
			if err == nil {
				db.Close()
				t.Fatalf("Open(%q) succeeded", tt.url)
			}
		})
	}
}

// withoutRewrittenPredicates drops the DROP/CREATE pairs PostgreSQL provokes for partial indexes:
// it stores `status = 'SIGNED'` as `((status)::text = 'SIGNED'::text)`, which atlas then sees as
// a different predicate although the index is the same. (SQLite keeps the text, so the SQLite run
// still catches a real change of predicate.)
func withoutRewrittenPredicates(cmds []string) []string {
	indexName := func(c string) string {
		if parts := strings.SplitN(c, `"`, 3); len(parts) == 3 {
			return parts[1]
		}
		return ""
	}
	partial := map[string]bool{}
	for _, c := range cmds {
		if strings.HasPrefix(c, "CREATE ") && strings.Contains(c, " INDEX ") && strings.Contains(c, " WHERE ") {
			partial[indexName(c)] = true
		}
	}
	var out []string
	for _, c := range cmds {
		if partial[indexName(c)] && (strings.HasPrefix(c, "DROP INDEX") || strings.HasPrefix(c, "CREATE ")) {
			continue
		}
		out = append(out, c)
	}
	return out
}

// TestRefoldNames: rows written before the search form became fold.Query (punctuation kept, as
// fold.Fold wrote it) are rewritten by the backfill migration, and only they are.
func TestRefoldNames(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		w := testutil.NewWorld(t, db, testutil.Config(t, nil))
		ctx := context.Background()
		arg := func(i int) string {
			if dia == dialect.Postgres {
				return fmt.Sprintf("$%d", i)
			}
			return "?"
		}
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.SQL.ExecContext(ctx, q, args...); err != nil {
				t.Fatal(err)
			}
		}
		// Raw SQL bypasses the hook: the old form, as the first search migration backfilled it.
		exec("UPDATE units SET name = "+arg(1)+", name_folded = "+arg(2)+" WHERE id = "+arg(3),
			"Bệnh viện Sản - Nhi", "benh vien san - nhi", w.A.OtherUnit)
		exec("UPDATE officials SET full_name = "+arg(1)+", full_name_folded = "+arg(2)+" WHERE id = "+arg(3),
			"Nguyễn Thị Mai (Ánh)", "nguyen thi mai (anh)", w.A.Clerk)
		tx, err := db.SQL.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := store.RefoldNames(dia)(ctx, tx); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ q, id, want string }{
			{"SELECT name_folded FROM units WHERE id = " + arg(1), w.A.OtherUnit, "benh vien san nhi"},
			{"SELECT full_name_folded FROM officials WHERE id = " + arg(1), w.A.Clerk, "nguyen thi mai anh"},
		} {
			var got string
			if err := db.SQL.QueryRowContext(ctx, c.q, c.id).Scan(&got); err != nil || got != c.want {
				t.Errorf("%s: %q, %v; want %q", c.q, got, err, c.want)
			}
		}
		// Every other row already had the form the hook writes.
		var stale int
		for _, q := range []string{"SELECT name, name_folded FROM units", "SELECT full_name, full_name_folded FROM officials"} {
			rows, err := db.SQL.QueryContext(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var name, folded string
				if err := rows.Scan(&name, &folded); err != nil {
					t.Fatal(err)
				}
				if fold.Query(name) != folded {
					stale++
				}
			}
			if err := rows.Close(); err != nil {
				t.Fatal(err)
			}
		}
		if stale != 0 {
			t.Errorf("%d rows not in fold.Query form after the backfill", stale)
		}
	})
}

// TestPoolKeepsIdleConnections (PostgreSQL): a burst that takes every connection of the pool
// leaves them all open and idle afterwards, none closed, so the next burst opens no session.
func TestPoolKeepsIdleConnections(t *testing.T) {
	if !slices.Contains(testutil.Dialects(), dialect.Postgres) {
		t.Skip(testutil.EnvPostgres + " is not set: the pool setting is PostgreSQL's")
	}
	db := testutil.Open(t, dialect.Postgres)
	db.SetPool(store.Pool{Conns: 12, MaxLifetime: time.Hour})
	ctx := context.Background()
	burst := func() {
		var conns []*sql.Conn
		for range 12 {
			c, err := db.SQL.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
		}
		for _, c := range conns {
			c.Close()
		}
	}
	burst()
	opened := db.SQL.Stats()
	burst()
	s := db.SQL.Stats()
	if s.MaxOpenConnections != 12 || s.OpenConnections != 12 || s.Idle != 12 {
		t.Fatalf("after a burst: %d open of at most %d, %d idle; want all 12 open and idle", s.OpenConnections, s.MaxOpenConnections, s.Idle)
	}
	if s.MaxIdleClosed != 0 || s.MaxIdleTimeClosed != 0 || s.OpenConnections != opened.OpenConnections {
		t.Fatalf("the pool closed idle connections: %+v (after the first burst %+v)", s, opened)
	}
}

// TestTimesInUTC: a time written in Vietnam's zone (a deadline at the end of the day) compares
// with a later UTC "now" as the instant it is, on both databases. SQLite compares times as text:
// before, "…23:59:59+07:00" came after "…17:30:00+00:00" and the case was not overdue there. The
// migration rewrites such text already stored.
func TestTimesInUTC(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		w := testutil.NewWorld(t, db, testutil.Config(t, nil))
		ctx := context.Background()
		vn := time.FixedZone("ICT", 7*3600)
		due := time.Date(2026, 12, 10, 23, 59, 59, 999_999_000, vn)
		id := w.A.Records["Case"]
		if id == "" {
			t.Fatalf("no case in the world: %v", w.A.Records)
		}
		if err := db.Client.CitizenCase.UpdateOneID(id).SetDueAt(due).Exec(authz.System(ctx, authz.SysTestFixture)); err != nil {
			t.Fatal(err)
		}
		arg := func(i int) string {
			if dia == dialect.Postgres {
				return fmt.Sprintf("$%d", i)
			}
			return "?"
		}
		overdue := func(now time.Time) int {
			t.Helper()
			var n int
			if err := db.SQL.QueryRowContext(ctx, "SELECT count(*) FROM cases WHERE id = "+arg(1)+" AND due_at < "+arg(2), id, now).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := overdue(time.Date(2026, 12, 10, 17, 30, 0, 0, time.UTC)); n != 1 {
			t.Errorf("due 23:59:59+07:00, now 17:30Z (half an hour later): overdue %d, want 1", n)
		}
		if n := overdue(time.Date(2026, 12, 10, 16, 30, 0, 0, time.UTC)); n != 0 {
			t.Errorf("due 23:59:59+07:00, now 16:30Z (half an hour before): overdue %d, want 0", n)
		}
		if dia != dialect.SQLite {
			return
		}
		text := func() string {
			t.Helper()
			var s string
			if err := db.SQL.QueryRowContext(ctx, "SELECT CAST(due_at AS TEXT) FROM cases WHERE id = ?", id).Scan(&s); err != nil {
				t.Fatal(err)
			}
			return s
		}
		if s := text(); s != "2026-12-10 16:59:59.999999+00:00" {
			t.Errorf("stored as %q", s)
		}
		// A value an older server wrote in Vietnam's zone, rewritten by the migration.
		if _, err := db.SQL.ExecContext(ctx, "UPDATE cases SET due_at = '2026-12-10 23:59:59.999999+07:00' WHERE id = ?", id); err != nil {
			t.Fatal(err)
		}
		tx, err := db.SQL.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := store.UTCTimes(ctx, tx); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if s := text(); s != "2026-12-10 16:59:59.999999+00:00" {
			t.Errorf("after the migration: %q", s)
		}
	})
}

// TestMigrateTogether: processes starting together on one empty PostgreSQL database migrate once:
// an advisory lock makes them take turns, so none fails on a table another has just made and every
// migration is recorded once. (SQLite is one process's file: nothing to share.)
func TestMigrateTogether(t *testing.T) {
	url := testutil.EmptyPostgres(t)
	ctx := context.Background()
	const processes = 4
	dbs := make([]*store.DB, processes)
	for i := range dbs {
		db, err := store.Open(ctx, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	errs := make(chan error, processes)
	for _, db := range dbs {
		go func() { errs <- db.Migrate(ctx, nil) }()
	}
	for range processes {
		if err := <-errs; err != nil {
			t.Errorf("a process migrating beside others: %v", err)
		}
	}
	var twice int
	if err := dbs[0].SQL.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT version_id FROM goose_db_version
		GROUP BY version_id HAVING count(*) > 1) d`).Scan(&twice); err != nil || twice != 0 {
		t.Errorf("migrations recorded more than once: %d, %v", twice, err)
	}
}

// TestSessionsWithoutJIT: every connection of the server's PostgreSQL pool has JIT off (the small
// statements' estimates at national scale would otherwise be compiled, for far longer than they
// run), and a rebuild's transaction gets the database's own setting back.
func TestSessionsWithoutJIT(t *testing.T) {
	if !slices.Contains(testutil.Dialects(), dialect.Postgres) {
		t.Skip(testutil.EnvPostgres + " is not set: JIT is PostgreSQL's")
	}
	db := testutil.Open(t, dialect.Postgres)
	ctx := context.Background()
	var conns []*sql.Conn
	for range 5 { // five connections at once: five sessions, each set up
		c, err := db.SQL.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	var server string
	if err := conns[0].QueryRowContext(ctx, "SELECT reset_val FROM pg_settings WHERE name = 'jit'").Scan(&server); err != nil {
		t.Fatal(err)
	}
	for i, c := range conns {
		var jit string
		if err := c.QueryRowContext(ctx, "SHOW jit").Scan(&jit); err != nil {
			t.Fatal(err)
		}
		if jit != "off" {
			t.Fatalf("connection %d: jit = %q, want off", i, jit)
		}
	}
	if server == "off" {
		t.Log("this PostgreSQL server has jit = off itself: the rebuild's SET LOCAL jit TO DEFAULT is not checked")
		return
	}
	tx, err := conns[0].BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var jit string
	if _, err := tx.ExecContext(ctx, "SET LOCAL jit TO DEFAULT"); err != nil {
		t.Fatal(err)
	}
	if err := tx.QueryRowContext(ctx, "SHOW jit").Scan(&jit); err != nil {
		t.Fatal(err)
	}
	if jit != server {
		t.Fatalf("SET LOCAL jit TO DEFAULT gave %q, want the database's %q", jit, server)
	}
}
