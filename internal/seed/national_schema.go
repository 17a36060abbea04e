package seed

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	"github.com/lib/pq"

	"github.com/liemchinh/liemchinh/internal/store"
)

// Loading 35 million rows into tables that keep about 80 secondary indexes up to date row by row
// is several times slower than loading them bare and building each index once, sorted. So the
// national load takes the bulk tables' secondary indexes and foreign keys off, as the catalog
// defines them, and puts them back afterwards with the same names and definitions: the indexes
// built after the COPY, the foreign keys added NOT VALID then validated (every row is checked, as
// a row-by-row check would have). The schema afterwards is the migrated one, which is verified.

// schemaObject is an index or a foreign key of a bulk table, as the catalog defines it.
type schemaObject struct {
	table, name, def string
}

// deferredSchema is what the load took off.
type deferredSchema struct {
	tables       []string
	indexes, fks []schemaObject
}

// expectedObjects returns the names of the indexes the migrations create on the given tables and
// of the foreign keys from or to them (and do not drop again).
func expectedObjects(tables []string) (indexes, fks map[string]bool, err error) {
	fsys, err := store.MigrationsFS(dialect.Postgres)
	if err != nil {
		return nil, nil, err
	}
	files, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, nil, err
	}
	slices.Sort(files)
	bulk := map[string]bool{}
	for _, t := range tables {
		bulk[t] = true
	}
	createIndex := regexp.MustCompile(`CREATE (?:UNIQUE )?INDEX "([^"]+)" ON "([^"]+)"`)
	dropIndex := regexp.MustCompile(`DROP INDEX "([^"]+)"`)
	table := regexp.MustCompile(`(?:CREATE|ALTER) TABLE "([^"]+)"`)
	fk := regexp.MustCompile(`CONSTRAINT "([^"]+)" FOREIGN KEY \([^)]*\) REFERENCES "([^"]+)"`)
	dropConstraint := regexp.MustCompile(`DROP CONSTRAINT "([^"]+)"`)
	indexes, fks = map[string]bool{}, map[string]bool{}
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, nil, err
		}
		up, _, _ := strings.Cut(string(b), "-- +goose Down")
		for _, line := range strings.Split(up, "\n") {
			if m := createIndex.FindStringSubmatch(line); m != nil && bulk[m[2]] {
				indexes[m[1]] = true
			}
			if m := dropIndex.FindStringSubmatch(line); m != nil {
				delete(indexes, m[1])
			}
			if m := table.FindStringSubmatch(line); m != nil {
				for _, c := range fk.FindAllStringSubmatch(line, -1) {
					if bulk[m[1]] || bulk[c[2]] {
						fks[c[1]] = true
					}
				}
			}
			for _, c := range dropConstraint.FindAllStringSubmatch(line, -1) {
				delete(fks, c[1])
			}
		}
	}
	return indexes, fks, nil
}

// currentObjects reads the secondary indexes of the tables (not the primary keys, nor an index
// behind a constraint) and the foreign keys from or to them from the catalog.
func currentObjects(ctx context.Context, db *sql.DB, tables []string) (*deferredSchema, error) {
	d := &deferredSchema{tables: tables}
	rows, err := db.QueryContext(ctx, `SELECT c.relname, i.relname, pg_get_indexdef(x.indexrelid)
		FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND c.relname = ANY($1) AND NOT x.indisprimary
		AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)
		ORDER BY 1, 2`, pq.Array(tables))
	if err != nil {
		return nil, err
	}
	if d.indexes, err = scanObjects(rows); err != nil {
		return nil, err
	}
	rows, err = db.QueryContext(ctx, `SELECT c.relname, k.conname, pg_get_constraintdef(k.oid)
		FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_class r ON r.oid = k.confrelid
		WHERE n.nspname = current_schema() AND k.contype = 'f' AND (c.relname = ANY($1) OR r.relname = ANY($1))
		ORDER BY 1, 2`, pq.Array(tables))
	if err != nil {
		return nil, err
	}
	if d.fks, err = scanObjects(rows); err != nil {
		return nil, err
	}
	return d, nil
}

func scanObjects(rows *sql.Rows) ([]schemaObject, error) {
	defer rows.Close()
	var out []schemaObject
	for rows.Next() {
		var o schemaObject
		if err := rows.Scan(&o.table, &o.name, &o.def); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// deferSchema takes the bulk tables' secondary indexes and the foreign keys from or to them off
// (without those to them, the tables could not be truncated for COPY FREEZE), after checking that
// every one the migrations create is there (a load killed half way would leave them off).
func deferSchema(ctx context.Context, db *sql.DB, tables []string) (*deferredSchema, error) {
	wantIdx, wantFK, err := expectedObjects(tables)
	if err != nil {
		return nil, err
	}
	d, err := currentObjects(ctx, db, tables)
	if err != nil {
		return nil, err
	}
	for _, o := range d.indexes {
		delete(wantIdx, o.name)
	}
	for _, o := range d.fks {
		delete(wantFK, o.name)
	}
	if len(wantIdx)+len(wantFK) > 0 {
		missing := strings.Join(slices.Sorted(keysOf(wantIdx, wantFK)), ", ")
		return nil, fmt.Errorf("seed --national: cơ sở dữ liệu thiếu chỉ mục hoặc khóa ngoại (%s) / the database lacks "+
			"indexes or foreign keys of the migrations (%s): an earlier load was interrupted; create a new database",
			missing, missing)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	for _, o := range d.fks {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("ALTER TABLE %s DROP CONSTRAINT %s",
			pq.QuoteIdentifier(o.table), pq.QuoteIdentifier(o.name))); err != nil {
			return nil, errors.Join(err, tx.Rollback())
		}
	}
	for _, o := range d.indexes {
		if _, err := tx.ExecContext(ctx, "DROP INDEX "+pq.QuoteIdentifier(o.name)); err != nil {
			return nil, errors.Join(err, tx.Rollback())
		}
	}
	return d, tx.Commit()
}

func keysOf(ms ...map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for _, m := range ms {
			for k := range m {
				if !yield(k) {
					return
				}
			}
		}
	}
}

// restore puts back what deferSchema took off and is missing: the indexes (built on two
// connections, biggest tables first), then the foreign keys, added NOT VALID and validated on two
// connections, a table at a time on each. It then checks the catalog holds exactly what it held.
func (d *deferredSchema) restore(ctx context.Context, db *sql.DB, log *slog.Logger) error {
	now, err := currentObjects(ctx, db, d.tables)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, o := range append(now.indexes, now.fks...) {
		have[o.name] = true
	}
	var indexes, fks []schemaObject
	for _, o := range d.indexes {
		if !have[o.name] {
			indexes = append(indexes, o)
		}
	}
	for _, o := range d.fks {
		if !have[o.name] {
			fks = append(fks, o)
		}
	}
	bySize := func(a, b schemaObject) int {
		if c := cmp.Compare(tableRank(a.table), tableRank(b.table)); c != 0 {
			return c
		}
		return cmp.Compare(a.name, b.name)
	}
	slices.SortStableFunc(indexes, bySize)
	if err := onTwo(ctx, db, indexes, func(o schemaObject) string { return o.table + "/" + o.name },
		func(o schemaObject) string { return o.def }); err != nil {
		return fmt.Errorf("rebuilding indexes: %w", err)
	}

	start := time.Now()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for _, o := range fks {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s %s NOT VALID",
			pq.QuoteIdentifier(o.table), pq.QuoteIdentifier(o.name), o.def)); err != nil {
			return errors.Join(fmt.Errorf("foreign key %s: %w", o.name, err), tx.Rollback())
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	slices.SortStableFunc(fks, bySize)
	// The validations of one table run on one connection (they would wait for each other).
	err = onTwo(ctx, db, fks, func(o schemaObject) string { return o.table }, func(o schemaObject) string {
		return fmt.Sprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s", pq.QuoteIdentifier(o.table), pq.QuoteIdentifier(o.name))
	})
	if err != nil {
		return fmt.Errorf("validating foreign keys: %w", err)
	}
	log.Info("seed: foreign keys validated", "foreign_keys", len(fks), "elapsed", time.Since(start).Round(time.Millisecond))

	after, err := currentObjects(ctx, db, d.tables)
	if err != nil {
		return err
	}
	if !slices.Equal(after.indexes, d.indexes) || !slices.Equal(after.fks, d.fks) {
		return fmt.Errorf("the restored indexes or foreign keys differ from the migrated ones")
	}
	var invalid int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND NOT k.convalidated`).
		Scan(&invalid); err != nil {
		return err
	}
	if invalid > 0 {
		return fmt.Errorf("%d constraints are not validated", invalid)
	}
	return nil
}

// onTwo runs a statement per object on two connections, biggest first; the objects of a group
// (in order) run on one connection.
func onTwo(ctx context.Context, db *sql.DB, objs []schemaObject, group, stmt func(schemaObject) string) error {
	var groups [][]schemaObject
	index := map[string]int{}
	for _, o := range objs {
		g := group(o)
		i, ok := index[g]
		if !ok {
			i, index[g] = len(groups), len(groups)
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], o)
	}
	queue := make(chan []schemaObject, len(groups))
	for _, g := range groups {
		queue <- g
	}
	close(queue)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for g := range queue {
				for _, o := range g {
					if err := maintenance(ctx, db, stmt(o)); err != nil {
						errs[w] = fmt.Errorf("%s: %w", o.name, err)
						cancel()
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// maintenance runs an index build or a validation in a transaction of its own, with the memory to
// sort in (the load's two connections are the parallelism: no parallel workers).
func maintenance(ctx context.Context, db *sql.DB, stmt string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for _, s := range []string{"SET LOCAL maintenance_work_mem = '2GB'", "SET LOCAL max_parallel_maintenance_workers = 0", stmt} {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return errors.Join(err, tx.Rollback())
		}
	}
	return tx.Commit()
}

// tableRank orders the bulk tables by size, biggest first (their index builds take longest).
func tableRank(t string) int {
	for i, b := range []string{"self_assessments", "pledges", "case_events", "official_name_keys", "officials", "acknowledgements", "cases",
		"emulation_registrations", "commendations", "units", "incidents", "inspections", "case_messages"} {
		if b == t {
			return i
		}
	}
	return 100
}
