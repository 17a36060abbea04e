package notify

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	"github.com/lib/pq"
	"github.com/riverqueue/river"

	"github.com/liemchinh/liemchinh/ent/notification"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/pid"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

// Reminders says when officials are reminded (DESIGN.md §12): of their pledge 14 and 3 days
// before it is due (31 January of the year), of the self-assessment window 7 days and 1 day
// before it closes.
type Reminders struct {
	PledgeDue       func(year int) time.Time // the day a year's pledge is due (Vietnam time)
	AssessmentClose func(year int) time.Time // the last day of a year's self-assessment window
}

// Days before each deadline that a reminder goes out.
var (
	PledgeReminderDays     = []int{14, 3}
	AssessmentReminderDays = []int{7, 1}
)

// RemindArgs is the periodic job sending the reminders due on a day.
type RemindArgs struct {
	Day string `json:"day"` // YYYY-MM-DD, Vietnam time ("" for today)
}

func (RemindArgs) Kind() string { return "notify_remind" }

// InsertOpts: one reminder run per day, however many processes or leaders enqueue it.
func (RemindArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

type remindWorker struct {
	river.WorkerDefaults[RemindArgs]
	s *Service
}

func (w *remindWorker) Work(ctx context.Context, job *river.Job[RemindArgs]) error {
	day, err := time.ParseInLocation(time.DateOnly, job.Args.Day, workdays.Vietnam)
	if err != nil {
		return river.JobCancel(fmt.Errorf("remind: bad day %q", job.Args.Day))
	}
	_, err = w.s.RemindOn(ctx, day)
	return err
}

// DeadlinesArgs is the periodic job warning handlers of their cases' deadlines, once an hour.
type DeadlinesArgs struct {
	Hour string `json:"hour"`
}

func (DeadlinesArgs) Kind() string { return "notify_deadlines" }

func (DeadlinesArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

type deadlinesWorker struct {
	river.WorkerDefaults[DeadlinesArgs]
	s *Service
}

func (w *deadlinesWorker) Work(ctx context.Context, _ *river.Job[DeadlinesArgs]) error {
	_, err := w.s.RemindHandlers(ctx, w.s.opt.Now())
	return err
}

// CleanupArgs is the periodic job removing notifications past their retention.
type CleanupArgs struct{}

func (CleanupArgs) Kind() string { return "notify_cleanup" }

func (CleanupArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
}

type cleanupWorker struct {
	river.WorkerDefaults[CleanupArgs]
	s *Service
}

func (w *cleanupWorker) Work(ctx context.Context, _ *river.Job[CleanupArgs]) error {
	_, err := w.s.Cleanup(ctx)
	return err
}

// periodicJobs are run by the leader among the processes: the reminders of the day (asked for
// every hour, done once a day: the job is unique by day and each notification by its key), the
// handlers' deadline warnings every hour, the managers' weekly digest (asked for every hour,
// done once a week) and the retention clean-up every hour.
func (s *Service) periodicJobs() []*river.PeriodicJob {
	var jobs []*river.PeriodicJob
	if s.opt.Reminders != nil {
		jobs = append(jobs, river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
			now := s.opt.Now().In(workdays.Vietnam)
			// Not before 08:00 Vietnam time: reminders are not sent at night.
			if now.Hour() < 8 {
				return nil, nil
			}
			return RemindArgs{Day: now.Format(time.DateOnly)}, nil
		}, &river.PeriodicJobOpts{RunOnStart: true, ID: "notify_remind"}))
	}
	if s.opt.Deadlines != nil {
		jobs = append(jobs, river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
			return DeadlinesArgs{Hour: s.opt.Now().UTC().Truncate(time.Hour).Format(time.RFC3339)}, nil
		}, &river.PeriodicJobOpts{RunOnStart: true, ID: "notify_deadlines"}))
	}
	if s.opt.Digests {
		jobs = append(jobs, river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
			week, ok := DigestDue(s.opt.Now())
			if !ok {
				return nil, nil
			}
			return DigestArgs{Week: week}, nil
		}, &river.PeriodicJobOpts{RunOnStart: true, ID: "notify_digest"}))
	}
	if s.opt.Retention > 0 {
		jobs = append(jobs, river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
			return CleanupArgs{}, nil
		}, &river.PeriodicJobOpts{RunOnStart: true, ID: "notify_cleanup"}))
	}
	return jobs
}

// Cleanup removes the notifications older than the retention, a batch at a time.
func (s *Service) Cleanup(ctx context.Context) (int, error) {
	if s.opt.Retention <= 0 {
		return 0, nil
	}
	ctx = authz.System(ctx, authz.SysNotify)
	before := s.opt.Now().Add(-s.opt.Retention)
	total := 0
	for {
		ids, err := s.client.Notification.Query().Where(notification.CreatedAtLT(before)).Limit(5000).IDs(ctx)
		if err != nil || len(ids) == 0 {
			return total, err
		}
		n, err := s.client.Notification.Delete().Where(notification.IDIn(ids...)).Exec(ctx)
		total += n
		if err != nil {
			return total, err
		}
	}
}

// RemindStats says what a reminder run enqueued.
type RemindStats struct {
	Notifications int
	Jobs          int
	Elapsed       time.Duration
}

// RemindOn enqueues the reminders due on day (Vietnam time): pledges not signed, self-assessments
// not submitted. Run again on the same day, it adds nothing.
func (s *Service) RemindOn(ctx context.Context, day time.Time) (RemindStats, error) {
	var st RemindStats
	r := s.opt.Reminders
	if r == nil {
		return st, nil
	}
	start := time.Now()
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, workdays.Vietnam)
	for _, year := range []int{day.Year(), day.Year() + 1} {
		if r.PledgeDue != nil {
			due := r.PledgeDue(year)
			for _, d := range PledgeReminderDays {
				if sameDay(due.AddDate(0, 0, -d), day) {
					n, j, err := s.RemindAll(ctx, PledgeReminder, year, d, due, day)
					st.Notifications, st.Jobs = st.Notifications+n, st.Jobs+j
					if err != nil {
						return st, err
					}
				}
			}
		}
		if r.AssessmentClose != nil {
			due := r.AssessmentClose(year)
			for _, d := range AssessmentReminderDays {
				if sameDay(due.AddDate(0, 0, -d), day) {
					n, j, err := s.RemindAll(ctx, AssessmentReminder, year, d, due, day)
					st.Notifications, st.Jobs = st.Notifications+n, st.Jobs+j
					if err != nil {
						return st, err
					}
				}
			}
		}
	}
	st.Elapsed = time.Since(start)
	return st, nil
}

func sameDay(a, b time.Time) bool {
	a, b = a.In(workdays.Vietnam), b.In(workdays.Vietnam)
	return a.Year() == b.Year() && a.YearDay() == b.YearDay()
}

// sqliteBatch is how many accounts one transaction of a reminder run covers on SQLite: 8
// parameters a row stay under SQLite's 32,766 parameters a statement.
func (s *Service) sqliteBatch() int { return 2000 }

// RemindAll enqueues a reminder of kind for every enabled account linked to an official in
// service on day who has not done it for year: set-based, a batch of accounts (by keyset on the
// account id) per transaction, each transaction writing its notifications in one statement (ON
// CONFLICT on the dedupe key doing nothing for those already there) and their push jobs in one
// River InsertManyTx. On PostgreSQL the batch is chosen, filtered and inserted by the database in
// one INSERT ... SELECT (remindBatchPostgres); on SQLite the batch's ids are read first. It
// returns the notifications and jobs added.
func (s *Service) RemindAll(ctx context.Context, kind Kind, year, days int, due, day time.Time) (int, int, error) {
	db, err := s.rawDB()
	if err != nil {
		return 0, 0, err
	}
	cause := fmt.Sprintf("%d-%d", year, days)
	params := fmt.Sprintf(`{"year":"%d","days":"%d","due":"%s"}`, year, days, due.In(workdays.Vietnam).Format("02/01/2006"))
	after, total, jobs := "", 0, 0
	for {
		var (
			n, j int
			last string
		)
		if s.dialect == dialect.Postgres {
			last, n, j, err = s.remindBatchPostgres(ctx, db, kind, year, cause, params, after, day)
		} else {
			last, n, j, err = s.remindBatch(ctx, db, kind, year, cause, params, after, day)
		}
		total, jobs = total+n, jobs+j
		if err != nil || last == "" {
			return total, jobs, err
		}
		after = last
	}
}

// remindCandidates is the query of the accounts to remind after a keyset id ($1), in service on
// a day ($2), that have not done it for the year ($3), a batch ($4) in id order.
func remindCandidates(kind Kind) string {
	return `SELECT a.id FROM accounts a JOIN officials o ON o.id = a.official_id
		WHERE a.id > ? AND NOT a.disabled AND (o.active_to IS NULL OR o.active_to >= ?) AND NOT EXISTS (` + doneFilter(kind) + `)
		ORDER BY a.id LIMIT ?`
}

// RemindBatchPostgres is how many accounts one reminder statement covers on PostgreSQL.
const RemindBatchPostgres = 10000

// remindBatchPostgres enqueues the reminders of the batch after the keyset id in one transaction:
// one statement picks the batch, inserts its notifications (ids drawn here, so they are the
// prefixed ULIDs of every other record) and returns the batch's last account and the ids it
// added; the push jobs of those ids follow in the same transaction. last is "" at the end.
func (s *Service) remindBatchPostgres(ctx context.Context, db *sql.DB, kind Kind, year int, cause, params, after string, day time.Time) (last string, added, jobs int, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return "", 0, 0, err
	}
	defer func() { _ = tx.Rollback() }()
	// JIT compiling the statement costs a tenth of its run (0.1 s of 1 s a batch) and gains nothing.
	if _, err := tx.ExecContext(ctx, "SET LOCAL jit = off"); err != nil {
		return "", 0, 0, err
	}
	ids := make([]string, RemindBatchPostgres)
	for i := range ids {
		ids[i] = pid.New(pid.Notification)
	}
	now := s.opt.Now().UTC()
	q := `WITH acc AS (` + remindCandidates(kind) + `),
		numbered AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM acc),
		ins AS (INSERT INTO notifications (id, created_at, updated_at, account_id, kind, subject_id, params, dedupe_key)
			SELECT g.id, ?::timestamptz, ?::timestamptz, numbered.id, ?::text, '', ?::jsonb, ?::text || ':' || numbered.id || ':' || ?::text
			FROM numbered JOIN unnest(?::text[]) WITH ORDINALITY AS g(id, n) ON g.n = numbered.n
			ON CONFLICT (dedupe_key) DO NOTHING RETURNING id)
		SELECT COALESCE((SELECT max(id) FROM acc), ''), ARRAY(SELECT id FROM ins ORDER BY id)`
	var added2 []string
	if err := tx.QueryRowContext(ctx, s.ph(q), after, day.UTC(), year, RemindBatchPostgres,
		now, now, string(kind), params, string(kind), cause, pq.Array(ids)).Scan(&last, pq.Array(&added2)); err != nil {
		return "", 0, 0, err
	}
	ps := pushJobs(added2, time.Time{})
	if len(ps) > 0 {
		if _, err := s.river.InsertManyTx(ctx, tx, ps); err != nil {
			return "", 0, 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return "", 0, 0, err
	}
	return last, len(added2), len(ps), nil
}

// remindBatch is remindBatchPostgres on SQLite: the batch's account ids are read first, then its
// notifications inserted in one statement with their push jobs.
func (s *Service) remindBatch(ctx context.Context, db *sql.DB, kind Kind, year int, cause, params, after string, day time.Time) (last string, added, jobs int, err error) {
	rows, err := db.QueryContext(ctx, s.ph(remindCandidates(kind)), after, day.UTC(), year, s.sqliteBatch())
	if err != nil {
		return "", 0, 0, err
	}
	var accounts []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return "", 0, 0, err
		}
		accounts = append(accounts, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(accounts) == 0 {
		return "", 0, 0, err
	}
	n, j, err := s.insertReminders(ctx, db, kind, cause, params, accounts)
	return accounts[len(accounts)-1], n, j, err
}

// doneFilter is the subquery of "the official has done it" for a reminder kind ($year bound).
func doneFilter(kind Kind) string {
	if kind == PledgeReminder {
		return `SELECT 1 FROM pledges p WHERE p.official_pledges = o.id AND p.year = ? AND p.status = 'SIGNED'`
	}
	return `SELECT 1 FROM self_assessments sa WHERE sa.official_self_assessments = o.id AND sa.year = ? AND sa.status IN ('SUBMITTED', 'REVIEWED')`
}

// insertReminders writes one batch of reminders and their push jobs in one transaction.
func (s *Service) insertReminders(ctx context.Context, db *sql.DB, kind Kind, cause, params string, accounts []string) (int, int, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, err
	}
	defer func() { _ = tx.Rollback() }()
	now := s.opt.Now().UTC()
	var (
		b    strings.Builder
		args []any
	)
	b.WriteString("INSERT INTO notifications (id, created_at, updated_at, account_id, kind, subject_id, params, dedupe_key) VALUES ")
	for i, a := range accounts {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?)")
		args = append(args, pid.New(pid.Notification), now, now, a, string(kind), "", params, dedupeKey(kind, a, cause))
	}
	b.WriteString(" ON CONFLICT (dedupe_key) DO NOTHING RETURNING id")
	rows, err := tx.QueryContext(ctx, s.ph(b.String()), args...)
	if err != nil {
		return 0, 0, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, err
	}
	ps := pushJobs(ids, time.Time{})
	if len(ps) > 0 {
		if _, err := s.river.InsertManyTx(ctx, tx, ps); err != nil {
			return 0, 0, err
		}
	}
	return len(ids), len(ps), tx.Commit()
}

// rawDB is the pool the set-based statements go through: SQLite's writer, or PostgreSQL's pool.
func (s *Service) rawDB() (*sql.DB, error) {
	if s.db == nil {
		return nil, fmt.Errorf("notify: no database")
	}
	if s.dialect == dialect.SQLite && s.db.Writer != nil {
		return s.db.Writer, nil
	}
	return s.db.SQL, nil
}

// ph numbers the ? placeholders for PostgreSQL.
func (s *Service) ph(q string) string {
	if s.dialect != dialect.Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
