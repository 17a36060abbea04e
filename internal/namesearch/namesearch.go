// Package namesearch finds officials by the start of words of their name at national scale: each
// official's name is kept as its word starts (for "nguyen van an": "nguyen van an", "van an", "an")
// in official_name_keys, beside the official's unit. A search is a prefix range on that table's
// index, which also holds the unit and the official, so PostgreSQL counts the matches the viewer
// may see from the index alone instead of rechecking every candidate row (the trigram index it
// replaces spent 150-330 ms on common names among 2.2 million officials).
//
// The keys are derived data: Install keeps them in step with every write of an official, the
// national seed writes them beside the officials, and a migration built them for rows that came
// before.
package namesearch

import (
	"context"
	stdsql "database/sql"
	"fmt"
	"strings"
	"unicode/utf8"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
	"github.com/lib/pq"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/hook"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/officialnamekey"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/fold"
)

// Key is one word start of a name: the suffix of its search form from a word on, and how many
// characters it shares at its start with a longer word start of the same name (Overlap). A query
// that is a prefix of the key and no longer than Overlap is a prefix of that longer one too, so
// counting the keys a query matches with Overlap < its length counts each official once.
type Key struct {
	Text    string
	Overlap int
}

// Keys returns the word starts of a name's search form (fold.Query), longest first: for "van thi
// van", "van thi van" (overlap 0), "thi van" (0) and "van" (3, all of it begins "van thi van").
func Keys(searchForm string) []Key {
	words := strings.Fields(searchForm)
	keys := make([]Key, 0, len(words))
	for i := range words {
		k := Key{Text: strings.Join(words[i:], " ")}
		r := []rune(k.Text)
		for _, longer := range keys {
			k.Overlap = max(k.Overlap, commonPrefix(r, []rune(longer.Text)))
		}
		keys = append(keys, k)
	}
	return keys
}

// commonPrefix is how many runes a and b share at their start.
func commonPrefix(a, b []rune) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// Query folds a search into the form keys are matched with; empty when nothing is left to match.
func Query(search string) string { return fold.Query(search) }

// match is "the key begins with q, and no longer word start of the same name does": LIKE on
// PostgreSQL, which the varchar_pattern_ops index serves whatever the database's collation (q holds
// letters, digits and spaces only, never a wildcard); a byte range on SQLite, whose default
// collation is binary.
func match(q string) func(*sql.Selector) {
	return func(s *sql.Selector) {
		c := s.C(officialnamekey.FieldKey)
		first := sql.LT(s.C(officialnamekey.FieldOverlap), utf8.RuneCountInString(q))
		if s.Dialect() == dialect.Postgres {
			s.Where(sql.And(sql.HasPrefix(c, q), first))
			return
		}
		s.Where(sql.And(sql.GTE(c, q), sql.LT(c, q+"\U0010FFFF"), first))
	}
}

// Officials is the predicate "a word of the official's name, with the words after it, begins with
// q" (q from Query, not empty): "nguyen van a" finds Nguyễn Văn An and Trần Nguyễn Văn Anh, not
// Nguyễn Thị Vân A. The keys are narrowed to the viewer's scope first (authz.NameKeysWhere), so
// that only the officials the viewer may see are looked up.
//
// With a page (officials in id order after an id, at most a number of them, and no other filter
// than the scope), the keys pick that page themselves: each official matches through one key only
// (see Key), so the first ids in key order are the page, and only its officials are read.
func Officials(ctx context.Context, q string, page *Page) (func(*sql.Selector), error) {
	scope, err := authz.NameKeysWhere(ctx)
	if err != nil {
		return nil, err
	}
	return func(s *sql.Selector) {
		keys := sql.Dialect(s.Dialect()).Select(officialnamekey.FieldOfficialID).From(sql.Table(officialnamekey.Table))
		match(q)(keys)
		scope(keys)
		if page != nil {
			if page.After != "" {
				keys.Where(sql.GT(keys.C(officialnamekey.FieldOfficialID), page.After))
			}
			keys.OrderBy(keys.C(officialnamekey.FieldOfficialID)).Limit(page.Limit)
		}
		s.Where(sql.In(s.C(official.FieldID), keys))
	}, nil
}

// Page is a forward page of a search in id order: the officials after After (an id; "" from the
// start), at most Limit of them.
type Page struct {
	After string
	Limit int
}

// Count counts the officials matching q that the viewer of ctx may see, from the keys alone: the
// keys carry the official's unit and are filtered by the same rule as officials (package authz).
func Count(ctx context.Context, c *ent.Client, q string) (int, error) {
	// count(*), not ent's Count (count of the id column, which is not in the index: it would read
	// every matching row from the table).
	return c.OfficialNameKey.Query().Where(match(q)).
		Aggregate(func(*sql.Selector) string { return sql.Count("*") }).Int(ctx)
}

// Install keeps the keys of every official written through c in step with its name and unit, in
// the write's own transaction: creates, renames, transfers and deletes, one or many.
func Install(c *ent.Client, dia string) {
	c.Official.Use(func(next ent.Mutator) ent.Mutator {
		return hook.OfficialFunc(func(ctx context.Context, m *ent.OfficialMutation) (ent.Value, error) {
			_, named := m.FullName()
			_, moved := m.UnitID()
			op := m.Op()
			if !named && !moved && !op.Is(ent.OpCreate|ent.OpDelete|ent.OpDeleteOne) {
				return next.Mutate(ctx, m)
			}
			var ids []string
			if op.Is(ent.OpUpdate | ent.OpDelete) { // many rows: which, before they change
				var err error
				if ids, err = m.IDs(ctx); err != nil {
					return nil, err
				}
			}
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return v, err
			}
			switch {
			case op.Is(ent.OpCreate):
				if o, ok := v.(*ent.Official); ok {
					ids = []string{o.ID}
				}
			case op.Is(ent.OpUpdateOne | ent.OpDeleteOne):
				if id, ok := m.ID(); ok {
					ids = []string{id}
				}
			}
			if err := refresh(ctx, m, dia, ids); err != nil {
				return nil, fmt.Errorf("official name keys: %w", err)
			}
			return v, nil
		})
	})
}

// execer is the raw SQL of the mutation's own driver (its transaction, when it has one): the keys
// are the server's derived data, written below the authorization guard like the progress counters.
type execer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*stdsql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (stdsql.Result, error)
}

// key is one row of official_name_keys.
type key struct {
	Key
	official, unit string
}

var keyColumns = []string{officialnamekey.FieldKey, officialnamekey.FieldOverlap, officialnamekey.FieldOfficialID,
	officialnamekey.FieldUnitID}

// readKeys selects officials (id, search form, unit) by where and returns their keys, the last id
// read and how many officials were read. The rows are read to the end before anything else runs:
// lib/pq cannot run a statement while a result set is open.
func readKeys(ctx context.Context, x execer, dia string, where *sql.Predicate, limit int) ([]key, string, int, error) {
	sel := sql.Dialect(dia).Select(official.FieldID, official.FieldFullNameFolded, official.UnitColumn).
		From(sql.Table(official.Table)).Where(where).OrderBy(official.FieldID)
	if limit > 0 {
		sel.Limit(limit)
	}
	q, args := sel.Query()
	rows, err := x.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", 0, err
	}
	defer rows.Close()
	var (
		keys []key
		last string
		n    int
	)
	for rows.Next() {
		var id, name, unit string
		if err := rows.Scan(&id, &name, &unit); err != nil {
			return nil, "", 0, err
		}
		for _, k := range Keys(name) {
			keys = append(keys, key{k, id, unit})
		}
		last, n = id, n+1
	}
	return keys, last, n, rows.Err()
}

// insertKeys writes keys with multi-row INSERTs.
func insertKeys(ctx context.Context, x execer, dia string, keys []key) error {
	for len(keys) > 0 {
		n := min(1000, len(keys))
		ins := sql.Dialect(dia).Insert(officialnamekey.Table).Columns(keyColumns...)
		for _, k := range keys[:n] {
			ins.Values(k.Text, k.Overlap, k.official, k.unit)
		}
		keys = keys[n:]
		q, args := ins.Query()
		if _, err := x.ExecContext(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

// refresh rewrites the keys of the officials ids from their rows as they are now (none for an
// official that no longer exists).
func refresh(ctx context.Context, x execer, dia string, ids []string) error {
	const chunk = 500
	for len(ids) > 0 {
		n := min(chunk, len(ids))
		part := make([]any, n)
		for i, id := range ids[:n] {
			part[i] = id
		}
		ids = ids[n:]
		keys, _, _, err := readKeys(ctx, x, dia, sql.In(official.FieldID, part...), 0)
		if err != nil {
			return err
		}
		q, args := sql.Dialect(dia).Delete(officialnamekey.Table).Where(sql.In(officialnamekey.FieldOfficialID, part...)).Query()
		if _, err := x.ExecContext(ctx, q, args...); err != nil {
			return err
		}
		if err := insertKeys(ctx, x, dia, keys); err != nil {
			return err
		}
	}
	return nil
}

// backfillPage is how many officials Backfill reads at a time.
var backfillPage = 20000

// Backfill writes the keys of every official already in the database (the migration that added
// the keys table runs it once), a page of officials at a time; COPY on PostgreSQL.
func Backfill(ctx context.Context, tx *stdsql.Tx, dia string) error {
	last := ""
	for {
		keys, end, n, err := readKeys(ctx, tx, dia, sql.GT(official.FieldID, last), backfillPage)
		if err != nil {
			return err
		}
		if dia == dialect.Postgres {
			err = copyKeys(ctx, tx, keys)
		} else {
			err = insertKeys(ctx, tx, dia, keys)
		}
		if err != nil || n < backfillPage {
			return err
		}
		last = end
	}
}

// copyKeys writes keys with COPY (PostgreSQL).
func copyKeys(ctx context.Context, tx *stdsql.Tx, keys []key) error {
	stmt, err := tx.PrepareContext(ctx, pq.CopyIn(officialnamekey.Table, keyColumns...))
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, k := range keys {
		if _, err := stmt.ExecContext(ctx, k.Text, k.Overlap, k.official, k.unit); err != nil {
			return err
		}
	}
	_, err = stmt.ExecContext(ctx)
	return err
}

// Refresh rewrites the keys of the officials ids (a bulk write with its own SQL, such as a roster
// import, which ent's hook does not see) in x's transaction.
func Refresh(ctx context.Context, x interface {
	QueryContext(ctx context.Context, query string, args ...any) (*stdsql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (stdsql.Result, error)
}, dia string, ids []string) error {
	return refresh(ctx, x, dia, ids)
}

// Add writes the keys of officials just created with a bulk write of its own SQL (none exist yet),
// in x's transaction.
func Add(ctx context.Context, x interface {
	QueryContext(ctx context.Context, query string, args ...any) (*stdsql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (stdsql.Result, error)
}, dia string, ids []string) error {
	for len(ids) > 0 {
		n := min(5000, len(ids))
		strs := ids[:n]
		part := make([]any, n)
		for i, id := range strs {
			part[i] = id
		}
		ids = ids[n:]
		var where *sql.Predicate
		if dia == dialect.Postgres {
			where = sql.P(func(b *sql.Builder) {
				b.Ident(official.FieldID).WriteString(" = ANY(").Arg(pq.Array(strs)).WriteString(")")
			})
		} else {
			where = sql.In(official.FieldID, part...)
		}
		keys, _, _, err := readKeys(ctx, x, dia, where, 0)
		if err != nil {
			return err
		}
		if err := insertKeys(ctx, x, dia, keys); err != nil {
			return err
		}
	}
	return nil
}
