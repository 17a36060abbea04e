package seed_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/fold"
	"github.com/liemchinh/liemchinh/internal/namesearch"
	"github.com/liemchinh/liemchinh/internal/progress"
	"github.com/liemchinh/liemchinh/internal/recordscope"
	"github.com/liemchinh/liemchinh/internal/sealbox"
	"github.com/liemchinh/liemchinh/internal/seed"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Main(m) }

// nationalScale is small enough for a test: 34 provinces, a commune each, about 150 units and
// 1,800 officials.
const nationalScale = 0.001

var nationalNow = time.Date(2026, time.November, 29, 10, 0, 0, 0, time.UTC)

func nationalOptions(t *testing.T) seed.NationalOptions {
	t.Helper()
	box, err := sealbox.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return seed.NationalOptions{Scale: nationalScale, Now: nationalNow, Box: box}
}

func TestNational(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		ctx := context.Background()
		db := testutil.Open(t, dia)
		st, err := seed.National(ctx, db.DB, nationalOptions(t))
		if dia == dialect.SQLite {
			if !errors.Is(err, seed.ErrNationalNeedsPostgres) || !strings.Contains(err.Error(), "cần PostgreSQL") ||
				!strings.Contains(err.Error(), "needs PostgreSQL") {
				t.Fatalf("SQLite: got %v, want the bilingual refusal", err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		q := func(query string, args ...any) int64 {
			t.Helper()
			var n int64
			if err := db.SQL.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
				t.Fatalf("%s: %v", query, err)
			}
			return n
		}

		t.Run("folded names", func(t *testing.T) {
			// COPY bypasses the ent hooks: the loader writes the folded copies search matches.
			if n := q(`SELECT count(*) FROM officials WHERE full_name_folded = '' OR full_name_folded <> lower(full_name_folded)`) +
				q(`SELECT count(*) FROM units WHERE name_folded = ''`); n != 0 {
				t.Errorf("%d officials or units without their folded name", n)
			}
			var name, folded string
			if err := db.SQL.QueryRowContext(ctx, `SELECT full_name, full_name_folded FROM officials ORDER BY id LIMIT 1`).Scan(&name, &folded); err != nil {
				t.Fatal(err)
			}
			if folded != fold.Query(name) {
				t.Errorf("official %q folded as %q, want %q", name, folded, fold.Query(name))
			}
			// And the word starts of every official's name, with their unit, that search counts.
			rows, err := db.SQL.QueryContext(ctx, `SELECT full_name_folded FROM officials`)
			if err != nil {
				t.Fatal(err)
			}
			var want int64
			for rows.Next() {
				if err := rows.Scan(&folded); err != nil {
					t.Fatal(err)
				}
				want += int64(len(namesearch.Keys(folded)))
			}
			if err := rows.Close(); err != nil {
				t.Fatal(err)
			}
			if got := q(`SELECT count(*) FROM official_name_keys k JOIN officials o ON o.id = k.official_id
				AND o.unit_officials = k.unit_id AND (o.full_name_folded = k.key OR o.full_name_folded LIKE '% ' || k.key)`); got != want ||
				q(`SELECT count(*) FROM official_name_keys`) != want {
				t.Errorf("%d name keys matching their official and unit, want %d", got, want)
			}
		})

		t.Run("record scope", func(t *testing.T) {
			// COPY bypasses the ent hooks: the loader stamps where each record was made.
			got, err := recordscope.Unstamped(ctx, db.SQL)
			if err != nil {
				t.Fatal(err)
			}
			for table, n := range got {
				if n != 0 {
					t.Errorf("%s: %d records stamped otherwise than the hook's rule", table, n)
				}
			}
		})

		t.Run("person concerned", func(t *testing.T) {
			// Visible to its official from the start of verification (praise: acceptance), with
			// the handler's notice when it names one; never before (DESIGN.md §5).
			from := `(SELECT min(e.occurred_at) FROM case_events e WHERE e.citizen_case_events = c.id AND e.kind =
				CASE WHEN c.channel = 'PRAISE' THEN 'ACCEPTED' ELSE 'VERIFICATION_STARTED' END)`
			if n := q(`SELECT count(*) FROM cases c WHERE c.subject_visible_at IS DISTINCT FROM ` + from); n != 0 {
				t.Errorf("%d cases visible to their official from another time than the start of verification", n)
			}
			if n := q(`SELECT count(*) FROM cases c WHERE (c.subject_notice IS NOT NULL) <> (c.subject_visible_at IS NOT NULL
				AND c.official_cases IS NOT NULL AND c.channel <> 'PRAISE')`); n != 0 {
				t.Errorf("%d cases with a notice to the official concerned where none belongs, or none where one does", n)
			}
			if n := q(`SELECT count(*) FROM cases WHERE subject_notice IS NOT NULL`); n == 0 {
				t.Error("no case with a notice to the official concerned")
			}
		})

		t.Run("counts", func(t *testing.T) {
			if st.Provinces != 34 || q(`SELECT count(DISTINCT province_units) FROM units`) != 34 {
				t.Errorf("provinces: stats %d, with units %d; want 34", st.Provinces, q(`SELECT count(DISTINCT province_units) FROM units`))
			}
			if n := q(`SELECT count(*) FROM units u JOIN provinces p ON p.id = u.province_units WHERE p.valid_to IS NOT NULL`); n != 0 {
				t.Errorf("%d units hang under a province of before the merger", n)
			}
			if n := q(`SELECT count(*) FROM units WHERE district_units IS NOT NULL`); n != 0 {
				t.Errorf("%d units have a district", n)
			}
			// One provincial people's committee and at least one commune per province.
			if n := q(`SELECT count(*) FROM units WHERE level = 'PROVINCE' AND kind = 'PEOPLES_COMMITTEE'`); n != 34 {
				t.Errorf("provincial committees: %d, want 34", n)
			}
			if st.Communes < 34 || int64(st.Communes) != q(`SELECT count(*) FROM units WHERE level = 'COMMUNE' AND kind = 'PEOPLES_COMMITTEE'`) {
				t.Errorf("communes: stats %d", st.Communes)
			}
			for table, want := range map[string]int64{"units": int64(st.Units), "officials": int64(st.Officials)} {
				if got := q(`SELECT count(*) FROM ` + table); got != want || got != st.RowsOf(table) {
					t.Errorf("%s: %d rows, stats say %d and %d", table, got, want, st.RowsOf(table))
				}
			}
			for _, tr := range st.Tables {
				if got := q(`SELECT count(*) FROM ` + tr.Table); got != tr.Rows {
					t.Errorf("%s: %d rows, loaded %d", tr.Table, got, tr.Rows)
				}
			}
			// The scale: 2.2 million officials at 1.
			if st.Officials < 1000 || st.Officials > 4000 {
				t.Errorf("%d officials at scale %v", st.Officials, nationalScale)
			}
			// A signed pledge a year for 90% or more of those in service at the year's end.
			for y := 2021; y <= 2026; y++ {
				end := time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC)
				if y == 2026 {
					end = time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
				}
				active := q(`SELECT count(*) FROM officials WHERE active_from <= $1 AND (active_to IS NULL OR active_to >= $1)`, end)
				signed := q(`SELECT count(*) FROM pledges p JOIN officials o ON o.id = p.official_pledges
					WHERE p.year = $1 AND p.status = 'SIGNED' AND o.active_from <= $2 AND (o.active_to IS NULL OR o.active_to >= $2)`, y, end)
				if r := float64(signed) / float64(active); r < 0.85 || r > 1 {
					t.Errorf("%d: %d of %d in service have a signed pledge (%.2f)", y, signed, active, r)
				}
			}
			if n := q(`SELECT count(*) FROM self_assessments WHERE year <= 2025 AND (status <> 'REVIEWED' OR final_classification IS NULL)`); n != 0 {
				t.Errorf("%d past self-assessments not reviewed", n)
			}
			if n := q(`SELECT count(*) FROM self_assessments WHERE year = 2026 AND status NOT IN ('DRAFT', 'SUBMITTED', 'RETURNED')`); n != 0 {
				t.Errorf("%d self-assessments of 2026 reviewed already", n)
			}
			if q(`SELECT count(*) FROM cases`) == 0 || q(`SELECT count(*) FROM incidents`) == 0 || q(`SELECT count(*) FROM commendations WHERE status = 'APPROVED'`) == 0 {
				t.Error("no cases, incidents or approved commendations")
			}
		})

		t.Run("tree", func(t *testing.T) {
			// Every unit of a commune hangs under the commune's people's committee, in its province.
			if n := q(`SELECT count(*) FROM units c LEFT JOIN units p ON p.id = c.unit_children
				WHERE c.level = 'COMMUNE' AND c.kind <> 'PEOPLES_COMMITTEE'
				AND (p.id IS NULL OR p.level <> 'COMMUNE' OR p.kind <> 'PEOPLES_COMMITTEE' OR p.province_units <> c.province_units)`); n != 0 {
				t.Errorf("%d commune units are not under their commune's people's committee", n)
			}
			if n := q(`SELECT count(*) FROM units p WHERE p.level = 'COMMUNE' AND p.kind = 'PEOPLES_COMMITTEE'
				AND (p.unit_children IS NOT NULL OR NOT EXISTS (SELECT 1 FROM units c WHERE c.unit_children = p.id))`); n != 0 {
				t.Errorf("%d commune committees have a parent or no children", n)
			}
			if n := q(`SELECT count(*) FROM units c JOIN units p ON p.id = c.unit_children WHERE p.province_units <> c.province_units`); n != 0 {
				t.Errorf("%d units under a unit of another province", n)
			}
		})

		t.Run("constraints", func(t *testing.T) {
			// The indexes and foreign keys taken off for the load are back, validated, exactly as
			// migrated: compare with a fresh migrated database.
			fresh := testutil.Open(t, dia)
			schema := func(db *testutil.DB) string {
				var s string
				err := db.SQL.QueryRowContext(ctx, `SELECT string_agg(d, E'\n' ORDER BY d) FROM (
					SELECT indexdef AS d FROM pg_indexes WHERE schemaname = current_schema()
					UNION ALL SELECT conname || ' ' || pg_get_constraintdef(k.oid) || ' ' || convalidated::text
					FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace WHERE n.nspname = current_schema()) x`).Scan(&s)
				if err != nil {
					t.Fatal(err)
				}
				return s
			}
			if got, want := schema(db), schema(fresh); got != want {
				t.Errorf("schema after the load differs from the migrated one:\n%s\nwant\n%s", got, want)
			}
		})

		t.Run("accounts", func(t *testing.T) {
			if n := q(`SELECT count(*) FROM accounts WHERE login IN ('national.admin', 'national.supervisor')`); n != 2 {
				t.Errorf("%d national accounts", n)
			}
			if n := q(`SELECT count(*) FROM accounts WHERE login LIKE 'province.%.supervisor' AND role = 'SUPERVISOR'
				AND scope_kind = 'PROVINCE' AND scope_province_id IS NOT NULL`); n != 34 {
				t.Errorf("%d province supervisors, want 34", n)
			}
		})

		t.Run("headcount", func(t *testing.T) {
			ict := time.FixedZone("ICT", 7*3600)
			now := time.Now().In(ict)
			today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
			want := q(`SELECT count(*) FROM officials WHERE active_from <= $1 AND (active_to IS NULL OR active_to >= $1)`, today)
			r, err := progress.New(db.DB, time.Now).Figures(authz.System(ctx, authz.SysTestFixture), authz.Scope{Kind: authz.ScopeNation}, now.Year())
			if err != nil {
				t.Fatal(err)
			}
			if r.Headcount != want {
				t.Errorf("progress headcount of the nation %d, officials in service today %d", r.Headcount, want)
			}
		})

		t.Run("deterministic", func(t *testing.T) {
			other := testutil.Open(t, dia)
			st2, err := seed.National(ctx, other.DB, nationalOptions(t))
			if err != nil {
				t.Fatal(err)
			}
			if st2.Rows != st.Rows {
				t.Errorf("rows %d then %d", st.Rows, st2.Rows)
			}
			if a, b := fingerprint(t, db), fingerprint(t, other); a != b {
				t.Errorf("two loads differ:\n%s\n%s", a, b)
			}
		})

		t.Run("refuses a database with officials", func(t *testing.T) {
			_, err := seed.National(ctx, db.DB, nationalOptions(t))
			if err == nil || !strings.Contains(err.Error(), "empty") {
				t.Fatalf("second load: %v", err)
			}
			if n := q(`SELECT count(*) FROM officials`); n != int64(st.Officials) {
				t.Errorf("the refused load changed the officials: %d", n)
			}
		})
	})
}

// fingerprint is each loaded table's row count and a checksum of its ids and of its rows.
func fingerprint(t *testing.T, db *testutil.DB) string {
	t.Helper()
	var b strings.Builder
	for _, table := range []string{"units", "officials", "acknowledgements", "pledges", "emulation_registrations",
		"self_assessments", "inspections", "cases", "case_events", "case_messages", "incidents", "commendations", "accounts"} {
		var n int64
		var ids, rows string
		err := db.SQL.QueryRowContext(context.Background(), `SELECT count(*), md5(coalesce(string_agg(id, ',' ORDER BY id), '')),
			md5(coalesce(string_agg(t::text, ',' ORDER BY id), '')) FROM `+table+` t`).Scan(&n, &ids, &rows)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %d %s %s\n", table, n, ids, rows)
	}
	return b.String()
}
