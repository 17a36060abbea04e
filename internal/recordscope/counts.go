package recordscope

import (
	"context"
	stdsql "database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"

	entgo "entgo.io/ent"
	"entgo.io/ent/dialect/sql"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/acknowledgement"
	"github.com/liemchinh/liemchinh/ent/hook"
	"github.com/liemchinh/liemchinh/ent/pledge"
	"github.com/liemchinh/liemchinh/ent/recordcount"
	"github.com/liemchinh/liemchinh/ent/selfassessment"
	"github.com/liemchinh/liemchinh/internal/authz"
)

// countShards is how many rows a unit's count of a kind is split over: a writer adds to one at
// random, so officials of one unit signing at once seldom wait on one row lock. A total sums them.
const countShards = 8

// counted are the record kinds whose totals record_counts keeps (ent/schema/scope.go): the
// records about officials that every official writes each year, where a province's count is
// hundreds of thousands of index entries. Kind is the records' table.
var counted = []struct{ kind, typ string }{
	{acknowledgement.Table, ent.TypeAcknowledgement},
	{pledge.Table, ent.TypePledge},
	{selfassessment.Table, ent.TypeSelfAssessment},
}

// scoped is what the mutations of the counted types have in common.
type scoped interface {
	stamped
	ScopeProvinceID() (string, bool)
	IDs(ctx context.Context) ([]string, error)
	ExecContext(ctx context.Context, query string, args ...any) (stdsql.Result, error)
}

// installCounts keeps record_counts in step with every acknowledgement, pledge and self-assessment
// created or deleted through c (their scope columns never change), and lets their unfiltered
// lists answer totalCount from it (Totals).
func installCounts(c *ent.Client, dia string) {
	for _, k := range counted {
		h := hook.On(count(dia, k.kind), ent.OpCreate|ent.OpDelete|ent.OpDeleteOne)
		switch k.typ {
		case ent.TypeAcknowledgement:
			c.Acknowledgement.Use(h)
			c.Acknowledgement.Intercept(totals(c, dia, k.kind, k.typ))
		case ent.TypePledge:
			c.Pledge.Use(h)
			c.Pledge.Intercept(totals(c, dia, k.kind, k.typ))
		case ent.TypeSelfAssessment:
			c.SelfAssessment.Use(h)
			c.SelfAssessment.Intercept(totals(c, dia, k.kind, k.typ))
		default:
			panic("recordscope: no counts for " + k.typ)
		}
	}
}

// count is the hook: after a create, one more in the record's unit; around a delete, the deleted
// records' counts taken off (read before, written after the rows go).
func count(dia, kind string) ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			sm, ok := m.(scoped)
			if !ok {
				return nil, fmt.Errorf("recordscope: unexpected mutation %T", m)
			}
			if m.Op().Is(ent.OpCreate) {
				v, err := next.Mutate(ctx, m)
				if err != nil {
					return v, err
				}
				unitID, _ := sm.ScopeUnitID()
				provinceID, _ := sm.ScopeProvinceID()
				return v, add(ctx, sm, dia, kind, map[place2]int64{{unitID, provinceID}: 1})
			}
			ids, err := sm.IDs(authz.System(ctx, authz.SysRecordCounts)) // all of them, not only the viewer's
			if err != nil {
				return nil, fmt.Errorf("recordscope: records to delete: %w", err)
			}
			gone, err := placesOf(ctx, sm, dia, kind, ids)
			if err != nil {
				return nil, err
			}
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return v, err
			}
			for p := range gone {
				gone[p] = -gone[p]
			}
			return v, add(ctx, sm, dia, kind, gone)
		})
	}
}

// place2 is a unit and its province as a record carries them ("" for a record made around the stamp).
type place2 struct{ unit, province string }

// placesOf counts the records with the given ids by their scope columns.
func placesOf(ctx context.Context, m scoped, dia, kind string, ids []string) (map[place2]int64, error) {
	out := map[place2]int64{}
	d := sql.Dialect(dia)
	t := d.Table(kind)
	const batch = 500
	for lo := 0; lo < len(ids); lo += batch {
		part := ids[lo:min(lo+batch, len(ids))]
		vals := make([]driver.Value, len(part))
		for i, id := range part {
			vals[i] = id
		}
		unit, province := t.C(recordcount.FieldScopeUnitID), t.C(recordcount.FieldScopeProvinceID)
		query, args := d.Select("COALESCE("+unit+", '')", "COALESCE("+province+", '')", "COUNT(*)").From(t).
			Where(sql.InValues(t.C("id"), vals...)).GroupBy(unit, province).Query()
		rows, err := m.QueryContext(ctx, query, args...)
		if err != nil {
			return nil, fmt.Errorf("recordscope: counting %s to delete: %w", kind, err)
		}
		for rows.Next() {
			var p place2
			var n int64
			if err = rows.Scan(&p.unit, &p.province, &n); err != nil {
				break
			}
			out[p] += n
		}
		if err = errors.Join(err, rows.Err(), rows.Close()); err != nil {
			return nil, fmt.Errorf("recordscope: counting %s to delete: %w", kind, err)
		}
	}
	return out, nil
}

// add adds to the counts of kind, one random shard per place. The statement is written here rather
// than through ent's RecordCount client: the write guard grants a mutation only the types its
// action names, and the counts follow every action that writes a counted record.
func add(ctx context.Context, m scoped, dia, kind string, delta map[place2]int64) error {
	for p, n := range delta {
		if n == 0 {
			continue
		}
		query, args := sql.Dialect(dia).Insert(recordcount.Table).
			Columns(recordcount.FieldKind, recordcount.FieldScopeUnitID, recordcount.FieldScopeProvinceID, recordcount.FieldShard, recordcount.FieldN).
			Values(kind, p.unit, p.province, rand.IntN(countShards), n).
			OnConflict(sql.ConflictColumns(recordcount.FieldKind, recordcount.FieldScopeUnitID, recordcount.FieldScopeProvinceID, recordcount.FieldShard),
				sql.ResolveWith(func(u *sql.UpdateSet) { u.Add(recordcount.FieldN, n) })).Query()
		if _, err := m.ExecContext(ctx, query, args...); err != nil {
			return fmt.Errorf("recordscope: counting %s: %w", kind, err)
		}
	}
	return nil
}

// totalsKey marks a context whose list's totalCount is its viewer's total of the kind (Totals).
type totalsKey struct{}

// Totals marks ctx for a root list without a filter: the first count of a counted kind made
// with it (entgql's totalCount, counted before the page is read) is summed from record_counts
// under the viewer's rule (authz.RecordCountsWhere) instead of counted from the records. The
// caller vouches that the list adds no condition of its own; later counts with ctx (nested
// connections eager-loaded under the page) count as usual.
func Totals(ctx context.Context) context.Context {
	return context.WithValue(ctx, totalsKey{}, new(atomic.Bool))
}

// totals is the interceptor answering a marked count from record_counts. Any other query, a
// viewer whose total is not kept (an official's own records, a System purpose) and a second
// count with the same mark go to the records.
func totals(root *ent.Client, dia, kind, typ string) ent.Interceptor {
	return ent.InterceptFunc(func(next ent.Querier) ent.Querier {
		return ent.QuerierFunc(func(ctx context.Context, q ent.Query) (ent.Value, error) {
			used, _ := ctx.Value(totalsKey{}).(*atomic.Bool)
			if qc := entgo.QueryFromContext(ctx); used == nil || qc == nil || qc.Op != entgo.OpQueryCount || !used.CompareAndSwap(false, true) {
				return next.Query(ctx, q)
			}
			where, ok, err := authz.RecordCountsWhere(ctx, typ)
			if err != nil {
				return nil, err
			}
			if !ok {
				return next.Query(ctx, q)
			}
			c := root
			if tc := ent.FromContext(ctx); tc != nil {
				c = tc
			}
			return sum(ctx, c, dia, kind, where)
		})
	})
}

// sum adds up the counts of kind that where keeps.
func sum(ctx context.Context, c *ent.Client, dia, kind string, where func(*sql.Selector)) (int, error) {
	d := sql.Dialect(dia)
	t := d.Table(recordcount.Table)
	s := d.Select("COALESCE(SUM(" + t.C(recordcount.FieldN) + "), 0)").From(t).
		Where(sql.EQ(t.C(recordcount.FieldKind), kind))
	where(s)
	query, args := s.Query()
	rows, err := c.QueryContext(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("recordscope: total of %s: %w", kind, err)
	}
	defer rows.Close()
	var n int64
	if rows.Next() {
		err = rows.Scan(&n)
	}
	if err = errors.Join(err, rows.Err()); err != nil {
		return 0, fmt.Errorf("recordscope: total of %s: %w", kind, err)
	}
	return int(n), nil
}

// execer runs statements: a transaction or a database.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (stdsql.Result, error)
}

// RebuildCounts recomputes record_counts from the records, set-based (one INSERT ... SELECT ...
// GROUP BY per kind, on both dialects): the Go migration that made the counts, the national
// seed after its COPY and `progress rebuild` after changes made outside the API.
func RebuildCounts(ctx context.Context, db execer) error {
	if _, err := db.ExecContext(ctx, "DELETE FROM "+recordcount.Table); err != nil {
		return fmt.Errorf("recordscope: rebuilding counts: %w", err)
	}
	for _, k := range counted {
		q := fmt.Sprintf(`INSERT INTO %[1]s (%[2]s, %[3]s, %[4]s, %[5]s, %[6]s)
			SELECT '%[7]s', COALESCE(scope_unit_id, ''), COALESCE(scope_province_id, ''), 0, count(*) FROM %[7]s GROUP BY 2, 3`,
			recordcount.Table, recordcount.FieldKind, recordcount.FieldScopeUnitID, recordcount.FieldScopeProvinceID,
			recordcount.FieldShard, recordcount.FieldN, k.kind)
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("recordscope: rebuilding the counts of %s: %w", k.kind, err)
		}
	}
	return nil
}

// BackfillCases gives the cases written before scope_province_id existed their unit's province.
func BackfillCases(ctx context.Context, tx *stdsql.Tx) error {
	_, err := tx.ExecContext(ctx, `UPDATE cases SET scope_province_id = units.province_units
		FROM units WHERE units.id = cases.unit_cases AND cases.scope_province_id IS NULL`)
	if err != nil {
		return fmt.Errorf("recordscope: backfill cases: %w", err)
	}
	return nil
}
