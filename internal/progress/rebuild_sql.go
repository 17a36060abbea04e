package progress

import (
	"context"
	"fmt"
	"strings"

	"github.com/liemchinh/liemchinh/internal/deadline"
)

// On PostgreSQL the counters are rebuilt set-based: a few INSERT ... SELECT ... GROUP BY
// statements compute what every record contributes to its unit (the rules of contrib.go, written
// in SQL), and one more adds the units' figures up into every scope holding them (scopesOf). On
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

// statements are the rebuild's statements, in order. pc_unit receives each record's
// contribution to its unit (unit, year, key, v); the last statement adds them up into every scope.
func (r sqlRules) statements() []string {
	var acceptance, conclusion []string
	for _, s := range deadline.AcceptanceStates {
		acceptance = append(acceptance, string(s))
	}
	for _, s := range deadline.ConclusionStates {
		conclusion = append(conclusion, string(s))
	}
	contrib := func(sel string) string { return "INSERT INTO pc_unit (unit, year, key, v) " + sel }
	return []string{
		"DELETE FROM progress_counters",
		"SET LOCAL work_mem = '256MB'",
		"CREATE TEMP TABLE pc_unit (unit text NOT NULL, year bigint NOT NULL, key text NOT NULL, v bigint NOT NULL) ON COMMIT DROP",
		// Where each unit counts: itself and its ancestors (UNION stops at a cycle, as scopesOf
		// does), its district, its province and the nation.
		`CREATE TEMP TABLE pc_scope ON COMMIT DROP AS
		WITH RECURSIVE chain(unit, anc) AS (
			SELECT id, id FROM units
			UNION SELECT c.unit, u.unit_children FROM chain c JOIN units u ON u.id = c.anc WHERE u.unit_children IS NOT NULL)
		SELECT unit, anc AS scope FROM chain
		UNION ALL SELECT id, district_units FROM units WHERE district_units IS NOT NULL
		UNION ALL SELECT id, province_units FROM units WHERE province_units IS NOT NULL
		UNION ALL SELECT id, '` + nationScope + `' FROM units`,
		// Officials: the headcount of each year they are active on its reference day, and those
		// aware by then (their first acknowledgement of any campaign) by its month.
		contrib(fmt.Sprintf(`SELECT o.unit_officials, y, k, count(*) FROM officials o
		LEFT JOIN (SELECT official_acknowledgements AS id, min(acknowledged_at) AS at FROM acknowledgements GROUP BY 1) a ON a.id = o.id
		CROSS JOIN generate_series(%d, %d) y
		CROSS JOIN LATERAL unnest(CASE WHEN a.at IS NOT NULL AND %s <= %s THEN ARRAY['%s', '%s', %s] ELSE ARRAY['%s'] END) k
		WHERE %s GROUP BY 1, 2, 3`,
			FirstYear, r.today.Y, r.day("a.at"), r.ref("y"), kHeadcount, kAware, r.monthly(kAware, r.month("a.at", "y")),
			kHeadcount, r.active("o", "y"))),
		// Pledges: once a year an official is counted, from the earliest signature.
		contrib(fmt.Sprintf(`SELECT o.unit_officials, p.year, k, count(*) FROM
		(SELECT official_pledges AS id, year, min(signed_at) AS at FROM pledges WHERE status = 'SIGNED' AND %s GROUP BY 1, 2) p
		JOIN officials o ON o.id = p.id
		CROSS JOIN LATERAL unnest(ARRAY['%s', %s]) k
		WHERE %s GROUP BY 1, 2, 3`,
			r.inYears("year"), kPledge, r.monthly(kPledge, r.month("p.at", "p.year")), r.active("o", "p.year"))),
		// Yearly self-assessments: once a year an official is counted, by the month of the earliest
		// submission (13 without one), classified by the latest reviewed (later: by submission,
		// none first, then by classification, not rated as "").
		contrib(fmt.Sprintf(`SELECT o.unit_officials, s.year, k, count(*) FROM
		(SELECT official_self_assessments AS id, year,
			min(CASE WHEN submitted_at IS NULL THEN 13 ELSE %s END) AS m,
			(array_agg(cls ORDER BY submitted_at DESC NULLS LAST, cls COLLATE "C" DESC) FILTER (WHERE status = 'REVIEWED'))[1] AS cls
			FROM (SELECT *, CASE WHEN final_classification IS NULL OR not_rated THEN '' ELSE final_classification END AS cls
				FROM self_assessments WHERE period_kind = 'YEAR' AND status IN ('SUBMITTED', 'REVIEWED') AND %s) x
			GROUP BY 1, 2) s
		JOIN officials o ON o.id = s.id
		CROSS JOIN LATERAL unnest(ARRAY['%s', %s] || CASE WHEN s.cls IS NULL THEN '{}'::text[]
			ELSE ARRAY['%s' || CASE WHEN s.cls = '' THEN '%s' ELSE s.cls END] END) k
		WHERE %s GROUP BY 1, 2, 3`,
			r.month("submitted_at", "year"), r.inYears("year"), kAssessed, r.monthly(kAssessed, "s.m"), kClass, notRated,
			r.active("o", "s.year"))),
		// Incidents: officials with one in a year (active or not), by the month of the first.
		contrib(fmt.Sprintf(`SELECT o.unit_officials, i.year, k, count(*) FROM
		(SELECT official_incidents AS id, year, min(occurred_on) AS at FROM incidents WHERE %s GROUP BY 1, 2) i
		JOIN officials o ON o.id = i.id
		CROSS JOIN LATERAL unnest(ARRAY['%s', %s]) k GROUP BY 1, 2, 3`,
			r.inYears("year"), kNegative, r.monthly(kNegative, r.month("i.at", "i.year")))),
		// Approved commendations: an official's with the official's unit, a unit's alone with the unit.
		contrib(fmt.Sprintf(`SELECT coalesce(o.unit_officials, c.unit_commendations), c.year, k, count(*) FROM commendations c
		LEFT JOIN officials o ON o.id = c.official_commendations
		CROSS JOIN LATERAL unnest(ARRAY['%s', '%s' || c.form, '%s' || c.level]) k
		WHERE c.status = 'APPROVED' AND %s AND (c.official_commendations IS NULL OR o.id IS NOT NULL)
			AND coalesce(o.unit_officials, c.unit_commendations) IS NOT NULL
		GROUP BY 1, 2, 3`, kCmTotal, kCmForm, kCmLevel, r.inYears("c.year"))),
		// Units: one each year; their emulation registrations by month.
		contrib(fmt.Sprintf(`SELECT id, y, '%s', 1 FROM units CROSS JOIN generate_series(%d, %d) y`, kUnits, FirstYear, r.today.Y)),
		contrib(fmt.Sprintf(`SELECT unit_emulation_registrations, year, k, count(*) FROM emulation_registrations
		CROSS JOIN LATERAL unnest(ARRAY['%s', %s]) k WHERE %s GROUP BY 1, 2, 3`,
			kRegistered, r.monthly(kRegistered, r.month("registered_at", "year")), r.inYears("year"))),
		// Cases, in the year they were received: by month, channel, category, state; concluded and
		// on time; rated; and the open ones by the deadline they are held to (deadline.Open).
		contrib(fmt.Sprintf(`SELECT unit_cases, y, kv.k, sum(kv.v) FROM
		(SELECT *, extract(year FROM %s)::int AS y,
			CASE WHEN state IN (%s) THEN acknowledge_due_at WHEN state IN (%s) THEN due_at END AS open_due FROM cases) c
		CROSS JOIN LATERAL (VALUES
			('%s', 1), (%s, 1), ('%s' || channel, 1), ('%s' || coalesce(nullif(category, ''), '%s'), 1), ('%s' || state, 1),
			(CASE WHEN concluded_at IS NOT NULL AND due_at IS NOT NULL THEN '%s' END, 1),
			(CASE WHEN concluded_at <= due_at THEN '%s' END, 1),
			(CASE WHEN state = 'CLOSED' AND rating IS NOT NULL THEN '%s' END, 1),
			(CASE WHEN state = 'CLOSED' AND rating IS NOT NULL THEN '%s' END, rating),
			(CASE WHEN open_due IS NOT NULL THEN '%s' || to_char(%s, 'YYYYMMDD') END, 1),
			(CASE WHEN open_due IS NOT NULL THEN '%s' || to_char(%s, 'YYYYMMDDHH24MI') END, 1)) kv(k, v)
		WHERE kv.k IS NOT NULL AND %s GROUP BY 1, 2, 3`,
			r.local("received_at"), quoted(acceptance), quoted(conclusion),
			kReceived, r.monthly(kReceived, r.month("received_at", "y")), kChannel, kCategory, noCategory, kState,
			kConcluded, kOnTime, kRated, kRatingSum,
			kDueDay, r.local("open_due"), kDueMin, r.local("open_due"), r.inYears("y"))),
		// Every unit's figures into every scope holding it; deadlines under the scopes' due scopes.
		`INSERT INTO progress_counters (scope, year, key, shard, value)
		SELECT CASE WHEN u.key LIKE 'case.due%' THEN 'due:' || s.scope ELSE s.scope END, u.year, u.key, 0, sum(u.v)
		FROM (SELECT unit, year, key, sum(v) AS v FROM pc_unit GROUP BY 1, 2, 3) u JOIN pc_scope s ON s.unit = u.unit
		GROUP BY 1, 2, 3 HAVING sum(u.v) <> 0`,
	}
}

// rebuildSQL recomputes every counter from the records set-based (PostgreSQL), in d's transaction.
func rebuildSQL(ctx context.Context, d db, today day) error {
	for _, s := range (sqlRules{today}).statements() {
		if err := d.exec(ctx, s); err != nil {
			return fmt.Errorf("progress rebuild: %w", err)
		}
	}
	return nil
}
