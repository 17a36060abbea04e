// Package notify owns notifications (DESIGN.md §12): devices, the inbox, what each change tells
// whom, and their delivery as pushes through a job queue in the database (River).
//
// A notification is enqueued in the transaction of the change that causes it (Enqueue): its inbox
// row and the job that pushes it are written with the change, so a change rolled back notifies no
// one and a change committed is never lost. Each notification has a dedupe key (its kind, its
// recipient and its cause): enqueueing it again adds nothing, and a push job skips what it has
// pushed already. Jobs are retried with River's backoff; scheduled work (reminders, retention)
// runs as River periodic jobs, on the one process elected leader.
package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"entgo.io/ent/dialect"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"golang.org/x/time/rate"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/ent/notification"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/pid"
	"github.com/liemchinh/liemchinh/internal/store"
)

// Queue is the River queue notifications travel on.
const Queue = "notify"

// BatchSize is how many notifications one push job carries at most.
const BatchSize = 500

// Options configure the service.
type Options struct {
	Sender       Sender        // nil: LogSender
	Rate         float64       // pushes per second per process; 0: unlimited
	Retention    time.Duration // inbox items older than this are removed (0: kept)
	PollInterval time.Duration // how often a process looks for jobs without being told (0: 1 s)
	Workers      int           // jobs run at once per process (0: 10)
	// ListenURL, on PostgreSQL, is the database a small pgx pool LISTENs on, so that a job
	// committed by any process is fetched at once rather than at the next poll ("": poll only).
	ListenURL string
	// Run makes this process work jobs and take part in the leader election of periodic jobs;
	// without it the service only enqueues.
	Run bool
	// Reminders decides the dates of the reminders (nil: no periodic reminders).
	Reminders *Reminders
	// Deadlines decides when handlers are warned of their cases' deadlines (nil: never).
	Deadlines *Deadlines
	// Digests sends unit managers their weekly digest in December and January.
	Digests bool
	Now     func() time.Time
	// Jobs are other packages' jobs run on this same queue (roster imports, code delivery).
	Jobs []Jobs
	// RescueAfter is how long a job may stay running before it is taken as abandoned by a process
	// that stopped without finishing it, and retried (0: 20 minutes, above every job's timeout).
	RescueAfter time.Duration
}

// Jobs are the workers of another package, run on the job queue of this service, in their own
// River queue (so that a long roster import never holds up the pushes).
type Jobs struct {
	Queue    string
	Workers  int                  // run at once per process
	Add      func(*river.Workers) // registers the package's workers
	Periodic []*river.PeriodicJob // run on the leader
}

// Service enqueues and delivers notifications.
type Service struct {
	client  *ent.Client
	db      *store.DB
	dialect string
	river   *river.Client[*sql.Tx]
	sender  Sender
	limiter *rate.Limiter
	log     *slog.Logger
	opt     Options
	listen  *pgxpool.Pool

	// Counters since start, for the metrics.
	Sent, Failed, Dead, Skipped atomic.Int64
}

// Counts are the pushes of this process by outcome, for the metrics.
func (s *Service) Counts() map[string]int64 {
	return map[string]int64{"sent": s.Sent.Load(), "dead_token": s.Dead.Load(), "failed": s.Failed.Load(), "skipped": s.Skipped.Load()}
}

// New returns the service on db. Start it to work jobs.
func New(ctx context.Context, db *store.DB, log *slog.Logger, opt Options) (*Service, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Sender == nil {
		opt.Sender = LogSender{Log: log}
	}
	if opt.PollInterval <= 0 {
		opt.PollInterval = time.Second
	}
	if opt.Workers <= 0 {
		opt.Workers = 10
	}
	s := &Service{client: db.Client, db: db, dialect: db.Dialect, sender: opt.Sender, log: log, opt: opt}
	if opt.Rate > 0 {
		burst := int(opt.Rate)
		if burst < 1 {
			burst = 1
		}
		s.limiter = rate.NewLimiter(rate.Limit(opt.Rate), burst)
	}
	if opt.RescueAfter <= 0 {
		opt.RescueAfter = 20 * time.Minute
	}
	workers := river.NewWorkers()
	for _, j := range opt.Jobs {
		j.Add(workers)
	}
	river.AddWorker(workers, &pushWorker{s: s})
	river.AddWorker(workers, &remindWorker{s: s})
	river.AddWorker(workers, &cleanupWorker{s: s})
	river.AddWorker(workers, &deadlinesWorker{s: s})
	river.AddWorker(workers, &digestWorker{s: s})
	cfg := &river.Config{
		Workers:           workers,
		FetchPollInterval: opt.PollInterval,
		FetchCooldown:     min(opt.PollInterval, 100*time.Millisecond),
		MaxAttempts:       12, // River's backoff (attempt^4 s) reaches about 6 hours
		Logger:            quiet(log),
		JobTimeout:        min(10*time.Minute, opt.RescueAfter), // River wants a rescue after the timeout
		// A job of a process that died is retried (or discarded at its last attempt) after this.
		RescueStuckJobsAfter: opt.RescueAfter,
	}
	if opt.Run {
		cfg.Queues = map[string]river.QueueConfig{Queue: {MaxWorkers: opt.Workers}}
		cfg.PeriodicJobs = s.periodicJobs()
		for _, j := range opt.Jobs {
			cfg.Queues[j.Queue] = river.QueueConfig{MaxWorkers: max(j.Workers, 1)}
			cfg.PeriodicJobs = append(cfg.PeriodicJobs, j.Periodic...)
		}
	}
	var driver riverdriver.Driver[*sql.Tx]
	if db.Dialect == dialect.SQLite {
		pool := db.Writer
		if pool == nil {
			pool = db.SQL // in memory: one connection already
		}
		driver = riversqlite.New(pool)
	} else if opt.ListenURL != "" && opt.Run {
		pcfg, err := pgxpool.ParseConfig(opt.ListenURL)
		if err != nil {
			return nil, fmt.Errorf("notify: listener: %w", err)
		}
		pcfg.MaxConns = 2
		if s.listen, err = pgxpool.NewWithConfig(ctx, pcfg); err != nil {
			return nil, fmt.Errorf("notify: listener: %w", err)
		}
		driver = riverdatabasesql.NewWithPgxListener(db.SQL, s.listen)
	} else {
		driver = riverdatabasesql.New(db.SQL)
	}
	rc, err := river.NewClient(driver, cfg)
	if err != nil {
		s.closeListener()
		return nil, fmt.Errorf("notify: job queue: %w", err)
	}
	s.river = rc
	return s, nil
}

// River is the job queue's client, for the packages whose jobs run on it (Options.Jobs) to
// enqueue theirs in their own transactions (InsertTx with store.SQLTx).
func (s *Service) River() *river.Client[*sql.Tx] { return s.river }

// Working says whether this process works jobs (Options.Run).
func (s *Service) Working() bool { return s != nil && s.opt.Run }

// quiet keeps River's own logging to warnings and errors.
func quiet(log *slog.Logger) *slog.Logger {
	if log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(levelFloor{log.Handler(), slog.LevelWarn})
}

type levelFloor struct {
	slog.Handler
	min slog.Level
}

func (h levelFloor) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

// Start works jobs (when Options.Run) until Stop.
func (s *Service) Start(ctx context.Context) error {
	if s == nil || !s.opt.Run {
		return nil
	}
	return s.river.Start(context.WithoutCancel(ctx))
}

// Stop finishes the jobs running (until ctx ends, then cancels them) and stops.
func (s *Service) Stop(ctx context.Context) error {
	if s == nil {
		return nil
	}
	var err error
	if s.opt.Run {
		err = s.river.Stop(ctx)
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			err = s.river.StopAndCancel(context.Background())
		}
	}
	s.closeListener()
	return err
}

func (s *Service) closeListener() {
	if s.listen != nil {
		s.listen.Close()
		s.listen = nil
	}
}

// Item is one notification to enqueue: for an account (AccountID) or for the devices of a
// citizen's case (CaseID).
type Item struct {
	Kind      Kind
	AccountID string
	CaseID    string
	Subject   string            // the node it is about (the deep link); a citizen's never leaves the server
	Params    map[string]string // numbers and dates the templates fill in
	Cause     string            // what caused it (an event's id, a year and a day): with kind and recipient, the dedupe key
}

func (it Item) recipient() string {
	if it.AccountID != "" {
		return it.AccountID
	}
	return it.CaseID
}

// Enqueue records items and their push job in the transaction ctx carries (or in one of its
// own). Items already enqueued (same kind, recipient and cause) are left as they are.
func (s *Service) Enqueue(ctx context.Context, items ...Item) error {
	_, err := s.enqueue(ctx, items...)
	return err
}

// enqueue is Enqueue, returning how many notifications it added.
func (s *Service) enqueue(ctx context.Context, items ...Item) (int, error) {
	if s == nil || len(items) == 0 {
		return 0, nil
	}
	if ent.TxFromContext(ctx) == nil {
		var n int
		err := store.InTx(ctx, s.client, func(ctx context.Context, _ *ent.Client) (err error) {
			n, err = s.enqueue(ctx, items...)
			return err
		})
		return n, err
	}
	if store.Undone(ctx) {
		return 0, nil
	}
	c := ent.TxFromContext(ctx).Client()
	sctx := authz.System(ctx, authz.SysNotify)
	keys := make([]string, 0, len(items))
	byKey := map[string]Item{}
	for _, it := range items {
		if it.recipient() == "" || !it.Kind.Valid() {
			return 0, fmt.Errorf("notify: item of kind %q without a recipient", it.Kind)
		}
		k := dedupeKey(it.Kind, it.recipient(), it.Cause)
		if _, dup := byKey[k]; !dup {
			keys = append(keys, k)
		}
		byKey[k] = it
	}
	existing, err := c.Notification.Query().Where(notification.DedupeKeyIn(keys...)).Select(notification.FieldDedupeKey).Strings(sctx)
	if err != nil {
		return 0, err
	}
	have := map[string]bool{}
	for _, k := range existing {
		have[k] = true
	}
	var (
		builders []*ent.NotificationCreate
		ids      []string
	)
	now := s.opt.Now()
	for _, k := range keys {
		if have[k] {
			continue
		}
		it := byKey[k]
		id := pid.New(pid.Notification)
		b := c.Notification.Create().SetID(id).SetKind(string(it.Kind)).SetDedupeKey(k).SetCreatedAt(now).SetUpdatedAt(now).
			SetSubjectID(it.Subject)
		if it.AccountID != "" {
			b.SetAccountID(it.AccountID)
		} else {
			b.SetCaseID(it.CaseID)
		}
		if len(it.Params) > 0 {
			b.SetParams(it.Params)
		}
		builders = append(builders, b)
		ids = append(ids, id)
	}
	if len(builders) == 0 {
		return 0, nil
	}
	if err := c.Notification.CreateBulk(builders...).Exec(sctx); err != nil {
		return 0, err
	}
	tx, err := store.SQLTx(ctx)
	if err != nil {
		return 0, err
	}
	if _, err = s.river.InsertManyTx(ctx, tx, pushJobs(ids, time.Time{})); err != nil {
		return 0, err
	}
	return len(ids), nil
}

// pushJobs are the jobs pushing ids, BatchSize at a time, at (zero: now).
func pushJobs(ids []string, at time.Time) []river.InsertManyParams {
	var ps []river.InsertManyParams
	for len(ids) > 0 {
		n := min(len(ids), BatchSize)
		ps = append(ps, river.InsertManyParams{Args: PushArgs{IDs: ids[:n]}, InsertOpts: &river.InsertOpts{ScheduledAt: at}})
		ids = ids[n:]
	}
	return ps
}

// ToOfficial enqueues a notification of kind for every enabled account linked to the official,
// in the transaction ctx carries (a nil Service does nothing).
func (s *Service) ToOfficial(ctx context.Context, officialID string, kind Kind, subject, cause string, params map[string]string) error {
	if s == nil || officialID == "" {
		return nil
	}
	accounts, err := store.ClientFrom(ctx, s.client).Account.Query().
		Where(account.OfficialID(officialID), account.Disabled(false)).IDs(authz.System(ctx, authz.SysNotify))
	if err != nil {
		return err
	}
	items := make([]Item, 0, len(accounts))
	for _, a := range accounts {
		items = append(items, Item{Kind: kind, AccountID: a, Subject: subject, Cause: cause, Params: params})
	}
	return s.Enqueue(ctx, items...)
}
