package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/liemchinh/liemchinh/internal/fold"
	"github.com/liemchinh/liemchinh/internal/namesearch"
	"github.com/liemchinh/liemchinh/internal/ratelimit"
	"github.com/liemchinh/liemchinh/internal/recordscope"
)

// goMigrations are the migrations that rewrite data by a rule that lives in Go, applied in version
// order among the SQL files of both dialects (their versions are not used by any file): the rule
// then has one definition, rather than a copy in each dialect's SQL.
func goMigrations(dia string) []*goose.Migration {
	return []*goose.Migration{
		// The search form of names became fold.Query (punctuation separates words), so that "Sản Nhi"
		// finds "Bệnh viện Sản - Nhi"; rows written before keep fold.Fold's form until rewritten.
		goose.NewGoMigration(20261206060000, &goose.GoFunc{RunTx: refoldNames(dia)}, nil),
		// Times that SQLite databases kept with another offset than UTC, rewritten in UTC (the
		// driver now writes UTC; see sqlitePragmas). Nothing to do on PostgreSQL (timestamptz).
		goose.NewGoMigration(20261206073000, &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			if dia != dialect.SQLite {
				return nil
			}
			return utcTimes(ctx, tx)
		}}, nil),
		// The word starts of officials' names (internal/namesearch), after the migration that made
		// their table (20261206064818).
		goose.NewGoMigration(20261206064900, &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			return namesearch.Backfill(ctx, tx, dia)
		}}, nil),
		// Where the records about officials were made (internal/recordscope), after the migration
		// that made their columns (20261206091818 on SQLite, 20261206091823 on PostgreSQL).
		goose.NewGoMigration(20261206092000, &goose.GoFunc{RunTx: recordscope.Backfill}, nil),
		// The cases' province and the counts of records per unit (internal/recordscope), after the
		// migration that made them (20261206113524 on SQLite, 20261206113529 on PostgreSQL).
		goose.NewGoMigration(20261206113600, &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			if err := recordscope.BackfillCases(ctx, tx); err != nil {
				return err
			}
			return recordscope.RebuildCounts(ctx, tx)
		}}, nil),
		// The limits shared by the server processes (internal/ratelimit), on PostgreSQL only
		// (SQLite has one process, which keeps them in memory). Made here rather than in the SQL
		// files, which are diffs of the ent schema: ent can say neither UNLOGGED nor a table it
		// does not manage, and the next diff would drop it.
		goose.NewGoMigration(20261206124000, &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			if dia != dialect.Postgres {
				return nil
			}
			_, err := tx.ExecContext(ctx, ratelimit.TableDDL)
			return err
		}}, nil),
		// The job queue's tables (River: river_job, river_leader, river_queue, ...), by River's own
		// migrations, each in a transaction of its own (one of them adds an enum value it then
		// uses, which PostgreSQL refuses within one transaction). ent does not manage these
		// tables, and the schema diffs of internal/tools/migrations replay the SQL files only, so
		// they never see them. A newer River with new migrations gets another entry like this
		// one (Migrate applies only what is missing).
		goose.NewGoMigration(20261206140500, &goose.GoFunc{RunDB: func(ctx context.Context, db *sql.DB) error {
			return migrateRiver(ctx, db, dia)
		}}, nil),
	}
}

// migrateRiver applies River's migrations on db.
func migrateRiver(ctx context.Context, db *sql.DB, dia string) error {
	var err error
	if dia == dialect.SQLite {
		var m *rivermigrate.Migrator[*sql.Tx]
		if m, err = rivermigrate.New(riversqlite.New(db), nil); err == nil {
			_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		}
	} else {
		var m *rivermigrate.Migrator[*sql.Tx]
		if m, err = rivermigrate.New(riverdatabasesql.New(db), nil); err == nil {
			_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		}
	}
	if err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	return nil
}

// refoldNames rewrites the search form of officials' and units' names (fold.Query).
func refoldNames(dia string) func(context.Context, *sql.Tx) error {
	return func(ctx context.Context, tx *sql.Tx) error {
		for _, t := range []struct{ table, source, target string }{
			{"officials", "full_name", "full_name_folded"},
			{"units", "name", "name_folded"},
		} {
			if err := refold(ctx, tx, dia, t.table, t.source, t.target); err != nil {
				return fmt.Errorf("backfill %s.%s: %w", t.table, t.target, err)
			}
		}
		return nil
	}
}

// refold rewrites target as fold.Query(source) on the rows where it differs.
func refold(ctx context.Context, tx *sql.Tx, dia, table, source, target string) error {
	update, _ := entsql.Dialect(dia).Update(table).Set(target, "").Where(entsql.EQ("id", "")).Query()
	return rewriteRows(ctx, tx, fmt.Sprintf(`SELECT id, %s, %s FROM %s`, source, target, table), update,
		func(rows *sql.Rows) (any, any, bool, error) {
			var id, name, current string
			if err := rows.Scan(&id, &name, &current); err != nil {
				return nil, nil, false, err
			}
			k := fold.Query(name)
			return id, k, k != current, nil
		})
}

// rewriteRows reads every row query selects and, for those change says changed, writes the new
// value with update (its arguments: the value, then the row's key). All rows are read before any
// is written: lib/pq cannot run a statement while a result set is still open.
func rewriteRows(ctx context.Context, tx *sql.Tx, query, update string,
	change func(*sql.Rows) (key, value any, changed bool, err error)) error {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	var changes [][2]any
	for rows.Next() {
		key, value, changed, err := change(rows)
		if err != nil {
			rows.Close()
			return err
		}
		if changed {
			changes = append(changes, [2]any{value, key})
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}
	stmt, err := tx.PrepareContext(ctx, update)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, c := range changes {
		if _, err := stmt.ExecContext(ctx, c[0], c[1]); err != nil {
			return err
		}
	}
	return nil
}

// utcTimes rewrites in UTC every time value of a SQLite database stored with another offset: the
// columns declared datetime in every table, found in the database itself (not in today's schema,
// which may have columns a database at this migration does not have yet).
func utcTimes(ctx context.Context, tx *sql.Tx) error {
	tables, err := column[string](ctx, tx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		return err
	}
	for _, t := range tables {
		cols, err := column[string](ctx, tx, `SELECT name FROM pragma_table_info(?) WHERE upper(type) = 'DATETIME'`, t)
		if err != nil {
			return err
		}
		for _, c := range cols {
			// The driver reads an offset it finds and writes UTC: reading the value and writing it
			// back is the conversion, to the nanosecond.
			query := fmt.Sprintf(`SELECT rowid, %q FROM %q WHERE %q IS NOT NULL AND CAST(%q AS TEXT) NOT LIKE '%%+00:00'`, c, t, c, c)
			err := rewriteRows(ctx, tx, query, fmt.Sprintf(`UPDATE %q SET %q = ? WHERE rowid = ?`, t, c),
				func(rows *sql.Rows) (any, any, bool, error) {
					var id any
					var at time.Time
					err := rows.Scan(&id, &at)
					return id, at.UTC(), true, err
				})
			if err != nil {
				return fmt.Errorf("%s.%s: %w", t, c, err)
			}
		}
	}
	return nil
}

// column reads the one column a query selects.
func column[T any](ctx context.Context, tx *sql.Tx, query string, args ...any) ([]T, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
