// Command migrations writes the next versioned migration for each dialect by diffing the ent schema
// against a scratch database that replays the migrations already committed:
//
//	go run ./internal/tools/migrations -name add_holidays
//
// SQLite is diffed in memory; PostgreSQL on a throw-away database created on the server named by
// MIGRATIONS_DEV_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable).
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"time"

	"ariga.io/atlas/sql/sqltool"
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/schema"
	_ "github.com/lib/pq"
	_ "modernc.org/sqlite"

	"github.com/liemchinh/liemchinh/ent/migrate"
)

func main() {
	name := flag.String("name", "", "name of the migration, e.g. init")
	flag.Parse()
	if *name == "" {
		log.Fatal("-name is required")
	}
	ctx := context.Background()
	if err := diff(ctx, dialect.SQLite, "internal/store/migrations/sqlite", "file:dev?mode=memory&_pragma=foreign_keys(1)", "sqlite", *name); err != nil {
		log.Fatalf("sqlite: %v", err)
	}
	admin := os.Getenv("MIGRATIONS_DEV_DATABASE_URL")
	if admin == "" {
		admin = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	dev, drop, err := scratchPostgres(ctx, admin)
	if err != nil {
		log.Fatalf("postgres scratch database: %v", err)
	}
	defer drop()
	if err := diff(ctx, dialect.Postgres, "internal/store/migrations/postgres", dev, "postgres", *name); err != nil {
		log.Printf("postgres: %v", err)
		drop()
		os.Exit(1)
	}
}

func diff(ctx context.Context, dia, path, dsn, driver, name string) error {
	dir, err := sqltool.NewGooseDir(path)
	if err != nil {
		return err
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if dia == dialect.SQLite {
		db.SetMaxOpenConns(1)
	}
	m := migrate.NewSchema(entsql.OpenDB(dia, db))
	return m.NamedDiff(ctx, name,
		schema.WithDir(dir),
		schema.WithMigrationMode(schema.ModeReplay),
		schema.WithDialect(dia),
		schema.WithFormatter(sqltool.GooseFormatter),
		schema.WithDropColumn(true),
		schema.WithDropIndex(true),
	)
}

// scratchPostgres creates an empty database for the diff and returns its URL and a drop function.
func scratchPostgres(ctx context.Context, admin string) (string, func(), error) {
	db, err := sql.Open("postgres", admin)
	if err != nil {
		return "", nil, err
	}
	name := fmt.Sprintf("liemchinh_migrations_%d", time.Now().UnixNano())
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		db.Close()
		return "", nil, err
	}
	u, err := url.Parse(admin)
	if err != nil {
		return "", nil, err
	}
	u.Path = "/" + name
	// The trigram indexes (search) need pg_trgm, which their migration creates; the diff checks its
	// plan on this database, so the extension must be there first.
	if dev, err := sql.Open("postgres", u.String()); err == nil {
		_, err = dev.ExecContext(ctx, "CREATE EXTENSION IF NOT EXISTS pg_trgm")
		dev.Close()
		if err != nil {
			return "", nil, err
		}
	}
	return u.String(), func() {
		_, _ = db.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name)
		db.Close()
	}, nil
}
