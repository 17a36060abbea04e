package server

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"entgo.io/ent/dialect"

	"github.com/liemchinh/liemchinh/internal/assessment"
	"github.com/liemchinh/liemchinh/internal/auth"
	"github.com/liemchinh/liemchinh/internal/blob"
	"github.com/liemchinh/liemchinh/internal/casework"
	"github.com/liemchinh/liemchinh/internal/config"
	"github.com/liemchinh/liemchinh/internal/delivery"
	"github.com/liemchinh/liemchinh/internal/events"
	"github.com/liemchinh/liemchinh/internal/evidence"
	"github.com/liemchinh/liemchinh/internal/metrics"
	"github.com/liemchinh/liemchinh/internal/notify"
	"github.com/liemchinh/liemchinh/internal/open311"
	"github.com/liemchinh/liemchinh/internal/orgchart"
	"github.com/liemchinh/liemchinh/internal/progress"
	"github.com/liemchinh/liemchinh/internal/ratelimit"
	"github.com/liemchinh/liemchinh/internal/receipt"
	"github.com/liemchinh/liemchinh/internal/recognition"
	"github.com/liemchinh/liemchinh/internal/review"
	"github.com/liemchinh/liemchinh/internal/roster"
	"github.com/liemchinh/liemchinh/internal/sealbox"
	"github.com/liemchinh/liemchinh/internal/selfreport"
	"github.com/liemchinh/liemchinh/internal/store"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

// Build assembles the server's dependencies from the configuration: the one place services are
// wired, for the command and for tests alike. now is the clock of the domain (time.Now outside
// tests). Close the returned Deps when done (the event broker holds a connection).
func Build(cfg config.Config, log *slog.Logger, db *store.DB, now func() time.Time) (Deps, error) {
	return BuildWith(cfg, log, db, now, Options{})
}

// Options are what Build takes besides the configuration, for tests.
type Options struct {
	// BlobTransport carries the requests to the S3 store of BLOB_URL (nil: the default), e.g. to
	// trust the certificate of a test server.
	BlobTransport http.RoundTripper
	// OIDCContext carries the HTTP client (oauth2.HTTPClient) the OpenID Connect calls use, e.g.
	// to reach a provider started in a test.
	OIDCContext context.Context
	// Sender, when set, delivers activation and reset codes in place of the configured senders.
	Sender delivery.Sender
	// PushSender replaces the sender PUSH_SENDER names (tests).
	PushSender notify.Sender
	// PushHTTPClient carries the FCM sender's requests, token requests included (nil: the
	// default), e.g. to trust a test server.
	PushHTTPClient *http.Client
}

// BuildWith is Build with options.
//
// Every error return closes what was opened before it (the event broker's connection, the limits'
// pool and sweeper, the job queue, the cache watches): a caller that fails to build leaks nothing.
// The keys are all read first, before anything is opened. There is no fallback to storing
// reporters' identities unsealed: a REPORTER_KEY that is not base64 of exactly 32 bytes is an
// error (config.Load refuses it, and the demo key outside production only when it is unset).
func BuildWith(cfg config.Config, log *slog.Logger, db *store.DB, now func() time.Time, opt Options) (_ Deps, err error) {
	if now == nil {
		now = time.Now
	}
	reporterKey, err := base64.StdEncoding.DecodeString(cfg.ReporterKey)
	if err != nil {
		return Deps{}, fmt.Errorf("REPORTER_KEY is not base64: %w", err)
	}
	box, err := sealbox.New(reporterKey)
	if err != nil {
		return Deps{}, fmt.Errorf("REPORTER_KEY: %w", err)
	}
	tokenKey, err := base64.StdEncoding.DecodeString(cfg.TokenKey)
	if err != nil {
		return Deps{}, fmt.Errorf("TOKEN_KEY is not base64: %w", err)
	}
	signer, err := auth.NewSigner(tokenKey)
	if err != nil {
		return Deps{}, err
	}
	receipts, err := receipt.NewKeys(cfg.ReceiptKeys)
	if err != nil {
		return Deps{}, fmt.Errorf("RECEIPT_KEY: %w", err)
	}
	window, err := assessment.ParseWindow(cfg.AssessmentClose)
	if err != nil {
		return Deps{}, err
	}
	blobs, err := OpenBlobs(context.Background(), cfg, opt.BlobTransport)
	if err != nil {
		return Deps{}, err
	}
	var broker events.Broker
	if db.Dialect == dialect.Postgres {
		if broker, err = events.NewPostgres(cfg.DatabaseURL, db.SQL, log); err != nil {
			return Deps{}, fmt.Errorf("events: %w", err)
		}
	} else {
		broker = events.NewLocal()
	}
	var closers []func()
	defer func() {
		if err != nil { // what Close would release, in the same order
			closeAll(closers)
			_ = broker.Close()
		}
	}()
	limits, closeLimits, err := limitStore(cfg, db, log)
	if err != nil {
		return Deps{}, err
	}
	closers = append(closers, closeLimits)
	shared := func(name string, r config.Rate) ratelimit.Limit {
		if r.N == 0 {
			return nil // an untyped nil: no limit
		}
		return limits.Limit(name, r.Period/time.Duration(r.N), r.N, time.Now)
	}
	authn := auth.NewService(db.Client, signer, log, now)
	authn.ShareThrottle(limits)
	a := cfg.Accounts
	authn.Configure(auth.Accounts{ReporterKey: reporterKey, Box: box, Limits: limits, Log: log,
		ActivationTTL: a.ActivationTTL, ResetTTL: a.ResetTTL,
		Sender: delivery.New(delivery.Settings{SMTPAddr: a.SMTPAddr, SMTPFrom: a.SMTPFrom, SMTPUser: a.SMTPUser,
			SMTPPassword: a.SMTPPassword, SMSURL: a.SMSURL, SMSToken: a.SMSToken, Production: cfg.Production()}, log, opt.Sender),
		OIDC: auth.OIDCSettings{Issuer: a.OIDCIssuer, ClientID: a.OIDCClientID, ClientSecret: a.OIDCSecret,
			LinkClaim: a.OIDCLinkClaim, RedirectURIs: a.OIDCRedirects, Context: opt.OIDCContext,
			Rate: shared("oidc_signin", a.OIDCRate)},
	})
	prog := progress.New(db, now)
	rost := roster.New(db, blobs, prog, now, log)
	addImports, sweep := rost.Jobs()
	addRuns, sweepRuns := authn.ProvisionJobs()
	jobs := []notify.Jobs{{Queue: roster.Queue, Workers: 2, Add: addImports, Periodic: sweep},
		{Queue: auth.DeliveryQueue, Workers: 4, Add: authn.DeliveryJobs},
		{Queue: auth.ProvisionQueue, Workers: 2, Add: addRuns, Periodic: sweepRuns}}
	notifier, err := newNotifier(cfg, log, db, now, window, opt, jobs)
	if err != nil {
		return Deps{}, err
	}
	rost.UseQueue(notifier.River(), cfg.Notify.RescueAfter)
	authn.UseQueue(notifier.River())
	authn.UseProvisioning(db.Dialect, notifier.River(), cfg.Notify.RescueAfter)
	closers = append(closers, func() {
		// Running jobs (an import) may finish; then they are cancelled and handed back.
		ctx, cancel := context.WithTimeout(context.Background(), cfg.Notify.Drain)
		defer cancel()
		if err := notifier.Stop(ctx); err != nil {
			log.Warn("job queue stopped with an error", "error", err.Error())
		}
	})
	cases := casework.New(casework.Deps{
		Client: db.Client, Box: box,
		Calendar:  workdays.Default().WithHolidays(cfg.ExtraHolidays...).WithWorkingDays(cfg.ExtraWorkdays...),
		Durations: cfg.Deadlines,
		Limits:    casework.Limits{Submit: shared("citizen_submit", cfg.SubmitRate), Tracking: shared("tracking", cfg.TrackingRate)},
		Events:    broker,
		Logger:    log,
		Now:       now,
		Uploads:   casework.NewUploads(db.Client, blobs, evidence.DefaultLimits(), now),
		Receipts:  receipts,
		Notify:    notifier,
		Dialect:   db.Dialect,
	})
	open, err := open311.New(open311.Deps{Client: db.Client, SQL: db.SQL, Reader: db.Reader, Dialect: db.Dialect, Progress: prog, Cases: cases,
		IDKey: reporterKey, Now: now, Logger: log, ReadRate: shared("open311_read", cfg.Open311Rate), PostRate: shared("open311_post", cfg.Open311Post),
		SubmitRate: shared("open311_submit", cfg.Open311Submit)})
	if err != nil {
		return Deps{}, err
	}
	reviews := review.New(db.Client, prog, tokenKey, now)
	if r := cfg.ExportRate; r.N > 0 { // on the domain clock, which the tests move
		reviews.LimitDownloads(limits.Limit("export_download", r.Period/time.Duration(r.N), r.N, now))
	}
	authn.UseDevices(notifier)
	if cfg.AccountCache > 0 {
		cache := auth.NewAccountCache(cfg.AccountCache)
		closers = append(closers, db.WatchAccounts(cache.Invalidate)) // this process's commits, at once
		if pg, ok := broker.(*events.Postgres); ok {
			// Every process's commits; the cache stays off until the channel is listened to,
			// and goes off again whenever the connection is lost.
			if err = pg.Watch(store.AccountsChannel, cache); err != nil {
				return Deps{}, fmt.Errorf("account cache: %w", err)
			}
		} else {
			cache.Connected(true) // SQLite: one process, whose commits WatchAccounts reports
		}
		authn.UseCache(cache)
	}
	var reference *referenceCache
	if cfg.ReferenceCache > 0 {
		reference = newReferenceCache(cfg.ReferenceCache)
		closers = append(closers, db.WatchReference(reference.Invalidate))
		if pg, ok := broker.(*events.Postgres); ok {
			if err = pg.Watch(store.ReferenceChannel, reference); err != nil {
				return Deps{}, fmt.Errorf("reference cache: %w", err)
			}
		} else {
			reference.Connected(true)
		}
	}
	self := selfreport.New(db.Client, window, now)
	self.UseNotify(notifier)
	recog := recognition.New(db.Client, now)
	recog.UseNotify(notifier)
	m := metrics.New(db.SQL)
	m.Overdue(cases.OverdueByProvince)
	if r := db.Replica; r != nil {
		m.Replica(r.SQL, r.Lag, r.Usable, r.Served)
	}
	m.Jobs(func(ctx context.Context) (map[string]int, error) {
		st, err := notifier.Depth(ctx)
		return st.ByState, err
	}, notifier.Counts)
	if err = notifier.Start(context.Background()); err != nil {
		return Deps{}, fmt.Errorf("job queue: %w", err)
	}
	return Deps{Config: cfg, Logger: log, DB: db, Box: box, Auth: authn, closers: closers, Metrics: m,
		Limits:    limits,
		reference: reference,
		Self:      self, Cases: cases, broker: broker,
		Progress: prog, Recognition: recog,
		Reviews: reviews, Open311: open, Notify: notifier,
		OrgChart: orgchart.New(db.Client, now), Roster: rost}, nil
}

// newNotifier builds the notification service on the job queue (package notify), with the sender
// PUSH_SENDER names; its jobs run once Start is called.
func newNotifier(cfg config.Config, log *slog.Logger, db *store.DB, now func() time.Time, window assessment.Window, opt Options, jobs []notify.Jobs) (*notify.Service, error) {
	nc := cfg.Notify
	sender := opt.PushSender
	if sender == nil && nc.Sender == "fcm" {
		fcm, err := notify.NewFCM(context.Background(), nc.Credentials, nc.FCMEndpoint, opt.PushHTTPClient)
		if err != nil {
			return nil, err
		}
		sender = fcm
	}
	listen := ""
	if nc.Listen && db.Dialect == dialect.Postgres {
		listen = cfg.DatabaseURL
	}
	return notify.New(context.Background(), db, log, notify.Options{
		Sender: sender, Rate: nc.Rate, Retention: nc.Retention, PollInterval: nc.PollInterval, Workers: nc.Workers,
		ListenURL: listen, Run: nc.Run, Now: now, Digests: true, Jobs: jobs, RescueAfter: nc.RescueAfter,
		Deadlines: &notify.Deadlines{DueSoonDays: cfg.Deadlines.DueSoonWorkingDays,
			Calendar: workdays.Default().WithHolidays(cfg.ExtraHolidays...).WithWorkingDays(cfg.ExtraWorkdays...)},
		Reminders: &notify.Reminders{
			PledgeDue: func(year int) time.Time { return time.Date(year, time.January, 31, 0, 0, 0, 0, workdays.Vietnam) },
			AssessmentClose: func(year int) time.Time {
				return time.Date(year, window.Month, window.Day, 0, 0, 0, 0, workdays.Vietnam)
			},
		},
	})
}

// LimitsPoolConns is the size of the connection pool the shared limits use on PostgreSQL: their
// own, so that a check made inside a mutation's transaction never waits for a connection of the
// pool that the transactions hold. A check takes about 0.3 ms.
const LimitsPoolConns = 4

// LimitsSweepEvery is how often each process deletes the shared limits' keys that have refilled.
const LimitsSweepEvery = time.Minute

// limitStore returns where the limits are kept: on PostgreSQL a table every process shares (through
// a small pool of its own, swept every LimitsSweepEvery), on SQLite this process's memory.
func limitStore(cfg config.Config, db *store.DB, log *slog.Logger) (ratelimit.Store, func(), error) {
	if db.Dialect != dialect.Postgres {
		return ratelimit.Memory{}, func() {}, nil
	}
	pool, err := store.OpenPostgres(cfg.DatabaseURL)
	if err != nil {
		return nil, nil, fmt.Errorf("rate limits: %w", err)
	}
	pool.SetMaxOpenConns(LimitsPoolConns)
	pool.SetMaxIdleConns(LimitsPoolConns)
	limits := ratelimit.NewPostgres(pool)
	stop := limits.Run(LimitsSweepEvery, log)
	return limits, func() { stop(); _ = pool.Close() }, nil
}

func closeAll(closers []func()) {
	for _, c := range closers {
		c()
	}
}

// Close releases what Build opened.
func (d Deps) Close() error {
	closeAll(d.closers)
	if d.broker != nil {
		return d.broker.Close()
	}
	return nil
}

// OpenBlobs returns the store of evidence files: the bucket of BLOB_URL, else the folder BLOB_DIR,
// encrypting under BLOB_KEY.
func OpenBlobs(ctx context.Context, cfg config.Config, transport http.RoundTripper) (*blob.Sealed, error) {
	var inner blob.Store
	if cfg.BlobURL != "" {
		c, err := blob.ParseS3URL(cfg.BlobURL)
		if err != nil {
			return nil, err
		}
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		c.Transport = transport
		if inner, err = blob.NewS3(ctx, c); err != nil {
			return nil, fmt.Errorf("BLOB_URL: %w", err)
		}
	} else {
		d, err := blob.NewDir(cfg.BlobDir)
		if err != nil {
			return nil, fmt.Errorf("BLOB_DIR: %w", err)
		}
		inner = d
	}
	return blob.NewSealed(inner, cfg.BlobKey)
}
