// Package app is the liemchinh command: it parses the subcommand, loads configuration, opens the
// database and runs serve, migrate, seed, load or bench. main only calls Run.
package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"entgo.io/ent/dialect"

	"github.com/liemchinh/liemchinh/ent/campaign"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/config"
	"github.com/liemchinh/liemchinh/internal/logging"
	"github.com/liemchinh/liemchinh/internal/progress"
	"github.com/liemchinh/liemchinh/internal/recordscope"
	"github.com/liemchinh/liemchinh/internal/sealbox"
	"github.com/liemchinh/liemchinh/internal/seed"
	"github.com/liemchinh/liemchinh/internal/server"
	"github.com/liemchinh/liemchinh/internal/store"
	"github.com/liemchinh/liemchinh/internal/tracing"
)

const usage = `Usage: liemchinh [command] [flags]

Commands:
  serve          run the GraphQL server (the default)
  migrate        apply pending database migrations and exit
  seed --demo    load the demo campaign in Bến Tre (refused in production)
  seed --reference  load provinces and districts only
  seed --national [--scale 1.0]
                 load a deterministic synthetic nation (34 provinces, about 3,300 communes, 100,000
                 units, 2.2 million officials and their records 2021 to today, at scale 1) into an
                 empty PostgreSQL database with COPY, rebuild the progress counters and print rows
                 per table, time, rows/s and the database size (refused in production). Logins
                 national.admin, national.supervisor, province.<code>.supervisor, password
                 liemchinh-demo
  bench progress [--iterations 200] [--warmup 20]
                 time the GraphQL progress query for the nation, the largest province and a commune
                 through the real handler as national.admin (after seed --national), and ranking and
                 progressSeries; print median, p90, p99 and max
  bench http --url URL (--query FILE | --query-text Q) [--variables JSON] [--token T | --login L
             --password P] [--clients 10] [--duration 10s] [--warmup 2s] [--rounds N]
             [--interleave URL2 --query2 FILE2 [--token2 | --login2 --password2] [--variables2]]
                 a load client against any running GraphQL server over HTTP (ours or a peer such as
                 PostGraphile): req/s, p50/p90/p99/max, errors, bytes and a payload fingerprint;
                 with --interleave, alternating rounds A B A B, medians and the ratio A/B
  progress rebuild
                 recompute every progress counter from the records (after a bulk change made
                 outside the API, or to repair) and print the time it took
  load [--clients 32] [--duration 20s] [--url URL [--pid PID]] [--cpuprofile FILE]
                 sustained anonymous caseSubmit load through a real HTTP server on the configured
                 database, then count the stored cases (refused in production). With --url, against
                 a running server whose database is DATABASE_URL (where the cases are counted); both
                 need the same LOAD_TEST_KEY, which lifts the per-address limits (not in production);
                 --pid names that server's process, whose memory and CPU per request are reported
  progress check
                 compare every maintained progress counter with a rebuild from the records (in a
                 transaction rolled back: nothing changes); prints the differences, fails if any
  import roster FILE --scope KIND:ID [--mode MERGE|FULL] [--dry-run] [--date YYYY-MM-DD]
                 import a roster (CSV or XLSX, the template of GET /roster/template.csv) for a unit
                 (unit:ID), district (district:ID) or province (province:ID or province-code:CODE);
                 prints rows read, created, updated, transferred, ended, unchanged, the errors by row
                 and column, and the time; all or nothing, idempotent (README: Roster import)
  accounts provision --scope KIND:ID [--delivery SHEET|SHEET_AND_SEND]
                 create the accounts and activation codes of every official in service without an
                 account in a unit, district or province (as import roster's --scope), in batches of
                 whole units, one sheet per unit per batch; prints created, skipped, sent, sheets,
                 the time and the rate. Run again after an interruption, it provisions only
                 the officials still without an account (README: Accounts)
  roster generate --out FILE [--rows 120000] [--units 4000] [--province-code R1] [--rename] [--move-percent 0]
                 make a synthetic province with units coded R1-0001... (if missing) and write a
                 roster CSV of that many officials over them, for measuring imports (refused in
                 production); --rename and --move-percent N make a later file of the same officials,
                 every one renamed with a new position, N% of them in the next unit
  blobs seal     encrypt (BLOB_KEY) every evidence file still stored in plaintext, written before
                 encryption existed; files already encrypted are left alone, so it can run again
  help           show this help and the configuration variables
`

// Run runs the command line args (without the program name) until ctx is done or the command ends.
func Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	if cmd == "help" || cmd == "-h" || cmd == "--help" {
		fmt.Fprint(stdout, usage, "\nConfiguration (environment variables):\n")
		for _, v := range config.Variables {
			fmt.Fprintf(stdout, "  %-26s default %s\n  %-26s %s\n", v.Name, v.Default, "", v.Meaning)
		}
		return nil
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	log := logging.New(stderr, cfg.LogLevel)
	switch cmd {
	case "serve":
		return serve(ctx, cfg, log, args)
	case "migrate":
		db, err := openMigrated(ctx, cfg, log, true)
		if err != nil {
			return err
		}
		return db.Close()
	case "seed":
		return seedCmd(ctx, cfg, log, args, stdout)
	case "load":
		return loadCmd(ctx, cfg, log, args, stdout)
	case "bench":
		return benchCmd(ctx, cfg, log, args, stdout)
	case "blobs":
		return blobsCmd(ctx, cfg, log, args, stdout)
	case "import":
		return importCmd(ctx, cfg, log, args, stdout)
	case "roster":
		return rosterCmd(ctx, cfg, log, args, stdout)
	case "accounts":
		return accountsCmd(ctx, cfg, log, args, stdout)
	case "progress":
		if len(args) == 1 && args[0] == "check" {
			return progressCheck(ctx, cfg, log, stdout)
		}
		if len(args) != 1 || args[0] != "rebuild" {
			return fmt.Errorf("usage: progress rebuild | progress check")
		}
		db, err := openMigrated(ctx, cfg, log, cfg.AutoMigrate)
		if err != nil {
			return err
		}
		defer db.Close()
		start := time.Now()
		if err := progress.New(db, nil).Rebuild(ctx); err != nil {
			return fmt.Errorf("progress rebuild: %w", err)
		}
		fmt.Fprintf(stdout, "progress counters rebuilt in %s\n", time.Since(start).Round(time.Millisecond))
		// The totals of supervisors' lists (internal/recordscope), from the same records.
		start = time.Now()
		tx, err := db.SQL.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if err := recordscope.RebuildCounts(ctx, tx); err != nil {
			return errors.Join(fmt.Errorf("progress rebuild: %w", err), tx.Rollback())
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("progress rebuild: %w", err)
		}
		fmt.Fprintf(stdout, "record counts rebuilt in %s\n", time.Since(start).Round(time.Millisecond))
		return nil
	}
	return fmt.Errorf("unknown command %q\n\n%s", cmd, usage)
}

func openMigrated(ctx context.Context, cfg config.Config, log *slog.Logger, migrate bool) (*store.DB, error) {
	return openMigratedWith(ctx, cfg, log, migrate, nil)
}

// openMigratedWith is openMigrated with the ent driver wrapped (tracing).
func openMigratedWith(ctx context.Context, cfg config.Config, log *slog.Logger, migrate bool, wrap func(dialect.Driver) dialect.Driver) (*store.DB, error) {
	store.SetStatementsPerConn(cfg.DBStatements) // read by each connection as it is made
	db, err := store.OpenReplicated(ctx, cfg.DatabaseURL, cfg.DatabaseReadURL, wrap)
	if err != nil {
		return nil, err
	}
	db.SetPool(store.Pool{Conns: cfg.DBConns, MaxLifetime: cfg.DBConnLifetime})
	if db.Replica != nil {
		db.Replica.SetMaxLag(cfg.ReadMaxLag)
		db.WatchReplica(log)
	}
	if migrate {
		if err := db.Migrate(ctx, log); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

func reporterBox(cfg config.Config) (*sealbox.Box, error) { return sealbox.FromBase64(cfg.ReporterKey) }

func seedCmd(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	demo := fs.Bool("demo", false, "load the demo campaign in Bến Tre")
	reference := fs.Bool("reference", false, "load provinces and districts only")
	national := fs.Bool("national", false, "load the synthetic nation into an empty PostgreSQL database")
	scale := fs.Float64("scale", 1, "with --national: the size of the nation, 1 for the full nation")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if n := btoi(*demo) + btoi(*reference) + btoi(*national); n != 1 {
		return errors.New("seed needs exactly one of --demo, --reference or --national")
	}
	if *demo && cfg.Production() {
		return errors.New("seed --demo refuses to run with APP_ENV=production")
	}
	if *national && cfg.Production() {
		return errors.New("seed --national refuses to run with APP_ENV=production")
	}
	db, err := openMigrated(ctx, cfg, log, cfg.AutoMigrate)
	if err != nil {
		return err
	}
	defer db.Close()
	if *national {
		return seedNational(ctx, cfg, log, db, *scale, stdout)
	}
	start := time.Now()
	var stats seed.Stats
	if *demo {
		box, err := reporterBox(cfg)
		if err != nil {
			return err
		}
		stats, err = seed.Demo(authz.System(ctx, authz.SysSeed), db.Client, seed.Options{Box: box, Now: demoToday(), Logger: log})
		if err != nil {
			return err
		}
		if err := analyzeSeeded(ctx, db); err != nil {
			return err
		}
	} else if stats, err = seed.Reference(authz.System(ctx, authz.SysSeed), db.Client); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded in %s: %+v\n", time.Since(start).Round(time.Millisecond), stats)
	return nil
}

// analyzeSeeded gathers PostgreSQL's statistics on the tables the demo seed just filled, so that
// the first requests are planned on them rather than on an empty table's defaults until
// autovacuum gets round to it: the nested read's per-parent pages, planned without them, read
// every pledge of the province for each official (43 -> 7 req/s on the demo).
func analyzeSeeded(ctx context.Context, db *store.DB) error {
	if db.Dialect != dialect.Postgres {
		return nil
	}
	if _, err := db.SQL.ExecContext(ctx, "ANALYZE"); err != nil {
		return fmt.Errorf("seed: analyze: %w", err)
	}
	return nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// seedNational runs seed --national and prints what it loaded.
func seedNational(ctx context.Context, cfg config.Config, log *slog.Logger, db *store.DB, scale float64, stdout io.Writer) error {
	box, err := reporterBox(cfg)
	if err != nil {
		return err
	}
	st, err := seed.National(ctx, db, seed.NationalOptions{Scale: scale, Now: demoToday(), Box: box, Logger: log})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seed --national (scale %g, today %s): %d provinces, %d communes, %d units, %d officials\n",
		scale, demoToday().Format(time.DateOnly), st.Provinces, st.Communes, st.Units, st.Officials)
	fmt.Fprintf(stdout, "  %-26s %12s %10s %10s\n", "table", "rows", "time", "rows/s")
	for _, t := range st.Tables {
		fmt.Fprintf(stdout, "  %-26s %12d %10s %10.0f\n", t.Table, t.Rows, t.Elapsed.Round(100*time.Millisecond),
			float64(t.Rows)/t.Elapsed.Seconds())
	}
	fmt.Fprintf(stdout, "  %-26s %12d %10s %10.0f  (COPY of every table, its index builds and ANALYZE, 2 workers)\n",
		"all", st.Rows, st.Load.Round(100*time.Millisecond), float64(st.Rows)/st.Load.Seconds())
	rebuild := st.Rebuild.Round(100 * time.Millisecond).String()
	fmt.Fprintf(stdout, "plan %s, load %s, foreign keys %s, progress rebuild %s\n", st.Build.Round(100*time.Millisecond),
		st.Load.Round(100*time.Millisecond), st.ForeignKeys.Round(100*time.Millisecond), rebuild)
	fmt.Fprintf(stdout, "total %s: %.0f rows/s overall; database size %.0f MB (%.2f GB)\n", st.Elapsed.Round(100*time.Millisecond),
		float64(st.Rows)/st.Elapsed.Seconds(), float64(st.DatabaseBytes)/(1<<20), float64(st.DatabaseBytes)/(1<<30))
	return nil
}

func serve(ctx context.Context, cfg config.Config, log *slog.Logger, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("serve takes no arguments, got %q", args)
	}
	if cfg.HeapLimit > 0 {
		debug.SetMemoryLimit(cfg.HeapLimit)
	}
	if cfg.GCPercent > 0 {
		debug.SetGCPercent(cfg.GCPercent)
	}
	start := time.Now()
	tr, err := tracing.Start(ctx, cfg.Tracing, version())
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := tr.Shutdown(sctx); err != nil {
			log.WarnContext(ctx, "traces not all sent", "error", err.Error())
		}
	}()
	db, err := openMigratedWith(ctx, cfg, log, cfg.AutoMigrate, tr.Driver)
	if err != nil {
		return err
	}
	defer db.Close()
	if cfg.SeedDemo {
		n, err := db.Client.Campaign.Query().Where(campaign.CodeEQ(seed.DemoCampaignCode)).Count(ctx)
		if err != nil {
			return fmt.Errorf("check for demo data: %w", err)
		}
		if n == 0 {
			box, err := reporterBox(cfg)
			if err != nil {
				return err
			}
			stats, err := seed.Demo(authz.System(ctx, authz.SysSeed), db.Client, seed.Options{Box: box, Now: demoToday(), Logger: log})
			if err != nil {
				return fmt.Errorf("demo data: %w", err)
			}
			if err := analyzeSeeded(ctx, db); err != nil {
				return err
			}
			log.InfoContext(ctx, "demo data loaded", "officials", stats.Officials, "cases", stats.Cases)
		}
	}
	deps, err := server.Build(cfg, log, db, time.Now)
	if err != nil {
		return err
	}
	defer deps.Close()
	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	// WebSockets are hijacked connections that Shutdown neither waits for nor closes: their
	// subscriptions end when shutdown begins; ordinary requests get the grace period.
	closing, closeSockets := context.WithCancel(context.Background())
	defer closeSockets()
	deps.Closing = closing
	draining, drain := context.WithCancel(context.Background())
	defer drain()
	deps.Draining = draining
	srv := &http.Server{
		Handler:           tr.Handler(server.New(deps), server.Route),
		ReadHeaderTimeout: 10 * time.Second,
		// Hijacked connections (WebSockets) get their deadlines cleared by net/http, so only
		// ordinary requests are bound by these; evidence transfers extend theirs.
		ReadTimeout:  cfg.Limits.ReadTimeout,
		WriteTimeout: cfg.Limits.WriteTimeout,
		IdleTimeout:  cfg.Limits.IdleTimeout,
		ErrorLog:     slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:  func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	srv.RegisterOnShutdown(closeSockets)
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listen for metrics: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", deps.Metrics.Handler())
		msrv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
		go func() { _ = msrv.Serve(mln) }()
		defer msrv.Close()
		log.InfoContext(ctx, "metrics listening", "addr", mln.Addr().String())
	}
	// Start-up leaves garbage behind (migrations, the demo load, the dummy password hash), which
	// the collector would only reclaim once requests had allocated as much again: returned to the
	// system now, so that an idle server's resident memory is what it uses.
	debug.FreeOSMemory()
	log.InfoContext(ctx, "listening", "addr", ln.Addr().String(), "env", cfg.Env, "dialect", db.Dialect,
		"startup_ms", time.Since(start).Milliseconds())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Not ready from now on, still serving for SHUTDOWN_DRAIN: a load balancer polling /readyz
	// takes the process out before its listener closes, so no new request is refused.
	drain()
	log.InfoContext(ctx, "shutting down", "drain", cfg.ShutdownDrain.String(), "timeout", cfg.ShutdownTimeout.String())
	if cfg.ShutdownDrain > 0 {
		select {
		case <-time.After(cfg.ShutdownDrain):
		case err := <-errc:
			return err
		}
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// demoToday is the "today" the demo data runs up to: the current day, so that loads on the same
// day give identical rows.
func demoToday() time.Time { return time.Now().UTC().Truncate(24 * time.Hour) }

// version is the module version the binary was built from ("(devel)" from a work tree).
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		return bi.Main.Version
	}
	return "unknown"
}
