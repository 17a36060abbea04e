package app

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
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

// loadCmd runs `liemchinh load`: sustained anonymous caseSubmit traffic through a real HTTP server,
// then counts the cases in the database to prove none was lost. The server is started in process
// on the configured database, or, with --url, is one already running (on DATABASE_URL, where the
// cases are counted). The requests carry LOAD_TEST_KEY, which lifts the per-address limits of a
// server outside production (in process, a fresh key).
func loadCmd(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	clients := fs.Int("clients", 32, "concurrent clients")
	duration := fs.Duration("duration", 20*time.Second, "how long to send")
	target := fs.String("url", "", "GraphQL endpoint of a running server, e.g. http://127.0.0.1:8080/query (default: a server in process); "+
		"the cases are counted in DATABASE_URL, which must be that server's database, and the server needs the same LOAD_TEST_KEY")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of this process (in process: server and client) to this file")
	pid := fs.Int("pid", 0, "with --url: process id of the server on this machine, whose resident memory (RSS) is sampled during the run (in process: this process's, always)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.Production() {
		return errors.New("load refuses to run with APP_ENV=production")
	}
	// In process the schema is ours to migrate; a running server has migrated its own.
	db, err := openMigrated(ctx, cfg, log, cfg.AutoMigrate && *target == "")
	if err != nil {
		return err
	}
	defer db.Close()
	unitID, err := loadUnit(ctx, db)
	if err != nil {
		return err
	}
	url := *target
	if url == "" {
		// The load comes from one address: a fresh key lifts the per-address limits for it.
		cfg.LoadTestKey = rand.Text()
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
		url = "http://" + ln.Addr().String() + "/query"
	} else if cfg.LoadTestKey == "" {
		fmt.Fprintln(stdout, "load: LOAD_TEST_KEY is not set: the server's per-address submission limit will refuse most submissions")
	}
	fmt.Fprintf(stdout, "load: %d clients for %s against %s (cases counted in %s)\n", *clients, *duration, url, db.Dialect)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	memPID := *pid
	if *target == "" {
		memPID = os.Getpid()
	}
	var watch *loadtest.RSSWatch
	if memPID != 0 {
		if watch, err = loadtest.WatchRSS(ctx, memPID, 50*time.Millisecond); err != nil {
			return err
		}
	}
	cpu0 := processCPU()
	serverCPU0, serverCPUOK := pidCPU(*pid)
	res, err := loadtest.Run(ctx, loadtest.Options{URL: url, UnitID: unitID, Clients: *clients, Duration: *duration,
		LoadTestKey: cfg.LoadTestKey})
	if err != nil {
		return err
	}
	cpu := processCPU() - cpu0
	serverCPU1, serverCPUOK1 := pidCPU(*pid)
	var mem loadtest.RSS
	if watch != nil {
		if mem, err = watch.Stop(); err != nil {
			return err
		}
	}
	stored, err := db.Client.CitizenCase.Query().Where(citizencase.DescriptionHasPrefix(res.Marker)).Count(authz.System(ctx, authz.SysLoadCount))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "sent %d, ok %d, errors %d in %s: %.0f submissions/s\n", res.Sent, res.OK, res.Errors,
		res.Elapsed.Round(time.Millisecond), res.Throughput())
	fmt.Fprintf(stdout, "latency p50 %s, p90 %s, p99 %s, max %s\n", res.P50.Round(time.Microsecond*100),
		res.P90.Round(time.Microsecond*100), res.P99.Round(time.Microsecond*100), res.Max.Round(time.Millisecond))
	if res.Sent > 0 {
		who := "client"
		if *target == "" {
			who = "server and client"
		}
		fmt.Fprintf(stdout, "cpu of this process (%s): %s, %.2f ms per request\n", who, cpu.Round(time.Millisecond),
			float64(cpu.Microseconds())/1000/float64(res.Sent))
	}
	if *target != "" && serverCPUOK && serverCPUOK1 && res.Sent > 0 {
		d := serverCPU1 - serverCPU0
		fmt.Fprintf(stdout, "cpu of the server (pid %d): %s, %.2f ms per request\n", *pid, d.Round(time.Millisecond),
			float64(d.Microseconds())/1000/float64(res.Sent))
	}
	if watch != nil {
		who := "server"
		if *target == "" {
			who = "this process (server and client)"
		}
		fmt.Fprintf(stdout, "memory of the %s: highest during the run %s\n", who, mem)
	}
	fmt.Fprintf(stdout, "cases stored with this run's marker: %d (answered ok: %d, lost: %d)\n", stored, res.OK, res.OK-int64(stored))
	if res.Errors > 0 {
		return fmt.Errorf("%d requests failed, first: %s", res.Errors, res.FirstError)
	}
	if int64(stored) != res.OK {
		return fmt.Errorf("%d answered submissions are not in the database", res.OK-int64(stored))
	}
	return nil
}

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// pidCPU is the user and system CPU time process pid has used, from /proc (Linux; clock ticks of
// 1/100 s, USER_HZ); false when it cannot be read.
func pidCPU(pid int) (time.Duration, bool) {
	if pid <= 0 {
		return 0, false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// The command name (field 2) is in parentheses and may hold spaces: count from its end.
	s := string(b)
	end := strings.LastIndexByte(s, ')')
	if end < 0 {
		return 0, false
	}
	f := strings.Fields(s[end+1:])
	if len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64) // field 14
	stime, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, true
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
