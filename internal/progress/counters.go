package progress

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	"github.com/lib/pq"

	"github.com/liemchinh/liemchinh/internal/workdays"
)

// shards is how many rows a figure of a scope is split over on PostgreSQL: a writer adds to one
// at random, so concurrent writers to the same scope (the nation) seldom wait on one row lock,
// and each row's dead versions pile up more slowly. With 4, 32 clients submitting cases spent
// 4.7-6.3 ms of PostgreSQL CPU per submission on these hot rows; with 64, 3.6 ms (reads sum the
// shards of the few scopes that are written live; the seed's rebuild writes shard 0 only).
const shards = 64

type counterKey struct {
	scope string
	year  int
	key   string
}

// delta is what to add to the counters.
type delta map[counterKey]int64

// add adds sign times the contribution to every scope of its units, of each figure's year.
func (dl delta) add(c contribution, sign int64, tree map[string]unitNode) {
	if len(c.cells) == 0 {
		return
	}
	dl.addTo(c, sign, scopesFor(c, tree))
}

// unitYear is a unit's place for a year's figures (a unit moved with a date counts under its old
// parent in the years before the move).
type unitYear struct {
	unit string
	year int
}

// scopesFor are the scopes each unit of a contribution counts in, for each year it has figures of.
func scopesFor(c contribution, tree map[string]unitNode) map[unitYear][]string {
	out := map[unitYear][]string{}
	for cl := range c.cells {
		u := c.unitOf(cl.year)
		if u == "" {
			continue
		}
		k := unitYear{u, cl.year}
		if _, ok := out[k]; !ok {
			out[k] = scopesAt(u, cl.year, tree)
		}
	}
	return out
}

// addTo adds sign times the contribution to the scopes of the unit each figure counts in, that year.
func (dl delta) addTo(c contribution, sign int64, scopes map[unitYear][]string) {
	for cl, v := range c.cells {
		u := c.unitOf(cl.year)
		if u == "" {
			continue
		}
		for _, sc := range scopes[unitYear{u, cl.year}] {
			if isDue(cl.key) {
				dl[counterKey{dueScope(sc), cl.year, cl.key}] += sign * v
				continue
			}
			dl[counterKey{sc, cl.year, cl.key}] += sign * v
		}
	}
}

// apply adds the delta to the counters, in a fixed order (so that two transactions never wait
// on each other's rows crosswise).
func (dl delta) apply(ctx context.Context, d db, shard int) error {
	keys := make([]counterKey, 0, len(dl))
	for k, v := range dl {
		if v != 0 {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.scope != b.scope {
			return a.scope < b.scope
		}
		if a.year != b.year {
			return a.year < b.year
		}
		return a.key < b.key
	})
	const upsert = " ON CONFLICT (scope, year, key, shard) DO UPDATE SET value = progress_counters.value + excluded.value"
	if d.dialect == dialect.Postgres {
		const batch = 20000
		for lo := 0; lo < len(keys); lo += batch {
			part := keys[lo:min(lo+batch, len(keys))]
			scopes, ks := make([]string, len(part)), make([]string, len(part))
			years, values := make([]int64, len(part)), make([]int64, len(part))
			for i, k := range part {
				scopes[i], years[i], ks[i], values[i] = k.scope, int64(k.year), k.key, dl[k]
			}
			if err := d.exec(ctx, "INSERT INTO progress_counters (scope, year, key, shard, value)"+
				" SELECT s, y, k, ?, v FROM unnest(?::text[], ?::bigint[], ?::text[], ?::bigint[]) AS u(s, y, k, v)"+upsert,
				shard, pq.Array(scopes), pq.Array(years), pq.Array(ks), pq.Array(values)); err != nil {
				return fmt.Errorf("progress counters: %w", err)
			}
		}
		return nil
	}
	const batch = 500
	for lo := 0; lo < len(keys); lo += batch {
		part := keys[lo:min(lo+batch, len(keys))]
		args := make([]any, 0, 5*len(part))
		for _, k := range part {
			args = append(args, k.scope, k.year, k.key, shard, dl[k])
		}
		if err := d.exec(ctx, "INSERT INTO progress_counters (scope, year, key, shard, value) VALUES "+
			strings.TrimSuffix(strings.Repeat("(?,?,?,?,?),", len(part)), ",")+upsert, args...); err != nil {
			return fmt.Errorf("progress counters: %w", err)
		}
	}
	return nil
}

// clockName names the counters' layout: a new layout starts without a clock, so the counters are
// rebuilt on first use (3: TRANSFERRED cases counted by their acceptance deadline).
const clockName = "counters/3"

// readClock returns the day the counters are reckoned at; false when they were never built.
func readClock(ctx context.Context, d db) (day, bool, error) {
	var s string
	found := false
	err := d.query(ctx, "SELECT as_of FROM progress_clocks WHERE name = ?", []any{clockName}, func(r *sql.Rows) error {
		found = true
		return r.Scan(&s)
	})
	if err != nil || !found {
		return day{}, false, err
	}
	dd, err := parseDay(s)
	return dd, err == nil, err
}

// ensure brings the counters to today, in d's transaction: built if they never were, rebuilt
// when the year changed, rolled when the day did (the current year's headcount is reckoned at
// today: officials whose first or last day lies between the two days count differently).
func ensure(ctx context.Context, d db, today day) error {
	as, ok, err := readClock(ctx, d)
	if err != nil || (ok && as == today) {
		return err
	}
	if d.dialect == dialect.Postgres {
		// One builder at a time; the others find the work done.
		if err := d.exec(ctx, "SELECT pg_advisory_xact_lock(7318001)"); err != nil {
			return err
		}
		if as, ok, err = readClock(ctx, d); err != nil || (ok && as == today) {
			return err
		}
	}
	if !ok {
		if err := rebuild(ctx, d, today); err != nil {
			return err
		}
		return d.exec(ctx, "INSERT INTO progress_clocks (name, as_of) VALUES (?, ?)", clockName, today.String())
	}
	if err := d.exec(ctx, "UPDATE progress_clocks SET as_of = ? WHERE name = ?", today.String(), clockName); err != nil {
		return err
	}
	if as.Y != today.Y {
		return rebuild(ctx, d, today)
	}
	return roll(ctx, d, as, today)
}

// roll moves the current year's reference date from one day to another of the same year.
func roll(ctx context.Context, d db, from, to day) error {
	lo, hi := from, to
	if hi.before(lo) {
		lo, hi = hi, lo
	}
	start := time.Date(lo.Y, lo.M, lo.D, 0, 0, 0, 0, workdays.Vietnam)
	end := time.Date(hi.Y, hi.M, hi.D+1, 0, 0, 0, 0, workdays.Vietnam)
	// Officials whose first or last day, or an assignment's first day, lies between the two days;
	// units opened or closed between them.
	offs, err := loadOfficials(ctx, d, filter{
		where: "(t.active_from >= ? AND t.active_from < ?) OR (t.active_to >= ? AND t.active_to < ?)" +
			" OR t.id IN (SELECT official_assignments FROM official_assignments WHERE valid_from >= ? AND valid_from < ?)",
		args: []any{start, end, start, end, start, end},
	})
	if err != nil {
		return err
	}
	us, err := loadUnits(ctx, d, filter{
		where: "(t.opened_on >= ? AND t.opened_on < ?) OR (t.closed_on >= ? AND t.closed_on < ?)",
		args:  []any{start, end, start, end},
	})
	if err != nil || len(offs)+len(us) == 0 {
		return err
	}
	var cs []contribution
	var units []string
	for _, o := range offs {
		for _, c := range []contribution{officialContribution(o, from), officialContribution(o, to)} {
			cs = append(cs, c)
			units = append(units, c.units()...)
		}
	}
	for _, u := range us {
		cs = append(cs, unitContribution(u, from), unitContribution(u, to))
		units = append(units, u.ID)
	}
	tree := map[string]unitNode{}
	if err := loadTreeOf(ctx, d, units, tree); err != nil {
		return err
	}
	dl := delta{}
	for i := 0; i < len(cs); i += 2 {
		dl.add(cs[i], -1, tree)
		dl.add(cs[i+1], 1, tree)
	}
	return dl.apply(ctx, d, 0)
}

// loadTreeOf loads the given units and their ancestors, in chunks.
func loadTreeOf(ctx context.Context, d db, units []string, tree map[string]unitNode) error {
	seen := map[string]bool{}
	var todo []string
	for _, u := range units {
		if _, ok := tree[u]; !ok && u != "" && !seen[u] {
			seen[u] = true
			todo = append(todo, u)
		}
	}
	for lo := 0; lo < len(todo); lo += chunk {
		if err := loadTree(ctx, d, idsIn("id", todo[lo:min(lo+chunk, len(todo))]), tree); err != nil {
			return err
		}
	}
	return nil
}

// chunk bounds the ids of one IN list.
const chunk = 500

// rebuild recomputes every counter from the records: set-based on PostgreSQL (rebuildSQL), by
// reading the records into Go on SQLite (rebuildInGo).
func rebuild(ctx context.Context, d db, today day) error {
	if d.dialect == dialect.Postgres {
		return rebuildSQL(ctx, d, today)
	}
	return rebuildInGo(ctx, d, today)
}

// rebuildInGo recomputes every counter from the records read into Go, province by province (so
// memory stays bounded at national scale), with the rules the hooks apply to each change.
func rebuildInGo(ctx context.Context, d db, today day) error {
	if err := d.exec(ctx, "DELETE FROM progress_counters"); err != nil {
		return err
	}
	tree := map[string]unitNode{}
	if err := loadTree(ctx, d, filter{where: "1 = 1"}, tree); err != nil {
		return err
	}
	provinces := map[string]bool{}
	for _, n := range tree {
		provinces[n.Province] = true
	}
	for p := range provinces {
		dl := delta{}
		inProvince := "(SELECT id FROM units WHERE province_units = ?)"
		offs, err := loadOfficials(ctx, d, filter{where: "t.unit_officials IN " + inProvince, args: []any{p}})
		if err != nil {
			return err
		}
		for _, o := range offs {
			dl.add(officialContribution(o, today), 1, tree)
		}
		units, err := loadUnits(ctx, d, filter{where: "t.province_units = ?", args: []any{p}})
		if err != nil {
			return err
		}
		for _, u := range units {
			dl.add(unitContribution(u, today), 1, tree)
		}
		cases, err := loadCases(ctx, d, filter{where: "t.unit_cases IN " + inProvince, args: []any{p}})
		if err != nil {
			return err
		}
		for _, k := range cases {
			dl.add(caseContribution(k, today), 1, tree)
		}
		if err := dl.apply(ctx, d, 0); err != nil {
			return err
		}
	}
	return nil
}
