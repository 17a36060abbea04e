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

	"github.com/liemchinh/liemchinh/ent/citizencase"
	"github.com/liemchinh/liemchinh/ent/province"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/config"
	"github.com/liemchinh/liemchinh/internal/loadtest"
	"github.com/liemchinh/liemchinh/internal/seed"
	"github.com/liemchinh/liemchinh/internal/server"
	"github.com/liemchinh/liemchinh/internal/store"
)

// loadCmd runs `liemchinh load`: sustained anonymous caseSubmit traffic through a real HTTP server
// (in process, on the configured database, with the submission rate limit off), then counts the
// cases in the database to prove none was lost.
func loadCmd(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	clients := fs.Int("clients", 32, "concurrent clients")
	duration := fs.Duration("duration", 20*time.Second, "how long to send")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.Production() {
		return errors.New("load refuses to run with APP_ENV=production")
	}
	db, err := openMigrated(ctx, cfg, log, cfg.AutoMigrate)
	if err != nil {
		return err
	}
	defer db.Close()
	unitID, err := loadUnit(ctx, db)
	if err != nil {
		return err
	}
	cfg.SubmitRate = config.Rate{} // the load comes from one address
	cfg.Limits.ComplexityBudget = 0
	deps, err := server.Build(cfg, slog.New(slog.DiscardHandler), db, time.Now)
	if err != nil {
		return err
	}
	defer deps.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: server.New(deps), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	url := "http://" + ln.Addr().String() + "/query"
	fmt.Fprintf(stdout, "load: %d clients for %s against %s (%s)\n", *clients, *duration, url, db.Dialect)
	res, err := loadtest.Run(ctx, loadtest.Options{URL: url, UnitID: unitID, Clients: *clients, Duration: *duration})
	if err != nil {
		return err
	}
	stored, err := db.Client.CitizenCase.Query().Where(citizencase.DescriptionHasPrefix(res.Marker)).Count(authz.System(ctx, authz.SysLoadCount))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "sent %d, ok %d, errors %d in %s: %.0f submissions/s\n", res.Sent, res.OK, res.Errors,
		res.Elapsed.Round(time.Millisecond), res.Throughput())
	fmt.Fprintf(stdout, "latency p50 %s, p90 %s, p99 %s, max %s\n", res.P50.Round(time.Microsecond*100),
		res.P90.Round(time.Microsecond*100), res.P99.Round(time.Microsecond*100), res.Max.Round(time.Millisecond))
	fmt.Fprintf(stdout, "cases stored with this run's marker: %d (answered ok: %d, lost: %d)\n", stored, res.OK, res.OK-int64(stored))
	if res.Errors > 0 {
		return fmt.Errorf("%d requests failed, first: %s", res.Errors, res.FirstError)
	}
	if int64(stored) != res.OK {
		return fmt.Errorf("%d answered submissions are not in the database", res.OK-int64(stored))
	}
	return nil
}

// loadUnit returns a unit to submit cases about, creating reference data and a test unit in an
// empty database.
func loadUnit(ctx context.Context, db *store.DB) (string, error) {
	sys := authz.System(ctx, authz.SysSeed)
	if id, err := db.Client.Unit.Query().Order(unit.ByName()).FirstID(sys); err == nil {
		return id, nil
	}
	if _, err := seed.Reference(sys, db.Client); err != nil {
		return "", err
	}
	p, err := db.Client.Province.Query().Where(province.ValidToIsNil()).Order(province.ByCode()).First(sys)
	if err != nil {
		return "", err
	}
	u, err := db.Client.Unit.Create().SetName("Đơn vị thử tải").SetLevel(unit.LevelPROVINCE).
		SetKind(unit.KindAGENCY).SetProvince(p).Save(sys)
	if err != nil {
		return "", err
	}
	return u.ID, nil
}
