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
			if err := refresh(ctx, m, nil, dia, ids); err != nil {
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

// refresh brings the keys of the officials ids in step with their rows as they are now (none for
// an official that no longer exists). The keys stored are compared with those Keys computes: an
// official renamed gets new keys, one only moved gets their keys' unit changed, the others are
// left alone. copyTx, when not nil, is x's transaction on PostgreSQL: new keys go through COPY.
func refresh(ctx context.Context, x execer, copyTx *stdsql.Tx, dia string, ids []string) error {
	size := 500 // SQLite: IN lists of bound values
	if dia == dialect.Postgres {
		size = 20000 // arrays: one parameter each
	}
	for lo := 0; lo < len(ids); lo += size {
		part := ids[lo:min(lo+size, len(ids))]
		want, _, _, err := readKeys(ctx, x, dia, idsIn(dia, official.FieldID, part), 0)
		if err != nil {
			return err
		}
		have, err := storedKeys(ctx, x, dia, part)
		if err != nil {
			return err
		}
		wantOf := map[string][]key{}
		for _, k := range want {
			wantOf[k.official] = append(wantOf[k.official], k)
		}
		var (
			renamed     []string // and officials gone: their keys are deleted
			insert      []key
			moved, unit []string // official, their unit now
		)
		for _, id := range part {
			w, h := wantOf[id], have[id]
			if !sameKeys(w, h) {
				if len(h) > 0 {
					renamed = append(renamed, id)
				}
				insert = append(insert, w...)
				continue
			}
			for _, k := range h {
				if len(w) > 0 && k.unit != w[0].unit {
					moved, unit = append(moved, id), append(unit, w[0].unit)
					break
				}
			}
		}
		if err := deleteKeys(ctx, x, dia, renamed); err != nil {
			return err
		}
		if copyTx != nil && dia == dialect.Postgres && len(insert) > 0 {
			err = copyKeys(ctx, copyTx, insert)
		} else {
			err = insertKeys(ctx, x, dia, insert)
		}
		if err != nil {
			return err
		}
		if err := moveKeys(ctx, x, dia, moved, unit); err != nil {
			return err
		}
	}
	return nil
}

// idsIn is "column is one of ids": one array on PostgreSQL, bound values on SQLite.
func idsIn(dia, column string, ids []string) *sql.Predicate {
	if dia == dialect.Postgres {
		return sql.P(func(b *sql.Builder) {
			b.Ident(column).WriteString(" = ANY(").Arg(pq.Array(ids)).WriteString(")")
		})
	}
	vs := make([]any, len(ids))
	for i, id := range ids {
		vs[i] = id
	}
	return sql.In(column, vs...)
}

// storedKeys reads the keys stored for the officials ids, by official.
func storedKeys(ctx context.Context, x execer, dia string, ids []string) (map[string][]key, error) {
	q, args := sql.Dialect(dia).Select(officialnamekey.FieldKey, officialnamekey.FieldOverlap, officialnamekey.FieldOfficialID,
		officialnamekey.FieldUnitID).From(sql.Table(officialnamekey.Table)).Where(idsIn(dia, officialnamekey.FieldOfficialID, ids)).Query()
	rows, err := x.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]key{}
	for rows.Next() {
		var k key
		if err := rows.Scan(&k.Text, &k.Overlap, &k.official, &k.unit); err != nil {
			return nil, err
		}
		out[k.official] = append(out[k.official], k)
	}
	return out, rows.Err()
}

// sameKeys reports whether the stored keys h are the keys w (their text and overlap; the unit aside).
func sameKeys(w, h []key) bool {
	if len(w) != len(h) {
		return false
	}
	left := map[Key]int{}
	for _, k := range w {
		left[k.Key]++
	}
	for _, k := range h {
		if left[k.Key] == 0 {
			return false
		}
		left[k.Key]--
	}
	return true
}

// deleteKeys deletes the keys of the officials ids.
func deleteKeys(ctx context.Context, x execer, dia string, ids []string) error {
	size := len(ids)
	if dia != dialect.Postgres {
		size = 500
	}
	for lo := 0; lo < len(ids); lo += size {
		q, args := sql.Dialect(dia).Delete(officialnamekey.Table).
			Where(idsIn(dia, officialnamekey.FieldOfficialID, ids[lo:min(lo+size, len(ids))])).Query()
		if _, err := x.ExecContext(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

// moveKeys sets the unit of the keys of the officials ids to units (by position): one UPDATE from
// two arrays on PostgreSQL, from lists of values on SQLite.
func moveKeys(ctx context.Context, x execer, dia string, ids, units []string) error {
	if len(ids) == 0 {
		return nil
	}
	if dia == dialect.Postgres {
		_, err := x.ExecContext(ctx, `UPDATE official_name_keys k SET unit_id = v.unit FROM unnest($1::text[], $2::text[]) AS v(id, unit)
			WHERE k.official_id = v.id AND k.unit_id <> v.unit`, pq.Array(ids), pq.Array(units))
		return err
	}
	for lo := 0; lo < len(ids); lo += 500 {
		n := min(500, len(ids)-lo)
		args := make([]any, 0, 2*n)
		for i := lo; i < lo+n; i++ {
			args = append(args, ids[i], units[i])
		}
		q := "WITH v(id, unit) AS (VALUES " + strings.TrimSuffix(strings.Repeat("(?, ?),", n), ",") +
			") UPDATE official_name_keys SET unit_id = v.unit FROM v WHERE official_name_keys.official_id = v.id"
		if _, err := x.ExecContext(ctx, q, args...); err != nil {
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

// Refresh brings the keys of the officials ids in step with their rows (a bulk write with its own
// SQL, such as a roster import, which ent's hook does not see) in the transaction tx, set-based:
// only renamed officials' keys are rewritten (COPY on PostgreSQL), only moved officials' keys
// have their unit changed (one UPDATE), the others are left alone.
func Refresh(ctx context.Context, tx *stdsql.Tx, dia string, ids []string) error {
	return refresh(ctx, tx, tx, dia, ids)
}

// Add writes the keys of officials just created with a bulk write of its own SQL (none exist yet),
// in the transaction tx: COPY on PostgreSQL, multi-row INSERTs on SQLite.
func Add(ctx context.Context, tx *stdsql.Tx, dia string, ids []string) error {
	size := 500
	if dia == dialect.Postgres {
		size = 20000
	}
	for lo := 0; lo < len(ids); lo += size {
		keys, _, _, err := readKeys(ctx, tx, dia, idsIn(dia, official.FieldID, ids[lo:min(lo+size, len(ids))]), 0)
		if err != nil {
			return err
		}
		if dia == dialect.Postgres {
			err = copyKeys(ctx, tx, keys)
		} else {
			err = insertKeys(ctx, tx, dia, keys)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
