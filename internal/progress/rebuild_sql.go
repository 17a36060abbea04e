package progress

import (
	"context"
	crand "crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/lib/pq"

	"github.com/liemchinh/liemchinh/internal/deadline"
	"github.com/liemchinh/liemchinh/internal/taskgraph"
)

// On PostgreSQL the counters are rebuilt set-based: a few INSERT ... SELECT ... GROUP BY
// statements compute what every record contributes to its unit (the rules of contrib.go, written
// in SQL), and one more adds the units' figures up into every scope holding them (scopesAt). On
// the national seed (2.2 million officials, 12 million pledges) this takes a minute or two where
// reading every record into Go took eleven. rebuildInGo stays the reference (and SQLite's way):
// the tests check the two agree record for record.

// sqlRules are contrib.go's rules in PostgreSQL, for a given today.
type sqlRules struct{ today day }

// local is an instant's wall clock in Vietnam time (workdays.Vietnam: UTC+7, no daylight saving).
func (sqlRules) local(t string) string {
	return "((" + t + ") AT TIME ZONE 'UTC' + interval '7 hours')"
}

// day is dayOf.
func (r sqlRules) day(t string) string { return r.local(t) + "::date" }

// ref is refDay of a year expression.
func (r sqlRules) ref(y string) string {
	return fmt.Sprintf("(CASE WHEN (%s) >= %d THEN DATE '%s' ELSE make_date((%s)::int, 12, 31) END)", y, r.today.Y, r.today, y)
}

// active is officialFacts.activeOn(refDay(y)) for officials alias o.
func (r sqlRules) active(o, y string) string {
	ref := r.ref(y)
	return fmt.Sprintf("(%s <= %s AND (%s.active_to IS NULL OR %s >= %s))",
		r.day(o+".active_from"), ref, o, r.day(o+".active_to"), ref)
}

// month is monthIn(t, y).
func (r sqlRules) month(t, y string) string {
	l := r.local(t)
	return fmt.Sprintf("(CASE WHEN extract(year FROM %s) < (%s) THEN 0 WHEN extract(year FROM %s) > (%s) THEN 13"+
		" ELSE extract(month FROM %s)::int END)", l, y, l, y, l)
}

// monthly is monthly(key, m) of a month expression.
func (sqlRules) monthly(key, m string) string {
	return fmt.Sprintf("('%s.m' || lpad((%s)::text, 2, '0'))", key, m)
}

// inYears is "FirstYear <= y <= today's year".
func (r sqlRules) inYears(y string) string {
	return fmt.Sprintf("(%s) BETWEEN %d AND %d", y, FirstYear, r.today.Y)
}

func quoted(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return strings.Join(q, ", ")
}

// step is one table the rebuild computes: its name (the staging prefix added), the tables it
// reads that another step computes, and the query whose rows it holds.
type step struct {
	name  string
	deps  []string
	query string
}

// steps are the tables the rebuild computes before the counters themselves, in an order each
// step's dependencies come first in. off holds each official's years counted in (active on the
// year's reference day: the reference days grow from year to year, so those years are one range,
// ylo to yhi); span the unit each official counts in, by years; counted the two together; place
// where each unit sat, by years; chain each unit's own scope and its ancestors', area its
// district, province and the nation; p_* each official's year of a kind of record; and each c_*
// table what one kind of record contributes to each unit (unit, year, key, v), grouped by what
// its keys depend on before the keys are written out. Key prefixes differ between kinds of
// record, and the final sums add any rows of the same unit, year and key up anyway. t names a
// step's table in a query.
func (r sqlRules) steps(t func(string) string) []step {
	var acceptance, conclusion []string
	for _, s := range deadline.AcceptanceStates {
		acceptance = append(acceptance, string(s))
	}
	for _, s := range deadline.ConclusionStates {
		conclusion = append(conclusion, string(s))
	}
	year := func(t string) string { return "extract(year FROM " + r.local(t) + ")::int" }
	// firstYear is the first year whose reference day is on or after the day of instant t.
	firstYear := func(t string) string {
		y := fmt.Sprintf("greatest(%d, %s)", FirstYear, year(t))
		return fmt.Sprintf("(%s + (%s > %s)::int)", y, r.day(t), r.ref(y))
	}
	// lastYear is the last year whose reference day is on or before the day of instant t.
	lastYear := func(t string) string {
		y := fmt.Sprintf("least(%d, %s)", r.today.Y, year(t))
		return fmt.Sprintf("(%s - (%s < %s)::int)", y, r.day(t), r.ref(y))
	}
	off, span, counted, place := t("off"), t("span"), t("counted"), t("place")
	return []step{
		// Yearly self-assessments: each official's year, by the month of the earliest submission
		// (13 without any), classified by the latest reviewed ("later": by submission, none first,
		// then by classification, not rated as "", compared as Go does: the submission in
		// microseconds, padded, then the classification, in byte order). A table of its own, so
		// that the join below is planned on its true size (the planner guesses a fifth of it).
		{name: "p_assessed", query: fmt.Sprintf(`SELECT id, year, CASE WHEN at IS NULL THEN 13 ELSE %s END AS m, substr(r, 21) AS cls FROM
			(SELECT official_self_assessments AS id, year, min(submitted_at) AS at,
				max(CASE WHEN status = 'REVIEWED' THEN lpad(CASE WHEN submitted_at IS NULL THEN 0
					ELSE (extract(epoch FROM submitted_at) * 1000000)::bigint + 100000000000000000 END::text, 20, '0')
					|| CASE WHEN final_classification IS NULL OR not_rated THEN '' ELSE final_classification END END COLLATE "C") AS r
				FROM self_assessments WHERE period_kind = 'YEAR' AND status IN ('SUBMITTED', 'REVIEWED') AND %s GROUP BY 1, 2) s`,
			r.month("at", "year"), r.inYears("year"))},
		// Pledges: each official's year, by the month of the earliest signature (a table of its
		// own, as p_assessed). These two come first: the biggest, they wait for nothing.
		{name: "p_pledges", query: fmt.Sprintf(`SELECT official_pledges AS id, year, %s AS m
			FROM pledges WHERE status = 'SIGNED' AND %s GROUP BY 1, 2`, r.month("min(signed_at)", "year"), r.inYears("year"))},
		{name: "off", query: fmt.Sprintf(`SELECT id, %s AS ylo, CASE WHEN active_to IS NULL THEN %d ELSE %s END AS yhi FROM officials`,
			firstYear("active_from"), r.today.Y, lastYear("active_to"))},
		// The unit each official's figures of a year count in (officialFacts.unitAt): an official
		// without assignments counts in their unit every year; otherwise each assignment holds the
		// years whose reference day falls from its first day to the next one's (the first also
		// holds the years before it), as ranges alo to ahi.
		{name: "span", query: fmt.Sprintf(`SELECT id, unit_officials AS unit, %d AS alo, %d AS ahi FROM officials o
			WHERE NOT EXISTS (SELECT 1 FROM official_assignments a WHERE a.official_assignments = o.id)
		UNION ALL SELECT id, unit, alo, ahi FROM (
			SELECT official_assignments AS id, unit_assignments AS unit,
				CASE WHEN row_number() OVER w = 1 THEN %d ELSE %s END AS alo,
				CASE WHEN lead(valid_from) OVER w IS NULL THEN %d ELSE least(%d, %s - 1) END AS ahi
			FROM official_assignments WINDOW w AS (PARTITION BY official_assignments ORDER BY %s, id)) a
			WHERE alo <= ahi`,
			FirstYear, r.today.Y, FirstYear, firstYear("valid_from"), r.today.Y, r.today.Y,
			firstYear("lead(valid_from) OVER w"), r.day("valid_from"))},
		// Where each official counts, by years: the unit of each span, for the years of it the
		// official is counted in (one join for the steps below instead of two).
		{name: "counted", deps: []string{"off", "span"}, query: fmt.Sprintf(`SELECT s.id, s.unit, greatest(o.ylo, s.alo) AS ylo,
			least(o.yhi, s.ahi) AS yhi FROM %s o JOIN %s s ON s.id = o.id WHERE greatest(o.ylo, s.alo) <= least(o.yhi, s.ahi)`, off, span)},
		// Where each unit sat, by years (unitNode.at): each past placement holds the years from the
		// previous move's year to the year before its own move's, the present one the years from
		// the last move's on.
		{name: "place", query: fmt.Sprintf(`SELECT * FROM (
			SELECT unit, coalesce(lag(until) OVER w, %[1]d) AS ylo, until - 1 AS yhi, parent, district, province FROM
				(SELECT unit_placements AS unit, extract(year FROM %[3]s)::int AS until, parent_id AS parent,
					district_id AS district, province_id AS province, id FROM unit_placements) h
				WINDOW w AS (PARTITION BY unit ORDER BY until, id)
			UNION ALL SELECT u.id, coalesce((SELECT max(extract(year FROM %[3]s)::int) FROM unit_placements
				WHERE unit_placements = u.id), %[1]d), %[2]d, u.unit_children, u.district_units, u.province_units FROM units u) p
		WHERE greatest(ylo, %[1]d) <= least(yhi, %[2]d)`, FirstYear, r.today.Y, r.local("valid_to"))},
		// Where each unit counts, by years: itself and its ancestors of those years (UNION stops at
		// a cycle, as scopesAt does)...
		{name: "chain", deps: []string{"place"}, query: fmt.Sprintf(`WITH RECURSIVE chain(unit, anc, ylo, yhi) AS (
			SELECT id, id, %[1]d, %[2]d FROM units
			UNION SELECT c.unit, p.parent, greatest(c.ylo, p.ylo), least(c.yhi, p.yhi) FROM chain c JOIN %[3]s p ON p.unit = c.anc
				WHERE p.parent IS NOT NULL AND greatest(c.ylo, p.ylo) <= least(c.yhi, p.yhi))
		SELECT unit, anc AS scope, ylo, yhi FROM chain`, FirstYear, r.today.Y, place)},
		// ... and its district and province of those years, and the nation.
		{name: "area", deps: []string{"place"}, query: fmt.Sprintf(`SELECT unit, district AS scope, ylo, yhi FROM %[3]s WHERE district IS NOT NULL
		UNION ALL SELECT unit, province, ylo, yhi FROM %[3]s WHERE province IS NOT NULL
		UNION ALL SELECT id, '`+nationScope+`', %[1]d, %[2]d FROM units`, FirstYear, r.today.Y, place)},
		// ... counted once a year an official is counted in.
		{name: "c_assessed", deps: []string{"counted", "p_assessed"}, query: fmt.Sprintf(`SELECT g.unit, g.year, k, sum(g.n) FROM
		(SELECT c.unit, s.year, s.m, s.cls, count(*) AS n FROM %s s
			JOIN %s c ON c.id = s.id AND s.year BETWEEN c.ylo AND c.yhi GROUP BY 1, 2, 3, 4) g
		CROSS JOIN LATERAL unnest(ARRAY['%s', %s] || CASE WHEN g.cls IS NULL THEN '{}'::text[]
			ELSE ARRAY['%s' || CASE WHEN g.cls = '' THEN '%s' ELSE g.cls END] END) k
		GROUP BY 1, 2, 3`,
			t("p_assessed"), counted, kAssessed, r.monthly(kAssessed, "g.m"), kClass, notRated)},
		// ... counted once a year an official is counted in.
		{name: "c_pledges", deps: []string{"counted", "p_pledges"}, query: fmt.Sprintf(`SELECT g.unit, g.year, k, sum(g.n) FROM
		(SELECT c.unit, p.year, p.m, count(*) AS n FROM %s p
			JOIN %s c ON c.id = p.id AND p.year BETWEEN c.ylo AND c.yhi GROUP BY 1, 2, 3) g
		CROSS JOIN LATERAL unnest(ARRAY['%s', %s]) k GROUP BY 1, 2, 3`,
			t("p_pledges"), counted, kPledge, r.monthly(kPledge, "g.m"))},
		// Officials: the headcount of each year they are counted in, and those aware by its
		// reference day (their first acknowledgement of any campaign) by the month (0 when
		// acknowledged in an earlier year).
		{name: "c_officials", deps: []string{"counted"}, query: fmt.Sprintf(`SELECT g.unit, y, k, sum(g.n) FROM
		(SELECT c.unit, c.ylo, c.yhi, a.ya, a.ay, a.am, count(*) AS n FROM %s c
			LEFT JOIN (SELECT id, %s AS ya, %s AS ay, extract(month FROM %s)::int AS am FROM
				(SELECT official_acknowledgements AS id, min(acknowledged_at) AS at FROM acknowledgements GROUP BY 1) x) a ON a.id = c.id
			GROUP BY 1, 2, 3, 4, 5, 6) g
		CROSS JOIN generate_series(g.ylo, g.yhi) y
		CROSS JOIN LATERAL unnest(CASE WHEN y >= g.ya THEN ARRAY['%s', '%s', %s] ELSE ARRAY['%s'] END) k
		GROUP BY 1, 2, 3`,
			counted, firstYear("at"), year("at"), r.local("at"),
			kHeadcount, kAware, r.monthly(kAware, "CASE WHEN g.ay < y THEN 0 ELSE g.am END"), kHeadcount)},
		// Cases, in the year they were received: by month, channel, category, state; concluded and
		// on time; rated; and the open ones by the deadline they are held to (deadline.Open), to
		// the minute, Vietnam time.
		{name: "c_cases", query: fmt.Sprintf(`SELECT g.unit, g.y, kv.k, sum(kv.v) FROM
		(SELECT unit_cases AS unit, y, m, channel, cat, state, concluded, ontime, rated, due, count(*) AS n, sum(rating) AS rs FROM
			(SELECT unit_cases, %s AS y, extract(month FROM %s)::int AS m, channel, coalesce(nullif(category, ''), '%s') AS cat, state,
				concluded_at IS NOT NULL AND due_at IS NOT NULL AS concluded, coalesce(concluded_at <= due_at, false) AS ontime,
				state = 'CLOSED' AND rating IS NOT NULL AS rated, CASE WHEN state = 'CLOSED' THEN rating END AS rating,
				date_trunc('minute', %s) AS due FROM cases) c
			WHERE %s GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10) g
		CROSS JOIN LATERAL (VALUES
			('%s', g.n), (%s, g.n), ('%s' || g.channel, g.n), ('%s' || g.cat, g.n), ('%s' || g.state, g.n),
			(CASE WHEN g.concluded THEN '%s' END, g.n), (CASE WHEN g.ontime THEN '%s' END, g.n),
			(CASE WHEN g.rated THEN '%s' END, g.n), (CASE WHEN g.rated THEN '%s' END, g.rs),
			(CASE WHEN g.due IS NOT NULL THEN '%s' || to_char(g.due, 'YYYYMMDD') END, g.n),
			(CASE WHEN g.due IS NOT NULL THEN '%s' || to_char(g.due, 'YYYYMMDDHH24MI') END, g.n)) kv(k, v)
		WHERE kv.k IS NOT NULL GROUP BY 1, 2, 3`,
			year("received_at"), r.local("received_at"), noCategory,
			r.local(fmt.Sprintf("CASE WHEN state IN (%s) THEN acknowledge_due_at WHEN state IN (%s) THEN due_at END",
				quoted(acceptance), quoted(conclusion))), r.inYears("y"),
			kReceived, r.monthly(kReceived, "g.m"), kChannel, kCategory, kState,
			kConcluded, kOnTime, kRated, kRatingSum, kDueDay, kDueMin)},
		// Incidents: officials with one in a year (counted in it or not), by the month of the first.
		{name: "c_incidents", deps: []string{"span"}, query: fmt.Sprintf(`SELECT o.unit, i.year, k, count(*) FROM
		(SELECT official_incidents AS id, year, min(occurred_on) AS at FROM incidents WHERE %s GROUP BY 1, 2) i
		JOIN %s o ON o.id = i.id AND i.year BETWEEN o.alo AND o.ahi
		CROSS JOIN LATERAL unnest(ARRAY['%s', %s]) k GROUP BY 1, 2, 3`,
			r.inYears("year"), span, kNegative, r.monthly(kNegative, r.month("i.at", "i.year")))},
		// Approved commendations: an official's with the official's unit, a unit's alone with the unit.
		{name: "c_commendations", deps: []string{"span"}, query: fmt.Sprintf(`SELECT coalesce(o.unit, c.unit_commendations), c.year, k, count(*) FROM commendations c
		LEFT JOIN %s o ON o.id = c.official_commendations AND c.year BETWEEN o.alo AND o.ahi
		CROSS JOIN LATERAL unnest(ARRAY['%s', '%s' || c.form, '%s' || c.level]) k
		WHERE c.status = 'APPROVED' AND %s AND (c.official_commendations IS NULL OR o.id IS NOT NULL)
			AND coalesce(o.unit, c.unit_commendations) IS NOT NULL
		GROUP BY 1, 2, 3`, span, kCmTotal, kCmForm, kCmLevel, r.inYears("c.year"))},
		// Units: one each year; their emulation registrations by month.
		{name: "c_units", query: fmt.Sprintf(`SELECT id, y, '%s', 1 FROM units CROSS JOIN generate_series(%d, %d) y
		WHERE (opened_on IS NULL OR %s <= %s) AND (closed_on IS NULL OR %s > %s)`,
			kUnits, FirstYear, r.today.Y, r.day("opened_on"), r.ref("y"), r.day("closed_on"), r.ref("y"))},
		{name: "c_registrations", query: fmt.Sprintf(`SELECT unit_emulation_registrations, year, k, count(*) FROM emulation_registrations
		CROSS JOIN LATERAL unnest(ARRAY['%s', %s]) k WHERE %s GROUP BY 1, 2, 3`,
			kRegistered, r.monthly(kRegistered, r.month("registered_at", "year")), r.inYears("year"))},
	}
}

// columns are the columns of a step's table (contributions: unit, year, key, v).
func (s step) columns() string {
	switch {
	case strings.HasPrefix(s.name, "c_"):
		return " (unit, year, key, v)"
	}
	return ""
}

// sums adds the units' figures up into the scopes of a scope table (chain or area) of the given
// steps' tables: deadlines under the scopes' due scopes. The scopes of chain (units) and of area
// (districts, provinces, the nation) are never the same, so each is summed on its own.
func sums(t func(string) string, contributions []step, scopes string) string {
	parts := make([]string, 0, len(contributions))
	for _, c := range contributions {
		parts = append(parts, "SELECT unit, year, key, v FROM "+t(c.name))
	}
	return `SELECT CASE WHEN u.key LIKE 'case.due%' THEN 'due:' || s.scope ELSE s.scope END AS scope, u.year, u.key, sum(u.v) AS value
		FROM (` + strings.Join(parts, " UNION ALL ") + `) u
		JOIN ` + t(scopes) + ` s ON s.unit = u.unit AND u.year BETWEEN s.ylo AND s.yhi
		GROUP BY 1, 2, 3 HAVING sum(u.v) <> 0`
}

// rebuildWorkers is how many connections a parallel rebuild computes its steps on (besides its
// transaction's): the national seed's machine has two cores.
const rebuildWorkers = 2

// stagingPrefix starts the names of the tables a parallel rebuild computes its steps into.
const stagingPrefix = "progress_rebuild_"

// rebuildSQL recomputes every counter from the records set-based (PostgreSQL), in d's
// transaction. The counters are emptied with TRUNCATE, and their secondary indexes are taken off
// for the insert and built again after it (same names and definitions, read from the catalog):
// building the unique index once, sorted, costs less than half of keeping it up to date row by
// row (millions of counters at national scale). Both lock the counters until the transaction
// ends, which a rebuild, that rewrites every one of them, does in effect anyway.
//
// With d.side (the database's pool), the steps run on rebuildWorkers connections of their own at
// once, each into an unlogged table committed on its own, and the areas' sums beside the units'
// (a rebuild's statements each run on one core; at national scale they take minutes). They read
// the records after the counters are locked: a change that moves a figure adds to the counters
// before it commits, so it waits for the rebuild, which does not see it, and adds its difference
// afterwards; a change committed before the lock is seen by every step. That is what the
// statements of one transaction see at its isolation level, read committed. The caller drops the
// tables once the transaction has ended (sidePool.dropStaged). Without d.side (a
// rebuild inside a transaction that may hold changes of its own: ensure), the steps run in d's
// transaction, into temporary tables.
func rebuildSQL(ctx context.Context, d db, today day) error {
	var indexes [][2]string
	err := d.query(ctx, `SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x
		JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND c.relname = 'progress_counters' AND NOT x.indisprimary
		AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid) ORDER BY 1`, nil,
		func(r *sql.Rows) error {
			var ix [2]string
			if err := r.Scan(&ix[0], &ix[1]); err != nil {
				return err
			}
			indexes = append(indexes, ix)
			return nil
		})
	if err != nil {
		return fmt.Errorf("progress rebuild: %w", err)
	}
	// The side connections are taken before the counters are locked: a pool with none to spare
	// (DB_MAX_CONNS=1) rebuilds in the transaction alone rather than wait with them locked.
	var conns []*sql.Conn
	if d.side != nil {
		if conns, err = d.side.take(ctx, rebuildWorkers); err != nil {
			conns = nil
		}
		defer func() {
			for _, c := range conns {
				_ = c.Close()
			}
		}()
	}
	setup := []string{"TRUNCATE progress_counters"}
	for _, ix := range indexes {
		setup = append(setup, "DROP INDEX "+pq.QuoteIdentifier(ix[0]))
	}
	setup = append(setup, "SET LOCAL work_mem = '1GB'",
		"SET LOCAL jit TO DEFAULT") // the database's own setting: store's sessions turn JIT off
	for _, s := range setup {
		if err := d.exec(ctx, s); err != nil {
			return fmt.Errorf("progress rebuild: %w", err)
		}
	}
	rules := sqlRules{today}
	if conns != nil {
		err = rebuildStaged(ctx, d, d.side, conns, rules)
	} else {
		err = rebuildInTx(ctx, d, rules)
	}
	if err != nil {
		return fmt.Errorf("progress rebuild: %w", err)
	}
	after := []string{"SET LOCAL maintenance_work_mem = '1GB'"}
	for _, ix := range indexes {
		after = append(after, ix[1])
	}
	for _, s := range after {
		if err := d.exec(ctx, s); err != nil {
			return fmt.Errorf("progress rebuild: %w", err)
		}
	}
	return nil
}

const insertCounters = "INSERT INTO progress_counters (scope, year, key, shard, value) SELECT scope, year, key, 0, value FROM "

// rebuildInTx computes the steps in d's transaction, into temporary tables, and the counters.
func rebuildInTx(ctx context.Context, d db, rules sqlRules) error {
	t := func(name string) string { return "pc_" + name }
	steps := rules.steps(t)
	for _, st := range steps {
		// A transaction may rebuild twice (Check after ensure): the first one's tables go.
		if err := d.exec(ctx, "DROP TABLE IF EXISTS pg_temp."+t(st.name)); err != nil {
			return err
		}
		if err := d.exec(ctx, "CREATE TEMP TABLE "+t(st.name)+st.columns()+" ON COMMIT DROP AS "+st.query); err != nil {
			return fmt.Errorf("%s: %w", st.name, err)
		}
		if err := d.exec(ctx, "ANALYZE "+t(st.name)); err != nil {
			return err
		}
	}
	contributions := slices.DeleteFunc(slices.Clone(steps), func(s step) bool { return !strings.HasPrefix(s.name, "c_") })
	for _, scopes := range []string{"chain", "area"} {
		if err := d.exec(ctx, insertCounters+"("+sums(t, contributions, scopes)+") s"); err != nil {
			return fmt.Errorf("%s sums: %w", scopes, err)
		}
	}
	return nil
}

// rebuildStaged computes the steps on side's connections, rebuildWorkers at a time, into unlogged
// tables of a name of its own (side.dropStaged drops them once d's transaction has ended; this
// drops any a killed rebuild left behind), then the units' sums in d's transaction while a side
// connection sums the areas.
func rebuildStaged(ctx context.Context, d db, side *sidePool, conns []*sql.Conn, rules sqlRules) error {
	// The counters are locked: no other rebuild runs until this one ends, so tables a killed one
	// left behind can go, unless a query of it still runs on them (its client is gone, its
	// server process not yet): they are then left for the next rebuild rather than waited for.
	var stale []string
	err := d.query(ctx, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname LIKE ?`, []any{stagingPrefix + "%"},
		func(r *sql.Rows) error {
			var name string
			err := r.Scan(&name)
			stale = append(stale, pq.QuoteIdentifier(name))
			return err
		})
	if err != nil {
		return err
	}
	if len(stale) > 0 {
		if err := d.exec(ctx, "SAVEPOINT stale_staging"); err != nil {
			return err
		}
		err := d.exec(ctx, "SET LOCAL lock_timeout = '2s'")
		if err == nil {
			err = d.exec(ctx, "DROP TABLE IF EXISTS "+strings.Join(stale, ", "))
		}
		undo := "RELEASE SAVEPOINT stale_staging"
		if err != nil {
			undo = "ROLLBACK TO SAVEPOINT stale_staging"
		}
		if err := d.exec(ctx, undo); err != nil {
			return err
		}
		if err := d.exec(ctx, "SET LOCAL lock_timeout TO DEFAULT"); err != nil {
			return err
		}
	}
	var run [4]byte
	if _, err := crand.Read(run[:]); err != nil {
		return err
	}
	prefix := stagingPrefix + hex.EncodeToString(run[:]) + "_"
	t := func(name string) string { return prefix + name }
	steps := rules.steps(t)
	// stage computes one table on a side connection, in a transaction committed at once.
	free := make(chan *sql.Conn, len(conns))
	for _, c := range conns {
		free <- c
	}
	stage := func(ctx context.Context, name, columns, query string) error {
		side.made(t(name))
		c := <-free
		defer func() { free <- c }()
		tx, err := c.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		for _, s := range []string{"SET LOCAL work_mem = '1GB'", "SET LOCAL jit TO DEFAULT",
			"CREATE UNLOGGED TABLE " + t(name) + columns + " AS " + query, "ANALYZE " + t(name)} {
			if _, err := tx.ExecContext(ctx, s); err != nil {
				return errors.Join(fmt.Errorf("%s: %w", name, err), tx.Rollback())
			}
		}
		return tx.Commit()
	}
	tasks := make([]taskgraph.Task, 0, len(steps))
	for _, st := range steps {
		tasks = append(tasks, taskgraph.Task{Name: st.name, Deps: st.deps, Run: func(ctx context.Context) error {
			return stage(ctx, st.name, st.columns(), st.query)
		}})
	}
	if err := taskgraph.Run(ctx, tasks, len(conns)); err != nil {
		return err
	}
	contributions := slices.DeleteFunc(slices.Clone(steps), func(s step) bool { return !strings.HasPrefix(s.name, "c_") })
	areas := make(chan error, 1)
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { areas <- stage(actx, "area_sums", "", sums(t, contributions, "area")) }()
	if err := d.exec(ctx, insertCounters+"("+sums(t, contributions, "chain")+") s"); err != nil {
		cancel()
		return errors.Join(fmt.Errorf("unit sums: %w", err), <-areas)
	}
	if err := <-areas; err != nil {
		return fmt.Errorf("area sums: %w", err)
	}
	return d.exec(ctx, insertCounters+t("area_sums"))
}
