package notify

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	"github.com/riverqueue/river"

	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/ent/notification"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/province"
	"github.com/liemchinh/liemchinh/ent/selfassessment"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

// ManagerPage is how many unit managers one digest statement counts for.
const ManagerPage = 500

// DigestArgs is the weekly job sending unit managers their digest (DESIGN.md §12), once per ISO
// week: River keeps one job per week (unique by its arguments), and each manager's notification
// has the week in its dedupe key, so a job run again (or by another process) adds nothing.
type DigestArgs struct {
	Week string `json:"week"` // ISO week, e.g. 2026-W50
}

// Kind is River's name of the job.
func (DigestArgs) Kind() string { return "notify_digest" }

// InsertOpts: one digest job per week, however many processes or leaders enqueue it.
func (DigestArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

type digestWorker struct {
	river.WorkerDefaults[DigestArgs]
	s *Service
}

func (w *digestWorker) Work(ctx context.Context, job *river.Job[DigestArgs]) error {
	now := w.s.opt.Now()
	if week := isoWeek(now.In(workdays.Vietnam)); week != job.Args.Week {
		// Retried into another week: that week's own job sends its digest.
		return river.JobCancel(fmt.Errorf("digest of %s run in %s", job.Args.Week, week))
	}
	_, err := w.s.Digest(ctx, now)
	return err
}

// DigestDue returns the week whose digest is due at now, if one is: the weeks whose Monday falls
// in December or January (Vietnam time), from Monday 08:00 to the end of the ISO week (Sunday:
// the season is the Monday's, so a week begun in November does not start mid-week on 1
// December, and the last January week is still caught up in February), so that a week whose
// Monday found every process down still gets its digest when one comes back. River keeps a
// completed job a day, so the hourly job runs again at most once a day in the rest of the week;
// such a run counts only the managers without the week's digest (Digest) and adds nothing for
// the others (each manager's notification is unique by its week).
func DigestDue(now time.Time) (string, bool) {
	local := now.In(workdays.Vietnam)
	monday := local.AddDate(0, 0, -((int(local.Weekday()) + 6) % 7))
	if monday.Month() != time.December && monday.Month() != time.January {
		return "", false
	}
	if local.Weekday() == time.Monday && local.Hour() < 8 {
		return "", false
	}
	return isoWeek(local), true
}

func isoWeek(t time.Time) string {
	y, w := t.ISOWeek()
	return fmt.Sprintf("%d-W%02d", y, w)
}

// DigestStats says what a digest run did.
type DigestStats struct {
	Managers      int // unit managers looked at
	Counted       int // of them, those whose counts were read: without the week's digest yet
	Notifications int // digests enqueued (managers with something behind, not sent one this week)
}

// DigestYears are the years a digest at now is about: the pledges due on the coming 31 January
// (in December, next year's; in January, this year's), and the self-assessments of the year
// before that, being reviewed.
func DigestYears(now time.Time) (pledgeYear, assessmentYear int) {
	local := now.In(workdays.Vietnam)
	pledgeYear = local.Year()
	if local.Month() != time.January {
		pledgeYear++
	}
	return pledgeYear, pledgeYear - 1
}

// Digest enqueues the weekly digest of every enabled unit manager whose scope has officials in
// service without a signed pledge for the year, or self-assessments awaiting review: one
// notification with the two counts, and none when both are zero. Only in December and January
// (Vietnam time). The counts are those the manager reads (their scope read as authz does:
// a unit with its sub-units, a district's units, a province's with those merged into it), their
// own assessment left out (nobody reviews their own). Managers are read ManagerPage at a time,
// and each page's counts are one grouped statement.
func (s *Service) Digest(ctx context.Context, now time.Time) (DigestStats, error) {
	var st DigestStats
	local := now.In(workdays.Vietnam)
	if local.Month() != time.December && local.Month() != time.January {
		return st, nil
	}
	db, err := s.rawDB()
	if err != nil {
		return st, err
	}
	week := isoWeek(local)
	pledgeYear, assessmentYear := DigestYears(now)
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, workdays.Vietnam).UTC()
	after := ""
	for {
		rows, err := db.QueryContext(ctx, s.ph(`SELECT id, scope_kind, COALESCE(`+account.ScopeUnitColumn+`, `+account.ScopeDistrictColumn+`, `+
			account.ScopeProvinceColumn+`, '') FROM `+account.Table+` WHERE `+account.FieldRole+` = ? AND NOT `+account.FieldDisabled+
			` AND id > ? ORDER BY id LIMIT ?`), string(authz.RoleUnitManager), after, ManagerPage)
		if err != nil {
			return st, err
		}
		var ids []string
		subject := map[string]string{}
		for rows.Next() {
			var id, kind, scope string
			if err := rows.Scan(&id, &kind, &scope); err != nil {
				rows.Close()
				return st, err
			}
			ids = append(ids, id)
			subject[id] = scope
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return st, err
		}
		if len(ids) == 0 {
			return st, nil
		}
		st.Managers += len(ids)
		after = ids[len(ids)-1]
		// A run again in the week (catching up, or another process) counts only the managers
		// not sent the week's digest yet: the counts are the statement that costs.
		if ids, err = s.withoutDigest(ctx, ids, week); err != nil {
			return st, err
		}
		if len(ids) == 0 {
			continue
		}
		st.Counted += len(ids)
		counts, err := s.digestCounts(ctx, ids, today, pledgeYear, assessmentYear)
		if err != nil {
			return st, err
		}
		var items []Item
		for _, id := range ids {
			c := counts[id]
			if c[0] == 0 && c[1] == 0 {
				continue // nothing behind: no empty digest
			}
			items = append(items, Item{Kind: WeeklyDigest, AccountID: id, Subject: subject[id], Cause: week,
				Params: map[string]string{"notPledged": strconv.Itoa(c[0]), "awaitingReview": strconv.Itoa(c[1]),
					"year": strconv.Itoa(pledgeYear), "assessmentYear": strconv.Itoa(assessmentYear)}})
		}
		n, err := s.enqueue(ctx, items...)
		st.Notifications += n
		if err != nil {
			return st, err
		}
	}
}

// withoutDigest returns the managers among ids who have no digest of week: one statement on the
// notifications' unique dedupe keys.
func (s *Service) withoutDigest(ctx context.Context, ids []string, week string) ([]string, error) {
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = dedupeKey(WeeklyDigest, id, week)
	}
	have, err := s.client.Notification.Query().Where(notification.DedupeKeyIn(keys...)).
		Select(notification.FieldDedupeKey).Strings(authz.System(ctx, authz.SysNotify))
	if err != nil {
		return nil, err
	}
	sent := make(map[string]bool, len(have))
	for _, k := range have {
		sent[k] = true
	}
	out := ids[:0:0]
	for i, id := range ids {
		if !sent[keys[i]] {
			out = append(out, id)
		}
	}
	return out, nil
}

// digestCounts returns, for each of the managers, the officials in service in their scope
// without a signed pledge for pledgeYear, and the self-assessments of assessmentYear made in
// their scope awaiting review (submitted) but their own: one statement grouped by manager. The
// counts are correlated subqueries per unit of a scope, so that each is a range of the unit's
// index, and a national scope is counted without listing its units: joined to all officials,
// PostgreSQL misjudged a page's units (the nation's branch estimated 200 times too many) and
// scanned the 2.2 million officials of the national seed (17 s for 500 managers).
func (s *Service) digestCounts(ctx context.Context, managers []string, today time.Time, pledgeYear, assessmentYear int) (map[string][2]int, error) {
	db, err := s.rawDB()
	if err != nil {
		return nil, err
	}
	in := make([]string, len(managers))
	var args []any
	for i, id := range managers {
		in[i] = "?"
		args = append(args, id)
	}
	for range 2 {
		args = append(args, today, today, pledgeYear, assessmentYear, string(selfassessment.StatusSUBMITTED))
	}
	// The counts of one unit of a scope (cond "column = su.unit_id AND "), or of the nation ("").
	notPledged := func(cond string) string {
		return `(SELECT count(*) FROM ` + official.Table + ` o WHERE ` + cond + `(o.active_to IS NULL OR o.active_to >= ?)
			AND o.active_from <= ? AND NOT EXISTS (` + doneFilter(PledgeReminder) + `))`
	}
	toReview := func(cond string) string {
		return `(SELECT count(*) FROM ` + selfassessment.Table + ` sa WHERE ` + cond + `sa.year = ? AND sa.status = ?
			AND (m.official_id IS NULL OR sa.` + selfassessment.OfficialColumn + ` <> m.official_id))`
	}
	// scope_units(acc, unit_id): every unit in each manager's scope, as authz's unitsIn reads a
	// scope; a national scope is counted whole instead.
	q := `WITH RECURSIVE mgr(acc, official_id, kind, unit_id, district_id, province_id) AS (
			SELECT id, ` + account.OfficialColumn + `, ` + account.FieldScopeKind + `, ` + account.ScopeUnitColumn + `, ` +
		account.ScopeDistrictColumn + `, ` + account.ScopeProvinceColumn + ` FROM ` + account.Table + ` WHERE id IN (` + strings.Join(in, ",") + `)),
		sub(acc, unit_id) AS (
			SELECT acc, unit_id FROM mgr WHERE kind = 'UNIT'
			UNION ALL SELECT sub.acc, u.id FROM ` + unit.Table + ` u JOIN sub ON u.` + unit.ParentColumn + ` = sub.unit_id),
		scope_units(acc, unit_id) AS (
			SELECT acc, unit_id FROM sub
			UNION ALL SELECT m.acc, u.id FROM mgr m JOIN ` + unit.Table + ` u ON u.` + unit.DistrictColumn + ` = m.district_id WHERE m.kind = 'DISTRICT'
			UNION ALL SELECT m.acc, u.id FROM mgr m JOIN ` + province.Table + ` p ON p.id = m.province_id OR p.` + province.SuccessorColumn + ` = m.province_id
				JOIN ` + unit.Table + ` u ON u.` + unit.ProvinceColumn + ` = p.id WHERE m.kind = 'PROVINCE'
			)
		SELECT su.acc, sum(` + notPledged("o."+official.UnitColumn+" = su.unit_id AND ") + `), sum(` + toReview("sa."+selfassessment.FieldScopeUnitID+" = su.unit_id AND ") + `)
		FROM scope_units su JOIN mgr m ON m.acc = su.acc
		GROUP BY su.acc
		UNION ALL
		SELECT m.acc, ` + notPledged("") + `, ` + toReview("") + ` FROM mgr m WHERE m.kind = 'NATION'`
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: s.dialect == dialect.Postgres})
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback() }()
	if s.dialect == dialect.Postgres {
		// The national branch's estimate (every official) makes PostgreSQL compile the statement
		// with JIT: 2.4 s of the 2.8 s a page of 500 managers took on the national seed.
		if _, err := tx.ExecContext(ctx, "SET LOCAL jit = off"); err != nil {
			return nil, err
		}
	}
	rows, err := tx.QueryContext(ctx, s.ph(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][2]int{}
	for rows.Next() {
		var (
			acc                  string
			notPledged, toReview int
		)
		if err := rows.Scan(&acc, &notPledged, &toReview); err != nil {
			return nil, err
		}
		out[acc] = [2]int{notPledged, toReview}
	}
	return out, rows.Err()
}
