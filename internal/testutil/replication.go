package testutil

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Replication is a PostgreSQL primary and its streaming standby, both started on this machine for
// a test in a temporary folder (initdb, then pg_basebackup -R from the primary), on free ports,
// and stopped and removed when the test ends. The pair is the test's own: the shared server of
// EnvPostgres may hold other large databases (pg_basebackup copies a whole cluster) and may not
// accept replication connections.
type Replication struct {
	PrimaryPort, StandbyPort int
	Setup                    time.Duration // from initdb until the standby answers
	dir                      string
}

// PrimaryURL is the URL of database name on the primary.
func (r *Replication) PrimaryURL(name string) string { return pgURL(r.PrimaryPort, name) }

// StandbyURL is the URL of database name on the standby.
func (r *Replication) StandbyURL(name string) string { return pgURL(r.StandbyPort, name) }

func pgURL(port int, name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", port, name)
}

// StartReplication starts a primary and its streaming standby. It runs with the PostgreSQL half of
// the tests (EnvPostgres set), with the binaries of that server's major version, and skips the
// test, saying why, when this machine cannot: no EnvPostgres, no PostgreSQL binaries under
// /usr/lib/postgresql, or running as root without a postgres user to run them as.
func StartReplication(tb testing.TB) *Replication {
	tb.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		tb.Skipf("no streaming standby: %s is not set (the PostgreSQL tests are off)", EnvPostgres)
	}
	start := time.Now()
	bin := postgresBin(tb, base)
	// PostgreSQL refuses to run as root: as root, the clusters are the postgres user's.
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		pg, err := user.Lookup("postgres")
		if err != nil {
			tb.Skipf("no streaming standby: running as root and there is no postgres user to run PostgreSQL as")
		}
		uid, _ := strconv.Atoi(pg.Uid)
		gid, _ := strconv.Atoi(pg.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	dir, err := os.MkdirTemp("", "lc-replication-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			tb.Fatal(err)
		}
	}
	run := func(name string, args ...string) {
		tb.Helper()
		cmd := exec.Command(filepath.Join(bin, name), args...)
		cmd.Dir = dir
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		cmd.Env = append(os.Environ(), "PGCONNECT_TIMEOUT=10", "LC_ALL=C")
		if out, err := cmd.CombinedOutput(); err != nil {
			logs := ""
			for _, l := range []string{"primary.log", "standby.log"} {
				b, _ := os.ReadFile(filepath.Join(dir, l))
				logs += "\n" + l + ":\n" + string(b)
			}
			tb.Fatalf("%s %s: %v: %s%s", name, strings.Join(args, " "), err, out, logs)
		}
	}
	appendConf := func(path, text string) {
		tb.Helper()
		f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			tb.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteString(text); err != nil {
			tb.Fatal(err)
		}
	}
	r := &Replication{PrimaryPort: freePort(tb), StandbyPort: freePort(tb), dir: dir}
	primary, standby := filepath.Join(dir, "primary"), filepath.Join(dir, "standby")
	// initdb's pg_hba.conf with -A trust lets local and 127.0.0.1 connections in, replication ones too.
	run("initdb", "-D", primary, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	appendConf(filepath.Join(primary, "postgresql.conf"), fmt.Sprintf(`
port = %d
listen_addresses = '127.0.0.1'
unix_socket_directories = '%s'
wal_level = replica
max_wal_senders = 4
max_connections = 80
shared_buffers = 16MB
fsync = off
synchronous_commit = off
full_page_writes = off
`, r.PrimaryPort, dir))
	run("pg_ctl", "-D", primary, "-l", filepath.Join(dir, "primary.log"), "-w", "-t", "60", "start")
	tb.Cleanup(func() { stopCluster(tb, bin, dir, primary, cred) })
	run("pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(r.PrimaryPort), "-U", "postgres", "-D", standby,
		"-R", "-X", "stream", "-c", "fast", "--no-sync", "-w")
	appendConf(filepath.Join(standby, "postgresql.conf"), fmt.Sprintf(`
port = %d
hot_standby = on
wal_receiver_status_interval = 1s
`, r.StandbyPort))
	run("pg_ctl", "-D", standby, "-l", filepath.Join(dir, "standby.log"), "-w", "-t", "60", "start")
	tb.Cleanup(func() { stopCluster(tb, bin, dir, standby, cred) })
	r.Setup = time.Since(start)
	tb.Logf("PostgreSQL primary on 127.0.0.1:%d, streaming standby on 127.0.0.1:%d, made in %s",
		r.PrimaryPort, r.StandbyPort, r.Setup.Round(time.Millisecond))
	return r
}

// postgresBin is the folder of the PostgreSQL programs of the EnvPostgres server's major version.
func postgresBin(tb testing.TB, base string) string {
	tb.Helper()
	admin, err := sql.Open("postgres", base)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	var num int
	if err := admin.QueryRowContext(context.Background(), "SELECT current_setting('server_version_num')::int").Scan(&num); err != nil {
		tb.Fatalf("PostgreSQL version: %v", err)
	}
	bin := fmt.Sprintf("/usr/lib/postgresql/%d/bin", num/10000)
	for _, p := range []string{"initdb", "pg_ctl", "pg_basebackup", "postgres"} {
		if _, err := os.Stat(filepath.Join(bin, p)); err != nil {
			tb.Skipf("no streaming standby: no %s of PostgreSQL %d in %s", p, num/10000, bin)
		}
	}
	return bin
}

func stopCluster(tb testing.TB, bin, dir, data string, cred *syscall.Credential) {
	cmd := exec.Command(filepath.Join(bin, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop")
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Logf("stop %s: %v: %s", data, err, out)
	}
}

func freePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Catchup waits until the standby has replayed everything the primary had written when it was
// called (primary and standby: connections to any database of each).
func (r *Replication) Catchup(tb testing.TB, primary, standby *sql.DB) {
	tb.Helper()
	var lsn string
	if err := primary.QueryRow("SELECT pg_current_wal_lsn()::text").Scan(&lsn); err != nil {
		tb.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var done bool
		err := standby.QueryRow("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", lsn).Scan(&done)
		if err == nil && done {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("the standby did not replay up to %s in 30 s (last error: %v)", lsn, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
