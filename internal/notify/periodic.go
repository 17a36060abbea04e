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

// RemindBatch is how many accounts one transaction of a reminder run covers: 8 parameters a row
// stay under PostgreSQL's 65,535 and SQLite's 32,766 parameters a statement.
func (s *Service) remindBatch() int {
	if s.dialect == dialect.SQLite {
		return 2000
	}
	return 5000
}

// RemindAll enqueues a reminder of kind for every enabled account linked to an official in
// service on day who has not done it for year: set-based, a batch of accounts per transaction,
// each transaction writing its notifications (one statement, ON CONFLICT on the dedupe key doing
// nothing for those already there) and their push jobs (one River InsertMany). It returns the
// notifications and jobs added.
func (s *Service) RemindAll(ctx context.Context, kind Kind, year, days int, due, day time.Time) (int, int, error) {
	db, err := s.rawDB()
	if err != nil {
		return 0, 0, err
	}
	done := doneFilter(kind)
	cause := fmt.Sprintf("%d-%d", year, days)
	params := fmt.Sprintf(`{"year":"%d","days":"%d","due":"%s"}`, year, days, due.In(workdays.Vietnam).Format("02/01/2006"))
	after, total, jobs := "", 0, 0
	for {
		q := s.ph(`SELECT a.id FROM accounts a JOIN officials o ON o.id = a.official_id
			WHERE a.id > ? AND NOT a.disabled AND (o.active_to IS NULL OR o.active_to >= ?) AND NOT EXISTS (` + done + `)
			ORDER BY a.id LIMIT ?`)
		rows, err := db.QueryContext(ctx, q, after, day.UTC(), year, s.remindBatch())
		if err != nil {
			return total, jobs, err
		}
		var accounts []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return total, jobs, err
			}
			accounts = append(accounts, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return total, jobs, err
		}
		if len(accounts) == 0 {
			return total, jobs, nil
		}
		after = accounts[len(accounts)-1]
		n, j, err := s.insertReminders(ctx, db, kind, cause, params, accounts)
		total, jobs = total+n, jobs+j
		if err != nil {
			return total, jobs, err
		}
	}
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
