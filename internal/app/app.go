// Package app is the liemchinh command: it parses the subcommand, loads configuration, opens the
// database and runs serve, migrate or seed. main only calls Run.
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
	"time"

	"github.com/liemchinh/liemchinh/ent/campaign"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/config"
	"github.com/liemchinh/liemchinh/internal/logging"
	"github.com/liemchinh/liemchinh/internal/sealbox"
	"github.com/liemchinh/liemchinh/internal/seed"
	"github.com/liemchinh/liemchinh/internal/server"
	"github.com/liemchinh/liemchinh/internal/store"
)

const usage = `Usage: liemchinh [command] [flags]

Commands:
  serve          run the GraphQL server (the default)
  migrate        apply pending database migrations and exit
  seed --demo    load the demo campaign in Bến Tre (refused in production)
  seed --reference  load provinces and districts only
  load [--clients 32] [--duration 20s]
                 sustained anonymous caseSubmit load through a real HTTP server on the configured
                 database, then count the stored cases (refused in production)
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
	}
	return fmt.Errorf("unknown command %q\n\n%s", cmd, usage)
}

func openMigrated(ctx context.Context, cfg config.Config, log *slog.Logger, migrate bool) (*store.DB, error) {
	db, err := store.Open(ctx, cfg.DatabaseURL, nil)
	if err != nil {
		return nil, err
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
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *demo == *reference {
		return errors.New("seed needs exactly one of --demo or --reference")
	}
	if *demo && cfg.Production() {
		return errors.New("seed --demo refuses to run with APP_ENV=production")
	}
	db, err := openMigrated(ctx, cfg, log, cfg.AutoMigrate)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	var stats seed.Stats
	if *demo {
		box, err := reporterBox(cfg)
		if err != nil {
			return err
		}
		stats, err = seed.Demo(authz.System(ctx), db.Client, seed.Options{Box: box, Now: demoToday(), Logger: log})
		if err != nil {
			return err
		}
	} else if stats, err = seed.Reference(authz.System(ctx), db.Client); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded in %s: %+v\n", time.Since(start).Round(time.Millisecond), stats)
	return nil
}

func serve(ctx context.Context, cfg config.Config, log *slog.Logger, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("serve takes no arguments, got %q", args)
	}
	start := time.Now()
	db, err := openMigrated(ctx, cfg, log, cfg.AutoMigrate)
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
			stats, err := seed.Demo(authz.System(ctx), db.Client, seed.Options{Box: box, Now: demoToday(), Logger: log})
			if err != nil {
				return fmt.Errorf("demo data: %w", err)
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
	srv := &http.Server{
		Handler:           server.New(deps),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	srv.RegisterOnShutdown(closeSockets)
	log.InfoContext(ctx, "listening", "addr", ln.Addr().String(), "env", cfg.Env, "dialect", db.Dialect,
		"startup_ms", time.Since(start).Milliseconds())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.InfoContext(ctx, "shutting down", "timeout", cfg.ShutdownTimeout.String())
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
