// Package store opens the database (embedded SQLite by default, PostgreSQL through lib/pq when the
// URL says so), applies the versioned migrations committed beside it, and hands out the ent client.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "github.com/lib/pq" // PostgreSQL driver "postgres"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	_ "modernc.org/sqlite" // pure-Go SQLite driver "sqlite"

	"github.com/liemchinh/liemchinh/ent"
	_ "github.com/liemchinh/liemchinh/ent/runtime" // schema defaults and hooks
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/namesearch"
	"github.com/liemchinh/liemchinh/internal/recordscope"
)

//go:embed migrations/postgres/*.sql migrations/sqlite/*.sql
var migrations embed.FS

// sqlitePragmas are set on every pooled connection (in the DSN, so none misses them).
//
// Times are written in UTC (_timezone): SQLite keeps them as text and compares them as text, so a
// deadline written at 23:59:59+07:00 (Vietnam's end of day) sorted and compared after a 17:30+00:00
// "now" that is later in fact.
//
// The busy timeout is how long a raw statement through DB.SQL (seed, migrations) or another
// process waits for the write lock; ent's writes queue for their own connection instead
// (writerDriver). A URL that sets busy_timeout itself replaces it (tests set 0).
const sqlitePragmas = "_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)" +
	"&_pragma=synchronous(NORMAL)&_time_format=sqlite&_timezone=UTC&_txlock=immediate"

const sqliteBusyTimeout = "&_pragma=busy_timeout(10000)"

// DB is an open database: the ent client over it, the raw handle, and its dialect.
type DB struct {
	Client *ent.Client
	SQL    *sql.DB
	// Writer is the one connection ent writes a SQLite file through (nil otherwise): the job
	// queue writes through it too, so that its writes queue with ent's instead of meeting them
	// as SQLITE_BUSY.
	Writer  *sql.DB
	Dialect string // dialect.SQLite or dialect.Postgres
	// Replica is the standby of DATABASE_READ_URL (nil without one): see replica.go.
	Replica *Replica

	stopWatch func() // ends the replica's checks

	mu        sync.Mutex
	attached  map[any]any
	accounts  *watchers // WatchAccounts
	reference *watchers // WatchReference
}

// Attach returns what is attached to the database under key, attaching make() the first time:
// what must exist once per database however often the server is wired on it (the progress
// hooks), without a package-global registry.
func (d *DB) Attach(key any, make func() any) any {
	d.mu.Lock()
	defer d.mu.Unlock()
	if v, ok := d.attached[key]; ok {
		return v
	}
	if d.attached == nil {
		d.attached = map[any]any{}
	}
	v := make()
	d.attached[key] = v
	return v
}

// Close closes the client and the pools.
func (d *DB) Close() error {
	if d.stopWatch != nil {
		d.stopWatch()
	}
	return d.Client.Close()
}

// Ping checks the database answers (readiness).
func (d *DB) Ping(ctx context.Context) error { return d.SQL.PingContext(ctx) }

// Open opens the database at url: "postgres://..." or "postgresql://..." for PostgreSQL, or
// "sqlite:PATH" / "file:PATH" / a bare path for SQLite (the folder is created). Options such as
// ent.Driver wrappers can be added with wrap (used by tests that count statements). The client has
// the authorization rules of package authz installed: there is no client without them.
func Open(ctx context.Context, url string, wrap func(dialect.Driver) dialect.Driver) (*DB, error) {
	return OpenReplicated(ctx, url, "", wrap)
}

// ReplicaCheckEvery is how often the standby's lag is measured.
const ReplicaCheckEvery = time.Second

// OpenReplicated is Open with a read replica: readURL, when not empty, is a PostgreSQL streaming
// standby of url's database that serves the reads marked LagTolerant (replica.go), through a pool
// sized like the primary's, while its lag stays under DefaultMaxLag (Replica.SetMaxLag).
func OpenReplicated(ctx context.Context, url, readURL string, wrap func(dialect.Driver) dialect.Driver) (*DB, error) {
	var (
		db     *sql.DB
		writer *sql.DB // SQLite files: the one connection ent writes through (writerDriver)
		dia    string
		err    error
	)
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		dia = dialect.Postgres
		db, err = OpenPostgres(url)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		setPool(db, DefaultPool)
	default:
		dia = dialect.SQLite
		dsn, err := sqliteDSN(url)
		if err != nil {
			return nil, err
		}
		db, err = sql.Open("sqlite", dsn)
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		if strings.Contains(dsn, "mode=memory") {
			// One connection: an in-memory database lives and dies with it.
			db.SetMaxOpenConns(1)
		} else if writer, err = openSQLiteWriter(dsn); err != nil {
			db.Close()
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		if writer != nil {
			writer.Close()
		}
		return nil, fmt.Errorf("database unreachable: %w", err)
	}
	var drv dialect.Driver = probingDriver{entsql.OpenDB(dia, db)}
	if writer != nil {
		drv = newWriterDriver(entsql.OpenDB(dia, db), entsql.OpenDB(dia, writer))
	}
	var replica *Replica
	if readURL != "" {
		if dia != dialect.Postgres || !(strings.HasPrefix(readURL, "postgres://") || strings.HasPrefix(readURL, "postgresql://")) {
			db.Close()
			return nil, errors.New("DATABASE_READ_URL needs PostgreSQL for both DATABASE_URL and itself")
		}
		rdb, err := OpenPostgres(readURL)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("open read replica: %w", err)
		}
		setPool(rdb, DefaultPool)
		replica = &Replica{SQL: rdb}
		replica.SetMaxLag(DefaultMaxLag)
		// A standby that does not answer at start is not fatal (reads go to the primary until
		// it does); one that answers but is not a standby is a mistake in the configuration.
		if err := replica.Check(pingCtx); errors.Is(err, ErrNotStandby) {
			db.Close()
			rdb.Close()
			return nil, err
		}
		drv = replicaDriver{Driver: drv, standby: entsql.OpenDB(dia, rdb), r: replica}
	}
	if wrap != nil {
		drv = wrap(drv)
	}
	client := ent.NewClient(ent.Driver(drv))
	authz.Install(client)
	namesearch.Install(client, dia)
	recordscope.Install(client, dia)
	accounts, reference := &watchers{}, &watchers{}
	installAccountHooks(client, dia, accounts)
	installReferenceHooks(client, dia, reference)
	d := &DB{Client: client, SQL: db, Writer: writer, Dialect: dia, Replica: replica, accounts: accounts, reference: reference}
	if replica != nil {
		wctx, stop := context.WithCancel(context.WithoutCancel(ctx))
		done := make(chan struct{})
		go func() { defer close(done); replica.Watch(wctx, ReplicaCheckEvery, nil) }()
		d.stopWatch = func() { stop(); <-done }
	}
	return d, nil
}

// WatchReplica logs when the standby stops or starts serving reads (nothing without one).
func (d *DB) WatchReplica(log *slog.Logger) {
	if d.Replica != nil {
		d.Replica.log.Store(log)
	}
}

// Pool is the PostgreSQL connection pool: Conns connections, all kept open while idle (a burst
// then never opens and closes sessions), each replaced after MaxLifetime when it is not zero.
type Pool struct {
	Conns       int
	MaxLifetime time.Duration
}

// DefaultPool is the pool Open starts PostgreSQL with.
var DefaultPool = Pool{Conns: 20}

// SetPool resizes the PostgreSQL pool (SQLite's is left as Open made it).
func (d *DB) SetPool(p Pool) {
	if d.Dialect == dialect.Postgres {
		setPool(d.SQL, p)
		if d.Replica != nil {
			setPool(d.Replica.SQL, p) // sized like the primary's: it takes the same kind of reads
		}
	}
}

func setPool(db *sql.DB, p Pool) {
	if p.Conns <= 0 {
		p.Conns = DefaultPool.Conns
	}
	db.SetMaxOpenConns(p.Conns)
	db.SetMaxIdleConns(p.Conns) // idle = open: no churn
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(p.MaxLifetime)
}

func sqliteDSN(url string) (string, error) {
	path := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite:"), "file:")
	query := ""
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path, query = path[:i], path[i+1:]
	}
	if path == "" {
		return "", errors.New("sqlite: empty database path")
	}
	if !strings.Contains(query, "mode=memory") && path != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return "", fmt.Errorf("sqlite: create folder: %w", err)
		}
	}
	dsn := "file:" + path + "?" + sqlitePragmas
	if !strings.Contains(query, "busy_timeout") {
		dsn += sqliteBusyTimeout
	}
	if query != "" {
		dsn += "&" + query
	}
	return dsn, nil
}

// MigrationsFS returns the embedded migrations of a dialect (the folder the generator writes).
func MigrationsFS(dia string) (fs.FS, error) {
	dir := "migrations/postgres"
	if dia == dialect.SQLite {
		dir = "migrations/sqlite"
	}
	return fs.Sub(migrations, dir)
}

// migrationLockID is the PostgreSQL advisory lock migrations hold (any constant no other user of
// the database takes; this is "liemchinh" in ASCII).
const migrationLockID = 0x6c69656d6368696e

// Migrate applies every pending versioned migration and reports what it applied.
func (d *DB) Migrate(ctx context.Context, log *slog.Logger) error {
	fsys, err := MigrationsFS(d.Dialect)
	if err != nil {
		return err
	}
	gd := goose.DialectPostgres
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true), goose.WithGoMigrations(goMigrations(d.Dialect)...)}
	if d.Dialect == dialect.SQLite {
		gd = goose.DialectSQLite3
	} else {
		// Processes starting together migrate one at a time: the first takes a session-level
		// advisory lock, the others wait for it (polling each second, up to half an hour: the
		// search backfill took 97 s on the national seed) and then find nothing left to apply.
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(migrationLockID), lock.WithLockTimeout(1, 1800))
		if err != nil {
			return err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(gd, d.SQL, fsys, opts...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, r := range results {
		if log != nil {
			log.InfoContext(ctx, "migration applied", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
		}
	}
	return nil
}

// ClientFrom returns the client of the transaction ctx carries (a GraphQL mutation runs in one),
// or root. Code that may run inside a mutation must use it: a write through the root client would
// deadlock SQLite and escape the transaction on PostgreSQL, and a read through it would wait for a
// second pooled connection while the transaction holds one (a pool deadlock under load).
func ClientFrom(ctx context.Context, root *ent.Client) *ent.Client {
	if c := ent.FromContext(ctx); c != nil {
		return c
	}
	return root
}

// InTx runs fn in the transaction ctx carries (a GraphQL mutation runs in one), or in a new one on
// root that it commits, or rolls back when fn fails. fn's context carries the transaction, so code
// it calls finds it through ClientFrom.
func InTx(ctx context.Context, root *ent.Client, fn func(context.Context, *ent.Client) error) error {
	if tx := ent.TxFromContext(ctx); tx != nil {
		return fn(ctx, tx.Client())
	}
	tx, err := root.Tx(ctx)
	if err != nil {
		return err
	}
	ctx = ent.NewTxContext(ent.NewContext(ctx, tx.Client()), tx)
	if err := fn(ctx, tx.Client()); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}

type undoneKey struct{}

// WithUndo returns a context for one part of a transaction (a mutation field) that may be rolled
// back to a savepoint on its own, and the function that records it was. Commit hooks registered
// in that part check Undone before acting on what it did.
func WithUndo(ctx context.Context) (context.Context, func()) {
	var undone atomic.Bool
	return context.WithValue(ctx, undoneKey{}, &undone), func() { undone.Store(true) }
}

// Undone reports whether the part of the transaction ctx belongs to was rolled back.
func Undone(ctx context.Context) bool {
	u, _ := ctx.Value(undoneKey{}).(*atomic.Bool)
	return u != nil && u.Load()
}
