package progress

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/lib/pq"

	"github.com/liemchinh/liemchinh/internal/deadline"
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

// statements are the rebuild's statements, in order. pc_off holds each official's unit and the
// years they are counted in (active on the year's reference day: the reference days grow from
// year to year, so those years are one range, ylo to yhi); pc_scope where each unit counts;
// pc_unit receives what the records contribute to each unit (unit, year, key, v), each kind of
// record grouped by what its keys depend on before the keys are written out; the last statement
// adds the units' figures up into every scope.
func (r sqlRules) statements() []string {
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
	contrib := func(sel string) string { return "INSERT INTO pc_unit (unit, year, key, v) " + sel }
	return []string{
		"SET LOCAL work_mem = '1GB'",
		"SET LOCAL jit TO DEFAULT", // the database's own setting: store's sessions turn JIT off
		"CREATE TEMP TABLE pc_unit (unit text NOT NULL, year bigint NOT NULL, key text NOT NULL, v bigint NOT NULL) ON COMMIT DROP",
		fmt.Sprintf(`CREATE TEMP TABLE pc_off ON COMMIT DROP AS
		SELECT id, %s AS ylo, CASE WHEN active_to IS NULL THEN %d ELSE %s END AS yhi FROM officials`,
			firstYear("active_from"), r.today.Y, lastYear("active_to")),
		"ANALYZE pc_off",
		// The unit each official's figures of a year count in (officialFacts.unitAt): an official
		// without assignments counts in their unit every year; otherwise each assignment holds the
		// years whose reference day falls from its first day to the next one's (the first also
		// holds the years before it), as ranges alo to ahi.
		fmt.Sprintf(`CREATE TEMP TABLE pc_span ON COMMIT DROP AS
		SELECT id, unit_officials AS unit, %d AS alo, %d AS ahi FROM officials o
			WHERE NOT EXISTS (SELECT 1 FROM official_assignments a WHERE a.official_assignments = o.id)
		UNION ALL SELECT id, unit, alo, ahi FROM (
			SELECT official_assignments AS id, unit_assignments AS unit,
				CASE WHEN row_number() OVER w = 1 THEN %d ELSE %s END AS alo,
				CASE WHEN lead(valid_from) OVER w IS NULL THEN %d ELSE least(%d, %s - 1) END AS ahi
			FROM official_assignments WINDOW w AS (PARTITION BY official_assignments ORDER BY %s, id)) a
			WHERE alo <= ahi`,
			FirstYear, r.today.Y, FirstYear, firstYear("valid_from"), r.today.Y, r.today.Y,
			firstYear("lead(valid_from) OVER w"), r.day("valid_from")),
		"ANALYZE pc_span",
		// Where each unit sat, by years (unitNode.at): each past placement holds the years from the
		// previous move's year to the year before its own move's, the present one the years from
		// the last move's on.
		fmt.Sprintf(`CREATE TEMP TABLE pc_place ON COMMIT DROP AS
		SELECT * FROM (
			SELECT unit, coalesce(lag(until) OVER w, %[1]d) AS ylo, until - 1 AS yhi, parent, district, province FROM
				(SELECT unit_placements AS unit, extract(year FROM %[3]s)::int AS until, parent_id AS parent,
					district_id AS district, province_id AS province, id FROM unit_placements) h
				WINDOW w AS (PARTITION BY unit ORDER BY until, id)
			UNION ALL SELECT u.id, coalesce((SELECT max(extract(year FROM %[3]s)::int) FROM unit_placements
				WHERE unit_placements = u.id), %[1]d), %[2]d, u.unit_children, u.district_units, u.province_units FROM units u) p
		WHERE greatest(ylo, %[1]d) <= least(yhi, %[2]d)`, FirstYear, r.today.Y, r.local("valid_to")),
		"ANALYZE pc_place",
		// Where each unit counts, by years: itself and its ancestors of those years (UNION stops at
		// a cycle, as scopesAt does), its district and province of those years, and the nation.
		fmt.Sprintf(`CREATE TEMP TABLE pc_scope ON COMMIT DROP AS
		WITH RECURSIVE chain(unit, anc, ylo, yhi) AS (
			SELECT id, id, %[1]d, %[2]d FROM units
			UNION SELECT c.unit, p.parent, greatest(c.ylo, p.ylo), least(c.yhi, p.yhi) FROM chain c JOIN pc_place p ON p.unit = c.anc
				WHERE p.parent IS NOT NULL AND greatest(c.ylo, p.ylo) <= least(c.yhi, p.yhi))
		SELECT unit, anc AS scope, ylo, yhi FROM chain
		UNION ALL SELECT unit, district, ylo, yhi FROM pc_place WHERE district IS NOT NULL
		UNION ALL SELECT unit, province, ylo, yhi FROM pc_place WHERE province IS NOT NULL
		UNION ALL SELECT id, '`+nationScope+`', %[1]d, %[2]d FROM units`, FirstYear, r.today.Y),
		"ANALYZE pc_scope",
		// Officials: the headcount of each year they are counted in, and those aware by its
		// reference day (their first acknowledgement of any campaign) by the month (0 when
		// acknowledged in an earlier year).
		contrib(fmt.Sprintf(`SELECT g.unit, y, k, sum(g.n) FROM
		(SELECT s.unit, greatest(o.ylo, s.alo) AS ylo, least(o.yhi, s.ahi) AS yhi, a.ya, a.ay, a.am, count(*) AS n FROM pc_off o
			JOIN pc_span s ON s.id = o.id
			LEFT JOIN (SELECT id, %s AS ya, %s AS ay, extract(month FROM %s)::int AS am FROM
				(SELECT official_acknowledgements AS id, min(acknowledged_at) AS at FROM acknowledgements GROUP BY 1) x) a ON a.id = o.id
			WHERE greatest(o.ylo, s.alo) <= least(o.yhi, s.ahi) GROUP BY 1, 2, 3, 4, 5, 6) g
		CROSS JOIN generate_series(g.ylo, g.yhi) y
		CROSS JOIN LATERAL unnest(CASE WHEN y >= g.ya THEN ARRAY['%s', '%s', %s] ELSE ARRAY['%s'] END) k
		GROUP BY 1, 2, 3`,
			firstYear("at"), year("at"), r.local("at"),
			kHeadcount, kAware, r.monthly(kAware, "CASE WHEN g.ay < y THEN 0 ELSE g.am END"), kHeadcount)),
		// Pledges: once a year an official is counted in, from the earliest signature.
		contrib(fmt.Sprintf(`SELECT g.unit, g.year, k, sum(g.n) FROM
		(SELECT s.unit, p.year, %s AS m, count(*) AS n FROM
			(SELECT official_pledges AS id, year, min(signed_at) AS at FROM pledges WHERE status = 'SIGNED' AND %s GROUP BY 1, 2) p
			JOIN pc_off o ON o.id = p.id AND p.year BETWEEN o.ylo AND o.yhi
			JOIN pc_span s ON s.id = p.id AND p.year BETWEEN s.alo AND s.ahi GROUP BY 1, 2, 3) g
		CROSS JOIN LATERAL unnest(ARRAY['%s', %s]) k GROUP BY 1, 2, 3`,
			r.month("p.at", "p.year"), r.inYears("year"), kPledge, r.monthly(kPledge, "g.m"))),
		// Yearly self-assessments: once a year an official is counted in, by the month of the
		// earliest submission (13 without any), classified by the latest reviewed ("later": by
		// submission, none first, then by classification, not rated as "", compared as Go does:
		// the submission in microseconds, padded, then the classification, in byte order).
		contrib(fmt.Sprintf(`SELECT g.unit, g.year, k, sum(g.n) FROM
		(SELECT sp.unit, s.year, CASE WHEN s.at IS NULL THEN 13 ELSE %s END AS m, substr(s.r, 21) AS cls, count(*) AS n FROM
			(SELECT official_self_assessments AS id, year, min(submitted_at) AS at,
				max(CASE WHEN status = 'REVIEWED' THEN lpad(CASE WHEN submitted_at IS NULL THEN 0
					ELSE (extract(epoch FROM submitted_at) * 1000000)::bigint + 100000000000000000 END::text, 20, '0')
					|| CASE WHEN final_classification IS NULL OR not_rated THEN '' ELSE final_classification END END COLLATE "C") AS r
				FROM self_assessments WHERE period_kind = 'YEAR' AND status IN ('SUBMITTED', 'REVIEWED') AND %s GROUP BY 1, 2) s
			JOIN pc_off o ON o.id = s.id AND s.year BETWEEN o.ylo AND o.yhi
			JOIN pc_span sp ON sp.id = s.id AND s.year BETWEEN sp.alo AND sp.ahi GROUP BY 1, 2, 3, 4) g
		CROSS JOIN LATERAL unnest(ARRAY['%s', %s] || CASE WHEN g.cls IS NULL THEN '{}'::text[]
			ELSE ARRAY['%s' || CASE WHEN g.cls = '' THEN '%s' ELSE g.cls END] END) k
		GROUP BY 1, 2, 3`,
			r.month("s.at", "s.year"), r.inYears("year"), kAssessed, r.monthly(kAssessed, "g.m"), kClass, notRated)),
		// Incidents: officials with one in a year (counted in it or not), by the month of the first.
		contrib(fmt.Sprintf(`SELECT o.unit, i.year, k, count(*) FROM
		(SELECT official_incidents AS id, year, min(occurred_on) AS at FROM incidents WHERE %s GROUP BY 1, 2) i
		JOIN pc_span o ON o.id = i.id AND i.year BETWEEN o.alo AND o.ahi
		CROSS JOIN LATERAL unnest(ARRAY['%s', %s]) k GROUP BY 1, 2, 3`,
			r.inYears("year"), kNegative, r.monthly(kNegative, r.month("i.at", "i.year")))),
		// Approved commendations: an official's with the official's unit, a unit's alone with the unit.
		contrib(fmt.Sprintf(`SELECT coalesce(o.unit, c.unit_commendations), c.year, k, count(*) FROM commendations c
		LEFT JOIN pc_span o ON o.id = c.official_commendations AND c.year BETWEEN o.alo AND o.ahi
		CROSS JOIN LATERAL unnest(ARRAY['%s', '%s' || c.form, '%s' || c.level]) k
		WHERE c.status = 'APPROVED' AND %s AND (c.official_commendations IS NULL OR o.id IS NOT NULL)
			AND coalesce(o.unit, c.unit_commendations) IS NOT NULL
		GROUP BY 1, 2, 3`, kCmTotal, kCmForm, kCmLevel, r.inYears("c.year"))),
		// Units: one each year; their emulation registrations by month.
		contrib(fmt.Sprintf(`SELECT id, y, '%s', 1 FROM units CROSS JOIN generate_series(%d, %d) y
		WHERE (opened_on IS NULL OR %s <= %s) AND (closed_on IS NULL OR %s > %s)`,
			kUnits, FirstYear, r.today.Y, r.day("opened_on"), r.ref("y"), r.day("closed_on"), r.ref("y"))),
		contrib(fmt.Sprintf(`SELECT unit_emulation_registrations, year, k, count(*) FROM emulation_registrations
		CROSS JOIN LATERAL unnest(ARRAY['%s', %s]) k WHERE %s GROUP BY 1, 2, 3`,
			kRegistered, r.monthly(kRegistered, r.month("registered_at", "year")), r.inYears("year"))),
		// Cases, in the year they were received: by month, channel, category, state; concluded and
		// on time; rated; and the open ones by the deadline they are held to (deadline.Open), to
		// the minute, Vietnam time.
		contrib(fmt.Sprintf(`SELECT g.unit, g.y, kv.k, sum(kv.v) FROM
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
			kConcluded, kOnTime, kRated, kRatingSum, kDueDay, kDueMin)),
		"ANALYZE pc_unit",
		// Every unit's figures into every scope holding it; deadlines under the scopes' due scopes.
		`INSERT INTO progress_counters (scope, year, key, shard, value)
		SELECT CASE WHEN u.key LIKE 'case.due%' THEN 'due:' || s.scope ELSE s.scope END, u.year, u.key, 0, sum(u.v)
		FROM (SELECT unit, year, key, sum(v) AS v FROM pc_unit GROUP BY 1, 2, 3) u
		JOIN pc_scope s ON s.unit = u.unit AND u.year BETWEEN s.ylo AND s.yhi
		GROUP BY 1, 2, 3 HAVING sum(u.v) <> 0`,
	}
}

// rebuildSQL recomputes every counter from the records set-based (PostgreSQL), in d's
// transaction. The counters are emptied with TRUNCATE, and their secondary indexes are taken off
// for the insert and built again after it (same names and definitions, read from the catalog):
// building the unique index once, sorted, costs less than half of keeping it up to date row by
// row (millions of counters at national scale). Both lock the counters until the transaction
// ends, which a rebuild, that rewrites every one of them, does in effect anyway.
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
	stmts := []string{"TRUNCATE progress_counters"}
	for _, ix := range indexes {
		stmts = append(stmts, "DROP INDEX "+pq.QuoteIdentifier(ix[0]))
	}
	stmts = append(stmts, (sqlRules{today}).statements()...)
	stmts = append(stmts, "SET LOCAL maintenance_work_mem = '1GB'")
	for _, ix := range indexes {
		stmts = append(stmts, ix[1])
	}
	for _, s := range stmts {
		if err := d.exec(ctx, s); err != nil {
			return fmt.Errorf("progress rebuild: %w", err)
		}
	}
	return nil
}
